/* SPDX-License-Identifier: GPL-2.0-only */
/* The NSS module's side of kvnetd's names socket (dns/dns_names.h): one
 * question, one connection, bounded in time so that a hung kvnetd never
 * hangs the host's name lookups. The socket is
 * $KVNET_RUN_DIR/kvnetd-names.sock, else /run/kvnet/kvnetd-names.sock; the
 * variable is read with secure_getenv, so setuid and setgid programs
 * always ask the system's kvnetd. libc only: this runs inside every
 * process that resolves a host name. */
#ifndef KVNET_NSS_CLIENT_H
#define KVNET_NSS_CLIENT_H

#include "dns/dns_names.h"

/* The whole exchange, connecting included, ends within this. */
#define NSS_CLIENT_TIMEOUT_MS 1000

/* Ask kvnetd q. Returns the number of answers put in out[0..max) (0:
 * kvnetd knows nothing of it), or -errno when kvnetd cannot be asked
 * (not running: -ENOENT, -ECONNREFUSED; no answer in time: -ETIMEDOUT;
 * an answer that is none: -EBADMSG). Keeps no state; thread-safe. */
int nss_client_ask(const struct dns_names_req *q, struct dns_names_entry *out, int max);

#endif /* KVNET_NSS_CLIENT_H */
