/* SPDX-License-Identifier: GPL-2.0-only */
/* Network definitions: libvirt network XML <-> struct net_def.
 *
 * Parses, validates and formats the libvirt <network> document with libxml2.
 * What kvnet understands is an allow-list: any other element or attribute is
 * refused with a message naming it, so a definition is never half-applied.
 * kvnet-only settings live in the kvnet: namespace (KVNET_XML_NS).
 */
#ifndef KVNET_NETXML_H
#define KVNET_NETXML_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <netinet/in.h>
#include <net/if.h>

#define KVNET_XML_NS "https://kvnet.dev/xmlns/network/1"
#define NET_NAME_MAX 64
#define NET_MAX_RANGES 16
#define NET_MAX_HOSTS 256
#define NETXML_ERR_MAX 256
/* Documents larger than this are refused unparsed. */
#define NETXML_DOC_MAX (1024 * 1024)
/* Structural limits, checked on the bytes before libxml2 parses them (its
 * duplicate-attribute check is quadratic). libvirt network documents stay
 * far below: a few levels deep, a few hundred elements with NET_MAX_HOSTS
 * reservations, a handful of attributes per element. */
#define NETXML_MAX_ATTRS 64	/* attributes (xmlns included) on one element */
#define NETXML_MAX_ELEMENTS 4096 /* elements in the document */
#define NETXML_MAX_DEPTH 32	/* element nesting, <network> being 1 */
#define NETXML_MAX_NS 32	/* xmlns declarations in the document */
/* Longest gateway port (<bridge name=>) name: the kernel's limit for an
 * interface name (IFNAMSIZ - 1 = 15 characters). The daemon names the
 * switch side <bridge>-p, or kvgw-<hash> when that would not fit. */
#define NET_BRIDGE_NAME_MAX 15
/* <kvnet:fdb aging max> limits; the defaults are KVNET_AGING_DEFAULT_S and
 * KVNET_FDB_MAX from ebpf/kvnet_shared.h (300 s, 8192). */
#define NET_FDB_AGING_MIN 1
#define NET_FDB_AGING_MAX 1000000
#define NET_FDB_MAX_MIN 16
#define NET_FDB_MAX_MAX 1048576
/* <kvnet:fdb port-max> (MACs one untrusted port may learn; 0: no cap) and
 * <kvnet:flood rate burst> (floods one untrusted port may start per second,
 * and in a row; rate 0: no guard). Defaults KVNET_PORT_LEARN_MAX (1024),
 * KVNET_FLOOD_RATE (20000) and KVNET_FLOOD_BURST (2000). */
#define NET_FLOOD_RATE_MAX 100000000
#define NET_FLOOD_BURST_MAX 1000000
/* Default <nat><port start end/> range, as libvirt's. */
#define NET_NAT_PORT_MIN 1024
#define NET_NAT_PORT_MAX 65535
/* DHCP lease times (<lease expiry='N' unit='seconds|minutes|hours'/> in a
 * <range> or <host>, unit defaulting to minutes as in libvirt), stored in
 * seconds. NET_LEASE_DEFAULT: no <lease>, the server's default applies;
 * NET_LEASE_INFINITE: expiry='0', a lease that never expires (libvirt's
 * meaning, and DHCP's 0xffffffff). A finite lease is NET_LEASE_MIN_S
 * (libvirt's and dnsmasq's two minutes) to NET_LEASE_MAX_S. */
#define NET_LEASE_DEFAULT 0u
#define NET_LEASE_INFINITE UINT32_MAX
#define NET_LEASE_MIN_S 120u
#define NET_LEASE_MAX_S (UINT32_MAX - 1)
/* Octets of a <host id=> DHCP client identifier (option 61; RFC 2132 says
 * at least 2). 64 holds every RFC 4361 form (type 255, IAID, DUID) of the
 * common DUID types; a longer id is refused. */
#define NET_DHCP_ID_MIN 2
#define NET_DHCP_ID_MAX 64
/* <bootp file=>: at most 255 characters (what DHCP option 67 carries). */
#define NET_BOOT_FILE_MAX 256
/* <dns>: <forwarder> entries, <host> entries and the hostnames of one,
 * <txt> and <srv> records kept; the longest name (text, no final dot). */
#define NET_MAX_DNS_FORWARDERS 8
#define NET_MAX_DNS_HOSTS 64
#define NET_DNS_HOST_NAMES 8
#define NET_MAX_DNS_TXTS 16
#define NET_MAX_DNS_SRVS 16
#define NET_DNS_NAME_MAX 254
#define NET_DNS_TXT_MAX 256
/* <kvnet:forward> port forwards per network. */
#define NET_MAX_FORWARDS 64

