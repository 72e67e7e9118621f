// SPDX-License-Identifier: GPL-2.0-only
/* The names socket's line protocol (see dns_names.h): requests and reply
 * lines, written and read back. Every byte is looked at through a span
 * (pointer and length), never past it, and nothing here needs a NUL in
 * what it reads. */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <arpa/inet.h>
#include <sys/socket.h>

#include "dns/dns_names.h"

/* A stretch of bytes that may hold anything. */
struct dns_names_span {
	const char *p;
	size_t len;
};

static bool dns_names_label_char(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
	       c == '-' || c == '_';
}

bool dns_names_valid(const char *name, size_t len)
{
	size_t label = 0;

	if (len == 0 || len > DNS_NAMES_NAME_LEN)
		return false;
	for (size_t i = 0; i < len; i++) {
		if (name[i] == '.') {
			if (label == 0)
				return false; /* leading dot or ".." */
			label = 0;
		} else if (!dns_names_label_char(name[i]) || ++label > DNS_NAMES_LABEL_LEN) {
			return false;
		}
	}
	return label > 0; /* no trailing dot */
}

/* Does span s start with the keyword kw ("name ", "addr ")? Then s is
 * moved past it. */
static bool dns_names_keyword(struct dns_names_span *s, const char *kw)
{
	size_t n = strlen(kw);

	if (s->len < n || memcmp(s->p, kw, n) != 0)
		return false;
	s->p += n;
	s->len -= n;
	return true;
}

static bool dns_names_addr_char(char c)
{
	return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F') ||
	       c == ':' || c == '.';
}

/* The address written in s: its family, or 0 if s is no address. */
static int dns_names_addr_parse(struct dns_names_span s, uint8_t addr[16])
{
	char text[DNS_NAMES_ADDR_LEN + 1];

	if (s.len == 0 || s.len > DNS_NAMES_ADDR_LEN)
		return 0;
	for (size_t i = 0; i < s.len; i++)
		if (!dns_names_addr_char(s.p[i]))
			return 0;
	memcpy(text, s.p, s.len);
	text[s.len] = '\0';
	if (!memchr(text, ':', s.len))
		return inet_pton(AF_INET, text, addr) == 1 ? AF_INET : 0;
	return inet_pton(AF_INET6, text, addr) == 1 ? AF_INET6 : 0;
}

int dns_names_request_parse(const char *buf, size_t len, struct dns_names_req *req)
{
	struct dns_names_span s = { buf, len };

	memset(req, 0, sizeof(*req));
	if (len < 2 || len > DNS_NAMES_REQUEST_MAX || buf[len - 1] != '\n')
		return -EINVAL;
	s.len--; /* the newline; the rest of the checks reject any other */
	if (dns_names_keyword(&s, "name ")) {
		if (!dns_names_valid(s.p, s.len))
			return -EINVAL;
		req->kind = DNS_NAMES_BY_NAME;
		memcpy(req->name, s.p, s.len);
		return 0;
	}
	if (dns_names_keyword(&s, "addr ")) {
		req->kind = DNS_NAMES_BY_ADDR;
		req->family = dns_names_addr_parse(s, req->addr);
		return req->family ? 0 : -EINVAL;
	}
	return -EINVAL;
}

int dns_names_request_format(const struct dns_names_req *req, char *out, size_t cap)
{
	char addr[INET6_ADDRSTRLEN];
	int n;

	if (req->kind == DNS_NAMES_BY_NAME) {
		if (!dns_names_valid(req->name, strnlen(req->name, sizeof(req->name))))
			return -EINVAL;
		n = snprintf(out, cap, "name %s\n", req->name);
	} else {
		if ((req->family != AF_INET && req->family != AF_INET6) ||
		    !inet_ntop(req->family, req->addr, addr, sizeof(addr)))
			return -EINVAL;
		n = snprintf(out, cap, "addr %s\n", addr);
	}
	return n < 0 || (size_t)n >= cap ? -ENOSPC : n;
}

void dns_names_reply_init(struct dns_names_reply *r)
{
	r->len = 0;
	r->lines = 0;
	r->text[0] = '\0';
}

int dns_names_reply_add(struct dns_names_reply *r, const char *name, int family,
			const void *addr)
{
	char text[INET6_ADDRSTRLEN];
	size_t room = sizeof(r->text) - r->len - 1; /* the empty line's */
	int n;

	if (!dns_names_valid(name, strnlen(name, DNS_NAMES_NAME_LEN + 1)) ||
	    (family != AF_INET && family != AF_INET6) ||
	    !inet_ntop(family, addr, text, sizeof(text)))
		return -EINVAL;
	if (r->lines >= DNS_NAMES_REPLY_LINES)
		return -ENOSPC;
	n = snprintf(r->text + r->len, room + 1, "%s %s\n", name, text);
	if (n < 0 || (size_t)n > room) {
		r->text[r->len] = '\0';
		return -ENOSPC;
	}
	r->len += (size_t)n;
	r->lines++;
	return 0;
}

void dns_names_reply_end(struct dns_names_reply *r)
{
	r->text[r->len++] = '\n';
}

/* One reply line (without its newline) into e. */
static int dns_names_line_parse(struct dns_names_span line, struct dns_names_entry *e)
{
	const char *sp = memchr(line.p, ' ', line.len);
	struct dns_names_span name, addr;

	if (!sp)
		return -EBADMSG;
	name = (struct dns_names_span){ line.p, (size_t)(sp - line.p) };
	addr = (struct dns_names_span){ sp + 1, line.len - name.len - 1 };
	if (!dns_names_valid(name.p, name.len))
		return -EBADMSG;
	e->family = dns_names_addr_parse(addr, e->addr);
	if (!e->family)
		return -EBADMSG;
	memcpy(e->name, name.p, name.len);
	e->name[name.len] = '\0';
	return 0;
}

int dns_names_reply_parse(const char *buf, size_t len, struct dns_names_entry *out, int max)
{
	struct dns_names_span rest = { buf, len };
	int n = 0;

	for (;;) {
		const char *nl = memchr(rest.p, '\n', rest.len);
		struct dns_names_span line = { rest.p, nl ? (size_t)(nl - rest.p) : 0 };

		if (!nl)
			return rest.len > DNS_NAMES_LINE_MAX ? -EBADMSG : -EAGAIN;
		rest.p = nl + 1;
		rest.len -= line.len + 1;
		if (line.len == 0)
			return rest.len ? -EBADMSG : n;
		if (n >= max || dns_names_line_parse(line, &out[n]) < 0)
			return -EBADMSG;
		n++;
	}
}
