// SPDX-License-Identifier: GPL-2.0-only
/* Network definitions: struct net_def -> libvirt network XML, and equality.
 *
 * netxml_format writes the libvirt form (what `net dumpxml` prints and the
 * store keeps), declaring the kvnet: namespace only when a kvnet setting
 * differs from its default. netxml_equal compares field by field; the two
 * together define the round trip parse(format(d)) == d that the unit tests
 * and the fuzzer hold every accepted document to.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <arpa/inet.h>
#include <linux/types.h>

#include "common/addr.h"
#include "kvnet_shared.h"
#include "switch/netxml_int.h"

/* ---- writing ------------------------------------------------------------ */

void netxml_put_esc(FILE *f, const char *s)
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
void netxml_put_attr(FILE *f, const char *name, const char *value)
{
	fprintf(f, " %s='", name);
	netxml_put_esc(f, value);
	fputc('\'', f);
}

static void nx_put_forward(FILE *f, const struct net_def *def)
{
	bool nat = netxml_nat_custom(def);

	if (def->mode == NET_MODE_ISOLATED)
		return;
	fprintf(f, "  <forward mode='%s'", net_mode_name(def->mode));
	if (def->uplink[0])
		netxml_put_attr(f, "dev", def->uplink);
	if (!nat) {
		fputs("/>\n", f);
		return;
	}
	fputs(">\n", f);
	netxml_nat_format(f, def);
	fputs("  </forward>\n", f);
}

static void nx_put_ip(FILE *f, const struct net_def *def)
{
	char a[INET_ADDRSTRLEN], b[INET_ADDRSTRLEN];

	if (!def->has_ip)
		return;
	fprintf(f, "  <ip address='%s' netmask='%s'",
		inet_ntop(AF_INET, &def->ip, a, sizeof(a)),
		netxml_ntoa(kv_prefix_mask(def->prefix), b));
	if (!netxml_dhcp_has(def)) {
		fputs("/>\n", f);
		return;
	}
	fputs(">\n", f);
	netxml_dhcp_format(f, def);
	fputs("  </ip>\n", f);
}

static bool nx_kv_datapath_set(const struct net_def *def)
{
	return def->datapath != NET_DATAPATH_EBPF;
}

static bool nx_kv_fdb_set(const struct net_def *def)
{
	return def->fdb_aging_s != KVNET_AGING_DEFAULT_S ||
	       def->fdb_max != KVNET_FDB_MAX || def->fdb_port_max != KVNET_PORT_LEARN_MAX;
}

static bool nx_kv_flood_set(const struct net_def *def)
{
	return def->flood_rate != KVNET_FLOOD_RATE || def->flood_burst != KVNET_FLOOD_BURST;
}

static void nx_put_body(FILE *f, const struct net_def *def)
{
	char s[40];

	fputs("  <name>", f);
	netxml_put_esc(f, def->name);
	netxml_uuid_format(def->uuid, s);
	fprintf(f, "</name>\n  <uuid>%s</uuid>\n", s);
	if (def->title[0]) {
		fputs("  <title>", f);
		netxml_put_esc(f, def->title);
		fputs("</title>\n", f);
	}
	if (def->description[0]) {
		fputs("  <description>", f);
		netxml_put_esc(f, def->description);
		fputs("</description>\n", f);
	}
	nx_put_forward(f, def);
	fputs("  <bridge", f);
	netxml_put_attr(f, "name", def->bridge);
	fprintf(f, " stp='%s' delay='%u'/>\n", def->bridge_stp ? "on" : "off",
		def->bridge_delay);
	kv_mac_format(def->mac, s);
	fprintf(f, "  <mac address='%s'/>\n", s);
	if (def->domain[0]) {
		fputs("  <domain", f);
		netxml_put_attr(f, "name", def->domain);
		fputs(def->domain_local_only ? " localOnly='yes'/>\n" : "/>\n", f);
	}
	if (def->mtu)
		fprintf(f, "  <mtu size='%u'/>\n", def->mtu);
	if (def->port_isolated)
		fputs("  <port isolated='yes'/>\n", f);
	netxml_dns_format(f, def);
	nx_put_ip(f, def);
	if (nx_kv_datapath_set(def))
		fprintf(f, "  <kvnet:datapath type='%s'/>\n",
			def->datapath == NET_DATAPATH_USER ? "user" : "ebpf");
	if (nx_kv_fdb_set(def))
		fprintf(f, "  <kvnet:fdb aging='%u' max='%u' port-max='%u'/>\n",
			def->fdb_aging_s, def->fdb_max, def->fdb_port_max);
	if (nx_kv_flood_set(def))
		fprintf(f, "  <kvnet:flood rate='%u' burst='%u'/>\n", def->flood_rate,
			def->flood_burst);
	netxml_dhcp_format_kv(f, def);
	netxml_ct_format(f, def);
	netxml_fwd_format(f, def);
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
	if (nx_kv_datapath_set(def) || nx_kv_fdb_set(def) || nx_kv_flood_set(def) ||
	    netxml_dhcp_kv_set(def) || def->nforwards || netxml_ct_set(def))
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

/* ---- equality ----------------------------------------------------------- */

static bool nx_eq_ip(const struct net_def *a, const struct net_def *b)
{
	if (a->has_ip != b->has_ip)
		return false;
	if (a->has_ip && (a->ip.s_addr != b->ip.s_addr || a->prefix != b->prefix))
		return false;
	return netxml_dhcp_equal(a, b);
}

bool netxml_equal(const struct net_def *a, const struct net_def *b)
{
	return !strcmp(a->name, b->name) && !memcmp(a->uuid, b->uuid, 16) &&
	       !strcmp(a->bridge, b->bridge) &&
	       a->bridge_stp == b->bridge_stp &&
	       a->bridge_delay == b->bridge_delay &&
	       !memcmp(a->mac, b->mac, 6) && a->mode == b->mode &&
	       !strcmp(a->uplink, b->uplink) &&
	       netxml_nat_equal(a, b) &&
	       !strcmp(a->domain, b->domain) &&
	       a->domain_local_only == b->domain_local_only && a->mtu == b->mtu &&
	       !strcmp(a->title, b->title) && !strcmp(a->description, b->description) &&
	       a->datapath == b->datapath && a->fdb_aging_s == b->fdb_aging_s &&
	       a->fdb_max == b->fdb_max && a->fdb_port_max == b->fdb_port_max &&
	       a->flood_rate == b->flood_rate && a->flood_burst == b->flood_burst &&
	       a->ct_port_max == b->ct_port_max &&
	       a->port_isolated == b->port_isolated && nx_eq_ip(a, b) &&
	       netxml_dns_equal(a, b) && netxml_fwd_equal(a, b);
}