enum net_mode {
	NET_MODE_ISOLATED, /* no <forward> */
	NET_MODE_NAT,	   /* <forward mode='nat'> (also <forward/>) */
	NET_MODE_ROUTE,
	NET_MODE_OPEN,
	NET_MODE_BRIDGE,
	NET_MODE_COUNT
};

enum net_datapath { NET_DATAPATH_EBPF, NET_DATAPATH_USER };

struct net_dhcp_range {
	struct in_addr start, end;
	uint32_t lease_s;	/* <lease> child; NET_LEASE_DEFAULT if none */
};

/* A reservation, <host mac= id= name= ip=>: ip is required, and at least
 * one of mac, id and name identifies the client (libvirt's schema: mac or
 * id, optionally with a name, or a name alone). */
struct net_dhcp_host {
	uint8_t mac[6];
	bool has_mac;
	char name[64];		/* "" if none; also the hostname handed out */
	struct in_addr ip;
	/* id='01:52:54:00:12:34:56': the client identifier (option 61) as
	 * octets, written as colon-separated hex; id_len 0 = none. */
	uint8_t id[NET_DHCP_ID_MAX];
	uint8_t id_len;
	uint32_t lease_s;	/* <lease> child; NET_LEASE_DEFAULT if none */
};

/* A port forward, <kvnet:forward proto='tcp' host-port='8080'
 * to='192.168.122.5:80'/>: connections to host_port on any of the host's
 * addresses go to the guest at to:to_port. Ports in host byte order. */
struct net_fwd {
	uint8_t proto;	    /* IPPROTO_TCP or IPPROTO_UDP */
	uint16_t host_port; /* 1..65535 */
	struct in_addr to;  /* a host address of the network's subnet */
	uint16_t to_port;   /* 1..65535 */
};

/* <forwarder addr= domain=/>: queries (under domain, or all when "")
 * go to addr. Without addr (family 0) names under domain are answered
 * locally only, never forwarded (dnsmasq's server=/domain/). */
struct net_dns_forwarder {
	int family;	       /* AF_INET, AF_INET6, or 0: no addr */
	uint8_t addr[16];      /* network order; IPv4 in the first 4 */
	char domain[NET_DNS_NAME_MAX]; /* "" for every name */
};

/* <host ip=><hostname>name</hostname>...</host>: an address of any
 * family (IPv6 even on an IPv4-only network) under one or more names. */
struct net_dns_host {
	int family;	       /* AF_INET or AF_INET6 */
	uint8_t addr[16];
	char names[NET_DNS_HOST_NAMES][NET_DNS_NAME_MAX];
	int nnames;
};

/* <txt name= value=/>: served under name as written (dnsmasq's
 * txt-record, which libvirt writes, does not qualify it). */
struct net_dns_txt {
	char name[NET_DNS_NAME_MAX];
	char value[NET_DNS_TXT_MAX];
};

/* <srv service= protocol= domain= target= port= priority= weight=/>:
 * _service._protocol.domain, or _service._protocol without domain= (as
 * libvirt writes dnsmasq's srv-host). service
 * and protocol are required (libvirt's rule), as one label each once '_'
 * is put before them. port=, priority= and weight= need a target=, as in
 * libvirt; 0 when not given (port= itself is 1..65535). */
struct net_dns_srv {
	char service[64], protocol[16];
	char domain[NET_DNS_NAME_MAX]; /* "" none */
	char target[NET_DNS_NAME_MAX]; /* "" none, or ".": the service is
					  absent (RFC 2782) */
	uint16_t port, priority, weight;
};

