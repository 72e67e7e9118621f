// SPDX-License-Identifier: GPL-2.0-only
/* Unit tests for switch/netxml: the libvirt documents kvnet must accept
 * (the files in tests/data, including the shapes of libvirt's default network),
 * every rejection path with its message, parse/format round trips,
 * `net create` arguments, subnet overlap and the small helpers.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <arpa/inet.h>
#include <cmocka.h>

#include "common/addr.h"
#include "kvnet_shared.h"
#include "switch/netxml.h"

#define NS "xmlns:kvnet='" KVNET_XML_NS "'"
/* A minimal valid isolated network around body. */
#define NET(body) "<network " NS "><name>t</name>" body "</network>"
#define NETIP(body)                                                       \
	NET("<ip address='10.0.0.1' prefix='24'><dhcp>" body "</dhcp></ip>")
/* A network with an address (so DNS is served) and body in its <dns>. */
#define NETDNS(body)                                                      \
	NET("<ip address='10.0.0.1' prefix='24'/><dns>" body "</dns>")

static char *read_data(const char *name, size_t *len)
{
	const char *env = getenv("KVNET_TEST_DATA"), *f = __FILE__;
	const char *p = strstr(f, "unit/test_netxml.c");
	char path[1024], *buf;
	FILE *fp;

	if (env)
		snprintf(path, sizeof(path), "%s/%s", env, name);
	else
		snprintf(path, sizeof(path), "%.*sdata/%s",
			 p ? (int)(p - f) : 0, f, name);
	fp = fopen(path, "r");
	if (!fp)
		fail_msg("cannot open %s", path);
	buf = calloc(1, 1 << 20);
	assert_non_null(buf);
	*len = fread(buf, 1, (1 << 20) - 1, fp);
	fclose(fp);
	return buf;
}

static int parse_str(const char *xml, struct net_def *def, char *err)
{
	return netxml_parse(xml, strlen(xml), def, err, NETXML_ERR_MAX);
}

static void parse_ok(const char *xml, struct net_def *def)
{
	char err[NETXML_ERR_MAX];
	int rc = parse_str(xml, def, err);

	if (rc)
		fail_msg("rc %d, err '%s' for %s", rc, err, xml);
}

static void parse_data(const char *name, struct net_def *def)
{
	char err[NETXML_ERR_MAX], *buf;
	size_t len;
	int rc;

	buf = read_data(name, &len);
	rc = netxml_parse(buf, len, def, err, sizeof(err));
	free(buf);
	if (rc)
		fail_msg("%s: rc %d, err '%s'", name, rc, err);
}

static const char *ip4(struct in_addr a)
{
	static char buf[4][INET_ADDRSTRLEN];
	static int i;

	i = (i + 1) % 4;
	return inet_ntop(AF_INET, &a, buf[i], INET_ADDRSTRLEN);
}

static const char *mac_str(const uint8_t m[6])
{
	static char buf[18];

	kv_mac_format(m, buf);
	return buf;
}

/* format(def) parses back to an equal definition. */
static void round_trip(const struct net_def *def)
{
	struct net_def *back = calloc(1, sizeof(*back));
	char err[NETXML_ERR_MAX], *xml = NULL;
	int rc;

	assert_non_null(back);
	assert_int_equal(netxml_format(def, &xml), 0);
	rc = parse_str(xml, back, err);
	if (rc)
		fail_msg("re-parse: rc %d, err '%s' for\n%s", rc, err, xml);
	if (!netxml_equal(def, back))
		fail_msg("round trip changed the definition:\n%s", xml);
	free(xml);
	free(back);
}

/* xml (len bytes; 0: a string) is refused with -EINVAL and msg. */
static void expect_reject(const char *xml, size_t len, const char *msg)
{
	char err[NETXML_ERR_MAX] = "";
	struct net_def d;
	int rc = netxml_parse(xml, len ? len : strlen(xml), &d, err,
			      sizeof(err));

	if (rc != -EINVAL || !strstr(err, msg))
		fail_msg("got rc %d err '%s', want -EINVAL '%s'", rc, err, msg);
}

/* ---- good documents ------------------------------------------------------ */

static void test_libvirt_default(void **state)
{
	struct net_def d;

	(void)state;
	parse_data("libvirt-default.xml", &d);
	assert_string_equal(d.name, "default");
	assert_int_equal(d.mode, NET_MODE_NAT);
	assert_string_equal(d.bridge, "virbr0");
	assert_true(d.bridge_stp);
	assert_int_equal(d.bridge_delay, 0);
	assert_string_equal(mac_str(d.mac), "52:54:00:4b:73:5e");
	assert_int_equal(d.uuid[0], 0x3e);
	assert_int_equal(d.uuid[15], 0x2b);
	assert_true(d.has_ip);
	assert_string_equal(ip4(d.ip), "192.168.122.1");
	assert_int_equal(d.prefix, 24);
	assert_int_equal(d.nranges, 1);
	assert_string_equal(ip4(d.ranges[0].start), "192.168.122.2");
	assert_string_equal(ip4(d.ranges[0].end), "192.168.122.254");
	assert_int_equal(d.nhosts, 0);
	assert_int_equal(d.nat_port_min, 1024);
	assert_int_equal(d.nat_port_max, 65535);
	assert_int_equal(d.datapath, NET_DATAPATH_EBPF);
	assert_int_equal(d.fdb_aging_s, 300);
	assert_int_equal(d.fdb_max, 8192);
	assert_false(d.port_isolated);
	assert_string_equal(d.uplink, "");
	round_trip(&d);
}

/* /usr/share/libvirt/networks/default.xml: no uuid, no mac, <forward/>. */
static void test_libvirt_template(void **state)
{
	struct net_def d, e;

	(void)state;
	parse_data("libvirt-default-template.xml", &d);
	assert_int_equal(d.mode, NET_MODE_NAT);
	assert_string_equal(d.bridge, "virbr0");
	assert_int_equal(d.uuid[6] >> 4, 4);	  /* v4 */
	assert_int_equal(d.uuid[8] & 0xc0, 0x80); /* RFC 4122 variant */
	assert_memory_equal(d.mac, "\x52\x54\x00", 3);
	parse_data("libvirt-default-template.xml", &e);
	assert_memory_not_equal(d.uuid, e.uuid, 16);
	round_trip(&d);
}

/* `virsh net-dumpxml default` of a running network. */
static void test_libvirt_live(void **state)
{
	struct net_def d, e;

	(void)state;
	parse_data("libvirt-default-live.xml", &d);
	parse_data("libvirt-default.xml", &e);
	assert_true(netxml_equal(&d, &e));
}

static void test_isolated(void **state)
{
	struct net_def d;

	(void)state;
	parse_data("isolated.xml", &d);
	assert_int_equal(d.mode, NET_MODE_ISOLATED);
	assert_false(d.bridge_stp);
	assert_string_equal(d.bridge, "kvnet-iso");
	assert_int_equal(d.prefix, 24);
	round_trip(&d);
}

static void test_route(void **state)
{
	struct net_def d;

	(void)state;
	parse_data("route.xml", &d);
	assert_int_equal(d.mode, NET_MODE_ROUTE);
	assert_string_equal(d.uplink, "eth0");
	assert_string_equal(d.bridge, "kvnet-routed");
	assert_string_equal(d.domain, "lab.example");
	assert_int_equal(d.mtu, 9000);
	assert_int_equal(d.prefix, 16);
	assert_int_equal(d.nranges, 2);
	assert_int_equal(d.nhosts, 3);
	assert_true(d.hosts[0].has_mac);
	assert_string_equal(mac_str(d.hosts[0].mac), "52:54:00:00:00:01");
	assert_string_equal(d.hosts[0].name, "vm1");
	assert_string_equal(ip4(d.hosts[0].ip), "172.20.0.10");
	assert_string_equal(d.hosts[1].name, "");
	assert_false(d.hosts[2].has_mac);
	assert_string_equal(d.hosts[2].name, "vm3");
	round_trip(&d);
}

static void test_bridged(void **state)
{
	struct net_def d;

	(void)state;
	parse_data("bridged.xml", &d);
	assert_int_equal(d.mode, NET_MODE_BRIDGE);
	assert_string_equal(d.uplink, "enp3s0");
	assert_false(d.has_ip);
	round_trip(&d);
	parse_ok(NET("<forward mode='bridge' dev='eth1'/>"), &d);
	assert_string_equal(d.uplink, "eth1");
	parse_ok(NET("<forward mode='bridge' dev='eth1'>"
		     "<interface dev='eth1'/></forward>"), &d);
	assert_string_equal(d.uplink, "eth1");
}

static void test_kvnet_ext(void **state)
{
	struct net_def d;
	char *xml;

	(void)state;
	parse_data("kvnet-ext.xml", &d);
	assert_int_equal(d.datapath, NET_DATAPATH_USER);
	assert_int_equal(d.fdb_aging_s, 60);
	assert_int_equal(d.fdb_max, 1024);
	assert_int_equal(d.nat_port_min, 20000);
	assert_int_equal(d.nat_port_max, 30000);
	assert_true(d.port_isolated);
	round_trip(&d);
	/* the namespace is declared only when a kvnet setting is not default */
	assert_int_equal(netxml_format(&d, &xml), 0);
	assert_non_null(strstr(xml, "xmlns:kvnet="));
	free(xml);
	d.datapath = NET_DATAPATH_EBPF, d.fdb_aging_s = 300, d.fdb_max = 8192;
	assert_int_equal(netxml_format(&d, &xml), 0);
	assert_null(strstr(xml, "kvnet:"));
	free(xml);
	round_trip(&d);
}

#define NATNET(body)                                                          \
	NET("<forward mode='nat'/><ip address='192.168.7.1' prefix='24'/>" body)

/* <kvnet:forward>: parsed, written back, compared, and refused where a
 * forward cannot be. */
static void test_forwards(void **state)
{
	struct net_def d, e;
	char *xml, big[64 * 96 + 256], *p = big;

	(void)state;
	parse_ok(NATNET("<kvnet:forward proto='tcp' host-port='8080' to='192.168.7.5:80'/>"
			"<kvnet:forward proto='udp' host-port='53' to='192.168.7.6:5353'/>"), &d);
	assert_int_equal(d.nforwards, 2);
	assert_int_equal(d.forwards[0].proto, IPPROTO_TCP);
	assert_int_equal(d.forwards[0].host_port, 8080);
	assert_string_equal(ip4(d.forwards[0].to), "192.168.7.5");
	assert_int_equal(d.forwards[0].to_port, 80);
	assert_int_equal(d.forwards[1].proto, IPPROTO_UDP);
	assert_int_equal(net_fwd_find(&d, IPPROTO_UDP, 53), 1);
	assert_int_equal(net_fwd_find(&d, IPPROTO_TCP, 53), -1);
	round_trip(&d);
	assert_int_equal(netxml_format(&d, &xml), 0);
	assert_non_null(strstr(xml, "<kvnet:forward proto='udp' host-port='53' "
				    "to='192.168.7.6:5353'/>"));
	free(xml);
	e = d;
	e.forwards[1].to_port = 5354;
	assert_false(netxml_equal(&d, &e));
	p += sprintf(p, "<network " NS "><name>t</name><forward mode='nat'/>"
		     "<ip address='192.168.7.1' prefix='24'/>");
	for (int i = 0; i < NET_MAX_FORWARDS + 1; i++)
		p += sprintf(p, "<kvnet:forward proto='tcp' host-port='%d' to='192.168.7.5:80'/>",
			     1000 + i);
	sprintf(p, "</network>");
	expect_reject(big, 0, "too many <kvnet:forward> (max 64");
	expect_reject(NATNET("<kvnet:forward proto='tcp' host-port='1' to='10.0.0.5:80'/>"),
		      0, "10.0.0.5 is not a host address of 192.168.7.0/24");
	expect_reject(NATNET("<kvnet:forward proto='tcp' host-port='1' to='192.168.7.255:80'/>"),
		      0, "not a host address");
	expect_reject(NATNET("<kvnet:forward proto='tcp' host-port='1' to='192.168.7.0:80'/>"),
		      0, "not a host address");
	expect_reject(NATNET("<kvnet:forward proto='tcp' host-port='1' to='192.168.7.1:80'/>"),
		      0, "the gateway's address");
	expect_reject(NATNET("<kvnet:forward proto='sctp' host-port='1' to='192.168.7.5:80'/>"),
		      0, "invalid proto='sctp'");
	expect_reject(NATNET("<kvnet:forward proto='tcp' host-port='0' to='192.168.7.5:80'/>"),
		      0, "invalid host-port='0'");
	expect_reject(NATNET("<kvnet:forward proto='tcp' to='192.168.7.5:80'/>"), 0,
		      "needs a host-port");
	expect_reject(NATNET("<kvnet:forward proto='tcp' host-port='1' to='192.168.7.5'/>"),
		      0, "use IPv4:PORT");
	expect_reject(NATNET("<kvnet:forward proto='tcp' host-port='1' to='192.168.7.5:0'/>"),
		      0, "use IPv4:PORT");
	expect_reject(NATNET("<kvnet:forward proto='tcp' host-port='1' to='192.168.7.5:80'/>"
			     "<kvnet:forward proto='tcp' host-port='1' to='192.168.7.6:80'/>"),
		      0, "tcp/1 is given twice");
	expect_reject(NET("<ip address='192.168.7.1' prefix='24'/>"
			  "<kvnet:forward proto='tcp' host-port='1' to='192.168.7.5:80'/>"),
		      0, "port forwards need a nat network");
	expect_reject(NATNET("<kvnet:forward proto='tcp' host-port='1' to='192.168.7.5:80'>"
			     "<x/></kvnet:forward>"), 0, "unknown element <x>");
}

