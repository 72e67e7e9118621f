// SPDX-License-Identifier: GPL-2.0-only
/* What a network's DNS service knows, from the network: its names (the
 * zone: <dns><host>, the reservations' names and the hostnames its DHCP
 * leases carry, in that order of precedence, as dnsmasq's) and its
 * upstreams (<forwarder>s, else the host's resolvers). The service itself
 * is switch/dnsd.c. */
#include <ctype.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <arpa/inet.h>

#include "common/hash.h"
#include "dns/dns_forward.h"
#include "switch/dnsd.h"
#include "switch/log.h"
#include "switch/network_int.h"

bool netw_serves_dns(const struct net_def *def)
{
	return def->has_ip && !def->dns_disabled && def->mode != NET_MODE_BRIDGE;
}

/* A network whose DNS cannot be served still runs: the reason is noted
 * (`net show`) and logged, as dnsmasq failing to bind would be. */
void netw_dns_start(struct kvnetd *d, struct kv_network *n)
{
	struct kv_error e = { 0 };

	if (dnsd_open(d, n, &n->dns, &e) < 0)
		netw_note(n, "DNS not served: %s", e.msg);
}

void netw_dns_restart(struct kvnetd *d, struct kv_network *n)
{
	dnsd_close(n->dns);
	n->dns = NULL;
	if (netw_serves_dns(&n->def))
		netw_dns_start(d, n);
}

void netw_dns_stale(struct kv_network *n)
{
	n->dns_stale = true;
}

/* ---- the zone ----------------------------------------------------------- */

/* How a source's name joins the zone (dnsmasq's precedence): <dns><host>
 * entries all count, several addresses a name included; a reservation
 * adds an address of a family its name has none of; a lease's hostname
 * only a name no one has (a guest cannot take a name the definition
 * gives, nor one another guest holds). */
enum netw_dns_src { NETW_DNS_DEF_HOST, NETW_DNS_RESERVED, NETW_DNS_LEASE };

/* What the zone holds of name (lower case, its hash): some entry, an
 * entry of family af, the very address. */
struct netw_dns_seen {
	bool name, family, addr;
};

static struct netw_dns_seen netw_dns_find(const struct dns_zone *z, const char *name,
					  uint32_t hash, int af, const void *addr)
{
	struct netw_dns_seen seen = { 0 };

	for (int i = 0; i < z->nhosts; i++) {
		const struct dns_host *h = &z->hosts[i];

		if (h->hash != hash || strcmp(h->name, name))
			continue;
		seen.name = true;
		if (af == AF_INET && h->has_ip4) {
			seen.family = true;
			seen.addr |= !memcmp(&h->ip4, addr, 4);
		} else if (af == AF_INET6 && h->has_ip6) {
			seen.family = true;
			seen.addr |= !memcmp(h->ip6, addr, 16);
		}
	}
	return seen;
}

static void netw_dns_add(struct dns_zone *z, const char *name, int af, const void *addr,
			 enum netw_dns_src src)
{
	char low[DNS_NAME_MAX];
	struct netw_dns_seen seen;
	struct dns_host *h;
	uint32_t hash;
	size_t n = strlen(name);

	if (!n || n >= DNS_NAME_MAX || z->nhosts >= DNS_ZONE_HOSTS)
		return;
	for (size_t i = 0; i <= n; i++)
		low[i] = (char)tolower((unsigned char)name[i]);
	hash = kv_name_hash(low);
	seen = netw_dns_find(z, low, hash, af, addr);
	if (seen.addr || (src == NETW_DNS_RESERVED && seen.family) ||
	    (src == NETW_DNS_LEASE && seen.name))
		return;
	h = &z->hosts[z->nhosts++];
	memset(h, 0, sizeof(*h));
	memcpy(h->name, low, n + 1);
	h->hash = hash;
	h->has_ip4 = af == AF_INET;
	h->has_ip6 = af == AF_INET6;
	if (h->has_ip4)
		memcpy(&h->ip4, addr, 4);
	else
		memcpy(h->ip6, addr, 16);
}

static void netw_dns_leases(const struct kv_network *n, struct dns_zone *z)
{
	uint64_t now = (uint64_t)time(NULL);
	struct dhcp_lease_rec l;
	uint32_t cursor = 0, ip;

	while (n->dhcp && dhcpd_lease_next(n->dhcp, &cursor, &l) == 0) {
		if (l.state != DHCP_LEASE_BOUND || !l.hostname[0] || (l.expiry && l.expiry <= now))
			continue;
		ip = htonl(l.ip);
		netw_dns_add(z, l.hostname, AF_INET, &ip, NETW_DNS_LEASE);
	}
}

