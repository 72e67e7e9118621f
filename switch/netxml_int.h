/* SPDX-License-Identifier: GPL-2.0-only */
/* Internals of the netxml module, shared by its files and nothing else:
 * netxml.c (entry point, libxml2 reading, the <network> element table),
 * netxml_walk.c (the allow-list tree walker and attribute readers),
 * netxml_elems.c (handlers of <network>'s own children), netxml_dhcp.c
 * (the <dhcp> family), netxml_dns.c (reading <dns>), netxml_dns_check.c
 * (its validation), netxml_dns_format.c (its writer and equality),
 * netxml_check.c (validation), netxml_format.c (the writer and equality),
 * netxml_args.c (`net create` flags) and netxml_scan.c (the limits checked
 * before libxml2 runs). Names with external linkage start with netxml_;
 * struct nx, struct nx_elem and the nx_fail/SHOW/TAG macros are the
 * walker's short local vocabulary.
 */
#ifndef KVNET_NETXML_INT_H
#define KVNET_NETXML_INT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <arpa/inet.h>
#include <libxml/tree.h>

#include "switch/netxml.h"

/* ---- messages ------------------------------------------------------------ */

void netxml_msg(char *err, size_t errlen, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* Write the message, evaluate to rc: `return netxml_fail(err, len, -EINVAL,
 * "bad %s", x);`. */
#define netxml_fail(err, errlen, rc, ...) \
	(netxml_msg((err), (errlen), __VA_ARGS__), (rc))

/* A user-supplied string made safe for a one-line message: at most 40
 * characters, anything unprintable shown as '?'. */
struct netxml_show {
	char s[48];
};

struct netxml_show netxml_show(const char *in);

#define SHOW(str) (netxml_show(str).s)

/* ---- small helpers (netxml.c) -------------------------------------------- */

/* libvirt forward modes kvnet does not implement (NULL-terminated). */
extern const char *const netxml_mode_unsupported[];

bool netxml_in_list(const char *const *list, const char *s);
const char *netxml_ntoa(uint32_t host_order, char buf[INET_ADDRSTRLEN]);
int netxml_random_mac(uint8_t mac[6]);
int netxml_random_uuid(uint8_t uuid[16]);
/* Every field at its default: what an empty <network> means. */
void netxml_init_def(struct net_def *def);

/* Refuse, in one linear pass over the bytes, a document over the
 * NETXML_MAX_* limits or in an encoding the pass cannot read
 * (netxml_scan.c). Same error contract as netxml_parse. */
int netxml_scan(const char *buf, size_t len, char *err, size_t errlen);

/* ---- subnets and names (netxml_check.c) ---------------------------------- */

/* The subnet of def as host-order network address and mask. */
struct netxml_subnet {
	uint32_t net, mask, bcast, gw;
	char str[INET_ADDRSTRLEN + 4];
};

struct netxml_subnet netxml_subnet(const struct net_def *def);
/* A host address of sn: inside it, not its network or broadcast address. */
bool netxml_in_subnet(const struct netxml_subnet *sn, uint32_t a);
/* Names of networks, DHCP hosts and the domain share one rule. */
bool netxml_label_valid(const char *s, size_t max);

/* ---- the tree walker (netxml_walk.c) ------------------------------------- */

struct nx {
	struct net_def *def;
	char *err;
	size_t errlen;
	bool has_name, has_uuid, has_mac;
	char fwd_dev[IFNAMSIZ]; /* <forward dev=> */
	char if_dev[IFNAMSIZ];	/* <interface dev=> */
	int nifaces, nips;
	uint32_t *lease_to;	/* where a <lease> child is stored */
	struct net_dns_host *dns_host; /* the <dns><host> whose <hostname>s
					  are being read */
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
struct netxml_tag {
	char s[80];
};

struct netxml_tag netxml_tag(const xmlNode *n);

#define TAG(n) (netxml_tag(n).s)

/* Dispatch the children of parent through tab (NULL: no children). At
 * most 32 entries. */
int netxml_children(struct nx *x, xmlNode *parent, const struct nx_elem *tab,
		    size_t ntab);
/* Attributes of n must be in ok; those in unsup are libvirt features kvnet
 * does not implement. */
int netxml_attrs(struct nx *x, xmlNode *n, const char *const *ok,
		 const char *const *unsup);
/* Copy attribute attr into buf: 1 if present, 0 if absent, <0 on error.
 * required turns absence into an error. */
int netxml_get(struct nx *x, xmlNode *n, const char *attr, char *buf,
	       size_t len, bool required);
/* The same contract for an integer in min..max, an IPv4 address (always
 * required) and an interface name (checked as netxml_check_ifname; out
 * holds max + 1 bytes). */
int netxml_get_uint(struct nx *x, xmlNode *n, const char *attr, unsigned min,
		    unsigned max, unsigned *out);
int netxml_get_ip4(struct nx *x, xmlNode *n, const char *attr,
		   struct in_addr *out);
int netxml_get_ifname(struct nx *x, xmlNode *n, const char *attr, size_t max,
		      const char *what, char *out);
/* Text content of a leaf element, whitespace-trimmed. */
int netxml_text(struct nx *x, xmlNode *n, char *buf, size_t len,
		const char *what);

/* ---- element handlers ---------------------------------------------------- */

/* netxml_elems.c: the children of <network> */
int netxml_el_name(struct nx *x, xmlNode *n);
int netxml_el_uuid(struct nx *x, xmlNode *n);
int netxml_el_forward(struct nx *x, xmlNode *n);
int netxml_el_bridge(struct nx *x, xmlNode *n);
int netxml_el_mac(struct nx *x, xmlNode *n);
int netxml_el_domain(struct nx *x, xmlNode *n);
int netxml_el_mtu(struct nx *x, xmlNode *n);
int netxml_el_ip(struct nx *x, xmlNode *n);
int netxml_el_port(struct nx *x, xmlNode *n);
int netxml_el_title(struct nx *x, xmlNode *n);
int netxml_el_description(struct nx *x, xmlNode *n);
int netxml_el_metadata(struct nx *x, xmlNode *n);
int netxml_el_dns(struct nx *x, xmlNode *n);
int netxml_el_kv_datapath(struct nx *x, xmlNode *n);
int netxml_el_kv_fdb(struct nx *x, xmlNode *n);
int netxml_el_kv_flood(struct nx *x, xmlNode *n);

/* netxml_dhcp.c: <ip><dhcp>, <kvnet:dhcp> */
int netxml_el_dhcp(struct nx *x, xmlNode *n);
int netxml_el_kv_dhcp(struct nx *x, xmlNode *n);

/* ---- the DHCP family beyond parsing (netxml_dhcp.c) ---------------------- */

/* Ranges, hosts and bootp against the subnet and each other; def->has_ip
 * is true and the gateway checked. */
int netxml_dhcp_check(const struct net_def *def, char *err, size_t errlen);
/* Is there a <dhcp> element to write (DHCP enabled, or a <bootp>)? */
bool netxml_dhcp_has(const struct net_def *def);
/* The <dhcp> element, indented for <ip>; nothing when there is none. */
void netxml_dhcp_format(FILE *f, const struct net_def *def);
/* <kvnet:dhcp>: is it other than its default, and the element itself. */
bool netxml_dhcp_kv_set(const struct net_def *def);
void netxml_dhcp_format_kv(FILE *f, const struct net_def *def);
/* The family's fields, <kvnet:dhcp> included. */
bool netxml_dhcp_equal(const struct net_def *a, const struct net_def *b);

/* ---- the DNS family beyond parsing --------------------------------------- */

/* Names, addresses, duplicates and scope of <dns>'s fields
 * (netxml_dns_check.c). */
int netxml_dns_check(const struct net_def *def, char *err, size_t errlen);
/* The <dns> element, nothing when every DNS setting is at its default;
 * the family's fields compared (netxml_dns_format.c). */
void netxml_dns_format(FILE *f, const struct net_def *def);
bool netxml_dns_equal(const struct net_def *a, const struct net_def *b);

/* netxml_nat.c: <forward><nat>. */
int netxml_nat_address(struct nx *x, xmlNode *n);
/* <kvnet:conntrack> (netxml_ct.c) */
int netxml_el_kv_conntrack(struct nx *x, xmlNode *n);
bool netxml_ct_set(const struct net_def *def); /* anything but the default */
void netxml_ct_format(FILE *f, const struct net_def *def);
int netxml_ct_check(const struct net_def *def, char *err, size_t errlen);
int netxml_nat_check(const struct net_def *def, char *err, size_t errlen);
bool netxml_nat_custom(const struct net_def *def); /* anything but defaults */
void netxml_nat_format(FILE *f, const struct net_def *def);
bool netxml_nat_equal(const struct net_def *a, const struct net_def *b);

/* netxml_fwd.c: <kvnet:forward>. */
int netxml_el_kv_forward(struct nx *x, xmlNode *n);
int netxml_fwd_check(const struct net_def *def, char *err, size_t errlen);
void netxml_fwd_format(FILE *f, const struct net_def *def);
bool netxml_fwd_equal(const struct net_def *a, const struct net_def *b);

/* ---- writing (netxml_format.c) ------------------------------------------- */

/* s with the five XML special characters escaped. */
void netxml_put_esc(FILE *f, const char *s);
/* " name='value'", value escaped. */
void netxml_put_attr(FILE *f, const char *name, const char *value);

#endif /* KVNET_NETXML_INT_H */