static void test_fwd_parsers(void **state)
{
	struct in_addr a;
	uint16_t port;

	(void)state;
	assert_int_equal(net_fwd_port_parse("1"), 1);
	assert_int_equal(net_fwd_port_parse("65535"), 65535);
	assert_int_equal(net_fwd_port_parse("0"), -EINVAL);
	assert_int_equal(net_fwd_port_parse("65536"), -EINVAL);
	assert_int_equal(net_fwd_port_parse("080a"), -EINVAL);
	assert_int_equal(net_fwd_port_parse("+80"), -EINVAL);
	assert_int_equal(net_fwd_port_parse("000080"), -EINVAL);
	assert_int_equal(net_fwd_port_parse(""), -EINVAL);
	assert_int_equal(net_fwd_to_parse("10.0.0.5:22", &a, &port), 0);
	assert_string_equal(ip4(a), "10.0.0.5");
	assert_int_equal(port, 22);
	assert_int_equal(net_fwd_to_parse("10.0.0.5", &a, &port), -EINVAL);
	assert_int_equal(net_fwd_to_parse("host:22", &a, &port), -EINVAL);
	assert_int_equal(net_fwd_to_parse(":22", &a, &port), -EINVAL);
	assert_int_equal(net_fwd_proto_parse("udp"), IPPROTO_UDP);
	assert_int_equal(net_fwd_proto_parse("UDP"), -1);
}

static void test_misc_good(void **state)
{
	struct net_def d;

	(void)state;
	/* comments, PIs, whitespace around text, XML declaration */
	parse_ok("<?xml version='1.0' encoding='UTF-8'?>\n<!-- c -->"
		 "<network><?pi x?><name>\n  n1 \n</name><!-- c -->"
		 "<uuid>00112233445566778899AABBCCDDEEFF</uuid></network>", &d);
	assert_string_equal(d.name, "n1");
	assert_string_equal(d.bridge, "kvnet-n1");
	assert_int_equal(d.uuid[15], 0xff);
	/* libvirt attributes accepted and ignored */
	parse_ok("<network connections='3' ipv6='yes'><name>n</name></network>",
		 &d);
	/* <title> and <description> kept (escaped on output), <metadata> dropped */
	parse_ok(NET("<title>Lab &amp; test</title><description>for\nVMs</description>"
		     "<metadata><app:x xmlns:app='urn:x'>1</app:x></metadata>"), &d);
	assert_string_equal(d.title, "Lab & test");
	assert_string_equal(d.description, "for\nVMs");
	{
		struct net_def back;
		char *xml = NULL;

		assert_int_equal(netxml_format(&d, &xml), 0);
		assert_non_null(strstr(xml, "<title>Lab &amp; test</title>"));
		parse_ok(xml, &back);
		assert_true(netxml_equal(&d, &back));
		free(xml);
	}
	/* <dns enable='no'/>: exactly what kvnet does */
	parse_ok(NET("<dns enable='no'>\n</dns>"), &d);
	/* one-digit MAC octets, upper case; forward dev == interface dev */
	parse_ok(NET("<mac address='52:54:0:A:b:C'/>"), &d);
	assert_string_equal(mac_str(d.mac), "52:54:00:0a:0b:0c");
	parse_ok(NET("<forward mode='nat' dev='eth0'><interface dev='eth0' "
		     "connections='1'/></forward><ip address='10.0.0.1' "
		     "netmask='255.255.255.0'/>"), &d);
	assert_string_equal(d.uplink, "eth0");
	parse_ok(NET("<forward mode='open'/><ip address='10.0.0.1' "
		     "prefix='8' family='ipv4'/><mtu size='1400'/>"), &d);
	assert_int_equal(d.mode, NET_MODE_OPEN);
	assert_int_equal(d.prefix, 8);
	/* the longest spelled-out default bridge name: kvnet- plus 9
	 * characters; longer names get kvnet-<hash>, the same every time */
	parse_ok("<network><name>abcdefghi</name></network>", &d);
	assert_string_equal(d.bridge, "kvnet-abcdefghi");
	assert_true(d.uuid_generated && d.mac_generated);
	parse_ok("<network><name>abcdefghij</name></network>", &d);
	assert_int_equal(strlen(d.bridge), 14);
	assert_memory_equal(d.bridge, "kvnet-", 6);
	{
		struct net_def again;

		parse_ok("<network><name>abcdefghij</name></network>", &again);
		assert_string_equal(d.bridge, again.bridge);
	}
	parse_ok(NET("<bridge name='abcdefghijklm'/><port isolated='no'/>"
		     "<kvnet:fdb aging='1' max='16'/>"
		     "<kvnet:datapath type='ebpf'/>"), &d);
	assert_int_equal(d.fdb_aging_s, 1);
	round_trip(&d);
	parse_ok(NET("<kvnet:fdb aging='1000000' max='1048576'/>"), &d);
	round_trip(&d);
	assert_int_equal(d.fdb_port_max, KVNET_PORT_LEARN_MAX);
	assert_int_equal(d.flood_rate, KVNET_FLOOD_RATE);
	parse_ok(NET("<kvnet:fdb port-max='0'/><kvnet:flood rate='0' burst='7'/>"), &d);
	assert_int_equal(d.fdb_port_max, 0);
	assert_int_equal(d.flood_rate, 0);
	assert_int_equal(d.flood_burst, 7);
	round_trip(&d);
}

static void test_all_data_round_trip(void **state)
{
	static const char *const files[] = {
		"libvirt-default.xml", "libvirt-default-template.xml",
		"libvirt-default-live.xml", "isolated.xml", "route.xml",
		"bridged.xml", "kvnet-ext.xml", "dhcp.xml", "dns.xml",
	};
	struct net_def d;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
		parse_data(files[i], &d);
		round_trip(&d);
	}
}

static void test_escaping_round_trip(void **state)
{
	struct net_def d;

	(void)state;
	parse_ok(NET("<forward mode='route' dev='a&amp;b&lt;&apos;&quot;'/>"
		     "<ip address='10.0.0.1' prefix='24'/>"), &d);
	assert_string_equal(d.uplink, "a&b<'\"");
	round_trip(&d);
}

/* ---- rejections ------------------------------------------------------------ */

#define LONG40 "0123456789abcdefghij0123456789abcdefghij"
#define LONG64 LONG40 "0123456789abcdefghijklmn"
#define ID16 "01:02:03:04:05:06:07:08:09:0a:0b:0c:0d:0e:0f:10"
#define ID65 ID16 ":" ID16 ":" ID16 ":" ID16 ":ff"

struct reject {
	const char *xml;
	int rc;
	const char *msg; /* expected substring of err */
};

