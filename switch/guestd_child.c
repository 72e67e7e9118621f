// SPDX-License-Identifier: GPL-2.0-only
/* kvnetd --guestd FD UID GID: the sandboxed parser (see guestd.h). It
 * enters its sandbox, then serves requests from kvnetd on FD, one at a
 * time, until kvnetd closes its end: a guest's bytes in, what was in
 * them out. It keeps nothing from one request to the next.
 *
 * In the fault-injection build (kvnetd-faults, -DKVNET_FAULTS), a DHCP
 * host name kvnet-fault-WHAT, or a DNS query for kvnet-fault-WHAT.<any>,
 * makes it misbehave for the tests
 * (tests/integration/test_privsep.py): crash (abort), open, socket,
 * exec (try what the sandbox forbids), badmsg (a reply of another
 * version).
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/prctl.h>
#include <sys/socket.h>

#include "switch/dhcpd_int.h"
#include "switch/guestd.h"
#include "switch/guestd_int.h"
#include "switch/log.h"

/* What one child holds: scratch for the parsers, the messages. */
struct guestd_child {
	int fd;
	struct dhcp_msg msg;
	union {
		struct guestd_hdr h;
		struct guestd_dhcp_req dhcp;
		struct guestd_dns_req dns;
	} in;
	union {
		struct guestd_hdr h;
		struct guestd_dhcp_digest dhcp;
		struct guestd_dns_digest dns;
	} out;
};

static void guestd_reply_hdr(struct guestd_child *c, uint16_t type, uint32_t len)
{
	c->out.h = (struct guestd_hdr){ GUESTD_VERSION, type, len, c->in.h.seq, 0 };
}

#ifdef KVNET_FAULTS
/* Try what the sandbox forbids; say what happened, if anything did. */
static void guestd_fault(struct guestd_child *c, const char *name)
{
	static const char *const argv[] = { "/bin/sh", "-c", "true", NULL };
	const char *what = name + strlen("kvnet-fault-");
	int ret = 0;

	if (strncmp(name, "kvnet-fault-", strlen("kvnet-fault-")))
		return;
	log_warn("guestd: fault injection: %s", what);
	if (!strcmp(what, "crash"))
		abort();
	else if (!strcmp(what, "open"))
		ret = open("/etc/passwd", O_RDONLY);
	else if (!strcmp(what, "socket"))
		ret = socket(AF_INET, SOCK_DGRAM, 0);
	else if (!strcmp(what, "exec"))
		ret = execve(argv[0], (char *const *)argv, NULL);
	else if (!strcmp(what, "badmsg"))
		c->out.h.version = GUESTD_VERSION + 1;
	else if (!strcmp(what, "hang"))
		for (;;) /* a parser caught in a loop: no system call, no reply */
			__asm__ volatile("" ::: "memory");
	log_warn("guestd: fault injection: %s returned %d (%s)", what, ret,
		 ret < 0 ? strerror(errno) : "allowed");
}
#else
static void guestd_fault(struct guestd_child *c, const char *name)
{
	(void)c;
	(void)name;
}
#endif

static void guestd_dhcp(struct guestd_child *c)
{
	struct guestd_dhcp_digest *out = &c->out.dhcp;
	struct kvnet_punt *p = &c->in.dhcp.punt;
	struct dhcpd_in in;

	memset(out, 0, sizeof(*out));
	guestd_reply_hdr(c, GUESTD_DHCP_DIGEST, sizeof(*out));
	if (p->len > KVNET_PUNT_BYTES)
		p->len = KVNET_PUNT_BYTES;
	if (dhcpd_frame_parse(p, &in) < 0)
		return;
	out->frame_ok = 1;
	out->broadcast = in.broadcast;
	memcpy(out->src_mac, in.src_mac, 6);
	dhcp_digest_parse(in.payload, in.len, &c->msg, &out->d);
	guestd_fault(c, out->d.hostname);
}

static void guestd_dns(struct guestd_child *c)
{
	struct guestd_dns_digest *out = &c->out.dns;
	const struct guestd_dns_req *in = &c->in.dns;
	char label[64];

	memset(out, 0, sizeof(*out));
	guestd_reply_hdr(c, GUESTD_DNS_DIGEST, sizeof(*out));
	dns_digest_parse(in->query, in->len < sizeof(in->query) ? in->len : sizeof(in->query),
			 &out->d);
	dns_digest_first_label(&out->d, label);
	guestd_fault(c, label);
}

/* A request from kvnetd: checked as kvnetd checks replies (a bug there
 * must not become one here). */
static bool guestd_request_ok(const struct guestd_hdr *h, ssize_t n)
{
	size_t want = h->type == GUESTD_DHCP_REQ ? sizeof(struct guestd_dhcp_req) :
		      h->type == GUESTD_DNS_REQ	 ? sizeof(struct guestd_dns_req) : 0;

	return n >= (ssize_t)sizeof(*h) && h->version == GUESTD_VERSION &&
	       h->len == (size_t)n && want && h->len == want;
}

static int guestd_serve(struct guestd_child *c)
{
	ssize_t n;

	for (;;) {
		n = recv(c->fd, &c->in, sizeof(c->in), MSG_TRUNC);
		if (n == 0)
			return 0; /* kvnetd is gone */
		if (n < 0)
			return errno == EINTR ? 0 : 1;
		if (!guestd_request_ok(&c->in.h, n)) {
			log_err("guestd: a request of kvnetd's makes no sense: exiting");
			return 1;
		}
		if (c->in.h.type == GUESTD_DHCP_REQ)
			guestd_dhcp(c);
		else
			guestd_dns(c);
		if (send(c->fd, &c->out, c->out.h.len, 0) < 0)
			return 1;
	}
}

static bool guestd_number(const char *s, unsigned long max, unsigned long *out)
{
	char *end;

	errno = 0;
	*out = strtoul(s, &end, 10);
	return !errno && *s && !*end && *out <= max;
}

int guestd_main(int argc, char **argv)
{
	static struct guestd_child c;
	unsigned long fd, uid, gid;
	char err[256];

	/* never root: kvnetd refuses such a --sandbox-user, and so does this */
	if (argc != 5 || !guestd_number(argv[2], INT_MAX, &fd) ||
	    !guestd_number(argv[3], UINT_MAX - 1, &uid) ||
	    !guestd_number(argv[4], UINT_MAX - 1, &gid) || !uid || !gid) {
		log_err("guestd: usage: kvnetd --guestd FD UID GID (kvnetd runs it)");
		return 2;
	}
	c.fd = (int)fd;
	/* the log's timestamps read the time zone once, from a file: now */
	tzset();
	prctl(PR_SET_NAME, "kvnet-guestd", 0, 0, 0);
	if (guestd_sandbox(c.fd, (uid_t)uid, (gid_t)gid, err, sizeof(err)) < 0) {
		log_err("guestd: cannot enter the sandbox: %s", err);
		return 1;
	}
	return guestd_serve(&c);
}
