// SPDX-License-Identifier: GPL-2.0-only
/* Network definitions: a pre-scan of the raw bytes that refuses documents
 * too costly to hand to libxml2.
 *
 * libxml2 2.9 checks each attribute of an element against every earlier
 * one (duplicate attributes and namespace declarations), so one element
 * with 143,000 attributes, well under NETXML_DOC_MAX, held the parser for
 * minutes; there is no libxml2 option to bound that work. This scan runs
 * first, in one linear pass, and enforces NETXML_MAX_ATTRS,
 * NETXML_MAX_ELEMENTS, NETXML_MAX_DEPTH and NETXML_MAX_NS: limits no
 * libvirt network document comes near (they are a few levels deep and a
 * few hundred elements long, even with NET_MAX_HOSTS reservations).
 *
 * The scan must see at least what libxml2 will parse, so it does not
 * model comments, CDATA or processing instructions: every '<' that starts
 * a name is treated as a start tag wherever it is. A start tag runs to the
 * first '>' outside quotes, but never past a '<' (libxml2 cannot either:
 * '<' is not allowed in an attribute value, and an error ends the tag), and
 * every attribute libxml2 accepts needs one '=' outside quotes, so the
 * count of those is an upper bound. Markup inside comments may make the
 * counts larger than libxml2's, never smaller; libvirt documents do not
 * come near the limits either way. Depth is counted the same way and
 * backed by libxml2's own limit of 256 levels.
 *
 * Byte-level counting holds only for encodings in which '<', '=', '>' and
 * the quotes are the ASCII bytes: UTF-8 (what libvirt writes), ASCII and
 * ISO-8859-n. Documents in UTF-16, UTF-32 or EBCDIC, or declaring another
 * encoding (UTF-7, ...), are refused before libxml2 could convert them.
 */
#include <ctype.h>
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "switch/netxml_int.h"

struct nx_scan {
	const char *buf, *end;
	char *err;
	size_t errlen;
	unsigned elements, depth, ns;
};

/* "encoding" values whose structural characters are single ASCII bytes. */
static bool nx_scan_enc_ok(const char *name)
{
	static const char *const ok[] = { "UTF-8", "UTF8", "US-ASCII",
					  "ASCII", NULL };
	const char *const *o;
	char *end;
	long n;

	for (o = ok; *o; o++)
		if (!strcasecmp(name, *o))
			return true;
	if (strncasecmp(name, "ISO-8859-", 9))
		return false;
	n = strtol(name + 9, &end, 10);
	return !*end && n >= 1 && n <= 16 && isdigit((unsigned char)name[9]);
}

/* At p (just after "encoding"): S? '=' S? quote EncName quote, as libxml2
 * reads it. Returns false when that encoding is not one we can scan. */
static bool nx_scan_enc_decl(const char *p, const char *end, char *name,
			     size_t len)
{
	size_t n = 0;
	char q;

	while (p < end && isspace((unsigned char)*p))
		p++;
	if (p >= end || *p++ != '=')
		return true; /* not a declaration libxml2 acts on */
	while (p < end && isspace((unsigned char)*p))
		p++;
	if (p >= end || (*p != '"' && *p != '\''))
		return true;
	q = *p++;
	while (p < end && *p != q && n + 1 < len)
		name[n++] = *p++;
	name[n] = '\0';
	if (p >= end || *p != q)
		return true; /* unterminated or too long: libxml2 refuses it */
	return nx_scan_enc_ok(name);
}

/* The first bytes by which libxml2 recognises an encoding that is not
 * ASCII-compatible (xmlDetectCharEncoding). */
static const struct {
	const char *bytes, *name;
	size_t len;
} nx_scan_sigs[] = {
	{ "\xfe\xff", "UTF-16 (byte-order mark)", 2 },
	{ "\xff\xfe", "UTF-16 (byte-order mark)", 2 },
	{ "\x3c\x00\x3f\x00", "UTF-16", 4 },
	{ "\x00\x3c\x00\x3f", "UTF-16", 4 },
	{ "\x00\x00\x00\x3c", "UCS-4", 4 },
	{ "\x3c\x00\x00\x00", "UCS-4", 4 },
	{ "\x00\x00\x3c\x00", "UCS-4", 4 },
	{ "\x00\x3c\x00\x00", "UCS-4", 4 },
	{ "\x4c\x6f\xa7\x94", "EBCDIC", 4 },
};

/* Those signatures, and the encoding= of an XML declaration at the
 * start. */
static int nx_scan_encoding(struct nx_scan *s)
{
	size_t len = (size_t)(s->end - s->buf), i;
	const char *p = s->buf, *gt;
	char name[64];

	for (i = 0; i < sizeof(nx_scan_sigs) / sizeof(nx_scan_sigs[0]); i++)
		if (len >= nx_scan_sigs[i].len &&
		    !memcmp(p, nx_scan_sigs[i].bytes, nx_scan_sigs[i].len))
			return netxml_fail(s->err, s->errlen, -EINVAL,
					   "document is %s: network XML must "
					   "be UTF-8", nx_scan_sigs[i].name);
	if (len >= 3 && !memcmp(p, "\xef\xbb\xbf", 3))
		p += 3;
	while (p < s->end && isspace((unsigned char)*p))
		p++;
	if ((size_t)(s->end - p) < 5 || memcmp(p, "<?xml", 5))
		return 0;
	gt = memchr(p, '>', (size_t)(s->end - p));
	if (!gt)
		gt = s->end;
	for (; (p = memmem(p, (size_t)(gt - p), "encoding", 8)); p += 8)
		if (!nx_scan_enc_decl(p + 8, gt, name, sizeof(name)))
			return netxml_fail(s->err, s->errlen, -EINVAL,
					   "unsupported encoding '%s': network "
					   "XML must be UTF-8", SHOW(name));
	return 0;
}