static const struct reject rejects[] = {
	/* syntax, document */
	{ "<network><name>x</name>", -EINVAL, "XML error at line 1: " },
	{ "", -EINVAL, "XML error at line 1: Document is empty" },
	{ "<network><name>x</name></network>junk", -EINVAL,
	  "XML error at line 1: Extra content at the end of the document" },
	{ "<?xml version='1.0'?><!DOCTYPE network [<!ENTITY a 'b'>]>"
	  "<network><name>&a;</name></network>", -EINVAL,
	  "DOCTYPE declarations are not allowed" },
	{ "<!DOCTYPE network SYSTEM 'http://example.com/x.dtd'><network/>",
	  -EINVAL, "DOCTYPE declarations are not allowed" },
	{ "<network><name>&xxe;</name></network>", -EINVAL,
	  "XML error at line 1: Entity 'xxe' not defined" },
	{ "<network><name>\xa0</name></network>", -EINVAL,
	  "XML error at line 1: Input is not proper UTF-8, indicate encoding ! "
	  "Bytes: 0xA0 0x3C" }, /* a two-line libxml2 message, folded */
	{ "<net/>", -EINVAL, "root element is <net>, expected <network>" },
	{ "<network xmlns='urn:x'><name>x</name></network>", -EINVAL,
	  "root element is <network>, expected <network>" },
	{ "<network/>", -EINVAL, "missing <name> in <network>" },
	{ "<network>hello<name>x</name></network>", -EINVAL,
	  "unexpected text 'hello' in <network>" },
	/* names */
	{ "<network><name></name></network>", -EINVAL,
	  "invalid network name ''" },
	{ "<network><name>.x</name></network>", -EINVAL,
	  "invalid network name '.x'" },
	{ "<network><name>-x</name></network>", -EINVAL,
	  "invalid network name '-x'" },
	{ "<network><name>a/b</name></network>", -EINVAL,
	  "invalid network name 'a/b': use 1-63 of A-Z a-z 0-9 _ . -" },
	{ "<network><name>a b</name></network>", -EINVAL,
	  "invalid network name 'a b'" },
	{ "<network><name>"
	  "0123456789012345678901234567890123456789012345678901234567890123"
	  "</name></network>", -EINVAL,
	  "network name '0123456789012345678901234567890123456789...' is too "
	  "long (max 63 characters)" },
	{ "<network><name>x<b/></name></network>", -EINVAL,
	  "unexpected element <b> in <name>" },
	{ "<network><name a='1'>x</name></network>", -EINVAL,
	  "unknown attribute 'a' on <name>" },
	{ NET("<name>u</name>"), -EINVAL, "duplicate element <name> in "
	  "<network>" },
	/* allow-list */
	{ NET("<foo/>"), -EINVAL, "unknown element <foo> in <network>" },
	{ NET("<kvnet:foo/>"), -EINVAL, "unknown element <kvnet:foo> in "
	  "<network>" },
	{ NET("<o:fdb xmlns:o='urn:other'/>"), -EINVAL,
	  "unknown element <o:fdb> in <network>" },
	{ "<network><name>x</name><kvnet:fdb aging='3'/></network>", -EINVAL,
	  "XML error at line 1: Namespace prefix kvnet on fdb is not defined" },
	{ NET("<route address='10.1.0.0' prefix='16' gateway='10.0.0.2'/>"),
	  -EOPNOTSUPP, "unsupported element <route> in <network>" },
	{ NET("<portgroup name='p'/>"), -EOPNOTSUPP,
	  "unsupported element <portgroup> in <network>" },
	{ NET("<vlan><tag id='42'/></vlan>"), -EOPNOTSUPP,
	  "unsupported element <vlan> in <network>" },
	{ NET("<bandwidth/>"), -EOPNOTSUPP,
	  "unsupported element <bandwidth> in <network>" },
	{ NET("<ip address='10.0.0.1' prefix='24'><tftp root='/x'/></ip>"),
	  -EOPNOTSUPP, "unsupported element <tftp> in <ip>" },
	{ "<network foo='1'><name>x</name></network>", -EINVAL,
	  "unknown attribute 'foo' on <network>" },
	{ "<network trustGuestRxFilters='yes'><name>x</name></network>",
	  -EOPNOTSUPP, "unsupported attribute 'trustGuestRxFilters' on "
	  "<network>" },
	{ NET("<mac address='52:54:00:00:00:01'><x/></mac>"), -EINVAL,
	  "unknown element <x> in <mac>" },
	{ NET("<domain name='a' register='yes'/>"), -EOPNOTSUPP,
	  "unsupported attribute 'register' on <domain>" },
	{ NET("<domain name='a' localOnly='maybe'/>"), -EINVAL,
	  "invalid localOnly='maybe' on <domain>: use 'yes' or 'no'" },
	/* IPv6 */
	{ NET("<ip family='ipv6' address='fd00::1' prefix='64'/>"),
	  -EOPNOTSUPP, "unsupported <ip family='ipv6'>: IPv6 is not "
	  "supported yet" },
	{ NET("<ip address='fd00::1' prefix='64'/>"), -EOPNOTSUPP,
	  "IPv6 address address='fd00::1' on <ip>" },
	{ NET("<ip family='ipx' address='10.0.0.1' prefix='24'/>"), -EINVAL,
	  "unknown family='ipx' on <ip>" },
	{ NET("<ip address='10.0.0.1' prefix='24'/>"
	      "<ip address='10.1.0.1' prefix='24'/>"),
	  -EOPNOTSUPP, "unsupported second <ip>" },
	/* bridge */
	{ NET("<bridge name='br0' macTableManager='libvirt'/>"), -EOPNOTSUPP,
	  "unsupported attribute 'macTableManager' on <bridge>" },
	{ NET("<bridge name='br0' color='red'/>"), -EINVAL,
	  "unknown attribute 'color' on <bridge>" },
	{ NET("<bridge name='abcdefghijklmnop'/>"), -EINVAL,
	  "bridge name 'abcdefghijklmnop' is too long (max 15 characters)" },
	/* the kernel's limit, however long the name (a 64-byte read buffer
	 * once said "max 63") */
	{ NET("<bridge name='" LONG64 "'/>"), -EINVAL, "bridge name '"
	  LONG40 "...' is too long (max 15 characters)" },
	{ NET("<bridge name='" LONG64 LONG64 LONG64 "'/>"), -EINVAL,
	  "bridge name '" LONG40 "...' is too long (max 15 characters)" },
	{ NET("<forward mode='bridge' dev='" LONG64 "'/>"), -EINVAL,
	  "uplink '" LONG40 "...' is too long (max 15 characters)" },
	{ NET("<forward mode='bridge'><interface dev='" LONG64 "'/></forward>"),
	  -EINVAL, "uplink '" LONG40 "...' is too long (max 15 characters)" },
	{ NET("<bridge name='br 0'/>"), -EINVAL, "invalid bridge name 'br 0'" },
	{ NET("<bridge name=''/>"), -EINVAL, "invalid bridge name ''" },
	{ NET("<bridge stp='maybe'/>"), -EINVAL,
	  "invalid stp='maybe' on <bridge>: use 'on' or 'off'" },
	{ NET("<bridge delay='-1'/>"), -EINVAL,
	  "invalid delay='-1' on <bridge>: expected an integer in 0..600" },
	/* mac, uuid, mtu, domain, port */
	{ NET("<mac address='52:54:00:00:00'/>"), -EINVAL,
	  "invalid MAC address '52:54:00:00:00' in <mac>" },
	{ NET("<mac address='01:00:5e:00:00:01'/>"), -EINVAL,
	  "invalid bridge MAC 01:00:5e:00:00:01: must be unicast" },
	{ NET("<mac address='00:00:00:00:00:00'/>"), -EINVAL,
	  "invalid bridge MAC 00:00:00:00:00:00" },
	{ NET("<mac/>"), -EINVAL, "missing attribute 'address' on <mac>" },
	{ NET("<uuid>not-a-uuid</uuid>"), -EINVAL,
	  "invalid uuid 'not-a-uuid'" },
	{ NET("<uuid>3e3fce45-4f53-4fa7-bb32-11f34168b82</uuid>"), -EINVAL,
	  "invalid uuid '3e3fce45-4f53-4fa7-bb32-11f34168b82'" },
	{ NET("<mtu size='10'/>"), -EINVAL,
	  "invalid size='10' on <mtu>: expected an integer in 68..65535" },
	{ NET("<mtu/>"), -EINVAL, "missing attribute 'size' on <mtu>" },
	{ NET("<domain name='bad domain'/>"), -EINVAL,
	  "invalid domain name 'bad domain'" },
	{ NET("<port isolated='maybe'/>"), -EINVAL,
	  "invalid isolated='maybe' on <port>: use 'yes' or 'no'" },
	/* forward */
	{ NET("<forward mode='foo'/>"), -EINVAL,
	  "unknown forward mode 'foo': use nat, route, open or bridge" },
	{ NET("<forward mode='isolated'/>"), -EINVAL,
	  "unknown forward mode 'isolated'" },
	{ NET("<forward mode='vepa'/>"), -EOPNOTSUPP,
	  "unsupported forward mode 'vepa'" },
	{ NET("<forward mode='hostdev' managed='yes'/>"), -EOPNOTSUPP,
	  "unsupported attribute 'managed' on <forward>" },
	{ NET("<forward mode='passthrough'/>"), -EOPNOTSUPP,
	  "unsupported forward mode 'passthrough'" },
	{ NET("<forward mode='bridge'/>"), -EINVAL,
	  "forward mode 'bridge' needs an uplink" },
	{ NET("<forward mode='bridge' dev='eth0'/>"
	      "<ip address='10.0.0.1' prefix='24'/>"), -EINVAL,
	  "forward mode 'bridge' takes no <ip>" },
	{ NET("<forward/>"), -EINVAL, "forward mode 'nat' needs an <ip>" },
	{ NET("<forward mode='route'/>"), -EINVAL,
	  "forward mode 'route' needs an <ip>" },
	{ NET("<forward mode='open'/>"), -EINVAL,
	  "forward mode 'open' needs an <ip>" },
	{ NET("<forward mode='route'><nat/></forward>"
	      "<ip address='10.0.0.1' prefix='24'/>"), -EINVAL,
	  "<nat> is only valid in <forward mode='nat'>, not mode 'route'" },
	{ NET("<forward><nat><port start='2000' end='1000'/></nat></forward>"
	      "<ip address='10.0.0.1' prefix='24'/>"), -EINVAL,
	  "NAT port range 2000-1000: start is after end" },
	{ NET("<forward><nat><port start='2000'/></nat></forward>"), -EINVAL,
	  "<port> in <nat> needs start= and end=" },
	{ NET("<forward><nat><port start='0' end='10'/></nat></forward>"),
	  -EINVAL, "invalid start='0' on <port>: expected an integer in "
	  "1..65535" },
	{ NET("<forward><nat><address start='1.2.3.5' end='1.2.3.4'/></nat>"
	      "</forward><ip address='10.0.0.1' prefix='24'/>"), -EINVAL,
	  "invalid NAT address range 1.2.3.5-1.2.3.4" },
	{ NET("<forward mode='route'><nat><address start='1.2.3.4' end='1.2.3.5'/>"
	      "</nat></forward><ip address='10.0.0.1' prefix='24'/>"), -EINVAL,
	  "<nat> is only valid in <forward mode='nat'>, not mode 'route'" },
	{ NET("<forward><nat><address start='1.2.3.4'/></nat></forward>"),
	  -EINVAL, "missing attribute 'end' on <address>" },
	{ NET("<forward><nat ipv6='yes'/></forward>"), -EOPNOTSUPP,
	  "unsupported attribute 'ipv6' on <nat>" },
	{ NET("<forward mode='bridge'><interface dev='eth0'/>"
	      "<interface dev='eth1'/></forward>"), -EOPNOTSUPP,
	  "only one uplink <interface> in <forward> is supported" },
	{ NET("<forward mode='bridge' dev='eth0'><interface dev='eth1'/>"
	      "</forward>"), -EINVAL,
	  "<forward dev='eth0'> does not match <interface dev='eth1'>" },
	{ NET("<forward mode='bridge'><interface/></forward>"), -EINVAL,
	  "missing attribute 'dev' on <interface>" },
	{ NET("<forward mode='bridge' dev='eth/0'/>"), -EINVAL,
	  "invalid uplink 'eth/0': no spaces, '/', ':' or '%' allowed" },
	{ NET("<bridge name='kv%d'/>"), -EINVAL,
	  "invalid bridge name 'kv%d': no spaces, '/', ':' or '%' allowed" },
	{ NET("<forward mode='bridge' dev='abcdefghijklmnop'/>"), -EINVAL,
	  "uplink 'abcdefghijklmnop' is too long (max 15 characters)" },
	{ NET("<forward/><forward/>"), -EINVAL,
	  "duplicate element <forward> in <network>" },
	/* ip */
	{ NET("<ip address='10.0.0.1'/>"), -EINVAL,
	  "<ip> needs exactly one of netmask= and prefix=" },
	{ NET("<ip address='10.0.0.1' prefix='24' netmask='255.0.0.0'/>"),
	  -EINVAL, "<ip> needs exactly one of netmask= and prefix=" },
	{ NET("<ip prefix='24'/>"), -EINVAL,
	  "missing attribute 'address' on <ip>" },
	{ NET("<ip address='10.0.0.256' prefix='24'/>"), -EINVAL,
	  "invalid IPv4 address address='10.0.0.256' on <ip>" },
	{ NET("<ip address='10.0.0.1' netmask='255.0.255.0'/>"), -EINVAL,
	  "netmask 255.0.255.0 is not contiguous" },
	{ NET("<ip address='10.0.0.1' netmask='255.255.255.254'/>"), -EINVAL,
	  "netmask 255.255.255.254 (/31) out of range: use a prefix of 1..30" },
	{ NET("<ip address='10.0.0.1' netmask='0.0.0.0'/>"), -EINVAL,
	  "netmask 0.0.0.0 (/0) out of range" },
	{ NET("<ip address='10.0.0.1' prefix='31'/>"), -EINVAL,
	  "invalid prefix='31' on <ip>: expected an integer in 1..30" },
	{ NET("<ip address='10.0.0.1' prefix='0'/>"), -EINVAL,
	  "invalid prefix='0' on <ip>" },
	{ NET("<ip address='10.0.0.0' prefix='24'/>"), -EINVAL,
	  "gateway 10.0.0.0 is the network address of 10.0.0.0/24" },
	{ NET("<ip address='10.0.0.255' prefix='24'/>"), -EINVAL,
	  "gateway 10.0.0.255 is the broadcast address of 10.0.0.0/24" },
	{ NET("<ip address='127.0.0.1' prefix='8'/>"), -EINVAL,
	  "gateway 127.0.0.1 is not a usable unicast address" },
	{ NET("<ip address='224.0.0.1' prefix='24'/>"), -EINVAL,
	  "gateway 224.0.0.1 is not a usable unicast address" },
	{ NET("<ip address='10.0.0.1' prefix='24' localPtr='yes'/>"),
	  -EOPNOTSUPP, "unsupported attribute 'localPtr' on <ip>" },
	{ NET("<ip address='10.0.0.1' prefix='24'><dhcp/><dhcp/></ip>"),
	  -EINVAL, "duplicate element <dhcp> in <ip>" },
	/* DHCP ranges */
	{ NETIP("<range start='10.0.1.2' end='10.0.1.9'/>"), -EINVAL,
	  "DHCP range 10.0.1.2-10.0.1.9 is not inside the hosts of subnet "
	  "10.0.0.0/24" },
	{ NETIP("<range start='10.0.0.0' end='10.0.0.9'/>"), -EINVAL,
	  "DHCP range 10.0.0.0-10.0.0.9 is not inside" },
	{ NETIP("<range start='10.0.0.2' end='10.0.0.255'/>"), -EINVAL,
	  "DHCP range 10.0.0.2-10.0.0.255 is not inside" },
	{ NETIP("<range start='10.0.0.9' end='10.0.0.2'/>"), -EINVAL,
	  "DHCP range 10.0.0.9-10.0.0.2: start is after end" },
	{ "<network><name>t</name><ip address='10.0.0.5' prefix='24'><dhcp>"
	  "<range start='10.0.0.2' end='10.0.0.9'/></dhcp></ip></network>",
	  -EINVAL, "DHCP range 10.0.0.2-10.0.0.9 covers the gateway 10.0.0.5" },
	{ NETIP("<range start='10.0.0.2' end='10.0.0.9'/>"
		"<range start='10.0.0.9' end='10.0.0.20'/>"), -EINVAL,
	  "DHCP ranges 10.0.0.2-10.0.0.9 and 10.0.0.9-10.0.0.20 overlap" },
	{ NETIP("<range start='10.0.0.2'/>"), -EINVAL,
	  "missing attribute 'end' on <range>" },
	{ NETIP("<range start='10.0.0.2' end='x'/>"), -EINVAL,
	  "invalid IPv4 address end='x' on <range>" },
	{ NETIP("<range start='10.0.0.1' end='10.0.0.3' step='1'/>"), -EINVAL,
	  "unknown attribute 'step' on <range>" },
	/* DHCP hosts */
	{ NETIP("<host mac='52:54:00:00:00:zz' ip='10.0.0.5'/>"), -EINVAL,
	  "invalid MAC address '52:54:00:00:00:zz' in <host>" },
	{ NETIP("<host mac='01:54:00:00:00:01' ip='10.0.0.5'/>"), -EINVAL,
	  "DHCP host 10.0.0.5: MAC 01:54:00:00:00:01 is not a unicast address" },
	{ NETIP("<host mac='52:54:00:00:00:01' ip='10.0.0.5'/>"
		"<host mac='52:54:00:00:00:01' ip='10.0.0.6'/>"), -EINVAL,
	  "duplicate DHCP host MAC 52:54:00:00:00:01" },
	{ NETIP("<host mac='52:54:00:00:00:01' ip='10.0.0.5'/>"
		"<host mac='52:54:00:00:00:02' ip='10.0.0.5'/>"), -EINVAL,
	  "duplicate DHCP host IP 10.0.0.5" },
	{ NETIP("<host name='a' ip='10.0.0.5'/><host name='a' ip='10.0.0.6'/>"),
	  -EINVAL, "duplicate DHCP host name 'a'" },
	{ NETIP("<host mac='52:54:00:00:00:01' ip='10.0.1.5'/>"), -EINVAL,
	  "DHCP host IP 10.0.1.5 is not a host address of the subnet" },
	{ NETIP("<host mac='52:54:00:00:00:01' ip='10.0.0.1'/>"), -EINVAL,
	  "DHCP host IP 10.0.0.1 is the gateway address" },
	{ NETIP("<host mac='52:54:00:00:00:01'/>"), -EINVAL,
	  "missing attribute 'ip' on <host>" },
	{ NETIP("<host ip='10.0.0.5'/>"), -EINVAL,
	  "DHCP host 10.0.0.5 needs a mac, an id or a name" },
	{ NETIP("<host name='-bad' ip='10.0.0.5'/>"), -EINVAL,
	  "DHCP host 10.0.0.5: invalid host name '-bad'" },
	/* leases */
	{ NETIP("<range start='10.0.0.2' end='10.0.0.9'><lease unit='hours'/>"
		"</range>"), -EINVAL, "missing attribute 'expiry' on <lease>" },
	{ NETIP("<range start='10.0.0.2' end='10.0.0.9'><lease expiry='1'/>"
		"</range>"), -EINVAL, "lease of 60 seconds in <range> is "
	  "shorter than the minimum of 2 minutes" },
	{ NETIP("<host name='a' ip='10.0.0.5'><lease expiry='119' "
		"unit='seconds'/></host>"), -EINVAL, "lease of 119 seconds in "
	  "<host> is shorter than the minimum of 2 minutes" },
	{ NETIP("<range start='10.0.0.2' end='10.0.0.9'><lease expiry='1' "
		"unit='days'/></range>"), -EINVAL, "invalid unit='days' on "
	  "<lease>: use 'seconds', 'minutes' or 'hours'" },
	{ NETIP("<range start='10.0.0.2' end='10.0.0.9'><lease "
		"expiry='-5'/></range>"), -EINVAL, "invalid expiry='-5' on "
	  "<lease>: expected a whole number (0 = infinite)" },
	{ NETIP("<range start='10.0.0.2' end='10.0.0.9'><lease "
		"expiry='1193047' unit='hours'/></range>"), -EINVAL,
	  "lease of 1193047 hours in <range> is too long (max 4294967294 "
	  "seconds; expiry='0' never expires)" },
	{ NETIP("<range start='10.0.0.2' end='10.0.0.9'><lease "
		"expiry='99999999999999999999'/></range>"), -EINVAL,
	  "invalid expiry='99999999999999999999' on <lease>" },
	{ NETIP("<range start='10.0.0.2' end='10.0.0.9'><lease expiry='0'/>"
		"<lease expiry='0'/></range>"), -EINVAL,
	  "duplicate element <lease> in <range>" },
	{ NETIP("<host name='a' ip='10.0.0.5'><lease expiry='5' "
		"when='now'/></host>"), -EINVAL,
	  "unknown attribute 'when' on <lease>" },
	/* client ids */
	{ NETIP("<host id='0:1:zz' ip='10.0.0.5'/>"), -EINVAL,
	  "invalid id='0:1:zz' on <host>: use 2 to 64 colon-separated hex "
	  "octets, e.g. 01:52:54:00:12:34:56" },
	{ NETIP("<host id='01' ip='10.0.0.5'/>"), -EINVAL,
	  "invalid id='01' on <host>" },
	{ NETIP("<host id='01::02' ip='10.0.0.5'/>"), -EINVAL,
	  "invalid id='01::02' on <host>" },
	{ NETIP("<host id='001:02' ip='10.0.0.5'/>"), -EINVAL,
	  "invalid id='001:02' on <host>" },
	{ NETIP("<host id='01:02:' ip='10.0.0.5'/>"), -EINVAL,
	  "invalid id='01:02:' on <host>" },
	{ NETIP("<host id='" ID65 "' ip='10.0.0.5'/>"), -EINVAL,
	  "on <host> is longer than 64 octets" },
	{ NETIP("<host id='01:aa:bb' ip='10.0.0.5'/>"
		"<host id='1:AA:bb' ip='10.0.0.6'/>"), -EINVAL,
	  "duplicate DHCP host id (hosts 10.0.0.5 and 10.0.0.6)" },
	{ "<network " NS "><name>t</name><ip address='10.0.0.1' prefix='24'>"
	  "<dhcp><host id='01:02' ip='10.0.0.5'/></dhcp></ip>"
	  "<kvnet:dhcp ignore-client-id='yes'/></network>", -EINVAL,
	  "DHCP host 10.0.0.5: id= cannot match with <kvnet:dhcp ignore-"
	  "client-id='yes'/> (clients are told apart by MAC only)" },
	/* bootp */
	{ NETIP("<bootp/>"), -EINVAL, "missing attribute 'file' on <bootp>" },
	{ NETIP("<bootp file=''/>"), -EINVAL, "invalid file='' on <bootp>" },
	{ NETIP("<bootp file='a&#10;b'/>"), -EINVAL,
	  "invalid file='a?b' on <bootp>: a non-empty name of printable "
	  "ASCII" },
	{ NETIP("<bootp file='x' server='pxe.example'/>"), -EINVAL,
	  "invalid IPv4 address server='pxe.example' on <bootp>" },
	{ NETIP("<bootp file='x' server='fd00::1'/>"), -EOPNOTSUPP,
	  "IPv6 address server='fd00::1' on <bootp>" },
	{ NETIP("<bootp file='x' server='224.0.0.1'/>"), -EINVAL,
	  "<bootp> server 224.0.0.1 is not a unicast address" },
	{ NETIP("<bootp file='x' server='0.0.0.0'/>"), -EINVAL,
	  "<bootp> server 0.0.0.0 is not a unicast address" },
	{ NETIP("<bootp file='x'/><bootp file='y'/>"), -EINVAL,
	  "duplicate element <bootp> in <dhcp>" },
	{ NETIP("<bootp file='x' tftp='y'/>"), -EINVAL,
	  "unknown attribute 'tftp' on <bootp>" },
	{ NETIP("<bootp file='" LONG64 LONG64 LONG64 LONG64 "'/>"), -EINVAL,
	  "file='" LONG40 "...' on <bootp> is too long (max 255 characters)" },
	/* dns: <dns> and <forwarder> */
	{ NET("<dns enable='maybe'/>"), -EINVAL,
	  "invalid enable='maybe' on <dns>: use 'yes' or 'no'" },
	{ NET("<dns forwardPlainNames='1'/>"), -EINVAL,
	  "invalid forwardPlainNames='1' on <dns>: use 'yes' or 'no'" },
	{ NET("<dns enable='no' forwardPlainNames='yes'/>"), -EINVAL,
	  "<dns enable='no'> turns DNS off and takes no forwardPlainNames=" },
	{ NET("<dns enable='no'><forwarder addr='1.1.1.1'/></dns>"), -EINVAL,
	  "<dns enable='no'> turns DNS off and takes no <forwarder>" },
	{ NETDNS("<x/>"), -EINVAL, "unknown element <x> in <dns>" },
	{ NET("<dns port='53'/>"), -EINVAL, "unknown attribute 'port' on <dns>" },
	{ NET("<dns><forwarder/></dns>"), -EINVAL,
	  "<forwarder> needs addr=, domain= or both" },
	{ NET("<dns><forwarder addr='8.8.8.8' port='53'/></dns>"), -EINVAL,
	  "unknown attribute 'port' on <forwarder>" },
	{ NET("<dns><forwarder addr='8.8.8.8'><x/></forwarder></dns>"), -EINVAL,
	  "unknown element <x> in <forwarder>" },
	{ NET("<dns><forwarder addr='dns.example'/></dns>"), -EINVAL,
	  "invalid IP address addr='dns.example' on <forwarder>" },
	{ NET("<dns><forwarder addr='2001:db8::1%eth0'/></dns>"), -EINVAL,
	  "invalid IP address addr='2001:db8::1%eth0' on <forwarder>" },
	{ NET("<dns><forwarder domain=''/></dns>"), -EINVAL,
	  "invalid domain='' on <forwarder>: a name is needed" },
	{ NET("<dns><forwarder domain='bad domain'/></dns>"), -EINVAL,
	  "invalid DNS forwarder domain 'bad domain': use labels of letters, "
	  "digits, '-' and '_' separated by dots, at most 63 characters each "
	  "and 253 in all" },
	{ NET("<dns><forwarder domain='example.com.'/></dns>"), -EINVAL,
	  "invalid DNS forwarder domain 'example.com.'" },
	{ NET("<dns><forwarder domain='-x.example'/></dns>"), -EINVAL,
	  "invalid DNS forwarder domain '-x.example'" },
	{ NET("<dns><forwarder addr='8.8.8.8'/><forwarder addr='8.8.8.8'/>"
	      "</dns>"), -EINVAL, "duplicate DNS forwarder 8.8.8.8" },
	{ NET("<dns><forwarder addr='2001:db8::53' domain='a.example'/>"
	      "<forwarder addr='2001:db8:0::53' domain='A.example'/></dns>"),
	  -EINVAL, "duplicate DNS forwarder 2001:db8::53 for A.example" },
	{ NET("<dns><forwarder domain='a.example'/><forwarder "
	      "domain='a.example'/></dns>"), -EINVAL,
	  "duplicate DNS forwarder for a.example" },
	{ NET("<dns><forwarder domain='a.example'/><forwarder addr='1.1.1.1' "
	      "domain='a.example'/></dns>"), -EINVAL,
	  "DNS forwarder domain 'a.example' is both answered locally (a "
	  "<forwarder> without addr=) and forwarded" },
	{ NET("<dns><forwarder addr='255.255.255.255'/></dns>"), -EINVAL,
	  "DNS forwarder 255.255.255.255 is not a unicast address" },
	{ NET("<dns><forwarder addr='0.0.0.0'/></dns>"), -EINVAL,
	  "DNS forwarder 0.0.0.0 is not a unicast address" },
	{ NET("<dns><forwarder addr='::'/></dns>"), -EINVAL,
	  "DNS forwarder :: is not a unicast address" },
	{ NET("<dns><forwarder addr='ff02::fb'/></dns>"), -EINVAL,
	  "DNS forwarder ff02::fb is not a unicast address" },
	{ NET("<dns><forwarder addr='fe80::1'/></dns>"), -EINVAL,
	  "DNS forwarder fe80::1 is link-local" },
	{ NET("<dns><forwarder addr='1.1.1.1'/></dns><dns enable='no'/>"),
	  -EINVAL, "duplicate element <dns> in <network>" },
	/* <host> */
	{ NETDNS("<host ip='10.0.0.5'/>"), -EINVAL,
	  "<host> in <dns> needs at least one <hostname>" },
	{ NETDNS("<host><hostname>a</hostname></host>"), -EINVAL,
	  "missing attribute 'ip' on <host> in <dns>" },
	{ NETDNS("<host ip='10.0.0.300'><hostname>a</hostname></host>"),
	  -EINVAL, "invalid IP address ip='10.0.0.300' on <host>" },
	{ NETDNS("<host ip='10.0.0.5' mac='52:54:00:00:00:01'><hostname>a"
		 "</hostname></host>"), -EINVAL,
	  "unknown attribute 'mac' on <host>" },
	{ NETDNS("<host ip='10.0.0.5'><name>a</name></host>"), -EINVAL,
	  "unknown element <name> in <host>" },
	{ NETDNS("<host ip='10.0.0.5'><hostname x='1'>a</hostname></host>"),
	  -EINVAL, "unknown attribute 'x' on <hostname>" },
	{ NETDNS("<host ip='10.0.0.5'><hostname><b/></hostname></host>"),
	  -EINVAL, "unexpected element <b> in <hostname>" },
	{ NETDNS("<host ip='10.0.0.5'><hostname> </hostname></host>"), -EINVAL,
	  "invalid DNS host name '' for 10.0.0.5: use labels of letters" },
	{ NETDNS("<host ip='10.0.0.5'><hostname>a b</hostname></host>"),
	  -EINVAL, "invalid DNS host name 'a b' for 10.0.0.5" },
	{ NETDNS("<host ip='10.0.0.5'><hostname>a..b</hostname></host>"),
	  -EINVAL, "invalid DNS host name 'a..b' for 10.0.0.5" },
	{ NETDNS("<host ip='10.0.0.5'><hostname>a.</hostname></host>"),
	  -EINVAL, "invalid DNS host name 'a.' for 10.0.0.5" },
	{ NETDNS("<host ip='10.0.0.5'><hostname>" LONG64 "</hostname></host>"),
	  -EINVAL, "invalid DNS host name '" LONG40 "...' for 10.0.0.5" },
	{ NETDNS("<host ip='10.0.0.5'><hostname>" LONG64 LONG64 LONG64 LONG64
		 "</hostname></host>"), -EINVAL,
	  "DNS host name '" LONG40 "...' is too long (max 253 characters)" },
	{ NETDNS("<host ip='10.0.0.5'><hostname>a</hostname><hostname>A"
		 "</hostname></host>"), -EINVAL,
	  "duplicate host name 'A' for DNS host 10.0.0.5" },
	{ NETDNS("<host ip='fd00::5'><hostname>a</hostname></host>"
		 "<host ip='fd00:0::5'><hostname>b</hostname></host>"), -EINVAL,
	  "duplicate DNS host fd00::5: give all its names in one <host>" },
	{ NETDNS("<host ip='224.0.0.1'><hostname>a</hostname></host>"), -EINVAL,
	  "DNS host 224.0.0.1 is not a unicast address" },
	{ NETDNS("<host ip='ff02::1'><hostname>a</hostname></host>"), -EINVAL,
	  "DNS host ff02::1 is not a unicast address" },
	{ NETDNS("<host ip='10.0.0.5'><hostname>a</hostname><hostname>b"
		 "</hostname><hostname>c</hostname><hostname>d</hostname>"
		 "<hostname>e</hostname><hostname>f</hostname><hostname>g"
		 "</hostname><hostname>h</hostname><hostname>i</hostname>"
		 "</host>"), -EINVAL,
	  "too many <hostname> elements in a DNS <host> (max 8)" },
	{ NET("<dns><host ip='10.0.0.5'><hostname>a</hostname></host></dns>"),
	  -EINVAL, "DNS <host>, <txt> and <srv> records need an <ip>: kvnet "
	  "serves DNS on the gateway address" },
	{ NET("<ip address='10.0.0.1' prefix='24'/><dns enable='no'><host "
	      "ip='10.0.0.5'><hostname>a</hostname></host></dns>"), -EINVAL,
	  "<dns enable='no'> turns DNS off and takes no <host>" },
	/* <txt> */
	{ NETDNS("<txt name='a'/>"), -EINVAL, "missing attribute 'value' on <txt>" },
	{ NETDNS("<txt value='b'/>"), -EINVAL, "missing attribute 'name' on <txt>" },
	{ NETDNS("<txt name='' value='b'/>"), -EINVAL,
	  "invalid name='' on <txt>: a name is needed" },
	{ NETDNS("<txt name='a b' value='c'/>"), -EINVAL,
	  "invalid DNS TXT name 'a b': use labels of letters" },
	{ NETDNS("<txt name='a,b' value='c'/>"), -EINVAL,
	  "invalid DNS TXT name 'a,b'" },
	{ NETDNS("<txt name='a' value='x&#10;y'/>"), -EINVAL,
	  "DNS TXT record 'a': control characters in its value" },
	{ NETDNS("<txt name='a' value='" LONG64 LONG64 LONG64 LONG64 "'/>"),
	  -EINVAL, "value='" LONG40 "...' on <txt> is too long (max 255 "
	  "characters)" },
	{ NETDNS("<txt name='a' value='b' ttl='1'/>"), -EINVAL,
	  "unknown attribute 'ttl' on <txt>" },
	{ NETDNS("<txt name='a' value='b'/><txt name='A' value='b'/>"), -EINVAL,
	  "duplicate DNS TXT record 'A'" },
	{ NET("<dns><txt name='a' value='b'/></dns>"), -EINVAL,
	  "DNS <host>, <txt> and <srv> records need an <ip>" },
	/* <srv> */
	{ NETDNS("<srv protocol='tcp'/>"), -EINVAL,
	  "missing attribute 'service' on <srv>" },
	{ NETDNS("<srv service='http'/>"), -EINVAL,
	  "missing attribute 'protocol' on <srv>" },
	{ NETDNS("<srv service='ht.tp' protocol='tcp'/>"), -EINVAL,
	  "invalid DNS SRV service 'ht.tp' or protocol 'tcp': use letters, "
	  "digits, '-' and '_' (at most 62 and 15)" },
	{ NETDNS("<srv service='http' protocol='t p'/>"), -EINVAL,
	  "invalid DNS SRV service 'http' or protocol 't p'" },
	{ NETDNS("<srv service='" LONG64 "' protocol='tcp'/>"), -EINVAL,
	  "service='" LONG40 "...' on <srv> is too long (max 63 characters)" },
	{ NETDNS("<srv service='" LONG40 "0123456789abcdefghijklm' "
		 "protocol='tcp'/>"), -EINVAL,
	  "invalid DNS SRV service '" LONG40 "...' or protocol 'tcp'" },
	{ NETDNS("<srv service='http' protocol='0123456789abcdef'/>"), -EINVAL,
	  "protocol='0123456789abcdef' on <srv> is too long (max 15 "
	  "characters)" },
	{ NETDNS("<srv service='http' protocol='tcp' port='80'/>"), -EINVAL,
	  "port= on <srv> needs a target=" },
	{ NETDNS("<srv service='http' protocol='tcp' weight='0'/>"), -EINVAL,
	  "weight= on <srv> needs a target=" },
	{ NETDNS("<srv service='http' protocol='tcp' target='web' port='0'/>"),
	  -EINVAL, "invalid port='0' on <srv>: expected an integer in 1..65535" },
	{ NETDNS("<srv service='http' protocol='tcp' target='web' "
		 "priority='65536'/>"), -EINVAL,
	  "invalid priority='65536' on <srv>: expected an integer in 0..65535" },
	{ NETDNS("<srv service='http' protocol='tcp' target='a b'/>"), -EINVAL,
	  "invalid DNS SRV target 'a b' for _http._tcp: use labels" },
	{ NETDNS("<srv service='http' protocol='tcp' target=''/>"), -EINVAL,
	  "invalid target='' on <srv>: a name is needed" },
	{ NETDNS("<srv service='http' protocol='tcp' domain='-x'/>"), -EINVAL,
	  "invalid DNS SRV record name '_http._tcp.-x'" },
	{ NETDNS("<srv service='http' protocol='tcp' target='web' port='80'/>"
		 "<srv service='HTTP' protocol='tcp' target='web' port='80' "
		 "priority='1'/>"), -EINVAL,
	  "duplicate DNS SRV record _HTTP._tcp (target 'web', port 80)" },
	{ NETDNS("<srv service='http' protocol='tcp' ttl='1'/>"), -EINVAL,
	  "unknown attribute 'ttl' on <srv>" },
	/* kvnet namespace */
	{ NET("<kvnet:datapath type='dpdk'/>"), -EINVAL,
	  "unknown datapath type='dpdk': use 'ebpf' or 'user'" },
	{ NET("<kvnet:datapath/>"), -EINVAL,
	  "missing attribute 'type' on <kvnet:datapath>" },
	{ NET("<kvnet:fdb aging='0'/>"), -EINVAL,
	  "invalid aging='0' on <kvnet:fdb>: expected an integer in "
	  "1..1000000" },
	{ NET("<kvnet:fdb aging='1000001'/>"), -EINVAL,
	  "invalid aging='1000001' on <kvnet:fdb>" },
	{ NET("<kvnet:fdb max='15'/>"), -EINVAL,
	  "invalid max='15' on <kvnet:fdb>: expected an integer in "
	  "16..1048576" },
	{ NET("<kvnet:fdb max='1048577'/>"), -EINVAL,
	  "invalid max='1048577' on <kvnet:fdb>" },
	{ NET("<kvnet:fdb max='99999999999999999999'/>"), -EINVAL,
	  "invalid max='99999999999999999999' on <kvnet:fdb>" },
	{ NET("<kvnet:fdb kvnet:max='16'/>"), -EINVAL,
	  "unknown attribute 'kvnet:max' on <kvnet:fdb>" },
	{ NET("<kvnet:flood burst='0'/>"), -EINVAL,
	  "invalid burst='0' on <kvnet:flood>" },
	{ NET("<kvnet:flood rate='-1'/>"), -EINVAL,
	  "invalid rate='-1' on <kvnet:flood>" },
	{ NET("<kvnet:fdb port-max='1048577'/>"), -EINVAL,
	  "invalid port-max='1048577' on <kvnet:fdb>" },
	{ NET("<kvnet:fdb/><kvnet:fdb/>"), -EINVAL,
	  "duplicate element <kvnet:fdb> in <network>" },
	{ NET("<kvnet:dhcp ignore-client-id='maybe'/>"), -EINVAL,
	  "invalid ignore-client-id='maybe' on <kvnet:dhcp>: use 'yes' or "
	  "'no'" },
	{ NET("<kvnet:dhcp ignore-clid='yes'/>"), -EINVAL,
	  "unknown attribute 'ignore-clid' on <kvnet:dhcp>" },
	{ NET("<kvnet:dhcp><x/></kvnet:dhcp>"), -EINVAL,
	  "unknown element <x> in <kvnet:dhcp>" },
	{ NET("<kvnet:dhcp/><kvnet:dhcp/>"), -EINVAL,
	  "duplicate element <kvnet:dhcp> in <network>" },
};