static void netw_dns_records(const struct net_def *def, struct dns_zone *z)
{
	z->ntxts = z->nsrvs = z->nlocal = 0;
	for (int i = 0; i < def->ndns_txts && z->ntxts < DNS_ZONE_TXTS; i++) {
		struct dns_txt *t = &z->txts[z->ntxts++];

		snprintf(t->name, sizeof(t->name), "%s", def->dns_txts[i].name);
		snprintf(t->value, sizeof(t->value), "%s", def->dns_txts[i].value);
	}
	for (int i = 0; i < def->ndns_srvs && z->nsrvs < DNS_ZONE_SRVS; i++) {
		const struct net_dns_srv *s = &def->dns_srvs[i];
		struct dns_srv *r = &z->srvs[z->nsrvs];

		if (snprintf(r->name, sizeof(r->name), "_%s._%s%s%s", s->service, s->protocol,
			     s->domain[0] ? "." : "", s->domain) >= (int)sizeof(r->name))
			continue;
		snprintf(r->target, sizeof(r->target), "%s", s->target);
		r->port = s->port;
		r->priority = s->priority;
		r->weight = s->weight;
		z->nsrvs++;
	}
	for (int i = 0; i < def->ndns_forwarders && z->nlocal < DNS_ZONE_LOCALS; i++)
		if (!def->dns_forwarders[i].family && def->dns_forwarders[i].domain[0])
			snprintf(z->local[z->nlocal++], DNS_NAME_MAX, "%s",
				 def->dns_forwarders[i].domain);
}

void netw_dns_zone(const struct kv_network *n, struct dns_zone *z)
{
	const struct net_def *def = &n->def;
	uint32_t mask = htonl(kv_prefix_mask(def->prefix));

	z->nhosts = 0;
	snprintf(z->domain, sizeof(z->domain), "%s", def->domain);
	z->local_only = def->domain_local_only;
	z->forward_plain = !def->dns_plain_local;
	z->mask = mask;
	z->subnet = def->ip.s_addr & mask;
	for (int i = 0; i < def->ndns_hosts; i++)
		for (int j = 0; j < def->dns_hosts[i].nnames; j++)
			netw_dns_add(z, def->dns_hosts[i].names[j], def->dns_hosts[i].family,
				     def->dns_hosts[i].addr, NETW_DNS_DEF_HOST);
	for (int i = 0; i < def->nhosts; i++)
		netw_dns_add(z, def->hosts[i].name, AF_INET, &def->hosts[i].ip, NETW_DNS_RESERVED);
	netw_dns_leases(n, z);
	netw_dns_records(def, z);
	dns_zone_finish(z);
}

/* ---- upstreams ---------------------------------------------------------- */

static bool netw_dns_upstream(struct dns_upstream *u, int family, const void *addr,
			      const char *domain)
{
	memset(u, 0, sizeof(*u));
	snprintf(u->domain, sizeof(u->domain), "%s", domain);
	if (family == AF_INET) {
		struct sockaddr_in *s = (struct sockaddr_in *)&u->addr;

		s->sin_family = AF_INET;
		s->sin_port = htons(53);
		memcpy(&s->sin_addr, addr, 4);
		u->addrlen = sizeof(*s);
		return true;
	}
	if (family == AF_INET6) {
		struct sockaddr_in6 *s = (struct sockaddr_in6 *)&u->addr;

		s->sin6_family = AF_INET6;
		s->sin6_port = htons(53);
		memcpy(&s->sin6_addr, addr, 16);
		u->addrlen = sizeof(*s);
		return true;
	}
	return false;
}

/* The host's resolvers (nameserver lines of path), never n's own gateway
 * (a host whose resolv.conf names a kvnet gateway would loop). */
static int netw_dns_resolv(const char *path, const struct kv_network *n,
			   struct dns_upstream *up, int k, int max)
{
	char line[256], addr[INET6_ADDRSTRLEN + 1];
	uint8_t a[16];
	FILE *f = fopen(path, "re");

	while (f && k < max && fgets(line, sizeof(line), f)) {
		if (sscanf(line, " nameserver %46s", addr) != 1)
			continue;
		if (inet_pton(AF_INET, addr, a) == 1) {
			if (memcmp(a, &n->def.ip, 4))
				k += netw_dns_upstream(&up[k], AF_INET, a, "");
		} else if (inet_pton(AF_INET6, addr, a) == 1) {
			k += netw_dns_upstream(&up[k], AF_INET6, a, "");
		}
	}
	if (f)
		fclose(f);
	return k;
}

int netw_dns_upstreams(const struct kvnetd *d, const struct kv_network *n,
		       struct dns_upstream *up, int max)
{
	const struct net_def *def = &n->def;
	bool general = false;
	int k = 0;

	/* libvirt: a forwarder with an address and no domain replaces the
	 * host's resolvers (dnsmasq's no-resolv) */
	for (int i = 0; i < def->ndns_forwarders && k < max; i++) {
		const struct net_dns_forwarder *f = &def->dns_forwarders[i];

		if (f->family && netw_dns_upstream(&up[k], f->family, f->addr, f->domain)) {
			general |= !f->domain[0];
			k++;
		}
	}
	return general ? k : netw_dns_resolv(d->resolv_conf, n, up, k, max);
}
