/* SPDX-License-Identifier: GPL-2.0-only */
/* Lease records as JSON (jansson): the journal's lines and libvirt's
 * <bridge>.status file. Text in, text out; no files (dhcp_store does the
 * I/O).
 *
 * Journal line (dhcp_json_format_rec), keys absent when empty:
 *   {"ip":"10.0.0.5","state":"bound","id":"01:52:54:00:12:34:56",
 *    "cid":true,"htype":1,"mac":"52:54:00:12:34:56","hostname":"vm1",
 *    "expiry":1700003600,"port":3}
 * A "free" record is {"ip":"10.0.0.5","state":"free"}.
 */
#ifndef KVNET_DHCP_JSON_H
#define KVNET_DHCP_JSON_H

#include <stddef.h>
#include <stdint.h>

#include "dhcp/dhcp_lease.h"

/* One record as a line of compact JSON (no '\n'), malloc'd; NULL if out
 * of memory. */
char *dhcp_json_format_rec(const struct dhcp_lease_rec *r);
/* A line back into *r: 0, or -EINVAL with a static reason in *why. The
 * host name is sanitised again. */
int dhcp_json_parse_rec(const char *line, size_t len, struct dhcp_lease_rec *r,
			const char **why);

/* libvirt's <bridge>.status: a JSON array with one object per bound
 * lease not expired at now: "ip-address", "mac-address", "hostname" (if
 * any), "client-id" (option 61 as colon hex, as dnsmasq gives it, if the
 * client sent one), "expiry-time" (epoch seconds; left out for an
 * infinite lease, as libvirt's leaseshelper does). *out is malloc'd.
 * -ENOMEM. */
int dhcp_json_status(const struct dhcp_lease_rec *recs, size_t n, uint64_t now,
		     char **out);

/* "01:52:54:..": lower-case colon hex of p[0 .. n) into out (3n bytes,
 * "" for n = 0). */
void dhcp_json_hex(const uint8_t *p, size_t n, char *out);

#endif /* KVNET_DHCP_JSON_H */