static void test_rejections(void **state)
{
	char err[NETXML_ERR_MAX];
	struct net_def d;
	size_t i;
	int rc;

	(void)state;
	for (i = 0; i < sizeof(rejects) / sizeof(rejects[0]); i++) {
		err[0] = '\0';
		rc = parse_str(rejects[i].xml, &d, err);
		if (rc != rejects[i].rc || !strstr(err, rejects[i].msg))
			fail_msg("case %zu: %s\n  got rc %d err '%s'\n  want rc "
				 "%d err '%s'", i, rejects[i].xml, rc, err,
				 rejects[i].rc, rejects[i].msg);
		assert_null(strchr(err, '\n'));
	}
}

static void test_reject_line_number(void **state)
{
	const char *xml = "<network>\n  <name>x</name>\n  <bridge>\n"
			  "</network>\n";
	char err[NETXML_ERR_MAX];
	struct net_def d;

	(void)state;
	assert_int_equal(parse_str(xml, &d, err), -EINVAL);
	assert_string_equal(err, "XML error at line 4: Opening and ending tag "
			    "mismatch: bridge line 3 and network");
}

static void test_reject_too_large(void **state)
{
	size_t len = NETXML_DOC_MAX + 1;
	char *buf = malloc(len), err[NETXML_ERR_MAX];
	struct net_def d;

	(void)state;
	assert_non_null(buf);
	memset(buf, ' ', len);
	memcpy(buf + 1, "<network><name>x</name>", 23);
	memcpy(buf + len - 10, "</network>", 10);
	assert_int_equal(netxml_parse(buf, len, &d, err, sizeof(err)), -EINVAL);
	assert_string_equal(err, "document too large (1048577 bytes, max "
			    "1048576)");
	/* exactly the limit is fine */
	assert_int_equal(netxml_parse(buf + 1, len - 1, &d, err, sizeof(err)),
			 0);
	free(buf);
}

