// SPDX-License-Identifier: GPL-2.0-only
/* The lease table: slots, identity and address indexes, the deadline
 * heap and per-port counts (see dhcp_lease.h).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "dhcp/dhcp_lease.h"

static const char *const dhcp_lease_state_names[DHCP_LEASE_STATE_COUNT] = {
	[DHCP_LEASE_FREE] = "free",
	[DHCP_LEASE_OFFERED] = "offered",
	[DHCP_LEASE_BOUND] = "bound",
	[DHCP_LEASE_RELEASED] = "released",
	[DHCP_LEASE_EXPIRED] = "expired",
	[DHCP_LEASE_DECLINED] = "declined",
	[DHCP_LEASE_CONFLICT] = "conflict",
};

const char *dhcp_lease_state_name(unsigned state)
{
	return state < DHCP_LEASE_STATE_COUNT ? dhcp_lease_state_names[state]
					      : "unknown";
}

int dhcp_lease_state_parse(const char *s)
{
	int i;

	for (i = 0; i < DHCP_LEASE_STATE_COUNT; i++)
		if (!strcmp(s, dhcp_lease_state_names[i]))
			return i;
	return -1;
}

bool dhcp_lease_state_active(unsigned state)
{
	return state == DHCP_LEASE_OFFERED || state == DHCP_LEASE_BOUND;
}

bool dhcp_lease_state_history(unsigned state)
{
	return state == DHCP_LEASE_RELEASED || state == DHCP_LEASE_EXPIRED;
}

struct dhcp_lease_key {
	const uint8_t *id;
	uint8_t len;
};

static bool dhcp_lease_eq_id(const void *ctx, uint32_t val, const void *key)
{
	const struct dhcp_lease_table *t = ctx;
	const struct dhcp_lease_key *k = key;
	const struct dhcp_lease_rec *r = &t->slot[val].r;

	return r->id_len == k->len && !memcmp(r->id, k->id, k->len);
}

static bool dhcp_lease_eq_ip(const void *ctx, uint32_t val, const void *key)
{
	const struct dhcp_lease_table *t = ctx;

	return t->slot[val].r.ip == *(const uint32_t *)key;
}

static bool dhcp_lease_eq_port(const void *ctx, uint32_t val, const void *key)
{
	const struct dhcp_lease_table *t = ctx;

	return t->ports[val].port == *(const uint32_t *)key;
}

static uint32_t dhcp_lease_id_hash(const struct dhcp_lease_table *t,
				   const uint8_t *id, uint8_t len)
{
	return (uint32_t)dhcp_hash_sip(t->key, id, len);
}

int dhcp_lease_table_init(struct dhcp_lease_table *t,
			  const uint8_t key[DHCP_HASH_KEY_LEN], uint32_t hint)
{
	memset(t, 0, sizeof(*t));
	memcpy(t->key, key, DHCP_HASH_KEY_LEN);
	t->seed = dhcp_hash_sip(key, "ip", 2);
	t->free_head = DHCP_INDEX_NONE;
	if (dhcp_index_init(&t->by_id, hint) < 0 ||
	    dhcp_index_init(&t->by_ip, hint) < 0 ||
	    dhcp_index_init(&t->by_port, 16) < 0) {
		dhcp_lease_table_fini(t);
		return -ENOMEM;
	}
	return 0;
}

void dhcp_lease_table_fini(struct dhcp_lease_table *t)
{
	dhcp_index_fini(&t->by_id);
	dhcp_index_fini(&t->by_ip);
	dhcp_index_fini(&t->by_port);
	free(t->slot);
	free(t->heap);
	free(t->ports);
	memset(t, 0, sizeof(*t));
}

uint32_t dhcp_lease_by_id(const struct dhcp_lease_table *t, const uint8_t *id,
			  uint8_t len)
{
	struct dhcp_lease_key k = { id, len };

	if (!len)
		return DHCP_INDEX_NONE;
	return dhcp_index_find(&t->by_id, dhcp_lease_id_hash(t, id, len),
			       dhcp_lease_eq_id, t, &k);
}

uint32_t dhcp_lease_by_ip(const struct dhcp_lease_table *t, uint32_t ip)
{
	return dhcp_index_find(&t->by_ip, dhcp_hash_u32(ip, t->seed),
			       dhcp_lease_eq_ip, t, &ip);
}

struct dhcp_lease *dhcp_lease_get(const struct dhcp_lease_table *t,
				  uint32_t slot)
{
	return slot < t->nslots && t->slot[slot].live ? &t->slot[slot] : NULL;
}

/* ---- the deadline heap: slot numbers ordered by deadline ---- */

static bool dhcp_heap_less(const struct dhcp_lease_table *t, uint32_t a,
			   uint32_t b)
{
	return t->heap[a].deadline < t->heap[b].deadline;
}

