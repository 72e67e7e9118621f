// SPDX-License-Identifier: GPL-2.0-only
/* Network definitions: libvirt network XML -> struct net_def (netxml.h).
 *
 * The entry point: netxml_parse checks the bytes against the structural
 * limits (netxml_scan.c), reads the document with libxml2 (no network, no
 * DOCTYPE, no entity substitution) and walks the tree against
 * per-element tables (netxml_walk.c): the <network> table is here, the
 * handlers of its children in netxml_elems.c and, for families, their own
 * files (netxml_dhcp.c, netxml_dns.c). Values are checked as they are read (syntax) and
 * then by netxml_validate (meaning, netxml_check.c), which `net create`
 * (netxml_args.c) shares. Also here: the small helpers every file of the
 * module uses (messages, random identities, uuid text, mode names).
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

#include "kvnet_shared.h"
#include "nat/nat_shared.h"
#include "switch/netxml_int.h"

static const char *const netxml_mode_names[NET_MODE_COUNT] = {
	[NET_MODE_ISOLATED] = "isolated", [NET_MODE_NAT] = "nat",
	[NET_MODE_ROUTE] = "route",	  [NET_MODE_OPEN] = "open",
	[NET_MODE_BRIDGE] = "bridge",
};

/* libvirt forward modes kvnet does not implement. */
const char *const netxml_mode_unsupported[] = {
	"private", "vepa", "passthrough", "hostdev", NULL,
};

/* ---- small helpers ------------------------------------------------------ */

void netxml_msg(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;

	if (err && errlen) {
		va_start(ap, fmt);
		vsnprintf(err, errlen, fmt, ap);
		va_end(ap);
	}
}

struct netxml_show netxml_show(const char *in)
{
	struct netxml_show o;
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

bool netxml_in_list(const char *const *list, const char *s)
{
	for (; list && *list; list++)
		if (!strcmp(*list, s))
			return true;
	return false;
}

const char *netxml_ntoa(uint32_t host_order, char buf[INET_ADDRSTRLEN])
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

int netxml_random_mac(uint8_t mac[6])
{
	mac[0] = 0x52, mac[1] = 0x54, mac[2] = 0x00;
	return nx_random(mac + 3, 3);
}

/* RFC 4122 §4.4: version 4, variant 10x. */
int netxml_random_uuid(uint8_t uuid[16])
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
int netxml_uuid_parse(const char *s, uint8_t uuid[16])
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

void netxml_init_def(struct net_def *def)
{
	memset(def, 0, sizeof(*def));
	def->bridge_stp = true; /* libvirt's default */
	def->nat_port_min = NET_NAT_PORT_MIN;
	def->nat_port_max = NET_NAT_PORT_MAX;
	def->datapath = NET_DATAPATH_EBPF;
	def->fdb_aging_s = KVNET_AGING_DEFAULT_S;
	def->fdb_max = KVNET_FDB_MAX;
	def->fdb_port_max = KVNET_PORT_LEARN_MAX;
	def->flood_rate = KVNET_FLOOD_RATE;
	def->flood_burst = KVNET_FLOOD_BURST;
	def->ct_port_max = KVNET_CT_PORT_MAX;
}

/* ---- <network> ------------------------------------------------------------
 * What kvnet understands, as one table: an element or attribute that is
 * not listed is refused (-EINVAL); one listed without a handler is a libvirt
 * feature kvnet does not implement (-EOPNOTSUPP).
 */

static const struct nx_elem nx_network_elems[] = {
	{ "name", false, false, netxml_el_name },
	{ "uuid", false, false, netxml_el_uuid },
	{ "forward", false, false, netxml_el_forward },
	{ "bridge", false, false, netxml_el_bridge },
	{ "mac", false, false, netxml_el_mac },
	{ "domain", false, false, netxml_el_domain },
	{ "mtu", false, false, netxml_el_mtu },
	{ "ip", false, true, netxml_el_ip },
	{ "port", false, false, netxml_el_port },
	{ "title", false, false, netxml_el_title },
	{ "description", false, false, netxml_el_description },
	{ "metadata", false, false, netxml_el_metadata },
	{ "dns", false, false, netxml_el_dns },
	{ "datapath", true, false, netxml_el_kv_datapath },
	{ "fdb", true, false, netxml_el_kv_fdb },
	{ "flood", true, false, netxml_el_kv_flood },
	{ "conntrack", true, false, netxml_el_kv_conntrack },
	{ "dhcp", true, false, netxml_el_kv_dhcp },
	{ "forward", true, true, netxml_el_kv_forward },
	/* libvirt features kvnet does not implement (yet) */
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
	rc = netxml_attrs(x, root, ok, unsup);
	if (rc == 0)
		rc = netxml_children(x, root, nx_network_elems,
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
		rc = netxml_random_uuid(def->uuid);
	if (rc == 0 && !x->has_mac)
		rc = netxml_random_mac(def->mac);
	if (rc < 0)
		return nx_fail(x, rc, "getrandom: %s", strerror(-rc));
	return netxml_validate(def, x->err, x->errlen);
}

/* ---- reading ------------------------------------------------------------ */

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

	netxml_init_def(def);
	if (err && errlen)
		err[0] = '\0';
	if (len > NETXML_DOC_MAX)
		return nx_fail(&x, -EINVAL, "document too large (%zu bytes, "
			       "max %d)", len, NETXML_DOC_MAX);
	rc = netxml_scan(buf, len, err, errlen);
	if (rc == 0)
		rc = nx_read(&x, buf, len, &doc);
	if (rc < 0)
		return rc;
	rc = nx_network(&x, xmlDocGetRootElement(doc));
	if (rc == 0)
		rc = nx_finish(&x);
	xmlFreeDoc(doc);
	return rc;
}