static void test_reject_limits(void **state)
{
	char *xml = malloc(64 * 1024), err[NETXML_ERR_MAX];
	struct net_def d;
	size_t off;
	int i;

	(void)state;
	assert_non_null(xml);
	off = (size_t)sprintf(xml, "<network><name>t</name><ip address="
			      "'10.0.0.1' prefix='16'><dhcp>");
	for (i = 0; i <= NET_MAX_RANGES; i++)
		off += (size_t)sprintf(xml + off, "<range start='10.0.%d.1' "
				       "end='10.0.%d.9'/>", i + 1, i + 1);
	strcpy(xml + off, "</dhcp></ip></network>");
	assert_int_equal(parse_str(xml, &d, err), -EINVAL);
	assert_string_equal(err, "too many DHCP <range> elements (max 16)");

	off = (size_t)sprintf(xml, "<network><name>t</name><ip address="
			      "'10.0.0.1' prefix='16'><dhcp>");
	for (i = 0; i <= NET_MAX_HOSTS; i++)
		off += (size_t)sprintf(xml + off, "<host name='h%d' "
				       "ip='10.0.%d.%d'/>", i, 1 + i / 200,
				       1 + i % 200);
	strcpy(xml + off, "</dhcp></ip></network>");
	assert_int_equal(parse_str(xml, &d, err), -EINVAL);
	assert_string_equal(err, "too many DHCP <host> elements (max 256)");
	/* exactly the limit parses and round-trips */
	strcpy(strstr(xml, "<host name='h256'"), "</dhcp></ip></network>");
	parse_ok(xml, &d);
	assert_int_equal(d.nhosts, NET_MAX_HOSTS);
	round_trip(&d);
	free(xml);
}

/* ---- the DHCP and DNS families -------------------------------------------- */

static void test_dhcp_data(void **state)
{
	struct net_def d;
	char *xml;

	(void)state;
	parse_data("dhcp.xml", &d);
	assert_true(netxml_dhcp_enabled(&d));
	assert_int_equal(d.nranges, 3);
	assert_int_equal(d.ranges[0].lease_s, 90 * 60);
	assert_int_equal(d.ranges[1].lease_s, NET_LEASE_INFINITE);
	assert_int_equal(d.ranges[2].lease_s, NET_LEASE_DEFAULT);
	assert_int_equal(d.nhosts, 3);
	assert_int_equal(d.hosts[0].lease_s, 24 * 3600);
	assert_string_equal(d.hosts[0].name, "build");
	assert_int_equal(d.hosts[1].lease_s, NET_LEASE_DEFAULT);
	assert_int_equal(d.hosts[0].id_len, 0);
	assert_string_equal(d.boot_file, "pxelinux.0");
	assert_string_equal(ip4(d.boot_server), "10.88.0.2");
	assert_false(d.dns_disabled);
	assert_int_equal(d.ndns_forwarders, 2);
	assert_string_equal(ip4(*(struct in_addr *)d.dns_forwarders[0].addr), "192.0.2.53");
	assert_string_equal(ip4(*(struct in_addr *)d.dns_forwarders[1].addr), "198.51.100.53");
	assert_true(d.dhcp_ignore_client_id);
	round_trip(&d);
	/* leases are written in the largest whole unit; the namespace is
	 * declared for <kvnet:dhcp> alone */
	assert_int_equal(netxml_format(&d, &xml), 0);
	assert_non_null(strstr(xml, "<lease expiry='90' unit='minutes'/>"));
	assert_non_null(strstr(xml, "<lease expiry='0'/>"));
	assert_non_null(strstr(xml, "<lease expiry='24' unit='hours'/>"));
	assert_non_null(strstr(xml, "<bootp file='pxelinux.0' "
			       "server='10.88.0.2'/>"));
	assert_non_null(strstr(xml, "<forwarder addr='198.51.100.53'/>"));
	assert_non_null(strstr(xml, "xmlns:kvnet="));
	assert_non_null(strstr(xml, "<kvnet:dhcp ignore-client-id='yes'/>"));
	free(xml);
	d.dhcp_ignore_client_id = false;
	assert_int_equal(netxml_format(&d, &xml), 0);
	assert_null(strstr(xml, "kvnet:"));
	free(xml);
	round_trip(&d);
}

static void test_dhcp_leases(void **state)
{
	static const struct {
		const char *lease;
		uint32_t s;
		const char *out;
	} cases[] = {
		{ "<lease expiry='2'/>", 120, "expiry='2' unit='minutes'" },
		{ "<lease expiry='120' unit='seconds'/>", 120,
		  "expiry='2' unit='minutes'" },
		{ "<lease expiry='121' unit='seconds'/>", 121,
		  "expiry='121' unit='seconds'" },
		{ "<lease expiry='7200' unit='seconds'/>", 7200,
		  "expiry='2' unit='hours'" },
		{ "<lease expiry='1' unit='hours'/>", 3600,
		  "expiry='1' unit='hours'" },
		{ "<lease expiry='0' unit='hours'/>", NET_LEASE_INFINITE,
		  "expiry='0'/>" },
		{ "<lease expiry='1193046' unit='hours'/>", 1193046u * 3600,
		  "expiry='1193046' unit='hours'" },
		{ "<lease expiry='4294967294' unit='seconds'/>", 4294967294u,
		  "expiry='4294967294' unit='seconds'" },
	};
	char xml[512], *out;
	struct net_def d;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		snprintf(xml, sizeof(xml), NETIP("<range start='10.0.0.2' "
			 "end='10.0.0.9'>%s</range><host name='h' "
			 "ip='10.0.0.20'>%s</host>"), cases[i].lease,
			 cases[i].lease);
		parse_ok(xml, &d);
		assert_int_equal(d.ranges[0].lease_s, cases[i].s);
		assert_int_equal(d.hosts[0].lease_s, cases[i].s);
		assert_int_equal(netxml_format(&d, &out), 0);
		if (!strstr(out, cases[i].out))
			fail_msg("%s: no \"%s\" in\n%s", cases[i].lease,
				 cases[i].out, out);
		free(out);
		round_trip(&d);
	}
}