struct net_def {
	char name[NET_NAME_MAX];
	uint8_t uuid[16];	  /* generated when the XML has none */
	char bridge[IFNAMSIZ];	  /* gateway port; default "kvnet-<name>" */
	bool bridge_stp;	  /* accepted for libvirt compatibility */
	unsigned bridge_delay;
	uint8_t mac[6];		  /* gateway MAC; generated 52:54:00:xx:xx:xx */
	bool uuid_generated;	  /* the document had no <uuid> */
	bool mac_generated;	  /* the document had no <mac> */
	enum net_mode mode;
	char uplink[IFNAMSIZ];	  /* <forward dev=...>, "" if none */
	uint16_t nat_port_min, nat_port_max; /* <nat><port start end/>; 1024-65535 */
	struct in_addr nat_addr_start, nat_addr_end; /* <nat><address>; 0: none */
	char domain[64];	  /* <domain name=...>, "" if none */
	char title[256];	  /* <title>, kept for dumpxml */
	char description[2048];	  /* <description>, kept for dumpxml */
	unsigned mtu;		  /* <mtu size=...>, 0 = default */
	bool has_ip;
	struct in_addr ip;	  /* gateway address */
	unsigned prefix;	  /* from prefix= or netmask= */
	struct net_dhcp_range ranges[NET_MAX_RANGES];
	int nranges;
	struct net_dhcp_host hosts[NET_MAX_HOSTS];
	int nhosts;
	/* DHCP is served when there is at least one range or host (libvirt's
	 * rule: hosts without ranges means reservations only; an empty
	 * <dhcp/> serves nothing); see netxml_dhcp_enabled(). */
	/* <dhcp><bootp file= server=/>: network boot. boot_file "" = none;
	 * boot_server 0.0.0.0 = not given (the DHCP server's own address). */
	char boot_file[NET_BOOT_FILE_MAX];
	struct in_addr boot_server;
	/* <dns>: kvnet answers DNS on the gateway address (dns/, switch/dnsd.c)
	 * unless dns_disabled (<dns enable='no'/>). Forwarders are its
	 * upstreams, in document order; hosts, TXT and SRV records are served
	 * as its own names. */
	bool dns_disabled;
	bool dns_plain_local;	/* forwardPlainNames='no': names with no dot
				   are never forwarded (libvirt's default,
				   'yes', forwards them) */
	struct net_dns_forwarder dns_forwarders[NET_MAX_DNS_FORWARDERS];
	int ndns_forwarders;
	struct net_dns_host dns_hosts[NET_MAX_DNS_HOSTS];
	int ndns_hosts;
	struct net_dns_txt dns_txts[NET_MAX_DNS_TXTS];
	int ndns_txts;
	struct net_dns_srv dns_srvs[NET_MAX_DNS_SRVS];
	int ndns_srvs;
	bool domain_local_only;	  /* <domain localOnly='yes'> */
	/* kvnet: namespace */
	enum net_datapath datapath; /* <kvnet:datapath type='ebpf|user'/> */
	unsigned fdb_aging_s;	    /* <kvnet:fdb aging='300' max='8192' */
	unsigned fdb_max;
	unsigned fdb_port_max;	    /*   port-max='1024'/> */
	unsigned flood_rate;	    /* <kvnet:flood rate='20000' burst='2000'/> */
	unsigned flood_burst;
	unsigned ct_port_max;	    /* <kvnet:conntrack port-max='16384'/> */
	/* <kvnet:dhcp ignore-client-id='yes'/>: identify DHCP clients by MAC
	 * only, ignoring option 61 (cloned VMs, an initramfs whose client-id
	 * differs from the installed system's; dnsmasq's --dhcp-ignore-clid).
	 * <host id=> reservations are refused with it: they could not match. */
	bool dhcp_ignore_client_id;
	/* <port isolated='yes'/>: guests cannot reach each other, only the
	 * gateway and the uplink (KVNET_PORT_ISOLATED on every guest port). */
	bool port_isolated;
	/* <kvnet:forward>: port forwards (nat mode only), in document order */
	struct net_fwd forwards[NET_MAX_FORWARDS];
	int nforwards;
};

/* Parse a libvirt network XML document. On error returns -EINVAL (or
 * -ENOMEM) and writes a one-line, human-actionable message to err, e.g.
 * "unsupported element <route> in <network>". Fills defaults (bridge name,
 * MAC, uuid, aging) and validates (netmask contiguous, ranges inside the
 * subnet and not covering the gateway, hosts inside the subnet, names).
 *
 * What is read: <name>, <uuid>, <title>, <description>, <metadata>
 * (dropped), <forward mode=nat|route|open|bridge dev=> with <nat><port/>
 * and one <interface dev=>, <bridge name= stp= delay=>, <mac>, <domain
 * name= localOnly=>, <mtu>, <port isolated=>, one IPv4 <ip address=
 * netmask=|prefix=> with <dhcp>: <range start= end=> and <host mac= id=
 * name= ip=>, each with an optional <lease expiry= unit=>, and <bootp
 * file= server=>; all of libvirt's <dns enable= forwardPlainNames=>:
 * <forwarder addr= domain=> (IPv4 or IPv6; addr, domain or both), <host
 * ip=> (IPv4 or IPv6) with its <hostname>s, <txt name= value=> and <srv
 * service= protocol= domain= target= port= priority= weight=> (DNS is
 * served on any network with an <ip>; an empty <dns/> is the default);
 * and in the kvnet: namespace <kvnet:datapath type=>, <kvnet:fdb aging=
 * max=> and <kvnet:dhcp ignore-client-id=>. DNS names are labels of
 * letters, digits, '-' and '_' (see netxml_dns_check.c).
 *
 * Error codes: -EINVAL for anything malformed, invalid or unknown (an XML
 * syntax error is reported as "XML error at line N: <libxml2 message>");
 * -EOPNOTSUPP for libvirt features kvnet knows but does not implement
 * (<route>, <portgroup>, <vlan>, <bandwidth>, <tftp>, IPv6 networks,
 * <domain register=>, forward modes private/vepa/passthrough/hostdev, a
 * second <ip> or uplink <interface>, ...); -ENOMEM. Documents
 * over NETXML_DOC_MAX bytes, over the NETXML_MAX_* limits (refused in time
 * linear in the size, before libxml2 sees them), not in UTF-8, ASCII or
 * ISO-8859-n, or with any DOCTYPE (so no entity can be declared) are
 * refused; the network is never used (XML_PARSE_NONET) and entities are
 * never substituted.
 * The network attributes connections= and ipv6= are accepted and ignored.
 * Interface names (bridge, uplink) are printable ASCII without spaces, '/'
 * or ':'; a bridge name has at most NET_BRIDGE_NAME_MAX characters.
 * libxml2 is used single-threaded (call from the daemon's main thread). */
