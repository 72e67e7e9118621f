/* SPDX-License-Identifier: GPL-2.0-only */
/* The DHCP service of one network, in kvnetd: the engine (dhcp/) wired to
 * the datapath and the disk.
 *
 * Client messages come from the datapath's punt ring with the port they
 * came in on (ebpf/lib/dhcp.h); that is why kvnetd reads them there and
 * not from a socket on the gateway: the port decides trust, relaying and
 * the per-port lease cap, and chaddr is checked against the frame's
 * source MAC. Replies go out of that same port (AF_PACKET on the port's
 * device), with IPv4 and UDP checksums written here.
 *
 * Durability: the lease changes of every message are appended to the
 * journal (dhcp/dhcp_store.h); after a batch of punted messages, one
 * fdatasync covers them all, and only then do that batch's ACKs leave:
 * no ACK goes out before its lease is on disk. OFFERs and NAKs bind
 * nothing and leave as soon as they are built.
 *
 * In the background it ARP-probes free pool addresses (a few a second)
 * and watches the network's ARP: an address that answers, or that a
 * guest claims, without a lease is quarantined, so conflict detection
 * never makes a new client wait. It also keeps libvirt's <bridge>.status
 * up to date.
 */
#ifndef KVNET_DHCPD_H
#define KVNET_DHCPD_H

#include <stdbool.h>
#include <stdint.h>

#include "dhcp/dhcp_server.h"
#include "switch/error.h"
#include "kvnet_shared.h"

struct kvnetd;
struct kv_network;
struct dhcpd;

/* Serve DHCP on n (netxml_dhcp_enabled and an <ip>), with the leases its
 * journal holds. */
int dhcpd_open(struct kvnetd *d, struct kv_network *n, struct dhcpd **out,
	       struct kv_error *e);
/* Flush and stop; the journal stays for the next start. */
void dhcpd_close(struct dhcpd *s);
/* One punted client message, from a port that is (not) trusted: sent to
 * the sandboxed parser, served when its reply is read (at the latest in
 * dhcpd_flush). */
void dhcpd_rx(struct dhcpd *s, const struct kvnet_punt *p, bool trusted);
/* End of a batch: serve what is in flight, make its leases durable, then
 * send its ACKs. */
void dhcpd_flush(struct dhcpd *s);
/* Once a second: expiry, the status file, compaction, probing. */
void dhcpd_tick(struct dhcpd *s);

/* Every record (see dhcp_server_lease_next). */
int dhcpd_lease_next(const struct dhcpd *s, uint32_t *cursor, struct dhcp_lease_rec *out);
/* The record at ip (host order): 0, or -ENOENT. */
int dhcpd_lease_find(const struct dhcpd *s, uint32_t ip, struct dhcp_lease_rec *out);
const struct dhcp_counters *dhcpd_counters(const struct dhcpd *s);
/* A reservation added or removed live (the definition is the caller's). */
int dhcpd_host_add(struct dhcpd *s, const struct dhcp_host *h);
int dhcpd_host_del(struct dhcpd *s, const struct dhcp_host *h);

/* The definition's <host> as the engine's reservation. */
struct net_dhcp_host;
void dhcpd_host_from_def(const struct net_dhcp_host *in, struct dhcp_host *out);

#endif /* KVNET_DHCPD_H */