static void test_dhcp_hosts(void **state)
{
	struct net_def d;
	char *xml;

	(void)state;
	/* id instead of mac (libvirt's schema), with or without a name;
	 * one- or two-digit octets, either case; mac and id together */
	parse_ok(NETIP("<range start='10.0.0.100' end='10.0.0.200'/>"
		       "<host id='1:52:54:0:AB:cd:ef' ip='10.0.0.5'/>"
		       "<host id='ff:00:00:00:01:00:04:6d:c4:f8:a1' "
		       "name='vm2' ip='10.0.0.6'/>"
		       "<host mac='52:54:00:00:00:07' id='01:52:54:00:00:00:07' "
		       "name='vm7' ip='10.0.0.7'><lease expiry='10'/></host>"),
		 &d);
	assert_int_equal(d.nhosts, 3);
	assert_int_equal(d.hosts[0].id_len, 7);
	assert_memory_equal(d.hosts[0].id, "\x01\x52\x54\x00\xab\xcd\xef", 7);
	assert_false(d.hosts[0].has_mac);
	assert_int_equal(d.hosts[1].id_len, 11);
	assert_true(d.hosts[2].has_mac);
	assert_int_equal(d.hosts[2].id_len, 7);
	assert_int_equal(d.hosts[2].lease_s, 600);
	assert_int_equal(netxml_format(&d, &xml), 0);
	assert_non_null(strstr(xml, "<host id='01:52:54:00:ab:cd:ef' "
			       "ip='10.0.0.5'/>"));
	assert_non_null(strstr(xml, "<host mac='52:54:00:00:00:07' "
			       "id='01:52:54:00:00:00:07' name='vm7' "
			       "ip='10.0.0.7'>"));
	free(xml);
	round_trip(&d);
	/* the longest id */
	parse_ok(NETIP("<host id='" ID16 ":" ID16 ":" ID16 ":" ID16 "' "
		       "ip='10.0.0.5'/>"), &d);
	assert_int_equal(d.hosts[0].id_len, NET_DHCP_ID_MAX);
	round_trip(&d);
}

/* libvirt's rule for when DHCP runs, and <dhcp> elements that serve
 * nothing still round-trip. */
static void test_dhcp_enabled(void **state)
{
	struct net_def d;

	(void)state;
	parse_ok(NETIP("<host mac='52:54:00:00:00:01' ip='10.0.0.5'/>"), &d);
	assert_true(netxml_dhcp_enabled(&d)); /* reservations only */
	assert_int_equal(d.nranges, 0);
	round_trip(&d);
	parse_ok(NETIP(""), &d); /* <dhcp></dhcp> */
	assert_false(netxml_dhcp_enabled(&d));
	round_trip(&d);
	parse_ok(NET("<ip address='10.0.0.1' prefix='24'/>"), &d);
	assert_false(netxml_dhcp_enabled(&d));
	parse_ok(NETIP("<bootp file='http://10.0.0.1/boot.ipxe'/>"), &d);
	assert_false(netxml_dhcp_enabled(&d));
	assert_string_equal(d.boot_file, "http://10.0.0.1/boot.ipxe");
	assert_int_equal(d.boot_server.s_addr, 0);
	round_trip(&d);
}

static const char *ip6(const uint8_t a[16])
{
	static char buf[2][INET6_ADDRSTRLEN];
	static int i;

	i = (i + 1) % 2;
	return inet_ntop(AF_INET6, a, buf[i], INET6_ADDRSTRLEN);
}

/* format(d) holds want. */
static void assert_formats(const struct net_def *d, const char *want)
{
	char *xml = NULL;

	assert_int_equal(netxml_format(d, &xml), 0);
	if (!strstr(xml, want))
		fail_msg("no \"%s\" in\n%s", want, xml);
	free(xml);
}

static void test_dns(void **state)
{
	struct net_def d;
	char *xml;
	int i;

	(void)state;
	parse_ok(NET("<dns enable='no'/>"), &d);
	assert_true(d.dns_disabled);
	assert_formats(&d, "<dns enable='no'/>");
	round_trip(&d);
	parse_ok(NET("<dns enable='yes'>\n<forwarder addr='127.0.0.53'/>"
		     "<!-- c --></dns>"), &d);
	assert_false(d.dns_disabled);
	assert_int_equal(d.ndns_forwarders, 1);
	round_trip(&d);
	/* DNS is served by default: an empty <dns>, enable='yes' and
	 * forwardPlainNames='yes' say so again, and are not written back */
	static const char *const dflt[] = {
		NET("<dns/>"), NET("<dns enable='yes'/>"),
		NET("<dns forwardPlainNames='yes'></dns>"),
		NETDNS(""),
	};
	for (i = 0; i < 4; i++) {
		parse_ok(dflt[i], &d);
		assert_false(d.dns_disabled || d.dns_plain_local);
		assert_int_equal(netxml_format(&d, &xml), 0);
		assert_null(strstr(xml, "<dns"));
		free(xml);
		round_trip(&d);
	}
	parse_ok(NET("<dns forwardPlainNames='no'/>"), &d);
	assert_true(d.dns_plain_local);
	assert_formats(&d, "<dns forwardPlainNames='no'/>");
	round_trip(&d);
	/* as many as NET_MAX_DNS_FORWARDERS, in order */
	parse_ok(NET("<dns><forwarder addr='10.1.0.1'/><forwarder addr='10.1.0.2'/>"
		     "<forwarder addr='10.1.0.3'/><forwarder addr='10.1.0.4'/>"
		     "<forwarder addr='10.1.0.5'/><forwarder addr='10.1.0.6'/>"
		     "<forwarder addr='10.1.0.7'/><forwarder addr='10.1.0.8'/>"
		     "</dns>"), &d);
	assert_int_equal(d.ndns_forwarders, NET_MAX_DNS_FORWARDERS);
	for (i = 0; i < NET_MAX_DNS_FORWARDERS; i++)
		assert_int_equal(ntohl(*(uint32_t *)d.dns_forwarders[i].addr),
				 0x0a010001u + (unsigned)i);
	round_trip(&d);
	expect_reject(NET("<dns><forwarder addr='10.1.0.1'/><forwarder addr='10.1.0.2'/>"
			  "<forwarder addr='10.1.0.3'/><forwarder addr='10.1.0.4'/>"
			  "<forwarder addr='10.1.0.5'/><forwarder addr='10.1.0.6'/>"
			  "<forwarder addr='10.1.0.7'/><forwarder addr='10.1.0.8'/>"
			  "<forwarder addr='10.1.0.9'/></dns>"), 0,
		      "too many DNS <forwarder> elements (max 8)");
}

/* libvirt's whole <dns> (tests/data/dns.xml), field by field. */
static void test_dns_data(void **state)
{
	const struct net_dns_forwarder *f;
	const struct net_dns_srv *s;
	struct net_def d;

	(void)state;
	parse_data("dns.xml", &d);
	assert_true(d.domain_local_only);
	assert_true(d.dns_plain_local);
	assert_int_equal(d.ndns_forwarders, 4);
	f = d.dns_forwarders;
	assert_int_equal(f[0].family, AF_INET);
	assert_string_equal(ip4(*(struct in_addr *)f[0].addr), "192.0.2.53");
	assert_string_equal(f[0].domain, "");
	assert_int_equal(f[1].family, AF_INET6);
	assert_string_equal(ip6(f[1].addr), "2001:db8::53");
	assert_int_equal(f[2].family, AF_INET);
	assert_string_equal(f[2].domain, "corp.example");
	assert_int_equal(f[3].family, 0); /* answered locally only */
	assert_string_equal(f[3].domain, "internal.example");
	assert_int_equal(d.ndns_txts, 2);
	assert_string_equal(d.dns_txts[0].name, "example");
	assert_string_equal(d.dns_txts[0].value, "example value");
	assert_int_equal(d.ndns_srvs, 3);
	s = d.dns_srvs;
	assert_string_equal(s[0].service, "http");
	assert_string_equal(s[0].protocol, "tcp");
	assert_string_equal(s[0].domain, "");
	assert_string_equal(s[0].target, "web.lab.example");
	assert_int_equal(s[0].port, 8080);
	assert_int_equal(s[0].priority, 10);
	assert_int_equal(s[0].weight, 20);
	assert_string_equal(s[1].domain, "corp.example");
	assert_string_equal(s[1].target, "");
	assert_int_equal(s[1].port + s[1].priority + s[1].weight, 0);
	assert_string_equal(s[2].target, ".");
	assert_int_equal(d.ndns_hosts, 2);
	assert_int_equal(d.dns_hosts[0].family, AF_INET);
	assert_int_equal(d.dns_hosts[0].nnames, 2);
	assert_string_equal(d.dns_hosts[0].names[1], "www.lab.example");
	assert_int_equal(d.dns_hosts[1].family, AF_INET6); /* on IPv4 only */
	assert_string_equal(ip6(d.dns_hosts[1].addr), "fd00:66::2");
	round_trip(&d);
	assert_formats(&d, "<domain name='lab.example' localOnly='yes'/>");
	assert_formats(&d, "<dns forwardPlainNames='no'>");
	assert_formats(&d, "<forwarder addr='2001:db8::53'/>");
	assert_formats(&d, "<forwarder addr='198.51.100.53' "
		       "domain='corp.example'/>");
	assert_formats(&d, "<forwarder domain='internal.example'/>");
	assert_formats(&d, "<txt name='_policy.lab.example' "
		       "value='v=1,mode=test'/>");
	assert_formats(&d, "<srv service='http' protocol='tcp' "
		       "target='web.lab.example' port='8080' priority='10' "
		       "weight='20'/>");
	assert_formats(&d, "<srv service='ldap' protocol='udp' "
		       "domain='corp.example'/>");
	assert_formats(&d, "<host ip='fd00:66::2'>\n      <hostname>web"
		       "</hostname>\n    </host>");
	d.domain_local_only = false;
	assert_formats(&d, "<domain name='lab.example'/>");
	round_trip(&d);
}

/* What the reader keeps as written, what it reads as the default, and
 * the limits exactly. */
static void test_dns_records(void **state)
{
	char xml[64 * 1024];
	struct net_def d;
	size_t off;
	int i, j;

	(void)state;
	/* priority and weight 0 are the default: read, not written */
	parse_ok(NETDNS("<srv service='x_y-z' protocol='sctp' target='t' "
			"port='65535' priority='0' weight='0'/>"), &d);
	assert_int_equal(d.dns_srvs[0].port, 65535);
	assert_formats(&d, "target='t' port='65535'/>");
	round_trip(&d);
	/* names keep their case; values their spaces and specials */
	parse_ok(NETDNS("<txt name='Mixed.Case' value=' a &amp; &lt;b&gt; "
			"&apos;c&quot; '/><host ip='127.0.0.2'><hostname>"
			" VM-1 </hostname></host>"), &d);
	assert_string_equal(d.dns_txts[0].value, " a & <b> 'c\" ");
	assert_string_equal(d.dns_hosts[0].names[0], "VM-1");
	round_trip(&d);
	/* an empty value, and one name for IPv4 and IPv6 */
	parse_ok(NETDNS("<txt name='e' value=''/><host ip='10.0.0.5'><hostname>"
			"a</hostname></host><host ip='::ffff:10.0.0.5'><hostname>"
			"a</hostname></host>"), &d);
	assert_int_equal(d.dns_hosts[1].family, AF_INET6);
	round_trip(&d);
	/* NET_MAX_DNS_HOSTS hosts of NET_DNS_HOST_NAMES names, and as many
	 * TXT and SRV records as allowed */
	off = (size_t)sprintf(xml, "<network><name>t</name><ip address="
			      "'10.0.0.1' prefix='16'/><dns>");
	for (i = 0; i < NET_MAX_DNS_HOSTS; i++) {
		off += (size_t)sprintf(xml + off, "<host ip='10.0.1.%d'>", i + 1);
		for (j = 0; j < NET_DNS_HOST_NAMES; j++)
			off += (size_t)sprintf(xml + off, "<hostname>h%d-%d"
					       "</hostname>", i, j);
		off += (size_t)sprintf(xml + off, "</host>");
	}
	for (i = 0; i < NET_MAX_DNS_TXTS; i++)
		off += (size_t)sprintf(xml + off, "<txt name='t%d' value='v'/>", i);
	for (i = 0; i < NET_MAX_DNS_SRVS; i++)
		off += (size_t)sprintf(xml + off, "<srv service='s%d' "
				       "protocol='tcp'/>", i);
	strcpy(xml + off, "</dns></network>");
	parse_ok(xml, &d);
	assert_int_equal(d.ndns_hosts, NET_MAX_DNS_HOSTS);
	assert_int_equal(d.dns_hosts[NET_MAX_DNS_HOSTS - 1].nnames,
			 NET_DNS_HOST_NAMES);
	assert_int_equal(d.ndns_txts, NET_MAX_DNS_TXTS);
	assert_int_equal(d.ndns_srvs, NET_MAX_DNS_SRVS);
	round_trip(&d);
	/* one more of each */
	static const struct {
		const char *more, *msg;
	} more[] = {
		{ "<host ip='10.0.2.1'><hostname>x</hostname></host>",
		  "too many DNS <host> elements (max 64)" },
		{ "<txt name='x' value='v'/>", "too many DNS <txt> elements (max 16)" },
		{ "<srv service='x' protocol='tcp'/>",
		  "too many DNS <srv> elements (max 16)" },
	};
	for (i = 0; i < 3; i++) {
		sprintf(xml + off, "%s</dns></network>", more[i].more);
		expect_reject(xml, 0, more[i].msg);
	}
}

