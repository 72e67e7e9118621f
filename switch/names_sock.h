/* SPDX-License-Identifier: GPL-2.0-only */
/* kvnetd's names socket: <run-dir>/kvnetd-names.sock, mode 0666, where
 * the host's NSS module (nss/, libnss_kvnet) asks for the guests' names
 * (issue 16), so `getent hosts vm1` and `ssh vm1` work for every user.
 * It answers name lookups and nothing else, in the fixed line protocol of
 * dns/dns_names.h, from the names of every active network (those of
 * switch/network_dns.c's zone: <dns><host>, reservations, DHCP
 * hostnames; the first network that knows a name answers for it).
 *
 * Any local user may connect, so nothing they do can stall the daemon or
 * lock others out:
 *
 * - one request per connection, at most DNS_NAMES_REQUEST_MAX bytes, due
 *   within NAMES_SOCK_REQUEST_MS of connecting; the reply is a few hundred
 *   bytes, sent at once without waiting, and the connection is closed;
 * - anything but a well-formed request closes the connection unanswered;
 * - at most NAMES_SOCK_MAX_CLIENTS wait for their request; a newcomer
 *   beyond that takes the slot of the one that has waited longest;
 * - when accept() runs out of descriptors, accepting pauses for
 *   NAMES_SOCK_ACCEPT_PAUSE_MS (or until a client leaves).
 *
 * Like the control socket, it keeps its own epoll set and timer; the
 * daemon's loop watches names_sock_fd() and calls names_sock_run(). */
#ifndef KVNET_NAMES_SOCK_H
#define KVNET_NAMES_SOCK_H

#include <stddef.h>

#include "dns/dns_names.h"
#include "switch/error.h"

struct kvnetd;
struct dns_zone;
struct names_sock;

#define NAMES_SOCK_MAX_CLIENTS 64
#define NAMES_SOCK_REQUEST_MS 1000
#define NAMES_SOCK_ACCEPT_PAUSE_MS 1000

/* Listen on path (mode 0666), replacing any socket file there. */
int names_sock_open(struct names_sock **out, const char *path, struct kv_error *e);
/* An epoll fd that is readable whenever names_sock_run() has work. */
int names_sock_fd(const struct names_sock *s);
/* Accept, read, answer, time out whatever is due. */
void names_sock_run(struct names_sock *s, struct kvnetd *d);
void names_sock_close(struct names_sock *s);

/* The reply to the request line buf[0..len) from d's active networks
 * (zone: scratch room for one network's names). Returns the number of
 * lines in r (ended, ready to send), or -EINVAL for no valid request. */
int names_sock_answer(struct kvnetd *d, struct dns_zone *zone, const char *buf, size_t len,
		      struct dns_names_reply *r);

#endif /* KVNET_NAMES_SOCK_H */
