// SPDX-License-Identifier: GPL-2.0-only
/* libnss_kvnet.so.2: the host's NSS "hosts" module for kvnet's guests
 * (issue 16), so that with `hosts: files kvnet dns` in /etc/nsswitch.conf
 * `getent hosts vm1`, `ssh vm1` and reverse lookups know the names kvnetd
 * knows, on every network and for every user. It asks kvnetd's names
 * socket (nss_client.h) and fills glibc's structures in the caller's
 * buffer:
 *
 * - a name: its canonical name (vm1.domain when the network has a
 *   domain) and addresses; the name asked, when it differs, is an alias;
 * - an address: the canonical names of the hosts that have it;
 * - kvnetd not running or not answering in time: NSS_STATUS_UNAVAIL, so
 *   the next module in the line is asked; a name it does not know:
 *   NSS_STATUS_NOTFOUND; a buffer too small: ERANGE with
 *   NSS_STATUS_TRYAGAIN, and glibc calls again with a larger one.
 *
 * Only the _nss_kvnet_* functions are exported (nss/nss_kvnet.map), and
 * nothing but libc is linked: this is loaded into every process that
 * resolves a host name. TTLs are 0: names follow the leases. */
#include <errno.h>
#include <netdb.h>
#include <nss.h>
#include <stdalign.h>
#include <stdint.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>

#include "nss/nss_client.h"

#define NSS_KVNET_EXPORT __attribute__((visibility("default")))

NSS_KVNET_EXPORT enum nss_status
_nss_kvnet_gethostbyname4_r(const char *name, struct gaih_addrtuple **pat, char *buffer,
			    size_t buflen, int *errnop, int *herrnop, int32_t *ttlp);
NSS_KVNET_EXPORT enum nss_status
_nss_kvnet_gethostbyname3_r(const char *name, int af, struct hostent *host, char *buffer,
			    size_t buflen, int *errnop, int *herrnop, int32_t *ttlp,
			    char **canonp);
NSS_KVNET_EXPORT enum nss_status
_nss_kvnet_gethostbyname2_r(const char *name, int af, struct hostent *host, char *buffer,
			    size_t buflen, int *errnop, int *herrnop);
NSS_KVNET_EXPORT enum nss_status
_nss_kvnet_gethostbyname_r(const char *name, struct hostent *host, char *buffer,
			   size_t buflen, int *errnop, int *herrnop);
NSS_KVNET_EXPORT enum nss_status
_nss_kvnet_gethostbyaddr2_r(const void *addr, socklen_t len, int af, struct hostent *host,
			    char *buffer, size_t buflen, int *errnop, int *herrnop,
			    int32_t *ttlp);
NSS_KVNET_EXPORT enum nss_status
_nss_kvnet_gethostbyaddr_r(const void *addr, socklen_t len, int af, struct hostent *host,
			   char *buffer, size_t buflen, int *errnop, int *herrnop);

/* What kvnetd said about a name or an address. */
struct nss_kvnet_answer {
	char asked[DNS_NAMES_NAME_LEN + 1]; /* the name asked, without a final dot */
	struct dns_names_entry e[DNS_NAMES_REPLY_LINES];
	int n;
};

/* A host entry to be written out: names and addresses of one family. */
struct nss_kvnet_host {
	int af;
	const char *name;
	const char *aliases[DNS_NAMES_REPLY_LINES];
	int naliases;
	const uint8_t *addrs[DNS_NAMES_REPLY_LINES];
	int naddrs;
};

/* The caller's buffer, handed out front to back. */
struct nss_kvnet_buf {
	char *p;
	size_t left;
};

static size_t nss_kvnet_addr_len(int af)
{
	return af == AF_INET ? 4 : 16;
}

/* ---- the caller's buffer ------------------------------------------------ */

/* size bytes aligned to align, or NULL when the buffer is too small. */
static void *nss_kvnet_take(struct nss_kvnet_buf *b, size_t size, size_t align)
{
	size_t pad = (align - (uintptr_t)b->p % align) % align;
	char *at;

	if (pad > b->left || size > b->left - pad)
		return NULL;
	at = b->p + pad;
	b->p += pad + size;
	b->left -= pad + size;
	return at;
}

static char *nss_kvnet_copy(struct nss_kvnet_buf *b, const char *s)
{
	size_t n = strlen(s) + 1;
	char *p = nss_kvnet_take(b, n, 1);

	if (p)
		memcpy(p, s, n);
	return p;
}

/* ---- statuses ----------------------------------------------------------- */

static enum nss_status nss_kvnet_status(enum nss_status st, int err, int herr, int *errnop,
					int *herrnop)
{
	*errnop = err;
	*herrnop = herr;
	return st;
}

/* The buffer is too small: glibc calls again with a larger one. */
static enum nss_status nss_kvnet_erange(int *errnop, int *herrnop)
{
	return nss_kvnet_status(NSS_STATUS_TRYAGAIN, ERANGE, NETDB_INTERNAL, errnop, herrnop);
}

/* kvnetd's answer (ret: nss_client_ask's) as a status; SUCCESS when it
 * named something. */
