// SPDX-License-Identifier: GPL-2.0-only
/* Network definitions: the allow-list tree walker.
 *
 * Every element handler reads its node through these: netxml_children
 * dispatches child elements through a table (unknown: -EINVAL, listed
 * without a handler: -EOPNOTSUPP, a second copy of a single element:
 * -EINVAL), netxml_attrs holds attributes to an allow-list the same way,
 * and the netxml_get* readers copy one attribute with its syntax checked.
 * Text, comments and processing instructions between elements are
 * tolerated where XML allows them; stray text is refused.
 */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <arpa/inet.h>

#include <libxml/tree.h>

#include "switch/netxml_int.h"

struct netxml_tag netxml_tag(const xmlNode *n)
{
	struct netxml_tag t;

	if (n->ns && n->ns->prefix)
		snprintf(t.s, sizeof(t.s), "%.38s:%.38s", n->ns->prefix,
			 n->name);
	else
		snprintf(t.s, sizeof(t.s), "%.78s", n->name);
	return t;
}

static bool nx_blank(const xmlChar *s)
{
	for (; s && *s; s++)
		if (!isspace(*s))
			return false;
	return true;
}

static const struct nx_elem *nx_lookup(const struct nx_elem *tab, size_t n,
				       const xmlNode *c)
{
	bool kv = c->ns && c->ns->href &&
		  !strcmp((const char *)c->ns->href, KVNET_XML_NS);
	size_t i;

	if (c->ns && !kv)
		return NULL;
	for (i = 0; i < n; i++)
		if (tab[i].kvnet == kv &&
		    !strcmp(tab[i].name, (const char *)c->name))
			return &tab[i];
	return NULL;
}

/* Text, comments and processing instructions between child elements. */
static int nx_other(struct nx *x, xmlNode *c, xmlNode *parent)
{
	switch (c->type) {
	case XML_TEXT_NODE:
	case XML_CDATA_SECTION_NODE:
		if (nx_blank(c->content))
			return 0;
		return nx_fail(x, -EINVAL, "unexpected text '%s' in <%s>",
			       SHOW((const char *)c->content), TAG(parent));
	case XML_COMMENT_NODE:
	case XML_PI_NODE:
		return 0;
	default:
		return nx_fail(x, -EINVAL, "unexpected XML node in <%s>",
			       TAG(parent));
	}
}

/* Dispatch the children of parent through tab (NULL: no children). */
int netxml_children(struct nx *x, xmlNode *parent,
		       const struct nx_elem *tab, size_t ntab)
{
	const struct nx_elem *e;
	uint32_t seen = 0, bit;
	xmlNode *c;
	int rc;

	for (c = parent->children; c; c = c->next) {
		if (c->type != XML_ELEMENT_NODE) {
			rc = nx_other(x, c, parent);
			if (rc < 0)
				return rc;
			continue;
		}
		e = nx_lookup(tab, ntab, c);
		if (!e)
			return nx_fail(x, -EINVAL, "unknown element <%s> in <%s>",
				       TAG(c), TAG(parent));
		if (!e->fn)
			return nx_fail(x, -EOPNOTSUPP,
				       "unsupported element <%s> in <%s>",
				       TAG(c), TAG(parent));
		bit = 1u << (e - tab);
		if (!e->multi && (seen & bit))
			return nx_fail(x, -EINVAL,
				       "duplicate element <%s> in <%s>", TAG(c),
				       TAG(parent));
		seen |= bit;
		rc = e->fn(x, c);
		if (rc < 0)
			return rc;
	}
	return 0;
}

/* Attributes of n must be in ok; those in unsup are libvirt features kvnet
 * does not implement. */
int netxml_attrs(struct nx *x, xmlNode *n, const char *const *ok,
		    const char *const *unsup)
{
	const xmlAttr *a;
	const char *name;

	for (a = n->properties; a; a = a->next) {
		name = (const char *)a->name;
		if (!a->ns && netxml_in_list(ok, name))
			continue;
		if (!a->ns && netxml_in_list(unsup, name))
			return nx_fail(x, -EOPNOTSUPP,
				       "unsupported attribute '%s' on <%s>",
				       name, TAG(n));
		return nx_fail(x, -EINVAL, "unknown attribute '%s%s%s' on <%s>",
			       a->ns && a->ns->prefix ?
			       (const char *)a->ns->prefix : "",
			       a->ns && a->ns->prefix ? ":" : "",
			       SHOW(name), TAG(n));
	}
	return 0;
}