/* Definitions made in code are held to the reader's rules. */
static void test_dns_validate(void **state)
{
	char err[NETXML_ERR_MAX];
	struct net_def d, e;

	(void)state;
	parse_data("dns.xml", &d);
	assert_int_equal(netxml_validate(&d, err, sizeof(err)), 0);
	e = d, e.domain[0] = '\0';
	assert_int_equal(netxml_validate(&e, err, sizeof(err)), -EINVAL);
	assert_string_equal(err, "localOnly needs a <domain name=>");
	e = d, e.ndns_forwarders = 0, e.dns_disabled = true;
	assert_int_equal(netxml_validate(&e, err, sizeof(err)), -EINVAL);
	assert_string_equal(err, "DNS records or forwardPlainNames on a network "
			    "with <dns enable='no'/>");
	e = d, e.ndns_hosts = NET_MAX_DNS_HOSTS + 1;
	assert_int_equal(netxml_validate(&e, err, sizeof(err)), -EINVAL);
	assert_string_equal(err, "too many DNS forwarders, hosts, TXT or SRV "
			    "records (max 8, 64, 16, 16)");
	e = d, e.ndns_srvs = -1;
	assert_int_equal(netxml_validate(&e, err, sizeof(err)), -EINVAL);
	e = d, e.dns_forwarders[3].domain[0] = '\0';
	assert_int_equal(netxml_validate(&e, err, sizeof(err)), -EINVAL);
	assert_string_equal(err, "a DNS forwarder needs an address, a domain "
			    "or both");
	e = d, e.dns_forwarders[0].family = AF_UNIX;
	assert_int_equal(netxml_validate(&e, err, sizeof(err)), -EINVAL);
	e = d, e.dns_hosts[0].family = 0;
	assert_int_equal(netxml_validate(&e, err, sizeof(err)), -EINVAL);
	assert_string_equal(err, "invalid DNS host address family 0");
	e = d, e.dns_hosts[0].nnames = 0;
	assert_int_equal(netxml_validate(&e, err, sizeof(err)), -EINVAL);
	assert_string_equal(err, "DNS host 10.66.0.2 needs 1 to 8 host names");
	e = d, e.dns_srvs[1].port = 53;
	assert_int_equal(netxml_validate(&e, err, sizeof(err)), -EINVAL);
	assert_string_equal(err, "DNS SRV record _ldap._udp.corp.example: port, "
			    "priority and weight need a target");
	/* the whole SRV name must fit: _<62>._tcp.<63>.<63>.<59> does not */
	e = d;
	memset(e.dns_srvs[0].service, 'a', 62);
	e.dns_srvs[0].service[62] = '\0';
	memset(e.dns_srvs[0].domain, 'b', 187);
	e.dns_srvs[0].domain[63] = e.dns_srvs[0].domain[127] = '.';
	e.dns_srvs[0].domain[187] = '\0';
	assert_int_equal(netxml_validate(&e, err, sizeof(err)), -EINVAL);
	assert_non_null(strstr(err, "invalid DNS SRV record name '_aaaa"));
	e.dns_srvs[0].domain[170] = '\0';
	assert_int_equal(netxml_validate(&e, err, sizeof(err)), 0);
	/* a network with no DNS server holds no records */
	e = d, e.has_ip = false, e.mode = NET_MODE_ISOLATED, e.nranges = 0;
	assert_int_equal(netxml_validate(&e, err, sizeof(err)), -EINVAL);
	assert_string_equal(err, "DNS <host>, <txt> and <srv> records need an "
			    "<ip>: kvnet serves DNS on the gateway address");
	e.ndns_hosts = e.ndns_txts = e.ndns_srvs = 0;
	assert_int_equal(netxml_validate(&e, err, sizeof(err)), 0);
}

/* What the daemon may change and re-validate (`dhcp host add`, ...). */
static void test_dhcp_validate(void **state)
{
	char err[NETXML_ERR_MAX];
	struct net_def d, e;

	(void)state;
	parse_data("dhcp.xml", &d);
	assert_int_equal(netxml_validate(&d, err, sizeof(err)), 0);
	e = d, e.ranges[0].lease_s = 60;
	assert_int_equal(netxml_validate(&e, err, sizeof(err)), -EINVAL);
	assert_string_equal(err, "DHCP range 10.88.0.100-10.88.0.149: invalid "
			    "lease time 60 s");
	e = d, e.hosts[1].lease_s = 1;
	assert_int_equal(netxml_validate(&e, err, sizeof(err)), -EINVAL);
	assert_string_equal(err, "DHCP host 10.88.0.11: invalid lease time 1 s");
	e = d, e.hosts[2].id_len = 1;
	assert_int_equal(netxml_validate(&e, err, sizeof(err)), -EINVAL);
	e = d, e.dhcp_ignore_client_id = false, e.hosts[2].id_len = 2;
	assert_int_equal(netxml_validate(&e, err, sizeof(err)), 0);
	e.dhcp_ignore_client_id = true;
	assert_int_equal(netxml_validate(&e, err, sizeof(err)), -EINVAL);
	e = d, e.dns_forwarders[1] = e.dns_forwarders[0];
	assert_int_equal(netxml_validate(&e, err, sizeof(err)), -EINVAL);
	assert_string_equal(err, "duplicate DNS forwarder 192.0.2.53");
	e = d, e.dns_disabled = true;
	assert_int_equal(netxml_validate(&e, err, sizeof(err)), -EINVAL);
	assert_string_equal(err, "DNS forwarders on a network with <dns "
			    "enable='no'/>");
	e = d, e.ndns_forwarders = NET_MAX_DNS_FORWARDERS + 1;
	assert_int_equal(netxml_validate(&e, err, sizeof(err)), -EINVAL);
	e = d, e.boot_file[0] = '\0';
	assert_int_equal(netxml_validate(&e, err, sizeof(err)), -EINVAL);
	assert_string_equal(err, "<bootp> server without a file");
	e = d, e.boot_file[2] = '\n';
	assert_int_equal(netxml_validate(&e, err, sizeof(err)), -EINVAL);
	e = d, e.has_ip = false, e.nranges = e.nhosts = 0, e.mode = NET_MODE_ISOLATED;
	assert_int_equal(netxml_validate(&e, err, sizeof(err)), -EINVAL);
	assert_string_equal(err, "<bootp> needs an <ip>");
}

/* ---- structural limits and encodings (netxml_scan.c) ---------------------- */

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* n (up to 52 * 62 * 62) distinct three-character attribute names:
 * " aaa='' aab=''..." */
static size_t put_attrs(char *out, int n)
{
	static const char an[] = "abcdefghijklmnopqrstuvwxyz"
				 "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";
	size_t off = 0;
	int i;

	for (i = 0; i < n; i++)
		off += (size_t)sprintf(out + off, " %c%c%c=''",
				       an[i / (62 * 62) % 52], an[i / 62 % 62],
				       an[i % 62]);
	return off;
}

/* ~143,000 attributes on one element held libxml2 2.9.14 (quadratic
 * duplicate check) for minutes; the pre-scan refuses it at once, on the
 * root and on an element nobody else looks at (inside <metadata>). */
static void test_limit_hostile_attrs(void **state)
{
	char *xml = malloc(NETXML_DOC_MAX + 1);
	double t;
	size_t off;

	(void)state;
	assert_non_null(xml);
	off = (size_t)sprintf(xml, "<network");
	off += put_attrs(xml + off, 143000);
	strcpy(xml + off, "><name>t</name></network>");
	assert_true(strlen(xml) <= NETXML_DOC_MAX);
	t = now_s();
	expect_reject(xml, strlen(xml), "element <network> at line 1 has more "
		      "than 64 attributes (the limit for network XML)");
	off = (size_t)sprintf(xml, "<network><name>t</name><metadata>"
			      "<m:x xmlns:m='urn:x'");
	off += put_attrs(xml + off, 142000);
	strcpy(xml + off, "/></metadata></network>");
	assert_true(strlen(xml) <= NETXML_DOC_MAX);
	expect_reject(xml, strlen(xml), "element <m:x> at line 1 has more "
		      "than 64 attributes");
	t = now_s() - t;
	if (t > 2.0)
		fail_msg("hostile documents took %.3f s to refuse", t);
	free(xml);
}

static void test_limit_attrs(void **state)
{
	char xml[4096];
	struct net_def d;
	size_t off;

	(void)state;
	/* 64 on one element is fine (xmlns counts), 65 is not */
	off = (size_t)sprintf(xml, "<network><name>t</name><metadata><m:x "
			      "xmlns:m='urn:x'");
	off += put_attrs(xml + off, NETXML_MAX_ATTRS - 1);
	strcpy(xml + off, "/></metadata></network>");
	parse_ok(xml, &d);
	off = (size_t)sprintf(xml, "<network>\n<name>t</name>\n<metadata>"
			      "<m:x xmlns:m='urn:x'");
	off += put_attrs(xml + off, NETXML_MAX_ATTRS);
	strcpy(xml + off, "/></metadata></network>");
	expect_reject(xml, strlen(xml), "element <m:x> at line 3 has more "
		      "than 64 attributes (the limit for network XML)");
	/* '>' inside a value does not end the tag; whitespace around '=' */
	off = (size_t)sprintf(xml, "<network><name>t</name><metadata><x a='>'");
	off += put_attrs(xml + off, NETXML_MAX_ATTRS);
	strcpy(xml + off, "/></metadata></network>");
	expect_reject(xml, strlen(xml), "element <x> at line 1 has more than 64");
	/* markup that libxml2 may read although it sits in a comment (a
	 * control character ends the comment for libxml2) is counted too */
	off = (size_t)sprintf(xml, "<network><name>t</name><!-- \x01 <x");
	off += put_attrs(xml + off, NETXML_MAX_ATTRS + 1);
	strcpy(xml + off, "> --></network>");
	expect_reject(xml, strlen(xml), "element <x> at line 1 has more than 64");
	/* a commented-out reservation is still just a comment */
	parse_ok(NETIP("<!-- <host mac='52:54:00:00:00:01' name='a' "
		       "ip='10.0.0.5'/> -->"), &d);
	assert_int_equal(d.nhosts, 0);
}

static void test_limit_depth(void **state)
{
	char xml[2048];
	size_t off;
	struct net_def d;
	int i, n = NETXML_MAX_DEPTH - 2; /* <network><metadata> + n */

	(void)state;
	off = (size_t)sprintf(xml, "<network><name>t</name><metadata>");
	for (i = 0; i < n; i++)
		off += (size_t)sprintf(xml + off, "<a>");
	for (i = 0; i < n; i++)
		off += (size_t)sprintf(xml + off, "</a>");
	strcpy(xml + off, "</metadata></network>");
	parse_ok(xml, &d);
	off = (size_t)sprintf(xml, "<network><name>t</name><metadata>");
	for (i = 0; i <= n; i++)
		off += (size_t)sprintf(xml + off, "<a>");
	for (i = 0; i <= n; i++)
		off += (size_t)sprintf(xml + off, "</a>");
	strcpy(xml + off, "</metadata></network>");
	expect_reject(xml, strlen(xml), "element <a> at line 1 is nested more "
		      "than 32 deep (the limit for network XML)");
}

static void test_limit_elements_ns(void **state)
{
	char *xml = malloc(64 * 1024);
	struct net_def d;
	size_t off;
	int i;

	(void)state;
	assert_non_null(xml);
	/* <network>, <name>, <metadata> and 4093 more */
	off = (size_t)sprintf(xml, "<network><name>t</name><metadata>");
	for (i = 3; i < NETXML_MAX_ELEMENTS; i++)
		off += (size_t)sprintf(xml + off, "<a/>");
	strcpy(xml + off, "</metadata></network>");
	parse_ok(xml, &d);
	strcpy(xml + off, "<a/></metadata></network>");
	expect_reject(xml, strlen(xml), "document has more than 4096 "
		      "elements (the limit for network XML)");
	/* xmlns declarations, counted over the whole document */
	off = (size_t)sprintf(xml, "<network xmlns:kvnet='" KVNET_XML_NS
			      "'><name>t</name><metadata>");
	for (i = 1; i < NETXML_MAX_NS; i++)
		off += (size_t)sprintf(xml + off, "<m:x xmlns:m='urn:%d'/>", i);
	strcpy(xml + off, "</metadata></network>");
	parse_ok(xml, &d);
	strcpy(xml + off, "<x xmlns='urn:y'/></metadata></network>");
	expect_reject(xml, strlen(xml), "more than 32 namespace declarations "
		      "(xmlns) in the document (the limit for network XML)");
	free(xml);
}

static void test_encodings(void **state)
{
	static const char u16[] = "<\0?\0x\0m\0l\0 \0v\0=\0'\0001\0'\0?\0>\0";
	static const char ucs4[] = "\0\0\0<\0\0\0n";
	static const char bom16[] = "\xff\xfe<\0n\0";
	static const char ebcdic[] = "\x4c\x6f\xa7\x94\x93@";
	static const char utf7[] = "<?xml version='1.0' encoding='UTF-7'?>"
				   "<network><name>t</name></network>";
	static const char utf16[] = "<?xml version='1.0' encoding = \"utf-16\""
				    "?><network/>";
	struct net_def d;

	(void)state;
	expect_reject(u16, sizeof(u16) - 1, "document is UTF-16: network XML "
		      "must be UTF-8");
	expect_reject(ucs4, sizeof(ucs4) - 1, "document is UCS-4");
	expect_reject(bom16, sizeof(bom16) - 1, "document is UTF-16 "
		      "(byte-order mark)");
	expect_reject(ebcdic, sizeof(ebcdic) - 1, "document is EBCDIC");
	expect_reject(utf7, strlen(utf7), "unsupported encoding 'UTF-7': "
		      "network XML must be UTF-8");
	expect_reject(utf16, strlen(utf16), "unsupported encoding 'utf-16'");
	/* what libvirt writes, and the ASCII-compatible rest */
	parse_ok("\xef\xbb\xbf<?xml version='1.0' encoding='UTF-8'?>"
		 "<network><name>t</name></network>", &d);
	parse_ok("<?xml version='1.0' encoding='iso-8859-15'?><network>"
		 "<name>t</name><description>caf\xe9</description></network>",
		 &d);
	assert_string_equal(d.description, "caf\xc3\xa9");
	parse_ok("<?xml version='1.0' encoding='US-ASCII'?><network><name>t"
		 "</name></network>", &d);
}

