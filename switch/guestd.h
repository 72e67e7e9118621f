/* SPDX-License-Identifier: GPL-2.0-only */
/* Privilege separation: the bytes guests send (DHCP messages, DNS
 * queries) are parsed in a child process, kvnetd --guestd, and kvnetd
 * gets back what was in them as fixed-size data (guestd_msg.h) that it
 * checks before use. See docs/privsep.md.
 *
 * The child is kvnetd run again (posix_spawn of /proc/self/exe), so its
 * address space holds nothing of the daemon's: no lease, no BPF map, no
 * socket but its end of a SOCK_SEQPACKET socketpair. Before it reads a
 * message it enters a mount namespace whose root is an empty read-only
 * tmpfs, and a network namespace of its own, drops to the sandbox user
 * (setgroups, setgid, setuid: no capability left, which it verifies),
 * sets no_new_privs and loads a seccomp allow-list (guestd_sandbox.c).
 *
 * kvnetd side (this module): the child is started with the daemon,
 * watched through a pidfd on the event loop, and started again when it
 * dies (at once, then with a growing delay if it keeps dying young). A
 * request waits for its reply (GUESTD_REPLY_MS at most): a child that
 * does not answer in time, or answers with a message that fails the
 * checks, is killed and replaced, and the packet is dropped (the guest
 * retries). Nothing is lost with it: it keeps no state.
 */
#ifndef KVNET_GUESTD_H
#define KVNET_GUESTD_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "switch/guestd_msg.h"

#define GUESTD_REPLY_MS 500
/* A child that dies younger than this died young. */
#define GUESTD_YOUNG_MS 10000
/* Restarts at once after this many young deaths in a row; then after
 * GUESTD_BACKOFF_MS, doubling up to GUESTD_BACKOFF_MAX_MS. */
#define GUESTD_FREE_RESTARTS 8
#define GUESTD_BACKOFF_MS 250
#define GUESTD_BACKOFF_MAX_MS 30000

struct loop;
struct guestd;

/* Who the child runs as: kvnetd --sandbox-user. */
struct guestd_user {
	char name[64];
	uid_t uid;
	gid_t gid;
};

/* The user name (NULL: 'kvnet' if that user exists, else 'nobody') to
 * ids. -ENOENT, -EPERM (root), with a message in err. */
int guestd_user_lookup(const char *name, struct guestd_user *u, char *err, size_t errlen);

/* Start the child. An error is logged and the child retried later: the
 * daemon runs on without (DHCP and DNS messages are dropped meanwhile). */
int guestd_open(struct loop *l, const struct guestd_user *u, struct guestd **out);
/* Stop the child (SIGKILL) and reap it. */
void guestd_close(struct guestd *g);
/* Once a second: start a child whose delay has passed. */
void guestd_tick(struct guestd *g);

/* Send req (its h.type and h.len set; the rest of h is filled here) and
 * receive the reply of type want, exactly want_len bytes, into reply.
 * 0; -EAGAIN (no child now), -EPIPE (it died), -ETIMEDOUT, -EPROTO (a
 * reply that failed the checks: logged, the child replaced). */
int guestd_call(struct guestd *g, struct guestd_hdr *req, uint16_t want, struct guestd_hdr *reply,
		size_t want_len);
/* The same in two steps, for requests in flight together: send (never
 * waiting: -EAGAIN when the child's queue is full), then receive the
 * replies in the order the requests went. */
int guestd_send(struct guestd *g, struct guestd_hdr *req);
int guestd_recv(struct guestd *g, const struct guestd_hdr *req, uint16_t want,
		struct guestd_hdr *reply, size_t want_len);
/* The child found a reply's contents wrong (after guestd_call's checks
 * of its header): logged, the child replaced. */
void guestd_reject(struct guestd *g, const char *what, const char *why);

/* The child's pid, 0 when there is none. */
pid_t guestd_pid(const struct guestd *g);

/* The child's main: kvnetd --guestd FD UID GID. */
int guestd_main(int argc, char **argv);

#endif /* KVNET_GUESTD_H */
