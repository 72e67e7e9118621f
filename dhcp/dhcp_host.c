// SPDX-License-Identifier: GPL-2.0-only
/* DHCP reservations, indexed by MAC, client id and address (see
 * dhcp_host.h).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "dhcp/dhcp_host.h"

struct dhcp_host_key {
	const uint8_t *p;
	uint8_t len;
};

static bool dhcp_host_eq_mac(const void *ctx, uint32_t val, const void *key)
{
	const struct dhcp_host_table *t = ctx;

	return t->h[val].has_mac && !memcmp(t->h[val].mac, key, 6);
}

static bool dhcp_host_eq_id(const void *ctx, uint32_t val, const void *key)
{
	const struct dhcp_host_table *t = ctx;
	const struct dhcp_host_key *k = key;

	return t->h[val].id_len == k->len && !memcmp(t->h[val].id, k->p, k->len);
}

static bool dhcp_host_eq_ip(const void *ctx, uint32_t val, const void *key)
{
	const struct dhcp_host_table *t = ctx;

	return t->h[val].ip == *(const uint32_t *)key;
}

static uint32_t dhcp_host_hash(const struct dhcp_host_table *t,
			       const void *p, size_t len)
{
	return (uint32_t)dhcp_hash_sip(t->key, p, len);
}

int dhcp_host_table_init(struct dhcp_host_table *t,
			 const uint8_t key[DHCP_HASH_KEY_LEN])
{
	memset(t, 0, sizeof(*t));
	memcpy(t->key, key, DHCP_HASH_KEY_LEN);
	if (dhcp_index_init(&t->by_mac, 16) < 0 ||
	    dhcp_index_init(&t->by_id, 16) < 0 ||
	    dhcp_index_init(&t->by_ip, 16) < 0) {
		dhcp_host_table_fini(t);
		return -ENOMEM;
	}
	return 0;
}

void dhcp_host_table_fini(struct dhcp_host_table *t)
{
	dhcp_index_fini(&t->by_mac);
	dhcp_index_fini(&t->by_id);
	dhcp_index_fini(&t->by_ip);
	free(t->h);
	free(t->live);
	memset(t, 0, sizeof(*t));
}

static uint32_t dhcp_host_find_mac(const struct dhcp_host_table *t,
				   const uint8_t mac[6])
{
	return dhcp_index_find(&t->by_mac, dhcp_host_hash(t, mac, 6),
			       dhcp_host_eq_mac, t, mac);
}

static uint32_t dhcp_host_find_id(const struct dhcp_host_table *t,
				  const uint8_t *id, uint8_t len)
{
	struct dhcp_host_key k = { id, len };

	if (!len)
		return DHCP_INDEX_NONE;
	return dhcp_index_find(&t->by_id, dhcp_host_hash(t, id, len),
			       dhcp_host_eq_id, t, &k);
}

static uint32_t dhcp_host_find_ip(const struct dhcp_host_table *t,
				  uint32_t ip)
{
	if (!ip)
		return DHCP_INDEX_NONE;
	return dhcp_index_find(&t->by_ip, dhcp_host_hash(t, &ip, 4),
			       dhcp_host_eq_ip, t, &ip);
}

/* A free slot (reused or new). */
static int dhcp_host_slot(struct dhcp_host_table *t, uint32_t *slot)
{
	uint32_t i, cap;
	struct dhcp_host *h;
	bool *live;

	for (i = 0; i < t->n; i++) /* reservations are few; adds are rare */
		if (!t->live[i]) {
			*slot = i;
			return 0;
		}
	if (t->n == t->cap) {
		cap = t->cap ? t->cap * 2 : 16;
		h = realloc(t->h, sizeof(*h) * cap);
		if (!h)
			return -ENOMEM;
		t->h = h;
		live = realloc(t->live, sizeof(*live) * cap);
		if (!live)
			return -ENOMEM;
		t->live = live, t->cap = cap;
	}
	t->live[t->n] = false;
	*slot = t->n++;
	return 0;
}