static void dhcp_heap_swap(struct dhcp_lease_table *t, uint32_t a, uint32_t b)
{
	struct dhcp_heap_ent e = t->heap[a];

	t->heap[a] = t->heap[b];
	t->heap[b] = e;
	t->slot[t->heap[a].slot].heap_pos = a;
	t->slot[t->heap[b].slot].heap_pos = b;
}

static void dhcp_heap_fix(struct dhcp_lease_table *t, uint32_t i)
{
	uint32_t c, m;

	while (i && dhcp_heap_less(t, i, (i - 1) / 2)) {
		dhcp_heap_swap(t, i, (i - 1) / 2);
		i = (i - 1) / 2;
	}
	for (;;) {
		c = 2 * i + 1, m = i;
		if (c < t->heap_n && dhcp_heap_less(t, c, m))
			m = c;
		if (c + 1 < t->heap_n && dhcp_heap_less(t, c + 1, m))
			m = c + 1;
		if (m == i)
			return;
		dhcp_heap_swap(t, i, m);
		i = m;
	}
}

static void dhcp_heap_remove(struct dhcp_lease_table *t, uint32_t slot)
{
	uint32_t i = t->slot[slot].heap_pos;

	if (i == DHCP_INDEX_NONE)
		return;
	t->slot[slot].heap_pos = DHCP_INDEX_NONE;
	if (i != --t->heap_n) {
		t->heap[i] = t->heap[t->heap_n];
		t->slot[t->heap[i].slot].heap_pos = i;
		dhcp_heap_fix(t, i);
	}
}

void dhcp_lease_set_deadline(struct dhcp_lease_table *t, uint32_t slot,
			     uint64_t deadline)
{
	struct dhcp_lease *l = &t->slot[slot];

	if (!deadline) {
		dhcp_heap_remove(t, slot);
		l->deadline = 0;
		return;
	}
	l->deadline = deadline;
	if (l->heap_pos == DHCP_INDEX_NONE) {
		l->heap_pos = t->heap_n++; /* room for every slot */
		t->heap[l->heap_pos].slot = slot;
	}
	t->heap[l->heap_pos].deadline = deadline;
	dhcp_heap_fix(t, l->heap_pos);
}

uint32_t dhcp_lease_due(const struct dhcp_lease_table *t, uint64_t now)
{
	if (!t->heap_n || t->heap[0].deadline > now)
		return DHCP_INDEX_NONE;
	return t->heap[0].slot;
}

/* ---- per-port counts of offered and bound records ---- */

static uint32_t dhcp_port_find(const struct dhcp_lease_table *t, uint32_t port)
{
	return dhcp_index_find(&t->by_port, dhcp_hash_u32(port, t->seed),
			       dhcp_lease_eq_port, t, &port);
}

uint32_t dhcp_lease_port_count(const struct dhcp_lease_table *t, uint32_t port)
{
	uint32_t i = dhcp_port_find(t, port);

	return i == DHCP_INDEX_NONE ? 0 : t->ports[i].count;
}

static int dhcp_port_inc(struct dhcp_lease_table *t, uint32_t port)
{
	uint32_t i = dhcp_port_find(t, port), cap;
	struct dhcp_port_count *p;

	if (i != DHCP_INDEX_NONE) {
		t->ports[i].count++;
		return 0;
	}
	if (t->nports == t->ports_cap) {
		cap = t->ports_cap ? t->ports_cap * 2 : 16;
		p = realloc(t->ports, sizeof(*p) * cap);
		if (!p)
			return -ENOMEM;
		t->ports = p, t->ports_cap = cap;
	}
	if (dhcp_index_add(&t->by_port, dhcp_hash_u32(port, t->seed),
			   t->nports) < 0)
		return -ENOMEM;
	t->ports[t->nports++] = (struct dhcp_port_count){ port, 1 };
	return 0;
}

static void dhcp_port_dec(struct dhcp_lease_table *t, uint32_t port)
{
	uint32_t i = dhcp_port_find(t, port), last;

	if (i == DHCP_INDEX_NONE || --t->ports[i].count)
		return;
	/* drop the entry; the last one moves into its place */
	dhcp_index_del(&t->by_port, dhcp_hash_u32(port, t->seed), i);
	last = --t->nports;
	if (i == last)
		return;
	dhcp_index_del(&t->by_port, dhcp_hash_u32(t->ports[last].port, t->seed),
		       last);
	t->ports[i] = t->ports[last];
	/* cannot fail: the index just lost two entries and gains one */
	dhcp_index_add(&t->by_port, dhcp_hash_u32(t->ports[i].port, t->seed),
		       i);
}

int dhcp_lease_set_state(struct dhcp_lease_table *t, uint32_t slot,
			 unsigned state, uint32_t port)
{
	struct dhcp_lease_rec *r = &t->slot[slot].r;

	if (dhcp_lease_state_active(state) && dhcp_port_inc(t, port) < 0)
		return -ENOMEM;
	if (dhcp_lease_state_active(r->state))
		dhcp_port_dec(t, r->port);
	r->state = (uint8_t)state;
	r->port = port;
	return 0;
}

