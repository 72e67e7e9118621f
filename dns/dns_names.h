/* SPDX-License-Identifier: GPL-2.0-only */
/* The line protocol of kvnetd's names socket, <run-dir>/kvnetd-names.sock
 * (issue 16): how the host's NSS module (nss/) asks kvnetd for the
 * guests' names, one question per connection. Any local user may connect,
 * so the protocol is tiny, fixed and checked byte by byte on both ends:
 *
 *   request:  "name NAME\n"  or  "addr IPV4|IPV6\n"
 *   reply:    zero or more "NAME ADDR\n" lines, then "\n"; then the
 *             daemon closes the connection.
 *
 * NAME is a host name: dot-separated labels of letters, digits, '-' and
 * '_', each 1-63 bytes, 253 bytes in all, no trailing dot. ADDR is an
 * address as inet_ntop writes it. A request that is anything else gets no
 * reply: the connection is closed.
 *
 * Pure and libc-only: kvnetd and the NSS module (which links nothing but
 * libc) both compile this file; fuzzed by tests/fuzz/fuzz_dns_names.c. */
#ifndef KVNET_DNS_NAMES_H
#define KVNET_DNS_NAMES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define DNS_NAMES_SOCK "kvnetd-names.sock"
#define DNS_NAMES_RUN_DIR "/run/kvnet" /* kvnetd's default run dir */

#define DNS_NAMES_NAME_LEN 253 /* a host name, as text */
#define DNS_NAMES_LABEL_LEN 63
#define DNS_NAMES_ADDR_LEN 45 /* INET6_ADDRSTRLEN less its NUL */
/* "name " + NAME + "\n", the longest request */
#define DNS_NAMES_REQUEST_MAX (5 + DNS_NAMES_NAME_LEN + 1)
/* NAME + " " + ADDR + "\n", the longest reply line */
#define DNS_NAMES_LINE_MAX (DNS_NAMES_NAME_LEN + 1 + DNS_NAMES_ADDR_LEN + 1)
/* A reply holds at most this many lines: a name's addresses (one of each
 * family), or the names of one address (the canonical one first). */
#define DNS_NAMES_REPLY_LINES 8
#define DNS_NAMES_REPLY_MAX (DNS_NAMES_REPLY_LINES * DNS_NAMES_LINE_MAX + 1)

enum dns_names_kind {
	DNS_NAMES_BY_NAME, /* "name NAME": its addresses */
	DNS_NAMES_BY_ADDR, /* "addr ADDR": its names */
};

struct dns_names_req {
	enum dns_names_kind kind;
	char name[DNS_NAMES_NAME_LEN + 1]; /* BY_NAME */
	int family;			   /* BY_ADDR: AF_INET or AF_INET6 */
	uint8_t addr[16];		   /* BY_ADDR, network order */
};

/* One line of a reply. */
struct dns_names_entry {
	char name[DNS_NAMES_NAME_LEN + 1];
	int family; /* AF_INET or AF_INET6 */
	uint8_t addr[16];
};

/* A reply being written: its lines, then the empty line. */
struct dns_names_reply {
	char text[DNS_NAMES_REPLY_MAX];
	size_t len;
	int lines;
};

/* Is name[0..len) a host name as the protocol has them? */
bool dns_names_valid(const char *name, size_t len);

/* The request in buf[0..len), which must be exactly one line (its last
 * byte the only '\n'). 0, or -EINVAL for anything else. */
int dns_names_request_parse(const char *buf, size_t len, struct dns_names_req *req);
/* The request line for req into out; its length, or -EINVAL/-ENOSPC. */
int dns_names_request_format(const struct dns_names_req *req, char *out, size_t cap);

/* Start an empty reply. */
void dns_names_reply_init(struct dns_names_reply *r);
/* Add the line "name addr". 0, -EINVAL for a name the protocol cannot
 * carry, -ENOSPC when the reply is full. */
int dns_names_reply_add(struct dns_names_reply *r, const char *name, int family,
			const void *addr);
/* End the reply with its empty line. */
void dns_names_reply_end(struct dns_names_reply *r);

/* Read a whole reply from buf[0..len): the number of lines put in
 * out[0..max), -EAGAIN when the reply is not complete yet (no empty
 * line), -EBADMSG when it is not a reply (a bad line, more than max
 * lines, bytes after the empty line). */
int dns_names_reply_parse(const char *buf, size_t len, struct dns_names_entry *out, int max);

#endif /* KVNET_DNS_NAMES_H */