/* Line number of p, for messages. */
static unsigned nx_scan_line(const struct nx_scan *s, const char *p)
{
	unsigned line = 1;
	const char *c;

	for (c = s->buf; c < p; c++)
		line += *c == '\n';
	return line;
}

/* Is the attribute name at name "xmlns" or "xmlns:prefix"? */
static bool nx_scan_is_xmlns(const char *name, const char *end)
{
	return end - name > 5 && !memcmp(name, "xmlns", 5) &&
	       (name[5] == ':' || name[5] == '=' ||
		isspace((unsigned char)name[5]));
}

/* Past the quoted value at p (a quote): the closing quote, or the '<' or
 * end of input that cuts it short. */
static const char *nx_scan_quoted(const struct nx_scan *s, const char *p)
{
	const char *q = p + 1;

	while (q < s->end && *q != *p && *q != '<')
		q++;
	return q;
}

static void nx_scan_tag_fail(struct nx_scan *s, const char *t, unsigned attrs)
{
	char tag[48];

	snprintf(tag, sizeof(tag), "%.*s",
		 (int)strcspn(t + 1, " \t\r\n/>="), t + 1);
	if (attrs > NETXML_MAX_ATTRS)
		netxml_msg(s->err, s->errlen, "element <%s> at line %u has more "
			   "than %d attributes (the limit for network XML)",
			   SHOW(tag), nx_scan_line(s, t), NETXML_MAX_ATTRS);
	else if (s->ns > NETXML_MAX_NS)
		netxml_msg(s->err, s->errlen, "more than %d namespace "
			   "declarations (xmlns) in the document (the limit "
			   "for network XML)", NETXML_MAX_NS);
	else
		netxml_msg(s->err, s->errlen, "element <%s> at line %u is nested "
			   "more than %d deep (the limit for network XML)",
			   SHOW(tag), nx_scan_line(s, t), NETXML_MAX_DEPTH);
}

/* The start tag at t ('<' + name). Returns where scanning resumes (after
 * '>', or at a '<' that cut the tag short), or NULL with err set when a
 * limit is exceeded. `name` is the last attribute-name token seen. */
static const char *nx_scan_tag(struct nx_scan *s, const char *t)
{
	const char *p, *name = NULL;
	bool space = true;
	unsigned attrs = 0;

	for (p = t + 1; p < s->end; p++) {
		if (*p == '<')
			return p;
		if (*p == '>') {
			if (p[-1] != '/' && ++s->depth > NETXML_MAX_DEPTH)
				break;
			return p + 1;
		}
		if (*p == '"' || *p == '\'') {
			p = nx_scan_quoted(s, p);
			if (p >= s->end || *p == '<')
				return p;
		} else if (isspace((unsigned char)*p)) {
			space = true;
		} else if (*p != '=') {
			if (space)
				name = p;
			space = false;
		} else if (++attrs > NETXML_MAX_ATTRS ||
			   (name && nx_scan_is_xmlns(name, s->end) &&
			    ++s->ns > NETXML_MAX_NS)) {
			break;
		} else {
			name = NULL;
		}
	}
	if (p >= s->end)
		return p;
	nx_scan_tag_fail(s, t, attrs);
	return NULL;
}

/* Could libxml2 read a start tag at p ('<')? A name starts with a letter,
 * '_', ':' or a non-ASCII character. */
static bool nx_scan_starts_tag(const char *p)
{
	unsigned char c = (unsigned char)p[1];

	return isalpha(c) || c == '_' || c == ':' || c >= 0x80;
}

int netxml_scan(const char *buf, size_t len, char *err, size_t errlen)
{
	struct nx_scan s = { .buf = buf, .end = buf + len, .err = err,
			     .errlen = errlen };
	const char *p = buf;
	int rc = nx_scan_encoding(&s);

	while (rc == 0 && p < s.end && (p = memchr(p, '<', (size_t)(s.end - p)))) {
		if (p + 1 >= s.end)
			break;
		if (p[1] == '/') {
			s.depth -= s.depth > 0;
			p += 2;
		} else if (!nx_scan_starts_tag(p)) {
			p++; /* comments, PIs, declarations: scanned as text */
		} else if (++s.elements > NETXML_MAX_ELEMENTS) {
			rc = netxml_fail(err, errlen, -EINVAL, "document has more "
					 "than %d elements (the limit for "
					 "network XML)", NETXML_MAX_ELEMENTS);
		} else if (!(p = nx_scan_tag(&s, p))) {
			rc = -EINVAL;
		}
	}
	return rc;
}