/* ---- slots ---- */

static int dhcp_lease_grow(struct dhcp_lease_table *t)
{
	uint32_t cap = t->cap ? t->cap * 2 : 64;
	struct dhcp_heap_ent *heap;
	struct dhcp_lease *slot;

	if (t->cap >= (1u << 30))
		return -ENOMEM;
	slot = realloc(t->slot, sizeof(*slot) * cap);
	if (!slot)
		return -ENOMEM;
	t->slot = slot;
	heap = realloc(t->heap, sizeof(*heap) * cap);
	if (!heap)
		return -ENOMEM;
	t->heap = heap;
	t->cap = cap;
	return 0;
}

static int dhcp_lease_alloc(struct dhcp_lease_table *t, uint32_t *slot)
{
	if (t->free_head != DHCP_INDEX_NONE) {
		*slot = t->free_head;
		t->free_head = t->slot[*slot].next_free;
		return 0;
	}
	if (t->nslots == t->cap && dhcp_lease_grow(t) < 0)
		return -ENOMEM;
	*slot = t->nslots++;
	return 0;
}

static void dhcp_lease_release_slot(struct dhcp_lease_table *t, uint32_t s)
{
	t->slot[s].live = false;
	t->slot[s].next_free = t->free_head;
	t->free_head = s;
}

int dhcp_lease_insert(struct dhcp_lease_table *t,
		      const struct dhcp_lease_rec *rec, uint32_t *slot)
{
	struct dhcp_lease *l;
	uint32_t s;

	if (dhcp_lease_alloc(t, &s) < 0)
		return -ENOMEM;
	l = &t->slot[s];
	memset(l, 0, sizeof(*l));
	l->r = *rec;
	l->r.state = DHCP_LEASE_FREE; /* counted by set_state below */
	l->heap_pos = DHCP_INDEX_NONE;
	l->ip_hash = dhcp_hash_u32(rec->ip, t->seed);
	l->id_hash = dhcp_lease_id_hash(t, rec->id, rec->id_len);
	l->live = true;
	if (dhcp_index_add(&t->by_ip, l->ip_hash, s) < 0)
		goto fail;
	if (rec->id_len && dhcp_index_add(&t->by_id, l->id_hash, s) < 0)
		goto fail_ip;
	if (dhcp_lease_set_state(t, s, rec->state, rec->port) < 0)
		goto fail_id;
	t->count++;
	*slot = s;
	return 0;
fail_id:
	if (rec->id_len)
		dhcp_index_del(&t->by_id, l->id_hash, s);
fail_ip:
	dhcp_index_del(&t->by_ip, l->ip_hash, s);
fail:
	dhcp_lease_release_slot(t, s);
	return -ENOMEM;
}

void dhcp_lease_remove(struct dhcp_lease_table *t, uint32_t slot)
{
	struct dhcp_lease *l = &t->slot[slot];

	dhcp_lease_set_state(t, slot, DHCP_LEASE_FREE, 0);
	dhcp_heap_remove(t, slot);
	dhcp_index_del(&t->by_ip, l->ip_hash, slot);
	if (l->r.id_len)
		dhcp_index_del(&t->by_id, l->id_hash, slot);
	dhcp_lease_release_slot(t, slot);
	t->count--;
}

int dhcp_lease_set_ip(struct dhcp_lease_table *t, uint32_t slot, uint32_t ip)
{
	struct dhcp_lease *l = &t->slot[slot];
	uint32_t h = dhcp_hash_u32(ip, t->seed);

	if (dhcp_index_add(&t->by_ip, h, slot) < 0)
		return -ENOMEM;
	dhcp_index_del(&t->by_ip, l->ip_hash, slot);
	l->ip_hash = h;
	l->r.ip = ip;
	return 0;
}

int dhcp_lease_set_id(struct dhcp_lease_table *t, uint32_t slot,
		      const uint8_t *id, uint8_t len)
{
	struct dhcp_lease *l = &t->slot[slot];
	uint32_t h = dhcp_lease_id_hash(t, id, len);

	if (len && dhcp_index_add(&t->by_id, h, slot) < 0)
		return -ENOMEM;
	if (l->r.id_len)
		dhcp_index_del(&t->by_id, l->id_hash, slot);
	l->id_hash = h;
	l->r.id_len = len;
	if (len)
		memcpy(l->r.id, id, len);
	return 0;
}

uint32_t dhcp_lease_next(const struct dhcp_lease_table *t, uint32_t *cursor)
{
	while (*cursor < t->nslots) {
		if (t->slot[(*cursor)++].live)
			return *cursor - 1;
	}
	return DHCP_INDEX_NONE;
}
