// SPDX-License-Identifier: GPL-2.0-only
/* The host's lookups of a network's names (see dns_hosts.h): a name or an
 * address against the zone, as reply lines of the names socket. Names are
 * compared as the answering engine compares them: the zone's are in lower
 * case with their hashes (dns_zone_finish), so the name asked is put in
 * lower case and hashed once, and a host's name is read only when its
 * hash matches. */
#include <ctype.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>

#include "common/hash.h"
#include "dns/dns_hosts.h"

_Static_assert(DNS_NAME_MAX <= DNS_NAMES_NAME_LEN + 1,
	       "a zone's names fit the names socket's protocol");

/* Entries of one name, or of one address, a reply looks at; more would
 * not fit it anyway. */
#define DNS_HOSTS_SAME_NAME (2 * DNS_NAMES_REPLY_LINES)

/* The name asked, as the zone holds names: in lower case, and its single
 * label when it is one level below the domain. */
struct dns_hosts_q {
	char name[DNS_NAMES_NAME_LEN + 1];
	char label[DNS_NAMES_NAME_LEN + 1]; /* "" if none */
	uint32_t name_hash, label_hash;
};

static int dns_hosts_count(const struct dns_zone *z)
{
	return z->nhosts < DNS_ZONE_HOSTS ? z->nhosts : DNS_ZONE_HOSTS;
}

static void dns_hosts_q_init(const struct dns_zone *z, const char *asked, struct dns_hosts_q *q)
{
	size_t n = strnlen(asked, DNS_NAMES_NAME_LEN), d = strlen(z->domain);

	for (size_t i = 0; i < n; i++)
		q->name[i] = (char)tolower((unsigned char)asked[i]);
	q->name[n] = '\0';
	q->label[0] = '\0';
	if (d && n > d + 1 && q->name[n - d - 1] == '.' && !strcasecmp(q->name + n - d, z->domain) &&
	    !memchr(q->name, '.', n - d - 1))
		snprintf(q->label, sizeof(q->label), "%.*s", (int)(n - d - 1), q->name);
	q->name_hash = kv_name_hash(q->name);
	q->label_hash = kv_name_hash(q->label);
}

static bool dns_hosts_is(const struct dns_host *h, const struct dns_hosts_q *q)
{
	return (h->hash == q->name_hash && !strcmp(h->name, q->name)) ||
	       (q->label[0] && h->hash == q->label_hash && !strcmp(h->name, q->label));
}

/* The host's canonical name into out (room for DNS_NAMES_NAME_LEN + 1):
 * under the domain when it is a single label and the whole fits. */
static void dns_hosts_canonical(const struct dns_zone *z, const struct dns_host *h, char *out)
{
	int n = -1;

	if (z->domain[0] && !strchr(h->name, '.'))
		n = snprintf(out, DNS_NAMES_NAME_LEN + 1, "%s.%s", h->name, z->domain);
	if (n < 0 || n > DNS_NAMES_NAME_LEN)
		snprintf(out, DNS_NAMES_NAME_LEN + 1, "%s", h->name);
}

static const void *dns_hosts_addr(const struct dns_host *h, int family)
{
	if (family == AF_INET)
		return h->has_ip4 ? (const void *)&h->ip4 : NULL;
	return h->has_ip6 ? (const void *)h->ip6 : NULL;
}

/* Did an earlier entry of the list give this address already? */
static bool dns_hosts_given(const struct dns_host *const *hs, int i, int family)
{
	const void *a = dns_hosts_addr(hs[i], family);
	size_t len = family == AF_INET ? 4 : 16;

	for (int j = 0; j < i; j++)
		if (dns_hosts_addr(hs[j], family) && !memcmp(dns_hosts_addr(hs[j], family), a, len))
			return true;
	return false;
}

static int dns_hosts_by_name(const struct dns_zone *z, const char *name,
			     struct dns_names_reply *r)
{
	static const int families[] = { AF_INET, AF_INET6 };
	const struct dns_host *hs[DNS_HOSTS_SAME_NAME];
	char canon[DNS_NAMES_NAME_LEN + 1];
	struct dns_hosts_q q;
	int nhs = 0, n = 0;

	dns_hosts_q_init(z, name, &q);
	for (int i = 0; i < dns_hosts_count(z) && nhs < DNS_HOSTS_SAME_NAME; i++)
		if (dns_hosts_is(&z->hosts[i], &q))
			hs[nhs++] = &z->hosts[i];
	for (int f = 0; f < 2; f++)
		for (int i = 0; i < nhs; i++) {
			const void *a = dns_hosts_addr(hs[i], families[f]);

			if (!a || dns_hosts_given(hs, i, families[f]))
				continue;
			dns_hosts_canonical(z, hs[i], canon);
			n += dns_names_reply_add(r, canon, families[f], a) == 0;
		}
	return n;
}

/* Does an earlier entry of the list have the same name? */
static bool dns_hosts_named_before(const struct dns_host *const *hs, int i)
{
	for (int j = 0; j < i; j++)
		if (hs[j]->hash == hs[i]->hash && !strcmp(hs[j]->name, hs[i]->name))
			return true;
	return false;
}

static int dns_hosts_by_addr(const struct dns_zone *z, int family, const uint8_t *addr,
			     struct dns_names_reply *r)
{
	const struct dns_host *hs[DNS_HOSTS_SAME_NAME];
	char canon[DNS_NAMES_NAME_LEN + 1];
	int nhs = 0, n = 0;

	for (int i = 0; i < dns_hosts_count(z) && nhs < DNS_HOSTS_SAME_NAME; i++) {
		const void *a = dns_hosts_addr(&z->hosts[i], family);

		if (a && !memcmp(a, addr, family == AF_INET ? 4 : 16))
			hs[nhs++] = &z->hosts[i];
	}
	for (int i = 0; i < nhs; i++) {
		if (dns_hosts_named_before(hs, i))
			continue;
		dns_hosts_canonical(z, hs[i], canon);
		n += dns_names_reply_add(r, canon, family, addr) == 0;
	}
	return n;
}

int dns_hosts_answer(const struct dns_zone *z, const struct dns_names_req *q,
		     struct dns_names_reply *r)
{
	if (q->kind == DNS_NAMES_BY_NAME)
		return dns_hosts_by_name(z, q->name, r);
	if (q->family != AF_INET && q->family != AF_INET6)
		return 0;
	return dns_hosts_by_addr(z, q->family, q->addr, r);
}
