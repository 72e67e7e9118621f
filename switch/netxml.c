// SPDX-License-Identifier: GPL-2.0-only
/* Network definitions: libvirt network XML <-> struct net_def.
 *
 * The parser walks the libxml2 tree against per-element tables: an element
 * or attribute that is not in a table is refused (-EINVAL), one that is
 * listed without a handler is a libvirt feature kvnet does not implement
 * (-EOPNOTSUPP). Values are checked as they are read (syntax) and then by
 * netxml_validate (meaning), which `net create` shares. The formatter writes
 * the libvirt form back, declaring the kvnet: namespace only when a kvnet
 * setting differs from its default.
 */
#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>

#include <libxml/parser.h>
#include <libxml/tree.h>
#include <libxml/xmlerror.h>
#include <linux/types.h>

#include "common/addr.h"
#include "common/hash.h"
#include "kvnet_shared.h"
#include "switch/netxml.h"

static const char *const netxml_mode_names[NET_MODE_COUNT] = {
	[NET_MODE_ISOLATED] = "isolated", [NET_MODE_NAT] = "nat",
	[NET_MODE_ROUTE] = "route",	  [NET_MODE_OPEN] = "open",
	[NET_MODE_BRIDGE] = "bridge",
};

/* libvirt forward modes kvnet does not implement. */
static const char *const netxml_mode_unsupported[] = {
	"private", "vepa", "passthrough", "hostdev", NULL,
};

/* ---- small helpers ------------------------------------------------------ */