/* Copy attribute attr into buf: 1 if present, 0 if absent, <0 on error.
 * required turns absence into an error. */
int netxml_get(struct nx *x, xmlNode *n, const char *attr, char *buf,
		  size_t len, bool required)
{
	xmlChar *v = xmlGetNoNsProp(n, (const xmlChar *)attr);
	size_t l;
	int rc = 1;

	if (!v && required)
		return nx_fail(x, -EINVAL, "missing attribute '%s' on <%s>",
			       attr, TAG(n));
	if (!v)
		return 0;
	l = strlen((const char *)v);
	if (l >= len)
		rc = nx_fail(x, -EINVAL, "%s='%s' on <%s> is too long (max %zu "
			     "characters)", attr, SHOW((const char *)v),
			     TAG(n), len - 1);
	else
		memcpy(buf, v, l + 1);
	xmlFree(v);
	return rc;
}

int netxml_get_uint(struct nx *x, xmlNode *n, const char *attr,
		       unsigned min, unsigned max, unsigned *out)
{
	char buf[32], *end;
	unsigned long v;
	int rc = netxml_get(x, n, attr, buf, sizeof(buf), false);

	if (rc <= 0)
		return rc;
	errno = 0;
	v = strtoul(buf, &end, 10);
	if (!isdigit((unsigned char)buf[0]) || *end || errno || v < min ||
	    v > max)
		return nx_fail(x, -EINVAL,
			       "invalid %s='%s' on <%s>: expected an integer "
			       "in %u..%u", attr, SHOW(buf), TAG(n), min, max);
	*out = (unsigned)v;
	return 1;
}

int netxml_get_ip4(struct nx *x, xmlNode *n, const char *attr,
		      struct in_addr *out)
{
	char buf[64];
	int rc = netxml_get(x, n, attr, buf, sizeof(buf), true);

	if (rc < 0)
		return rc;
	if (strchr(buf, ':'))
		return nx_fail(x, -EOPNOTSUPP,
			       "IPv6 address %s='%s' on <%s>: IPv6 is not "
			       "supported yet", attr, SHOW(buf), TAG(n));
	if (inet_pton(AF_INET, buf, out) != 1)
		return nx_fail(x, -EINVAL,
			       "invalid IPv4 address %s='%s' on <%s>", attr,
			       SHOW(buf), TAG(n));
	return 1;
}

/* Interface-name attribute, checked as netxml_check_ifname does, at any
 * length: a fixed read buffer would report its own size as the limit. */
int netxml_get_ifname(struct nx *x, xmlNode *n, const char *attr,
		      size_t max, const char *what, char *out)
{
	xmlChar *v = xmlGetNoNsProp(n, (const xmlChar *)attr);
	int rc;

	if (!v)
		return 0;
	rc = netxml_check_ifname((const char *)v, max, what, x->err,
				 x->errlen);
	if (rc == 0)
		memcpy(out, v, strlen((const char *)v) + 1);
	xmlFree(v);
	return rc < 0 ? rc : 1;
}

/* Text content of a leaf element, whitespace-trimmed. */
int netxml_text(struct nx *x, xmlNode *n, char *buf, size_t len,
		   const char *what)
{
	xmlNode *c;
	xmlChar *v;
	size_t b = 0, e;
	int rc = netxml_attrs(x, n, NULL, NULL);

	for (c = n->children; rc == 0 && c; c = c->next)
		if (c->type == XML_ELEMENT_NODE)
			return nx_fail(x, -EINVAL,
				       "unexpected element <%s> in <%s>",
				       TAG(c), TAG(n));
	if (rc < 0)
		return rc;
	v = xmlNodeGetContent(n);
	if (!v) /* an element's content is at least "" */
		return nx_fail(x, -ENOMEM, "out of memory");
	e = strlen((const char *)v);
	while (b < e && isspace(v[b]))
		b++;
	while (e > b && isspace(v[e - 1]))
		e--;
	if (e - b >= len) {
		v[e] = '\0';
		rc = nx_fail(x, -EINVAL, "%s '%s' is too long (max %zu "
			     "characters)", what, SHOW((char *)v + b), len - 1);
	} else {
		memcpy(buf, (char *)v + b, e - b);
		buf[e - b] = '\0';
	}
	xmlFree(v);
	return rc;
}