static enum nss_status nss_kvnet_asked(int ret, int *errnop, int *herrnop)
{
	if (ret < 0)
		return nss_kvnet_status(NSS_STATUS_UNAVAIL, -ret, NO_RECOVERY, errnop, herrnop);
	if (ret == 0)
		return nss_kvnet_status(NSS_STATUS_NOTFOUND, ENOENT, HOST_NOT_FOUND, errnop,
					herrnop);
	return NSS_STATUS_SUCCESS;
}

/* ---- asking ------------------------------------------------------------- */

static enum nss_status nss_kvnet_by_name(const char *name, struct nss_kvnet_answer *a,
					 int *errnop, int *herrnop)
{
	struct dns_names_req q = { .kind = DNS_NAMES_BY_NAME };
	size_t len = strnlen(name, DNS_NAMES_NAME_LEN + 2);

	if (len && name[len - 1] == '.')
		len--; /* "vm1.lab.test." is the same name */
	if (!dns_names_valid(name, len))
		return nss_kvnet_asked(0, errnop, herrnop); /* none of kvnet's */
	memcpy(q.name, name, len);
	memcpy(a->asked, name, len);
	a->asked[len] = '\0';
	a->n = nss_client_ask(&q, a->e, DNS_NAMES_REPLY_LINES);
	return nss_kvnet_asked(a->n, errnop, herrnop);
}

static enum nss_status nss_kvnet_by_addr(int af, const void *addr, struct nss_kvnet_answer *a,
					 int *errnop, int *herrnop)
{
	struct dns_names_req q = { .kind = DNS_NAMES_BY_ADDR, .family = af };

	memcpy(q.addr, addr, nss_kvnet_addr_len(af));
	a->asked[0] = '\0';
	a->n = nss_client_ask(&q, a->e, DNS_NAMES_REPLY_LINES);
	return nss_kvnet_asked(a->n, errnop, herrnop);
}

/* ---- writing the results ------------------------------------------------ */

static char **nss_kvnet_names(struct nss_kvnet_buf *b, const char *const *names, int n)
{
	char **list = nss_kvnet_take(b, (size_t)(n + 1) * sizeof(char *), alignof(char *));

	for (int i = 0; list && i < n; i++) {
		list[i] = nss_kvnet_copy(b, names[i]);
		if (!list[i])
			return NULL;
	}
	if (list)
		list[n] = NULL;
	return list;
}

static char **nss_kvnet_addrs(struct nss_kvnet_buf *b, int af, const uint8_t *const *addrs,
			      int n)
{
	char **list = nss_kvnet_take(b, (size_t)(n + 1) * sizeof(char *), alignof(char *));
	size_t alen = nss_kvnet_addr_len(af);

	for (int i = 0; list && i < n; i++) {
		list[i] = nss_kvnet_take(b, alen, alignof(uint32_t));
		if (!list[i])
			return NULL;
		memcpy(list[i], addrs[i], alen);
	}
	if (list)
		list[n] = NULL;
	return list;
}

static enum nss_status nss_kvnet_hostent(const struct nss_kvnet_host *h, struct hostent *out,
					 char *buffer, size_t buflen, int *errnop, int *herrnop)
{
	struct nss_kvnet_buf b = { buffer, buflen };
	char *name = nss_kvnet_copy(&b, h->name);
	char **aliases = name ? nss_kvnet_names(&b, h->aliases, h->naliases) : NULL;
	char **addrs = aliases ? nss_kvnet_addrs(&b, h->af, h->addrs, h->naddrs) : NULL;

	if (!addrs)
		return nss_kvnet_erange(errnop, herrnop);
	out->h_name = name;
	out->h_aliases = aliases;
	out->h_addrtype = h->af;
	out->h_length = (int)nss_kvnet_addr_len(h->af);
	out->h_addr_list = addrs;
	return NSS_STATUS_SUCCESS;
}

/* getaddrinfo's list: one tuple per address, all with the canonical name.
 * An older glibc hands in a tuple of its own in *pat: the first is
 * written there. */
static enum nss_status nss_kvnet_tuples(const struct nss_kvnet_answer *a,
					struct gaih_addrtuple **pat, char *buffer,
					size_t buflen, int *errnop, int *herrnop)
{
	struct nss_kvnet_buf b = { buffer, buflen };
	struct gaih_addrtuple *first = NULL, **link = &first;
	char *canon = nss_kvnet_copy(&b, a->e[0].name);

	for (int i = 0; canon && i < a->n; i++) {
		struct gaih_addrtuple *t =
			nss_kvnet_take(&b, sizeof(*t), alignof(struct gaih_addrtuple));

		if (!t)
			return nss_kvnet_erange(errnop, herrnop);
		*t = (struct gaih_addrtuple){ .name = canon, .family = a->e[i].family };
		memcpy(t->addr, a->e[i].addr, nss_kvnet_addr_len(a->e[i].family));
		*link = t;
		link = &t->next;
	}
	if (!first)
		return nss_kvnet_erange(errnop, herrnop);
	if (*pat)
		**pat = *first;
	else
		*pat = first;
	return NSS_STATUS_SUCCESS;
}