static void dhcp_host_unindex(struct dhcp_host_table *t, uint32_t s)
{
	const struct dhcp_host *h = &t->h[s];

	if (h->has_mac)
		dhcp_index_del(&t->by_mac, dhcp_host_hash(t, h->mac, 6), s);
	if (h->id_len)
		dhcp_index_del(&t->by_id, dhcp_host_hash(t, h->id, h->id_len),
			       s);
	if (h->ip)
		dhcp_index_del(&t->by_ip, dhcp_host_hash(t, &h->ip, 4), s);
}

static int dhcp_host_index(struct dhcp_host_table *t, uint32_t s)
{
	const struct dhcp_host *h = &t->h[s];
	int rc = 0;

	if (h->has_mac)
		rc = dhcp_index_add(&t->by_mac, dhcp_host_hash(t, h->mac, 6), s);
	if (rc == 0 && h->id_len)
		rc = dhcp_index_add(&t->by_id,
				    dhcp_host_hash(t, h->id, h->id_len), s);
	if (rc == 0 && h->ip)
		rc = dhcp_index_add(&t->by_ip, dhcp_host_hash(t, &h->ip, 4), s);
	if (rc < 0)
		dhcp_host_unindex(t, s);
	return rc;
}

int dhcp_host_add(struct dhcp_host_table *t, const struct dhcp_host *h)
{
	struct dhcp_host copy = *h;
	uint32_t s;
	int rc;

	if ((!h->has_mac && !h->id_len) ||
	    !memchr(h->name, '\0', sizeof(h->name)))
		return -EINVAL;
	if (h->name[0] && dhcp_opt_hostname_str(h->name, copy.name) < 0)
		return -EINVAL;
	if ((h->has_mac && dhcp_host_find_mac(t, h->mac) != DHCP_INDEX_NONE) ||
	    dhcp_host_find_id(t, h->id, h->id_len) != DHCP_INDEX_NONE ||
	    dhcp_host_find_ip(t, h->ip) != DHCP_INDEX_NONE)
		return -EEXIST;
	rc = dhcp_host_slot(t, &s);
	if (rc < 0)
		return rc;
	t->h[s] = copy;
	rc = dhcp_host_index(t, s);
	if (rc == 0)
		t->live[s] = true;
	return rc;
}

int dhcp_host_del(struct dhcp_host_table *t, const struct dhcp_host *h,
		  struct dhcp_host *old)
{
	uint32_t s = h->has_mac ? dhcp_host_find_mac(t, h->mac)
				: dhcp_host_find_id(t, h->id, h->id_len);

	if (s == DHCP_INDEX_NONE)
		return -ENOENT;
	if (old)
		*old = t->h[s];
	dhcp_host_unindex(t, s);
	t->live[s] = false;
	return 0;
}

const struct dhcp_host *dhcp_host_find(const struct dhcp_host_table *t,
				       const uint8_t *cid, uint8_t cid_len,
				       uint8_t htype, uint8_t hlen,
				       const uint8_t *chaddr)
{
	uint32_t s = cid ? dhcp_host_find_id(t, cid, cid_len) : DHCP_INDEX_NONE;

	if (s == DHCP_INDEX_NONE && htype == DHCP_HTYPE_ETHER && hlen == 6)
		s = dhcp_host_find_mac(t, chaddr);
	return s == DHCP_INDEX_NONE ? NULL : &t->h[s];
}

const struct dhcp_host *dhcp_host_by_ip(const struct dhcp_host_table *t,
					uint32_t ip)
{
	uint32_t s = dhcp_host_find_ip(t, ip);

	return s == DHCP_INDEX_NONE ? NULL : &t->h[s];
}

const struct dhcp_host *dhcp_host_next(const struct dhcp_host_table *t,
				       uint32_t *cursor)
{
	while (*cursor < t->n) {
		if (t->live[(*cursor)++])
			return &t->h[*cursor - 1];
	}
	return NULL;
}