int netxml_parse(const char *buf, size_t len, struct net_def *def, char *err,
		 size_t errlen);

/* Format def as libvirt network XML (what `net dumpxml` prints and what is
 * stored). The output parses back to an equal net_def. *out is malloc'd.
 * xmlns:kvnet is declared only when a kvnet: setting is not its default;
 * the prefix is always written as netmask=. Returns 0 or -ENOMEM. */
int netxml_format(const struct net_def *def, char **out);

/* Build a definition for `net create NAME --mode M --subnet CIDR
 * [--uplink IF] [--dhcp-range A-B]`. The gateway is the subnet's first
 * host address. Same error contract as netxml_parse.
 *  - mode NULL means "nat" (libvirt's default for <forward/>).
 *  - subnet must be the network address ("10.0.0.0/24"): a host address
 *    such as "10.0.0.5/24" is refused with a hint naming 10.0.0.0/24, since
 *    silently turning it into gateway 10.0.0.1 would surprise whoever meant
 *    10.0.0.5 to be the gateway. Prefix 1..30. Required for nat, route and
 *    open; optional for isolated (pure L2 switch); refused for bridge.
 *  - dhcp_range "A-B" (one range). NULL means every host address after the
 *    gateway (.2-.254 for a /24, like libvirt's default network); "none"
 *    means no DHCP. Refused without a subnet.
 *  - uplink: required for bridge, optional for nat/route/open (restricts
 *    forwarding to that device), refused for isolated. */
int netxml_from_args(const char *name, const char *mode, const char *subnet,
		     const char *uplink, const char *dhcp_range,
		     struct net_def *def, char *err, size_t errlen);

/* Checks shared by both constructors; exported for the daemon (e.g. after
 * `dhcp host add` changed def->hosts). Fills the bridge name when it is ""
 * and nothing else; everything else must already be set. */
int netxml_validate(struct net_def *def, char *err, size_t errlen);

/* Is DHCP served on this network? libvirt's rule: at least one <range> or
 * <host> (hosts alone: reservations only). An empty <dhcp/>, or one with
 * only <bootp>, serves nothing. */
bool netxml_dhcp_enabled(const struct net_def *def);

/* Field-by-field equality (ignores bytes past string terminators and
 * unused range/host slots), as the round trip parse(format(d)) == d. */
bool netxml_equal(const struct net_def *a, const struct net_def *b);

/* Network name rule, also used to build file names in the store:
 * 1..63 of [A-Za-z0-9_.-], not starting with '.' or '-'. */
bool netxml_name_valid(const char *name);

/* Canonical lower-case 8-4-4-4-12 form; out holds 37 bytes. */
void netxml_uuid_format(const uint8_t uuid[16], char out[37]);
/* The 8-4-4-4-12 form (either case) into bytes: 0 or -EINVAL. */
int netxml_uuid_parse(const char *s, uint8_t uuid[16]);

/* Is s a usable interface name of at most max characters? Same error
 * contract as netxml_parse; `what` names it in the message. */
int netxml_check_ifname(const char *s, size_t max, const char *what,
			char *err, size_t errlen);

/* Port forwards (netxml_fwd.c). "tcp"/"udp" and back (-1 if neither). */
const char *net_fwd_proto_name(uint8_t proto);
int net_fwd_proto_parse(const char *s);
/* A port "1".."65535" (decimal digits only): the port, or -EINVAL. */
int net_fwd_port_parse(const char *s);
/* "IP:PORT" into to and port: 0 or -EINVAL. */
int net_fwd_to_parse(const char *s, struct in_addr *to, uint16_t *port);
/* The index of def's forward of proto and host_port, or -1. */
int net_fwd_find(const struct net_def *def, uint8_t proto, uint16_t host_port);

/* "isolated", "nat", ... and back (-1 if unknown). */
const char *net_mode_name(enum net_mode mode);
int net_mode_parse(const char *s);

/* True if the two networks' IPv4 subnets overlap. */
bool net_subnets_overlap(const struct net_def *a, const struct net_def *b);

#endif /* KVNET_NETXML_H */