/* ---- glibc's entry points ----------------------------------------------- */

enum nss_status _nss_kvnet_gethostbyname4_r(const char *name, struct gaih_addrtuple **pat,
					    char *buffer, size_t buflen, int *errnop,
					    int *herrnop, int32_t *ttlp)
{
	int saved_errno = errno;
	struct nss_kvnet_answer a;
	enum nss_status st = nss_kvnet_by_name(name, &a, errnop, herrnop);

	if (st == NSS_STATUS_SUCCESS)
		st = nss_kvnet_tuples(&a, pat, buffer, buflen, errnop, herrnop);
	if (st != NSS_STATUS_SUCCESS)
		return st;
	if (ttlp)
		*ttlp = 0;
	errno = saved_errno;
	return st;
}

/* The addresses of family af in a, and the name asked as an alias when it
 * is not the canonical one. */
static void nss_kvnet_pick(const struct nss_kvnet_answer *a, int af, struct nss_kvnet_host *h)
{
	*h = (struct nss_kvnet_host){ .af = af, .name = a->e[0].name };
	for (int i = 0; i < a->n; i++)
		if (a->e[i].family == af)
			h->addrs[h->naddrs++] = a->e[i].addr;
	if (strcasecmp(a->asked, h->name) != 0)
		h->aliases[h->naliases++] = a->asked;
}

enum nss_status _nss_kvnet_gethostbyname3_r(const char *name, int af, struct hostent *host,
					    char *buffer, size_t buflen, int *errnop,
					    int *herrnop, int32_t *ttlp, char **canonp)
{
	int saved_errno = errno;
	struct nss_kvnet_answer a;
	struct nss_kvnet_host h;
	enum nss_status st;

	if (af != AF_INET && af != AF_INET6)
		return nss_kvnet_status(NSS_STATUS_UNAVAIL, EAFNOSUPPORT, NO_RECOVERY, errnop,
					herrnop);
	st = nss_kvnet_by_name(name, &a, errnop, herrnop);
	if (st != NSS_STATUS_SUCCESS)
		return st;
	nss_kvnet_pick(&a, af, &h);
	if (!h.naddrs) /* the name is known, with no address of this family */
		return nss_kvnet_status(NSS_STATUS_NOTFOUND, ENOENT, NO_DATA, errnop, herrnop);
	st = nss_kvnet_hostent(&h, host, buffer, buflen, errnop, herrnop);
	if (st != NSS_STATUS_SUCCESS)
		return st;
	if (ttlp)
		*ttlp = 0;
	if (canonp)
		*canonp = host->h_name;
	errno = saved_errno;
	return st;
}

enum nss_status _nss_kvnet_gethostbyname2_r(const char *name, int af, struct hostent *host,
					    char *buffer, size_t buflen, int *errnop,
					    int *herrnop)
{
	return _nss_kvnet_gethostbyname3_r(name, af, host, buffer, buflen, errnop, herrnop,
					   NULL, NULL);
}

enum nss_status _nss_kvnet_gethostbyname_r(const char *name, struct hostent *host,
					   char *buffer, size_t buflen, int *errnop,
					   int *herrnop)
{
	return _nss_kvnet_gethostbyname3_r(name, AF_INET, host, buffer, buflen, errnop,
					   herrnop, NULL, NULL);
}

enum nss_status _nss_kvnet_gethostbyaddr2_r(const void *addr, socklen_t len, int af,
					    struct hostent *host, char *buffer, size_t buflen,
					    int *errnop, int *herrnop, int32_t *ttlp)
{
	int saved_errno = errno;
	struct nss_kvnet_answer a;
	struct nss_kvnet_host h = { .af = af, .addrs = { addr }, .naddrs = 1 };
	enum nss_status st;

	if (af != AF_INET && af != AF_INET6)
		return nss_kvnet_status(NSS_STATUS_UNAVAIL, EAFNOSUPPORT, NO_RECOVERY, errnop,
					herrnop);
	if (len != nss_kvnet_addr_len(af))
		return nss_kvnet_status(NSS_STATUS_UNAVAIL, EINVAL, NO_RECOVERY, errnop, herrnop);
	st = nss_kvnet_by_addr(af, addr, &a, errnop, herrnop);
	if (st != NSS_STATUS_SUCCESS)
		return st;
	h.name = a.e[0].name;
	for (int i = 1; i < a.n; i++)
		h.aliases[h.naliases++] = a.e[i].name;
	st = nss_kvnet_hostent(&h, host, buffer, buflen, errnop, herrnop);
	if (st != NSS_STATUS_SUCCESS)
		return st;
	if (ttlp)
		*ttlp = 0;
	errno = saved_errno;
	return st;
}

enum nss_status _nss_kvnet_gethostbyaddr_r(const void *addr, socklen_t len, int af,
					   struct hostent *host, char *buffer, size_t buflen,
					   int *errnop, int *herrnop)
{
	return _nss_kvnet_gethostbyaddr2_r(addr, len, af, host, buffer, buflen, errnop, herrnop,
					   NULL);
}