/* ---- net create ------------------------------------------------------------ */

static int args(const char *name, const char *mode, const char *subnet,
		const char *uplink, const char *range, struct net_def *d,
		char *err)
{
	return netxml_from_args(name, mode, subnet, uplink, range, d, err,
				NETXML_ERR_MAX);
}

static void test_from_args(void **state)
{
	char err[NETXML_ERR_MAX];
	struct net_def d;

	(void)state;
	assert_int_equal(args("lab", "nat", "10.1.0.0/24", NULL, NULL, &d, err),
			 0);
	assert_int_equal(d.mode, NET_MODE_NAT);
	assert_string_equal(ip4(d.ip), "10.1.0.1");
	assert_int_equal(d.prefix, 24);
	assert_string_equal(d.bridge, "kvnet-lab");
	assert_int_equal(d.nranges, 1);
	assert_string_equal(ip4(d.ranges[0].start), "10.1.0.2");
	assert_string_equal(ip4(d.ranges[0].end), "10.1.0.254");
	assert_memory_equal(d.mac, "\x52\x54\x00", 3);
	assert_int_equal(d.fdb_aging_s, 300);
	round_trip(&d);

	assert_int_equal(args("r", "route", "10.2.0.0/16", "eth0",
			      "10.2.1.1-10.2.1.100", &d, err), 0);
	assert_string_equal(d.uplink, "eth0");
	assert_string_equal(ip4(d.ranges[0].start), "10.2.1.1");
	assert_string_equal(ip4(d.ranges[0].end), "10.2.1.100");
	round_trip(&d);

	assert_int_equal(args("o", "open", "10.3.0.0/24", NULL, "none", &d,
			      err), 0);
	assert_int_equal(d.nranges, 0);
	round_trip(&d);

	assert_int_equal(args("p", "nat", "10.4.0.0/30", NULL, NULL, &d, err),
			 0);
	assert_int_equal(d.nranges, 1);
	assert_string_equal(ip4(d.ranges[0].start), "10.4.0.2");
	assert_string_equal(ip4(d.ranges[0].end), "10.4.0.2");

	assert_int_equal(args("d", NULL, "10.5.0.0/24", NULL, NULL, &d, err),
			 0);
	assert_int_equal(d.mode, NET_MODE_NAT);

	assert_int_equal(args("iso", "isolated", NULL, NULL, NULL, &d, err), 0);
	assert_false(d.has_ip);
	assert_int_equal(d.nranges, 0);
	round_trip(&d);
	assert_int_equal(args("iso", "isolated", "10.6.0.0/24", NULL, NULL, &d,
			      err), 0);
	assert_true(d.has_ip);

	assert_int_equal(args("br", "bridge", NULL, "eth0", NULL, &d, err), 0);
	assert_int_equal(d.mode, NET_MODE_BRIDGE);
	assert_string_equal(d.uplink, "eth0");
	round_trip(&d);
}

static const struct {
	const char *name, *mode, *subnet, *uplink, *range;
	int rc;
	const char *msg;
} bad_args[] = {
	{ "lab", "nat", "10.1.0.5/24", NULL, NULL, -EINVAL,
	  "subnet '10.1.0.5/24' is not a network address (did you mean "
	  "10.1.0.0/24?)" },
	{ "lab", "nat", "10.1.0.0", NULL, NULL, -EINVAL,
	  "invalid subnet '10.1.0.0': use A.B.C.D/PREFIX" },
	{ "lab", "nat", "10.1.0.0/31", NULL, NULL, -EINVAL,
	  "invalid subnet '10.1.0.0/31': use A.B.C.D/PREFIX with a prefix of "
	  "1..30" },
	{ "lab", "nat", "10.1.0.0/x", NULL, NULL, -EINVAL,
	  "invalid subnet '10.1.0.0/x'" },
	{ "lab", "nat", "fd00::/64", NULL, NULL, -EOPNOTSUPP,
	  "subnet 'fd00::/64': IPv6 is not supported yet" },
	{ "lab", "nat", NULL, NULL, NULL, -EINVAL, "mode nat needs --subnet "
	  "CIDR" },
	{ "lab", "route", NULL, NULL, NULL, -EINVAL,
	  "mode route needs --subnet CIDR" },
	{ "lab", "magic", "10.1.0.0/24", NULL, NULL, -EINVAL,
	  "unknown mode 'magic': use isolated, nat, route, open or bridge" },
	{ "lab", "vepa", NULL, "eth0", NULL, -EOPNOTSUPP,
	  "unsupported mode 'vepa'" },
	{ "lab", "bridge", NULL, NULL, NULL, -EINVAL,
	  "forward mode 'bridge' needs an uplink" },
	{ "lab", "bridge", "10.1.0.0/24", "eth0", NULL, -EINVAL,
	  "mode bridge takes no --subnet" },
	{ "lab", "isolated", NULL, "eth0", NULL, -EINVAL,
	  "uplink 'eth0' needs a forward mode" },
	{ "lab", "isolated", NULL, NULL, "10.0.0.2-10.0.0.9", -EINVAL,
	  "--dhcp-range needs --subnet" },
	{ "lab", "nat", "10.1.0.0/24", NULL, "10.1.0.9", -EINVAL,
	  "invalid DHCP range '10.1.0.9': use A.B.C.D-A.B.C.D" },
	{ "lab", "nat", "10.1.0.0/24", NULL, "10.1.0.9-10.1.0.2", -EINVAL,
	  "DHCP range 10.1.0.9-10.1.0.2: start is after end" },
	{ "lab", "nat", "10.1.0.0/24", NULL, "10.1.0.1-10.1.0.20", -EINVAL,
	  "DHCP range 10.1.0.1-10.1.0.20 covers the gateway 10.1.0.1" },
	{ "lab", "nat", "10.1.0.0/24", NULL, "10.2.0.2-10.2.0.20", -EINVAL,
	  "is not inside the hosts of subnet 10.1.0.0/24" },
	{ "lab", "nat", "10.1.0.0/24", "eth 0", NULL, -EINVAL,
	  "invalid uplink 'eth 0'" },
	{ "../x", "nat", "10.1.0.0/24", NULL, NULL, -EINVAL,
	  "invalid network name '../x'" },
	{ NULL, "nat", "10.1.0.0/24", NULL, NULL, -EINVAL,
	  "invalid network name ''" },
};

static void test_from_args_rejects(void **state)
{
	char err[NETXML_ERR_MAX];
	struct net_def d;
	size_t i;
	int rc;

	(void)state;
	for (i = 0; i < sizeof(bad_args) / sizeof(bad_args[0]); i++) {
		err[0] = '\0';
		rc = args(bad_args[i].name, bad_args[i].mode,
			  bad_args[i].subnet, bad_args[i].uplink,
			  bad_args[i].range, &d, err);
		if (rc != bad_args[i].rc || !strstr(err, bad_args[i].msg))
			fail_msg("case %zu: got rc %d err '%s', want rc %d "
				 "err '%s'", i, rc, err, bad_args[i].rc,
				 bad_args[i].msg);
	}
}

/* ---- overlap, validate, helpers ----------------------------------------- */

static void test_overlap(void **state)
{
	struct net_def a, b, c, d, iso;
	char err[NETXML_ERR_MAX];

	(void)state;
	assert_int_equal(args("a", "nat", "10.0.0.0/24", NULL, NULL, &a, err), 0);
	assert_int_equal(args("b", "nat", "10.0.0.0/16", NULL, NULL, &b, err), 0);
	assert_int_equal(args("c", "nat", "10.0.1.0/24", NULL, NULL, &c, err), 0);
	assert_int_equal(args("d", "nat", "192.168.0.0/16", NULL, NULL, &d,
			      err), 0);
	assert_int_equal(args("i", "isolated", NULL, NULL, NULL, &iso, err), 0);
	assert_true(net_subnets_overlap(&a, &b));
	assert_true(net_subnets_overlap(&b, &a));
	assert_true(net_subnets_overlap(&b, &c));
	assert_true(net_subnets_overlap(&a, &a));
	assert_false(net_subnets_overlap(&a, &c));
	assert_false(net_subnets_overlap(&c, &d));
	assert_false(net_subnets_overlap(&a, &iso));
	assert_false(net_subnets_overlap(&iso, &iso));
}

static void test_validate(void **state)
{
	char err[NETXML_ERR_MAX];
	struct net_def d;

	(void)state;
	assert_int_equal(args("v", "nat", "10.0.0.0/24", NULL, NULL, &d, err), 0);
	/* the daemon adds a reservation, then re-validates */
	d.hosts[0].has_mac = true;
	memcpy(d.hosts[0].mac, "\x52\x54\x00\x01\x02\x03", 6);
	inet_pton(AF_INET, "10.0.0.50", &d.hosts[0].ip);
	d.nhosts = 1;
	assert_int_equal(netxml_validate(&d, err, sizeof(err)), 0);
	d.hosts[1] = d.hosts[0];
	d.nhosts = 2;
	assert_int_equal(netxml_validate(&d, err, sizeof(err)), -EINVAL);
	assert_string_equal(err, "duplicate DHCP host IP 10.0.0.50");
	d.nhosts = 1;
	/* an empty bridge name is filled in */
	d.bridge[0] = '\0';
	assert_int_equal(netxml_validate(&d, err, sizeof(err)), 0);
	assert_string_equal(d.bridge, "kvnet-v");
	d.nhosts = NET_MAX_HOSTS + 1;
	assert_int_equal(netxml_validate(&d, err, sizeof(err)), -EINVAL);
	d.nhosts = 0;
	d.mode = NET_MODE_ROUTE, d.nat_port_min = 2000;
	assert_int_equal(netxml_validate(&d, err, sizeof(err)), -EINVAL);
	assert_string_equal(err, "NAT port range 2000-65535 set on a 'route' "
			    "network");
	d.mode = NET_MODE_COUNT;
	assert_int_equal(netxml_validate(&d, err, sizeof(err)), -EINVAL);
	/* a NULL or short err buffer is fine */
	assert_int_equal(netxml_validate(&d, NULL, 0), -EINVAL);
	assert_int_equal(netxml_validate(&d, err, 4), -EINVAL);
	assert_int_equal(strlen(err), 3);
}

static void test_helpers(void **state)
{
	uint8_t u[16];
	char s[40];
	int i;

	(void)state;
	for (i = 0; i < 16; i++)
		u[i] = (uint8_t)(i * 17);
	netxml_uuid_format(u, s);
	assert_string_equal(s, "00112233-4455-6677-8899-aabbccddeeff");
	assert_true(netxml_name_valid("default"));
	assert_true(netxml_name_valid("a.b_c-d9"));
	assert_false(netxml_name_valid(".."));
	assert_false(netxml_name_valid("a/b"));
	assert_false(netxml_name_valid(""));
	assert_false(netxml_name_valid(NULL));
	for (i = 0; i < NET_MODE_COUNT; i++)
		assert_int_equal(net_mode_parse(net_mode_name(i)), i);
	assert_string_equal(net_mode_name(NET_MODE_ROUTE), "route");
	assert_int_equal(net_mode_parse("NAT"), -1);
	assert_int_equal(net_mode_parse(NULL), -1);
	assert_string_equal(net_mode_name(NET_MODE_COUNT), "unknown");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_libvirt_default),
		cmocka_unit_test(test_libvirt_template),
		cmocka_unit_test(test_libvirt_live),
		cmocka_unit_test(test_isolated),
		cmocka_unit_test(test_route),
		cmocka_unit_test(test_bridged),
		cmocka_unit_test(test_kvnet_ext),
		cmocka_unit_test(test_misc_good),
		cmocka_unit_test(test_forwards),
		cmocka_unit_test(test_fwd_parsers),
		cmocka_unit_test(test_all_data_round_trip),
		cmocka_unit_test(test_escaping_round_trip),
		cmocka_unit_test(test_rejections),
		cmocka_unit_test(test_reject_line_number),
		cmocka_unit_test(test_reject_too_large),
		cmocka_unit_test(test_reject_limits),
		cmocka_unit_test(test_limit_hostile_attrs),
		cmocka_unit_test(test_limit_attrs),
		cmocka_unit_test(test_limit_depth),
		cmocka_unit_test(test_limit_elements_ns),
		cmocka_unit_test(test_encodings),
		cmocka_unit_test(test_dhcp_data),
		cmocka_unit_test(test_dhcp_leases),
		cmocka_unit_test(test_dhcp_hosts),
		cmocka_unit_test(test_dhcp_enabled),
		cmocka_unit_test(test_dns),
		cmocka_unit_test(test_dns_data),
		cmocka_unit_test(test_dns_records),
		cmocka_unit_test(test_dns_validate),
		cmocka_unit_test(test_dhcp_validate),
		cmocka_unit_test(test_from_args),
		cmocka_unit_test(test_from_args_rejects),
		cmocka_unit_test(test_overlap),
		cmocka_unit_test(test_validate),
		cmocka_unit_test(test_helpers),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