static void nx_msg(char *err, size_t errlen, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static void nx_msg(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;

	if (err && errlen) {
		va_start(ap, fmt);
		vsnprintf(err, errlen, fmt, ap);
		va_end(ap);
	}
}

/* Write the message, evaluate to rc: `return netxml_fail(err, len, -EINVAL,
 * "bad %s", x);`. */
#define netxml_fail(err, errlen, rc, ...) \
	(nx_msg((err), (errlen), __VA_ARGS__), (rc))

/* A user-supplied string made safe for a one-line message: at most 40
 * characters, anything unprintable shown as '?'. */
struct nx_show {
	char s[48];
};

static struct nx_show nx_show(const char *in)
{
	struct nx_show o;
	size_t i;

	for (i = 0; in && in[i] && i < 40; i++)
		o.s[i] = isprint((unsigned char)in[i]) ? in[i] : '?';
	if (in && in[i]) {
		memcpy(o.s + i, "...", 3);
		i += 3;
	}
	o.s[i] = '\0';
	return o;
}

#define SHOW(str) (nx_show(str).s)

static bool nx_in(const char *const *list, const char *s)
{
	for (; list && *list; list++)
		if (!strcmp(*list, s))
			return true;
	return false;
}

static const char *nx_ntoa(uint32_t host_order, char buf[INET_ADDRSTRLEN])
{
	struct in_addr a = { .s_addr = htonl(host_order) };

	return inet_ntop(AF_INET, &a, buf, INET_ADDRSTRLEN);
}

static int nx_random(void *buf, size_t len)
{
	uint8_t *p = buf;
	ssize_t r;

	while (len) {
		r = getrandom(p, len, 0);
		if (r < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		p += r;
		len -= (size_t)r;
	}
	return 0;
}

static int nx_random_mac(uint8_t mac[6])
{
	mac[0] = 0x52, mac[1] = 0x54, mac[2] = 0x00;
	return nx_random(mac + 3, 3);
}

/* RFC 4122 §4.4: version 4, variant 10x. */
static int nx_random_uuid(uint8_t uuid[16])
{
	int rc = nx_random(uuid, 16);

	uuid[6] = (uuid[6] & 0x0f) | 0x40;
	uuid[8] = (uuid[8] & 0x3f) | 0x80;
	return rc;
}

static int nx_hex(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	c = tolower(c);
	return c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
}

/* 32 hex digits, either bare or in the 8-4-4-4-12 form. */
static int nx_uuid_parse(const char *s, uint8_t uuid[16])
{
	size_t len = strlen(s), i, k = 0;
	bool dashed = len == 36;
	int h;

	if (len != 32 && len != 36)
		return -EINVAL;
	for (i = 0; i < len; i++) {
		if (dashed && (i == 8 || i == 13 || i == 18 || i == 23)) {
			if (s[i] != '-')
				return -EINVAL;
			continue;
		}
		h = nx_hex(s[i]);
		if (h < 0)
			return -EINVAL;
		if (k % 2 == 0)
			uuid[k / 2] = (uint8_t)(h << 4);
		else
			uuid[k / 2] |= (uint8_t)h;
		k++;
	}
	return 0;
}

void netxml_uuid_format(const uint8_t u[16], char out[37])
{
	snprintf(out, 37,
		 "%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-"
		 "%02x%02x%02x%02x%02x%02x",
		 u[0], u[1], u[2], u[3], u[4], u[5], u[6], u[7], u[8], u[9],
		 u[10], u[11], u[12], u[13], u[14], u[15]);
}

/* Names of networks, DHCP hosts and the domain share one rule. */
static bool nx_label_valid(const char *s, size_t max)
{
	size_t i;

	if (!s[0] || s[0] == '.' || s[0] == '-')
		return false;
	for (i = 0; s[i]; i++) {
		if (i >= max)
			return false;
		if (!isalnum((unsigned char)s[i]) && !strchr("_.-", s[i]))
			return false;
	}
	return true;
}

bool netxml_name_valid(const char *name)
{
	return name && nx_label_valid(name, NET_NAME_MAX - 1);
}

/* Interface names: what the kernel accepts (dev_valid_name), narrowed to
 * printable ASCII so that every name survives XML and JSON unchanged, and
 * without '%', which the kernel takes as a template ("vm%d" -> "vm0"). */
int netxml_check_ifname(const char *s, size_t max, const char *what,
			char *err, size_t errlen)
{
	size_t i, len = strlen(s);

	if (!len || !strcmp(s, ".") || !strcmp(s, ".."))
		return netxml_fail(err, errlen, -EINVAL, "invalid %s '%s'",
				   what, SHOW(s));
	for (i = 0; i < len; i++)
		if (s[i] <= ' ' || s[i] > '~' || strchr("/:%", s[i]))
			return netxml_fail(err, errlen, -EINVAL,
					   "invalid %s '%s': no spaces, '/', "
					   "':' or '%%' allowed", what, SHOW(s));
	if (len > max)
		return netxml_fail(err, errlen, -EINVAL,
				   "%s '%s' is too long (max %zu characters)",
				   what, SHOW(s), max);
	return 0;
}

const char *net_mode_name(enum net_mode mode)
{
	if ((unsigned)mode >= NET_MODE_COUNT)
		return "unknown";
	return netxml_mode_names[mode];
}

int net_mode_parse(const char *s)
{
	int i;

	for (i = 0; s && i < NET_MODE_COUNT; i++)
		if (!strcmp(s, netxml_mode_names[i]))
			return i;
	return -1;
}

bool net_subnets_overlap(const struct net_def *a, const struct net_def *b)
{
	return a->has_ip && b->has_ip &&
	       kv_prefix_overlap(a->ip, a->prefix, b->ip, b->prefix);
}

static void nx_init_def(struct net_def *def)
{
	memset(def, 0, sizeof(*def));
	def->bridge_stp = true; /* libvirt's default */
	def->nat_port_min = NET_NAT_PORT_MIN;
	def->nat_port_max = NET_NAT_PORT_MAX;
	def->datapath = NET_DATAPATH_EBPF;
	def->fdb_aging_s = KVNET_AGING_DEFAULT_S;
	def->fdb_max = KVNET_FDB_MAX;
}

/* ---- validation ----------------------------------------------------------
 * Everything the two constructors share. Messages name the offending value.
 */

/* The default gateway device is kvnet-<name>; a name too long for
 * IFNAMSIZ gets kvnet-<8 hex digits of its hash> instead (stable, and
 * checked for clashes like any bridge name). */
static int nx_check_bridge(struct net_def *def, char *err, size_t errlen)
{
	char dflt[8 + NET_NAME_MAX];

	if (def->bridge[0])
		return netxml_check_ifname(def->bridge, NET_BRIDGE_NAME_MAX,
				       "bridge name", err, errlen);
	snprintf(dflt, sizeof(dflt), "kvnet-%s", def->name);
	if (strlen(dflt) > NET_BRIDGE_NAME_MAX)
		snprintf(dflt, sizeof(dflt), "kvnet-%08x", kv_name_hash(def->name));
	memcpy(def->bridge, dflt, strlen(dflt) + 1);
	return 0;
}

static int nx_check_mode(const struct net_def *def, char *err, size_t errlen)
{
	const char *m = net_mode_name(def->mode);

	if ((unsigned)def->mode >= NET_MODE_COUNT)
		return netxml_fail(err, errlen, -EINVAL, "invalid mode %d",
				   (int)def->mode);
	if (def->uplink[0] && def->mode == NET_MODE_ISOLATED)
		return netxml_fail(err, errlen, -EINVAL,
				   "uplink '%s' needs a forward mode (nat, "
				   "route, open or bridge)", def->uplink);
	if (def->mode == NET_MODE_BRIDGE && !def->uplink[0])
		return netxml_fail(err, errlen, -EINVAL,
				   "forward mode 'bridge' needs an uplink: "
				   "<forward mode='bridge' dev='IF'/> or "
				   "<interface dev='IF'/>");
	if (def->mode == NET_MODE_BRIDGE && def->has_ip)
		return netxml_fail(err, errlen, -EINVAL,
				   "forward mode 'bridge' takes no <ip>: guests "
				   "get addresses from the LAN");
	if (def->mode != NET_MODE_ISOLATED && def->mode != NET_MODE_BRIDGE &&
	    !def->has_ip)
		return netxml_fail(err, errlen, -EINVAL,
				   "forward mode '%s' needs an <ip> (the "
				   "gateway address and prefix)", m);
	if (def->nat_port_min < 1 || def->nat_port_min > def->nat_port_max)
		return netxml_fail(err, errlen, -EINVAL,
				   "invalid NAT port range %u-%u",
				   def->nat_port_min, def->nat_port_max);
	if (def->mode != NET_MODE_NAT &&
	    (def->nat_port_min != NET_NAT_PORT_MIN ||
	     def->nat_port_max != NET_NAT_PORT_MAX))
		return netxml_fail(err, errlen, -EINVAL,
				   "NAT port range %u-%u set on a '%s' network",
				   def->nat_port_min, def->nat_port_max, m);
	return 0;
}

static int nx_check_misc(const struct net_def *def, char *err, size_t errlen)
{
	char mac[18];

	kv_mac_format(def->mac, mac);
	if (!kv_mac_usable(def->mac))
		return netxml_fail(err, errlen, -EINVAL,
				   "invalid bridge MAC %s: must be unicast and "
				   "not all-zero", mac);
	if (def->mtu && (def->mtu < 68 || def->mtu > 65535))
		return netxml_fail(err, errlen, -EINVAL,
				   "invalid MTU %u (68..65535)", def->mtu);
	if (def->domain[0] && !nx_label_valid(def->domain, 63))
		return netxml_fail(err, errlen, -EINVAL,
				   "invalid domain name '%s'", SHOW(def->domain));
	if (def->datapath != NET_DATAPATH_EBPF &&
	    def->datapath != NET_DATAPATH_USER)
		return netxml_fail(err, errlen, -EINVAL, "invalid datapath %d",
				   (int)def->datapath);
	if (def->fdb_aging_s < NET_FDB_AGING_MIN ||
	    def->fdb_aging_s > NET_FDB_AGING_MAX)
		return netxml_fail(err, errlen, -EINVAL,
				   "FDB aging %u s out of range (%d..%d)",
				   def->fdb_aging_s, NET_FDB_AGING_MIN,
				   NET_FDB_AGING_MAX);
	if (def->fdb_max < NET_FDB_MAX_MIN || def->fdb_max > NET_FDB_MAX_MAX)
		return netxml_fail(err, errlen, -EINVAL,
				   "FDB max %u out of range (%d..%d)",
				   def->fdb_max, NET_FDB_MAX_MIN,
				   NET_FDB_MAX_MAX);
	return 0;
}

/* The subnet of def as host-order network address and mask. */
struct nx_subnet {
	uint32_t net, mask, bcast, gw;
	char str[INET_ADDRSTRLEN + 4];
};

static struct nx_subnet nx_subnet(const struct net_def *def)
{
	struct nx_subnet sn;
	char a[INET_ADDRSTRLEN];

	sn.gw = ntohl(def->ip.s_addr);
	sn.mask = kv_prefix_mask(def->prefix);
	sn.net = sn.gw & sn.mask;
	sn.bcast = sn.net | ~sn.mask;
	snprintf(sn.str, sizeof(sn.str), "%s/%u", nx_ntoa(sn.net, a),
		 def->prefix);
	return sn;
}

static bool nx_in_subnet(const struct nx_subnet *sn, uint32_t a)
{
	return (a & sn->mask) == sn->net && a != sn->net && a != sn->bcast;
}

static int nx_check_gateway(const struct net_def *def, char *err,
			    size_t errlen)
{
	struct nx_subnet sn;
	char a[INET_ADDRSTRLEN];
	unsigned first;

	if (def->prefix < 1 || def->prefix > 30)
		return netxml_fail(err, errlen, -EINVAL,
				   "prefix /%u out of range: use 1..30 (room "
				   "for a gateway and guests)", def->prefix);
	sn = nx_subnet(def);
	first = sn.gw >> 24;
	if (first == 0 || first == 127 || first >= 224)
		return netxml_fail(err, errlen, -EINVAL,
				   "gateway %s is not a usable unicast address",
				   nx_ntoa(sn.gw, a));
	if (sn.gw == sn.net || sn.gw == sn.bcast)
		return netxml_fail(err, errlen, -EINVAL,
				   "gateway %s is the %s address of %s",
				   nx_ntoa(sn.gw, a),
				   sn.gw == sn.net ? "network" : "broadcast",
				   sn.str);
	return 0;
}

static int nx_check_ranges(const struct net_def *def, char *err,
			   size_t errlen)
{
	struct nx_subnet sn = nx_subnet(def);
	char a[INET_ADDRSTRLEN], b[INET_ADDRSTRLEN], g[INET_ADDRSTRLEN];
	char c[INET_ADDRSTRLEN], d[INET_ADDRSTRLEN];
	uint32_t s, e, s2, e2;
	int i, j;

	for (i = 0; i < def->nranges; i++) {
		s = ntohl(def->ranges[i].start.s_addr);
		e = ntohl(def->ranges[i].end.s_addr);
		nx_ntoa(s, a), nx_ntoa(e, b), nx_ntoa(sn.gw, g);
		if (s > e)
			return netxml_fail(err, errlen, -EINVAL,
					   "DHCP range %s-%s: start is after "
					   "end", a, b);
		if (!nx_in_subnet(&sn, s) || !nx_in_subnet(&sn, e))
			return netxml_fail(err, errlen, -EINVAL,
					   "DHCP range %s-%s is not inside the "
					   "hosts of subnet %s", a, b, sn.str);
		if (s <= sn.gw && sn.gw <= e)
			return netxml_fail(err, errlen, -EINVAL,
					   "DHCP range %s-%s covers the gateway "
					   "%s", a, b, g);
		for (j = 0; j < i; j++) {
			s2 = ntohl(def->ranges[j].start.s_addr);
			e2 = ntohl(def->ranges[j].end.s_addr);
			if (s <= e2 && s2 <= e)
				return netxml_fail(err, errlen, -EINVAL,
						   "DHCP ranges %s-%s and %s-%s "
						   "overlap", nx_ntoa(s2, c),
						   nx_ntoa(e2, d), a, b);
		}
	}
	return 0;
}

/* Host i against the subnet and against hosts 0..i-1. */
static int nx_check_host(const struct net_def *def, int i, char *err,
			 size_t errlen)
{
	const struct net_dhcp_host *h = &def->hosts[i], *o;
	struct nx_subnet sn = nx_subnet(def);
	uint32_t ip = ntohl(h->ip.s_addr);
	char a[INET_ADDRSTRLEN], m[18];
	int j;

	nx_ntoa(ip, a);
	kv_mac_format(h->mac, m);
	if (!h->has_mac && !h->name[0])
		return netxml_fail(err, errlen, -EINVAL,
				   "DHCP host %s needs a mac or a name", a);
	if (h->has_mac && !kv_mac_usable(h->mac))
		return netxml_fail(err, errlen, -EINVAL,
				   "DHCP host %s: MAC %s is not a unicast "
				   "address", a, m);
	if (h->name[0] && !nx_label_valid(h->name, 63))
		return netxml_fail(err, errlen, -EINVAL,
				   "DHCP host %s: invalid host name '%s'", a,
				   SHOW(h->name));
	if (!nx_in_subnet(&sn, ip) || ip == sn.gw)
		return netxml_fail(err, errlen, -EINVAL,
				   "DHCP host IP %s is %s", a,
				   ip == sn.gw ? "the gateway address" :
				   "not a host address of the subnet");
	for (j = 0; j < i; j++) {
		o = &def->hosts[j];
		if (o->ip.s_addr == h->ip.s_addr)
			return netxml_fail(err, errlen, -EINVAL,
					   "duplicate DHCP host IP %s", a);
		if (h->has_mac && o->has_mac && !memcmp(o->mac, h->mac, 6))
			return netxml_fail(err, errlen, -EINVAL,
					   "duplicate DHCP host MAC %s", m);
		if (h->name[0] && !strcmp(o->name, h->name))
			return netxml_fail(err, errlen, -EINVAL,
					   "duplicate DHCP host name '%s'",
					   h->name);
	}
	return 0;
}

static int nx_check_ip(const struct net_def *def, char *err, size_t errlen)
{
	int rc, i;

	if (def->nranges < 0 || def->nranges > NET_MAX_RANGES ||
	    def->nhosts < 0 || def->nhosts > NET_MAX_HOSTS)
		return netxml_fail(err, errlen, -EINVAL,
				   "too many DHCP ranges or hosts (max %d, %d)",
				   NET_MAX_RANGES, NET_MAX_HOSTS);
	if (!def->has_ip) {
		if (def->nranges || def->nhosts)
			return netxml_fail(err, errlen, -EINVAL,
					   "DHCP ranges and hosts need an "
					   "<ip>");
		return 0;
	}
	rc = nx_check_gateway(def, err, errlen);
	if (rc < 0)
		return rc;
	rc = nx_check_ranges(def, err, errlen);
	for (i = 0; rc == 0 && i < def->nhosts; i++)
		rc = nx_check_host(def, i, err, errlen);
	return rc;
}

int netxml_validate(struct net_def *def, char *err, size_t errlen)
{
	int rc;

	if (!netxml_name_valid(def->name))
		return netxml_fail(err, errlen, -EINVAL,
				   "invalid network name '%s': use 1-63 of "
				   "A-Z a-z 0-9 _ . -, not starting with '.' "
				   "or '-'", SHOW(def->name));
	rc = nx_check_bridge(def, err, errlen);
	if (rc == 0 && def->uplink[0])
		rc = netxml_check_ifname(def->uplink, IFNAMSIZ - 1, "uplink", err,
				     errlen);
	if (rc == 0)
		rc = nx_check_mode(def, err, errlen);
	if (rc == 0)
		rc = nx_check_misc(def, err, errlen);
	if (rc == 0)
		rc = nx_check_ip(def, err, errlen);
	return rc;
}

/* ---- parsing ------------------------------------------------------------ */

struct nx {
	struct net_def *def;
	char *err;
	size_t errlen;
	bool has_name, has_uuid, has_mac;
	char fwd_dev[IFNAMSIZ]; /* <forward dev=> */
	char if_dev[IFNAMSIZ];	/* <interface dev=> */
	int nifaces, nips;
};

#define nx_fail(x, rc, ...) netxml_fail((x)->err, (x)->errlen, rc, __VA_ARGS__)

typedef int (*nx_fn)(struct nx *x, xmlNode *n);

struct nx_elem {
	const char *name;
	bool kvnet; /* in KVNET_XML_NS, else in no namespace */
	bool multi; /* may repeat */
	nx_fn fn;   /* NULL: a libvirt feature kvnet does not implement */
};

/* "<prefix:name>" as the document spelled it. */
struct nx_tag {
	char s[80];
};

static struct nx_tag nx_tag(const xmlNode *n)
{
	struct nx_tag t;

	if (n->ns && n->ns->prefix)
		snprintf(t.s, sizeof(t.s), "%.38s:%.38s", n->ns->prefix,
			 n->name);
	else
		snprintf(t.s, sizeof(t.s), "%.78s", n->name);
	return t;
}

#define TAG(n) (nx_tag(n).s)

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
static int nx_children(struct nx *x, xmlNode *parent,
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
static int nx_attrs(struct nx *x, xmlNode *n, const char *const *ok,
		    const char *const *unsup)
{
	const xmlAttr *a;
	const char *name;

	for (a = n->properties; a; a = a->next) {
		name = (const char *)a->name;
		if (!a->ns && nx_in(ok, name))
			continue;
		if (!a->ns && nx_in(unsup, name))
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
static int nx_get(struct nx *x, xmlNode *n, const char *attr, char *buf,
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

static int nx_get_uint(struct nx *x, xmlNode *n, const char *attr,
		       unsigned min, unsigned max, unsigned *out)
{
	char buf[32], *end;
	unsigned long v;
	int rc = nx_get(x, n, attr, buf, sizeof(buf), false);

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

static int nx_get_ip4(struct nx *x, xmlNode *n, const char *attr,
		      struct in_addr *out)
{
	char buf[64];
	int rc = nx_get(x, n, attr, buf, sizeof(buf), true);

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

/* Interface-name attribute, checked as nx_check_ifname does. */
static int nx_get_ifname(struct nx *x, xmlNode *n, const char *attr,
			 size_t max, const char *what, char *out)
{
	char buf[64];
	int rc = nx_get(x, n, attr, buf, sizeof(buf), false);

	if (rc <= 0)
		return rc;
	rc = netxml_check_ifname(buf, max, what, x->err, x->errlen);
	if (rc < 0)
		return rc;
	memcpy(out, buf, strlen(buf) + 1);
	return 1;
}

/* Text content of a leaf element, whitespace-trimmed. */
static int nx_text(struct nx *x, xmlNode *n, char *buf, size_t len,
		   const char *what)
{
	xmlNode *c;
	xmlChar *v;
	size_t b = 0, e;
	int rc = nx_attrs(x, n, NULL, NULL);

	for (c = n->children; rc == 0 && c; c = c->next)
		if (c->type == XML_ELEMENT_NODE)
			return nx_fail(x, -EINVAL,
				       "unexpected element <%s> in <%s>",
				       TAG(c), TAG(n));
	if (rc < 0)
		return rc;
	v = xmlNodeGetContent(n);
	e = v ? strlen((const char *)v) : 0;
	while (b < e && isspace(v[b]))
		b++;
	while (e > b && isspace(v[e - 1]))
		e--;
	if (e - b >= len) {
		v[e] = '\0';
		rc = nx_fail(x, -EINVAL, "%s '%s' is too long (max %zu "
			     "characters)", what, SHOW((char *)v + b), len - 1);
	} else {
		memcpy(buf, v ? (char *)v + b : "", e - b);
		buf[e - b] = '\0';
	}
	xmlFree(v);
	return rc;
}

static int nx_name(struct nx *x, xmlNode *n)
{
	x->has_name = true;
	return nx_text(x, n, x->def->name, sizeof(x->def->name),
		       "network name");
}

static int nx_uuid(struct nx *x, xmlNode *n)
{
	char buf[64] = { 0 };
	int rc = nx_text(x, n, buf, sizeof(buf), "uuid");

	if (rc < 0)
		return rc;
	if (nx_uuid_parse(buf, x->def->uuid) < 0)
		return nx_fail(x, -EINVAL, "invalid uuid '%s'", SHOW(buf));
	x->has_uuid = true;
	return 0;
}

static int nx_nat_port(struct nx *x, xmlNode *n)
{
	static const char *const ok[] = { "start", "end", NULL };
	unsigned start = 0, end = 0;
	int rc = nx_attrs(x, n, ok, NULL);

	if (rc == 0)
		rc = nx_children(x, n, NULL, 0);
	if (rc < 0)
		return rc;
	if (!xmlHasProp(n, (const xmlChar *)"start") ||
	    !xmlHasProp(n, (const xmlChar *)"end"))
		return nx_fail(x, -EINVAL,
			       "<port> in <nat> needs start= and end=");
	rc = nx_get_uint(x, n, "start", 1, 65535, &start);
	if (rc >= 0)
		rc = nx_get_uint(x, n, "end", 1, 65535, &end);
	if (rc < 0)
		return rc;
	if (start > end)
		return nx_fail(x, -EINVAL, "NAT port range %u-%u: start is "
			       "after end", start, end);
	x->def->nat_port_min = (uint16_t)start;
	x->def->nat_port_max = (uint16_t)end;
	return 0;
}

static int nx_nat(struct nx *x, xmlNode *n)
{
	static const char *const unsup[] = { "ipv6", NULL };
	static const struct nx_elem tab[] = {
		{ "port", false, false, nx_nat_port },
		{ "address", false, false, NULL },
	};
	int rc;

	if (x->def->mode != NET_MODE_NAT)
		return nx_fail(x, -EINVAL, "<nat> is only valid in <forward "
			       "mode='nat'>, not mode '%s'",
			       net_mode_name(x->def->mode));
	rc = nx_attrs(x, n, NULL, unsup);
	return rc < 0 ? rc : nx_children(x, n, tab, 2);
}

static int nx_iface(struct nx *x, xmlNode *n)
{
	static const char *const ok[] = { "dev", "connections", NULL };
	int rc = nx_attrs(x, n, ok, NULL);

	if (rc == 0)
		rc = nx_children(x, n, NULL, 0);
	if (rc < 0)
		return rc;
	if (++x->nifaces > 1)
		return nx_fail(x, -EOPNOTSUPP, "only one uplink <interface> "
			       "in <forward> is supported");
	rc = nx_get_ifname(x, n, "dev", IFNAMSIZ - 1, "uplink", x->if_dev);
	if (rc == 0)
		return nx_fail(x, -EINVAL, "missing attribute 'dev' on "
			       "<interface>");
	return rc < 0 ? rc : 0;
}

static int nx_forward_mode(struct nx *x, xmlNode *n)
{
	char mode[32];
	int rc = nx_get(x, n, "mode", mode, sizeof(mode), false), m;

	if (rc < 0)
		return rc;
	if (rc == 0) { /* <forward/> means nat, as in libvirt */
		x->def->mode = NET_MODE_NAT;
		return 0;
	}
	if (nx_in(netxml_mode_unsupported, mode))
		return nx_fail(x, -EOPNOTSUPP, "unsupported forward mode '%s'",
			       mode);
	m = net_mode_parse(mode);
	if (m < 0 || m == NET_MODE_ISOLATED)
		return nx_fail(x, -EINVAL, "unknown forward mode '%s': use "
			       "nat, route, open or bridge", SHOW(mode));
	x->def->mode = (enum net_mode)m;
	return 0;
}

static int nx_forward(struct nx *x, xmlNode *n)
{
	static const char *const ok[] = { "mode", "dev", NULL };
	static const char *const unsup[] = { "managed", NULL };
	static const struct nx_elem tab[] = {
		{ "nat", false, false, nx_nat },
		{ "interface", false, true, nx_iface },
		{ "pf", false, true, NULL },
		{ "address", false, true, NULL },
		{ "driver", false, false, NULL },
	};
	int rc = nx_attrs(x, n, ok, unsup);

	if (rc == 0)
		rc = nx_forward_mode(x, n);
	if (rc == 0)
		rc = nx_get_ifname(x, n, "dev", IFNAMSIZ - 1, "uplink",
				   x->fwd_dev);
	return rc < 0 ? rc : nx_children(x, n, tab, 5);
}

static int nx_bridge(struct nx *x, xmlNode *n)
{
	static const char *const ok[] = { "name", "stp", "delay", NULL };
	static const char *const unsup[] = { "macTableManager", "zone", NULL };
	char stp[8];
	int rc = nx_attrs(x, n, ok, unsup);

	if (rc == 0)
		rc = nx_children(x, n, NULL, 0);
	if (rc == 0)
		rc = nx_get_ifname(x, n, "name", NET_BRIDGE_NAME_MAX,
				   "bridge name", x->def->bridge);
	if (rc >= 0)
		rc = nx_get_uint(x, n, "delay", 0, 600, &x->def->bridge_delay);
	if (rc >= 0)
		rc = nx_get(x, n, "stp", stp, sizeof(stp), false);
	if (rc <= 0)
		return rc;
	if (strcmp(stp, "on") && strcmp(stp, "off"))
		return nx_fail(x, -EINVAL, "invalid stp='%s' on <bridge>: use "
			       "'on' or 'off'", SHOW(stp));
	x->def->bridge_stp = !strcmp(stp, "on");
	return 0;
}

static int nx_mac(struct nx *x, xmlNode *n)
{
	static const char *const ok[] = { "address", NULL };
	char buf[32];
	int rc = nx_attrs(x, n, ok, NULL);

	if (rc == 0)
		rc = nx_children(x, n, NULL, 0);
	if (rc == 0)
		rc = nx_get(x, n, "address", buf, sizeof(buf), true);
	if (rc < 0)
		return rc;
	if (kv_mac_parse(buf, x->def->mac) < 0)
		return nx_fail(x, -EINVAL, "invalid MAC address '%s' in <mac>",
			       SHOW(buf));
	x->has_mac = true;
	return 0;
}

static int nx_domain(struct nx *x, xmlNode *n)
{
	static const char *const ok[] = { "name", NULL };
	static const char *const unsup[] = { "localOnly", "register", NULL };
	int rc = nx_attrs(x, n, ok, unsup);

	if (rc == 0)
		rc = nx_children(x, n, NULL, 0);
	if (rc == 0)
		rc = nx_get(x, n, "name", x->def->domain,
			    sizeof(x->def->domain), true);
	return rc < 0 ? rc : 0;
}

/* <title> and <description>: plain text, kept and written back.
 * (<metadata> belongs to other applications: accepted and dropped.) */
static int nx_text_elem(struct nx *x, xmlNode *n, char *out, size_t len)
{
	xmlChar *text;
	int rc = nx_attrs(x, n, NULL, NULL);

	for (xmlNode *c = n->children; rc == 0 && c; c = c->next)
		if (c->type == XML_ELEMENT_NODE)
			rc = nx_fail(x, -EINVAL, "<%s> holds text only", TAG(n));
	if (rc < 0)
		return rc;
	text = xmlNodeGetContent(n);
	if (text && strlen((const char *)text) >= len)
		rc = nx_fail(x, -EINVAL, "<%s> is longer than %zu characters", TAG(n),
			     len - 1);
	else if (text)
		snprintf(out, len, "%s", (const char *)text);
	xmlFree(text);
	return rc;
}

static int nx_title(struct nx *x, xmlNode *n)
{
	return nx_text_elem(x, n, x->def->title, sizeof(x->def->title));
}

static int nx_description(struct nx *x, xmlNode *n)
{
	return nx_text_elem(x, n, x->def->description, sizeof(x->def->description));
}

static int nx_metadata(struct nx *x, xmlNode *n)
{
	(void)x, (void)n;
	return 0;
}

/* <dns enable='no'/> says what kvnet does (it serves no DNS yet); any
 * other <dns> asks for what it cannot do. */
static int nx_dns(struct nx *x, xmlNode *n)
{
	static const char *const ok[] = { "enable", NULL };
	char enable[8] = "";
	int rc = nx_attrs(x, n, ok, NULL);

	bool elements = false;

	for (xmlNode *c = n->children; c; c = c->next)
		elements |= c->type == XML_ELEMENT_NODE;
	if (rc == 0)
		rc = nx_get(x, n, "enable", enable, sizeof(enable), false);
	if (rc >= 0 && (strcmp(enable, "no") || elements))
		return nx_fail(x, -EOPNOTSUPP, "unsupported element <dns>: kvnet "
			       "serves no DNS yet (only <dns enable='no'/> is accepted)");
	return rc < 0 ? rc : 0;
}

static int nx_mtu(struct nx *x, xmlNode *n)
{
	static const char *const ok[] = { "size", NULL };
	int rc = nx_attrs(x, n, ok, NULL);

	if (rc == 0)
		rc = nx_children(x, n, NULL, 0);
	if (rc == 0)
		rc = nx_get_uint(x, n, "size", 68, 65535, &x->def->mtu);
	if (rc == 0)
		return nx_fail(x, -EINVAL, "missing attribute 'size' on <mtu>");
	return rc < 0 ? rc : 0;
}

static int nx_port(struct nx *x, xmlNode *n)
{
	static const char *const ok[] = { "isolated", NULL };
	char v[8];
	int rc = nx_attrs(x, n, ok, NULL);

	if (rc == 0)
		rc = nx_children(x, n, NULL, 0);
	if (rc == 0)
		rc = nx_get(x, n, "isolated", v, sizeof(v), true);
	if (rc < 0)
		return rc;
	if (strcmp(v, "yes") && strcmp(v, "no"))
		return nx_fail(x, -EINVAL, "invalid isolated='%s' on <port>: "
			       "use 'yes' or 'no'", SHOW(v));
	x->def->port_isolated = !strcmp(v, "yes");
	return 0;
}

static int nx_range(struct nx *x, xmlNode *n)
{
	static const char *const ok[] = { "start", "end", NULL };
	static const struct nx_elem tab[] = { { "lease", false, false, NULL } };
	struct net_dhcp_range *r;
	int rc = nx_attrs(x, n, ok, NULL);

	if (rc == 0)
		rc = nx_children(x, n, tab, 1);
	if (rc < 0)
		return rc;
	if (x->def->nranges >= NET_MAX_RANGES)
		return nx_fail(x, -EINVAL, "too many DHCP <range> elements "
			       "(max %d)", NET_MAX_RANGES);
	r = &x->def->ranges[x->def->nranges];
	rc = nx_get_ip4(x, n, "start", &r->start);
	if (rc >= 0)
		rc = nx_get_ip4(x, n, "end", &r->end);
	if (rc < 0)
		return rc;
	x->def->nranges++;
	return 0;
}

static int nx_host(struct nx *x, xmlNode *n)
{
	static const char *const ok[] = { "mac", "name", "ip", NULL };
	static const char *const unsup[] = { "id", NULL };
	static const struct nx_elem tab[] = { { "lease", false, false, NULL } };
	struct net_dhcp_host *h;
	char mac[32];
	int rc = nx_attrs(x, n, ok, unsup);

	if (rc == 0)
		rc = nx_children(x, n, tab, 1);
	if (rc < 0)
		return rc;
	if (x->def->nhosts >= NET_MAX_HOSTS)
		return nx_fail(x, -EINVAL, "too many DHCP <host> elements "
			       "(max %d)", NET_MAX_HOSTS);
	h = &x->def->hosts[x->def->nhosts];
	rc = nx_get_ip4(x, n, "ip", &h->ip);
	if (rc >= 0)
		rc = nx_get(x, n, "name", h->name, sizeof(h->name), false);
	if (rc >= 0)
		rc = nx_get(x, n, "mac", mac, sizeof(mac), false);
	if (rc < 0)
		return rc;
	if (rc > 0 && kv_mac_parse(mac, h->mac) < 0)
		return nx_fail(x, -EINVAL, "invalid MAC address '%s' in <host>",
			       SHOW(mac));
	h->has_mac = rc > 0;
	x->def->nhosts++;
	return 0;
}

static int nx_dhcp(struct nx *x, xmlNode *n)
{
	static const struct nx_elem tab[] = {
		{ "range", false, true, nx_range },
		{ "host", false, true, nx_host },
		{ "bootp", false, false, NULL },
	};
	int rc = nx_attrs(x, n, NULL, NULL);

	return rc < 0 ? rc : nx_children(x, n, tab, 3);
}

/* netmask= or prefix= (exactly one) into def->prefix. */
static int nx_ip_prefix(struct nx *x, xmlNode *n)
{
	bool has_mask = xmlHasProp(n, (const xmlChar *)"netmask");
	struct in_addr m;
	uint32_t mask;
	char a[INET_ADDRSTRLEN];
	unsigned p;
	int rc;

	if (has_mask == !!xmlHasProp(n, (const xmlChar *)"prefix"))
		return nx_fail(x, -EINVAL, "<ip> needs exactly one of "
			       "netmask= and prefix=");
	if (!has_mask)
		return nx_get_uint(x, n, "prefix", 1, 30, &x->def->prefix);
	rc = nx_get_ip4(x, n, "netmask", &m);
	if (rc < 0)
		return rc;
	mask = ntohl(m.s_addr);
	for (p = 0; p < 32 && (mask & (1u << (31 - p))); p++)
		;
	if (mask != kv_prefix_mask(p))
		return nx_fail(x, -EINVAL, "netmask %s is not contiguous",
			       nx_ntoa(mask, a));
	if (p < 1 || p > 30)
		return nx_fail(x, -EINVAL, "netmask %s (/%u) out of range: "
			       "use a prefix of 1..30", nx_ntoa(mask, a), p);
	x->def->prefix = p;
	return 0;
}

static int nx_ip(struct nx *x, xmlNode *n)
{
	static const char *const ok[] = { "address", "netmask", "prefix",
					  "family", NULL };
	static const char *const unsup[] = { "localPtr", NULL };
	static const struct nx_elem tab[] = {
		{ "dhcp", false, false, nx_dhcp },
		{ "tftp", false, false, NULL },
	};
	char fam[16];
	int rc = nx_get(x, n, "family", fam, sizeof(fam), false);

	if (rc > 0 && !strcmp(fam, "ipv6"))
		return nx_fail(x, -EOPNOTSUPP, "unsupported <ip family='ipv6'>"
			       ": IPv6 is not supported yet");
	if (rc > 0 && strcmp(fam, "ipv4"))
		return nx_fail(x, -EINVAL, "unknown family='%s' on <ip>",
			       SHOW(fam));
	if (rc >= 0)
		rc = nx_attrs(x, n, ok, unsup);
	if (rc >= 0)
		rc = nx_get_ip4(x, n, "address", &x->def->ip);
	if (rc < 0)
		return rc;
	if (++x->nips > 1)
		return nx_fail(x, -EOPNOTSUPP, "unsupported second <ip>: only "
			       "one IPv4 <ip> per network");
	rc = nx_ip_prefix(x, n);
	if (rc < 0)
		return rc;
	x->def->has_ip = true;
	return nx_children(x, n, tab, 2);
}

static int nx_kv_datapath(struct nx *x, xmlNode *n)
{
	static const char *const ok[] = { "type", NULL };
	char t[16];
	int rc = nx_attrs(x, n, ok, NULL);

	if (rc == 0)
		rc = nx_children(x, n, NULL, 0);
	if (rc == 0)
		rc = nx_get(x, n, "type", t, sizeof(t), true);
	if (rc < 0)
		return rc;
	if (!strcmp(t, "ebpf"))
		x->def->datapath = NET_DATAPATH_EBPF;
	else if (!strcmp(t, "user"))
		x->def->datapath = NET_DATAPATH_USER;
	else
		return nx_fail(x, -EINVAL, "unknown datapath type='%s': use "
			       "'ebpf' or 'user'", SHOW(t));
	return 0;
}

static int nx_kv_fdb(struct nx *x, xmlNode *n)
{
	static const char *const ok[] = { "aging", "max", NULL };
	int rc = nx_attrs(x, n, ok, NULL);

	if (rc == 0)
		rc = nx_children(x, n, NULL, 0);
	if (rc >= 0)
		rc = nx_get_uint(x, n, "aging", NET_FDB_AGING_MIN,
				 NET_FDB_AGING_MAX, &x->def->fdb_aging_s);
	if (rc >= 0)
		rc = nx_get_uint(x, n, "max", NET_FDB_MAX_MIN,
				 NET_FDB_MAX_MAX, &x->def->fdb_max);
	return rc < 0 ? rc : 0;
}

static const struct nx_elem nx_network_elems[] = {
	{ "name", false, false, nx_name },
	{ "uuid", false, false, nx_uuid },
	{ "forward", false, false, nx_forward },
	{ "bridge", false, false, nx_bridge },
	{ "mac", false, false, nx_mac },
	{ "domain", false, false, nx_domain },
	{ "mtu", false, false, nx_mtu },
	{ "ip", false, true, nx_ip },
	{ "port", false, false, nx_port },
	{ "title", false, false, nx_title },
	{ "description", false, false, nx_description },
	{ "metadata", false, false, nx_metadata },
	{ "datapath", true, false, nx_kv_datapath },
	{ "fdb", true, false, nx_kv_fdb },
	/* libvirt features kvnet does not implement (yet) */
	{ "dns", false, false, nx_dns },
	{ "route", false, true, NULL },
	{ "portgroup", false, true, NULL },
	{ "vlan", false, true, NULL },
	{ "bandwidth", false, true, NULL },
	{ "virtualport", false, true, NULL },
};

static int nx_network(struct nx *x, xmlNode *root)
{
	static const char *const ok[] = { "connections", "ipv6", NULL };
	static const char *const unsup[] = { "trustGuestRxFilters", NULL };
	int rc;

	if (!root || root->ns || strcmp((const char *)root->name, "network"))
		return nx_fail(x, -EINVAL, "root element is <%s>, expected "
			       "<network>", root ? TAG(root) : "");
	rc = nx_attrs(x, root, ok, unsup);
	if (rc == 0)
		rc = nx_children(x, root, nx_network_elems,
				 sizeof(nx_network_elems) /
					 sizeof(nx_network_elems[0]));
	if (rc == 0 && !x->has_name)
		return nx_fail(x, -EINVAL, "missing <name> in <network>");
	return rc;
}

/* Merge the uplink, generate what the document left out, validate. */
static int nx_finish(struct nx *x)
{
	struct net_def *def = x->def;
	int rc = 0;

	if (x->fwd_dev[0] && x->nifaces && strcmp(x->fwd_dev, x->if_dev))
		return nx_fail(x, -EINVAL, "<forward dev='%s'> does not match "
			       "<interface dev='%s'>", x->fwd_dev, x->if_dev);
	memcpy(def->uplink, x->fwd_dev[0] ? x->fwd_dev : x->if_dev,
	       IFNAMSIZ);
	def->uuid_generated = !x->has_uuid;
	def->mac_generated = !x->has_mac;
	if (!x->has_uuid)
		rc = nx_random_uuid(def->uuid);
	if (rc == 0 && !x->has_mac)
		rc = nx_random_mac(def->mac);
	if (rc < 0)
		return nx_fail(x, rc, "getrandom: %s", strerror(-rc));
	return netxml_validate(def, x->err, x->errlen);
}

/* libxml2 callbacks: keep the first error, refuse any DOCTYPE (so no
 * entity can ever be declared, let alone expanded). */
struct nx_xmlerr {
	bool set, doctype;
	int line;
	char msg[160];
};

/* libxml2 messages may span lines ("...encoding !\nBytes: 0x.."): fold
 * them into one line of printable characters. */
static void nx_xml_msg(char *out, size_t len, const char *in)
{
	size_t o = 0;

	for (; in && *in && o + 1 < len; in++) {
		if (isspace((unsigned char)*in)) {
			if (o && out[o - 1] != ' ')
				out[o++] = ' ';
			continue;
		}
		out[o++] = isprint((unsigned char)*in) ? *in : '?';
	}
	while (o && out[o - 1] == ' ')
		o--;
	out[o] = '\0';
}

static void nx_xml_error(void *data, xmlErrorPtr e)
{
	xmlParserCtxt *ctxt = data;
	struct nx_xmlerr *xe = ctxt ? ctxt->_private : NULL;

	if (!xe || xe->set || !e || e->level < XML_ERR_ERROR)
		return;
	xe->set = true;
	xe->line = e->line;
	nx_xml_msg(xe->msg, sizeof(xe->msg),
		   e->message ? e->message : "unknown error");
}

static void nx_xml_doctype(void *data, const xmlChar *name,
			   const xmlChar *eid, const xmlChar *sid)
{
	xmlParserCtxt *ctxt = data;
	struct nx_xmlerr *xe = ctxt->_private;

	(void)name, (void)eid, (void)sid;
	xe->doctype = true;
	xmlStopParser(ctxt);
}

static int nx_read(struct nx *x, const char *buf, size_t len, xmlDoc **doc)
{
	struct nx_xmlerr xe = { 0 };
	xmlParserCtxt *ctxt;

	xmlInitParser();
	ctxt = xmlNewParserCtxt();
	if (!ctxt)
		return nx_fail(x, -ENOMEM, "out of memory");
	ctxt->_private = &xe;
	ctxt->sax->serror = nx_xml_error;
	ctxt->sax->internalSubset = nx_xml_doctype;
	*doc = xmlCtxtReadMemory(ctxt, buf, (int)len, "network.xml", NULL,
				 XML_PARSE_NONET | XML_PARSE_NOERROR |
					 XML_PARSE_NOWARNING);
	xmlFreeParserCtxt(ctxt);
	if (*doc && !xe.doctype && !xe.set)
		return 0;
	xmlFreeDoc(*doc);
	*doc = NULL;
	if (xe.doctype)
		return nx_fail(x, -EINVAL, "DOCTYPE declarations are not "
			       "allowed in network XML");
	if (xe.set)
		return nx_fail(x, -EINVAL, "XML error at line %d: %s", xe.line,
			       xe.msg);
	return nx_fail(x, -EINVAL, "XML error: document could not be parsed");
}

int netxml_parse(const char *buf, size_t len, struct net_def *def, char *err,
		 size_t errlen)
{
	struct nx x = { .def = def, .err = err, .errlen = errlen };
	xmlDoc *doc = NULL;
	int rc;

	nx_init_def(def);
	if (err && errlen)
		err[0] = '\0';
	if (len > NETXML_DOC_MAX)
		return nx_fail(&x, -EINVAL, "document too large (%zu bytes, "
			       "max %d)", len, NETXML_DOC_MAX);
	rc = nx_read(&x, buf, len, &doc);
	if (rc < 0)
		return rc;
	rc = nx_network(&x, xmlDocGetRootElement(doc));
	if (rc == 0)
		rc = nx_finish(&x);
	xmlFreeDoc(doc);
	return rc;
}

/* ---- formatting --------------------------------------------------------- */

static void nx_put_esc(FILE *f, const char *s)
{
	for (; *s; s++) {
		switch (*s) {
		case '&': fputs("&amp;", f); break;
		case '<': fputs("&lt;", f); break;
		case '>': fputs("&gt;", f); break;
		case '\'': fputs("&apos;", f); break;
		case '"': fputs("&quot;", f); break;
		default: fputc(*s, f);
		}
	}
}

/* " name='value'" */
static void nx_put_attr(FILE *f, const char *name, const char *value)
{
	fprintf(f, " %s='", name);
	nx_put_esc(f, value);
	fputc('\'', f);
}

static void nx_put_forward(FILE *f, const struct net_def *def)
{
	bool nat = def->mode == NET_MODE_NAT &&
		   (def->nat_port_min != NET_NAT_PORT_MIN ||
		    def->nat_port_max != NET_NAT_PORT_MAX);

	if (def->mode == NET_MODE_ISOLATED)
		return;
	fprintf(f, "  <forward mode='%s'", net_mode_name(def->mode));
	if (def->uplink[0])
		nx_put_attr(f, "dev", def->uplink);
	if (!nat) {
		fputs("/>\n", f);
		return;
	}
	fprintf(f, ">\n    <nat>\n      <port start='%u' end='%u'/>\n"
		"    </nat>\n  </forward>\n", def->nat_port_min,
		def->nat_port_max);
}

static void nx_put_ip(FILE *f, const struct net_def *def)
{
	char a[INET_ADDRSTRLEN], b[INET_ADDRSTRLEN], m[18];
	const struct net_dhcp_host *h;
	int i;

	if (!def->has_ip)
		return;
	fprintf(f, "  <ip address='%s' netmask='%s'",
		inet_ntop(AF_INET, &def->ip, a, sizeof(a)),
		nx_ntoa(kv_prefix_mask(def->prefix), b));
	if (!def->nranges && !def->nhosts) {
		fputs("/>\n", f);
		return;
	}
	fputs(">\n    <dhcp>\n", f);
	for (i = 0; i < def->nranges && i < NET_MAX_RANGES; i++)
		fprintf(f, "      <range start='%s' end='%s'/>\n",
			inet_ntop(AF_INET, &def->ranges[i].start, a, sizeof(a)),
			inet_ntop(AF_INET, &def->ranges[i].end, b, sizeof(b)));
	for (i = 0; i < def->nhosts && i < NET_MAX_HOSTS; i++) {
		h = &def->hosts[i];
		fputs("      <host", f);
		if (h->has_mac)
			kv_mac_format(h->mac, m), nx_put_attr(f, "mac", m);
		if (h->name[0])
			nx_put_attr(f, "name", h->name);
		fprintf(f, " ip='%s'/>\n",
			inet_ntop(AF_INET, &h->ip, a, sizeof(a)));
	}
	fputs("    </dhcp>\n  </ip>\n", f);
}

static bool nx_kv_datapath_set(const struct net_def *def)
{
	return def->datapath != NET_DATAPATH_EBPF;
}

static bool nx_kv_fdb_set(const struct net_def *def)
{
	return def->fdb_aging_s != KVNET_AGING_DEFAULT_S ||
	       def->fdb_max != KVNET_FDB_MAX;
}

static void nx_put_body(FILE *f, const struct net_def *def)
{
	char s[40];

	fputs("  <name>", f);
	nx_put_esc(f, def->name);
	netxml_uuid_format(def->uuid, s);
	fprintf(f, "</name>\n  <uuid>%s</uuid>\n", s);
	if (def->title[0]) {
		fputs("  <title>", f);
		nx_put_esc(f, def->title);
		fputs("</title>\n", f);
	}
	if (def->description[0]) {
		fputs("  <description>", f);
		nx_put_esc(f, def->description);
		fputs("</description>\n", f);
	}
	nx_put_forward(f, def);
	fputs("  <bridge", f);
	nx_put_attr(f, "name", def->bridge);
	fprintf(f, " stp='%s' delay='%u'/>\n", def->bridge_stp ? "on" : "off",
		def->bridge_delay);
	kv_mac_format(def->mac, s);
	fprintf(f, "  <mac address='%s'/>\n", s);
	if (def->domain[0]) {
		fputs("  <domain", f);
		nx_put_attr(f, "name", def->domain);
		fputs("/>\n", f);
	}
	if (def->mtu)
		fprintf(f, "  <mtu size='%u'/>\n", def->mtu);
	if (def->port_isolated)
		fputs("  <port isolated='yes'/>\n", f);
	nx_put_ip(f, def);
	if (nx_kv_datapath_set(def))
		fprintf(f, "  <kvnet:datapath type='%s'/>\n",
			def->datapath == NET_DATAPATH_USER ? "user" : "ebpf");
	if (nx_kv_fdb_set(def))
		fprintf(f, "  <kvnet:fdb aging='%u' max='%u'/>\n",
			def->fdb_aging_s, def->fdb_max);
}

int netxml_format(const struct net_def *def, char **out)
{
	char *buf = NULL;
	size_t size = 0;
	FILE *f = open_memstream(&buf, &size);
	int bad;

	*out = NULL;
	if (!f)
		return -ENOMEM;
	fputs("<network", f);
	if (nx_kv_datapath_set(def) || nx_kv_fdb_set(def))
		fputs(" xmlns:kvnet='" KVNET_XML_NS "'", f);
	fputs(">\n", f);
	nx_put_body(f, def);
	fputs("</network>\n", f);
	bad = ferror(f);
	if (fclose(f) || bad) {
		free(buf);
		return -ENOMEM;
	}
	*out = buf;
	return 0;
}

/* ---- net create ---------------------------------------------------------- */

/* "A.B.C.D/P", the network address of a /1../30 subnet. */
static int nx_args_subnet(struct net_def *def, const char *subnet, char *err,
			  size_t errlen)
{
	char addr[INET_ADDRSTRLEN], a[INET_ADDRSTRLEN], *end;
	const char *slash = strchr(subnet, '/');
	unsigned long p;
	uint32_t net;

	if (strchr(subnet, ':'))
		return netxml_fail(err, errlen, -EOPNOTSUPP, "subnet '%s': IPv6 "
				   "is not supported yet", SHOW(subnet));
	if (!slash || (size_t)(slash - subnet) >= sizeof(addr))
		return netxml_fail(err, errlen, -EINVAL, "invalid subnet '%s': "
				   "use A.B.C.D/PREFIX", SHOW(subnet));
	memcpy(addr, subnet, (size_t)(slash - subnet));
	addr[slash - subnet] = '\0';
	errno = 0;
	p = strtoul(slash + 1, &end, 10);
	if (inet_pton(AF_INET, addr, &def->ip) != 1 ||
	    !isdigit((unsigned char)slash[1]) || *end || errno || p < 1 ||
	    p > 30)
		return netxml_fail(err, errlen, -EINVAL, "invalid subnet '%s': "
				   "use A.B.C.D/PREFIX with a prefix of 1..30",
				   SHOW(subnet));
	net = ntohl(def->ip.s_addr) & kv_prefix_mask((unsigned)p);
	if (net != ntohl(def->ip.s_addr))
		return netxml_fail(err, errlen, -EINVAL, "subnet '%s' is not a "
				   "network address (did you mean %s/%lu?)",
				   SHOW(subnet), nx_ntoa(net, a), p);
	def->ip.s_addr = htonl(net + 1);
	def->prefix = (unsigned)p;
	def->has_ip = true;
	return 0;
}

/* "A-B", "none", or NULL for every host address after the gateway. */
static int nx_args_range(struct net_def *def, const char *range, char *err,
			 size_t errlen)
{
	char a[INET_ADDRSTRLEN], b[INET_ADDRSTRLEN];
	const char *dash = range ? strchr(range, '-') : NULL;
	struct nx_subnet sn;

	if (range && !strcmp(range, "none"))
		return 0;
	if (!def->has_ip) {
		if (!range)
			return 0;
		return netxml_fail(err, errlen, -EINVAL, "--dhcp-range needs "
				   "--subnet");
	}
	if (!range) {
		sn = nx_subnet(def);
		def->ranges[0].start.s_addr = htonl(sn.gw + 1);
		def->ranges[0].end.s_addr = htonl(sn.bcast - 1);
		def->nranges = sn.gw + 1 <= sn.bcast - 1;
		return 0;
	}
	if (!dash || (size_t)(dash - range) >= sizeof(a) ||
	    strlen(dash + 1) >= sizeof(b))
		return netxml_fail(err, errlen, -EINVAL, "invalid DHCP range "
				   "'%s': use A.B.C.D-A.B.C.D", SHOW(range));
	memcpy(a, range, (size_t)(dash - range));
	a[dash - range] = '\0';
	memcpy(b, dash + 1, strlen(dash + 1) + 1);
	if (inet_pton(AF_INET, a, &def->ranges[0].start) != 1 ||
	    inet_pton(AF_INET, b, &def->ranges[0].end) != 1)
		return netxml_fail(err, errlen, -EINVAL, "invalid DHCP range "
				   "'%s': use A.B.C.D-A.B.C.D", SHOW(range));
	def->nranges = 1;
	return 0;
}

static int nx_args_mode(struct net_def *def, const char *mode,
			const char *subnet, char *err, size_t errlen)
{
	int m = mode ? net_mode_parse(mode) : NET_MODE_NAT;

	if (mode && nx_in(netxml_mode_unsupported, mode))
		return netxml_fail(err, errlen, -EOPNOTSUPP,
				   "unsupported mode '%s'", mode);
	if (m < 0)
		return netxml_fail(err, errlen, -EINVAL, "unknown mode '%s': "
				   "use isolated, nat, route, open or bridge",
				   SHOW(mode));
	def->mode = (enum net_mode)m;
	if (m == NET_MODE_BRIDGE && subnet)
		return netxml_fail(err, errlen, -EINVAL, "mode bridge takes no "
				   "--subnet: guests get addresses from the "
				   "LAN");
	if (m != NET_MODE_BRIDGE && m != NET_MODE_ISOLATED && !subnet)
		return netxml_fail(err, errlen, -EINVAL, "mode %s needs "
				   "--subnet CIDR", mode ? mode : "nat");
	return 0;
}

int netxml_from_args(const char *name, const char *mode, const char *subnet,
		     const char *uplink, const char *dhcp_range,
		     struct net_def *def, char *err, size_t errlen)
{
	int rc;

	nx_init_def(def);
	if (err && errlen)
		err[0] = '\0';
	if (subnet && !subnet[0])
		subnet = NULL;
	if (!netxml_name_valid(name))
		return netxml_fail(err, errlen, -EINVAL, "invalid network name "
				   "'%s': use 1-63 of A-Z a-z 0-9 _ . -, not "
				   "starting with '.' or '-'", SHOW(name));
	memcpy(def->name, name, strlen(name) + 1);
	rc = nx_args_mode(def, mode, subnet, err, errlen);
	if (rc == 0 && uplink && uplink[0]) {
		rc = netxml_check_ifname(uplink, IFNAMSIZ - 1, "uplink", err,
				     errlen);
		if (rc == 0)
			memcpy(def->uplink, uplink, strlen(uplink) + 1);
	}
	if (rc == 0 && subnet)
		rc = nx_args_subnet(def, subnet, err, errlen);
	if (rc == 0)
		rc = nx_args_range(def, dhcp_range, err, errlen);
	if (rc < 0)
		return rc;
	rc = nx_random_uuid(def->uuid);
	if (rc == 0)
		rc = nx_random_mac(def->mac);
	if (rc < 0)
		return netxml_fail(err, errlen, rc, "getrandom: %s",
				   strerror(-rc));
	return netxml_validate(def, err, errlen);
}

/* ---- equality ------------------------------------------------------------ */

static bool nx_eq_ip(const struct net_def *a, const struct net_def *b)
{
	const struct net_dhcp_host *h, *k;
	int i;

	if (a->has_ip != b->has_ip || a->nranges != b->nranges ||
	    a->nhosts != b->nhosts)
		return false;
	if (a->has_ip && (a->ip.s_addr != b->ip.s_addr || a->prefix != b->prefix))
		return false;
	for (i = 0; i < a->nranges && i < NET_MAX_RANGES; i++)
		if (a->ranges[i].start.s_addr != b->ranges[i].start.s_addr ||
		    a->ranges[i].end.s_addr != b->ranges[i].end.s_addr)
			return false;
	for (i = 0; i < a->nhosts && i < NET_MAX_HOSTS; i++) {
		h = &a->hosts[i], k = &b->hosts[i];
		if (h->has_mac != k->has_mac || h->ip.s_addr != k->ip.s_addr ||
		    strcmp(h->name, k->name) ||
		    (h->has_mac && memcmp(h->mac, k->mac, 6)))
			return false;
	}
	return true;
}

bool netxml_equal(const struct net_def *a, const struct net_def *b)
{
	return !strcmp(a->name, b->name) && !memcmp(a->uuid, b->uuid, 16) &&
	       !strcmp(a->bridge, b->bridge) &&
	       a->bridge_stp == b->bridge_stp &&
	       a->bridge_delay == b->bridge_delay &&
	       !memcmp(a->mac, b->mac, 6) && a->mode == b->mode &&
	       !strcmp(a->uplink, b->uplink) &&
	       a->nat_port_min == b->nat_port_min &&
	       a->nat_port_max == b->nat_port_max &&
	       !strcmp(a->domain, b->domain) && a->mtu == b->mtu &&
	       !strcmp(a->title, b->title) && !strcmp(a->description, b->description) &&
	       a->datapath == b->datapath && a->fdb_aging_s == b->fdb_aging_s &&
	       a->fdb_max == b->fdb_max &&
	       a->port_isolated == b->port_isolated && nx_eq_ip(a, b);
}
