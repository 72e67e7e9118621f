// SPDX-License-Identifier: GPL-2.0-only
/* The DHCP address pool: ranges numbered as one sequence, and the
 * two-level bitmaps that find a free address (see dhcp_pool.h).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "dhcp/dhcp_pool.h"

#define DHCP_BM_NONE UINT32_MAX

static int dhcp_bm_init(struct dhcp_bitmap *b, uint32_t size)
{
	uint32_t i;

	b->nwords = (size + 63) / 64;
	b->nfull = (b->nwords + 63) / 64;
	b->w = calloc(b->nwords ? b->nwords : 1, sizeof(*b->w));
	b->full = calloc(b->nfull ? b->nfull : 1, sizeof(*b->full));
	if (!b->w || !b->full)
		return -ENOMEM;
	/* bits past the end are busy forever, so a search never ends there */
	if (size % 64)
		b->w[b->nwords - 1] = ~0ULL << (size % 64);
	for (i = b->nwords; i < b->nfull * 64; i++)
		b->full[i / 64] |= 1ULL << (i % 64);
	return 0;
}

static void dhcp_bm_fini(struct dhcp_bitmap *b)
{
	free(b->w);
	free(b->full);
	memset(b, 0, sizeof(*b));
}

static void dhcp_bm_set(struct dhcp_bitmap *b, uint32_t i, bool on)
{
	uint32_t wi = i / 64;

	if (on)
		b->w[wi] |= 1ULL << (i % 64);
	else
		b->w[wi] &= ~(1ULL << (i % 64));
	if (b->w[wi] == ~0ULL)
		b->full[wi / 64] |= 1ULL << (wi % 64);
	else
		b->full[wi / 64] &= ~(1ULL << (wi % 64));
}

static bool dhcp_bm_get(const struct dhcp_bitmap *b, uint32_t i)
{
	return b->w[i / 64] & (1ULL << (i % 64));
}

/* Bits below `from` in a word, forced to one. */
static uint64_t dhcp_bm_below(uint32_t from)
{
	return from % 64 ? ~0ULL >> (64 - from % 64) : 0;
}

/* The first word at or after wi that is not full, or DHCP_BM_NONE. */
static uint32_t dhcp_bm_next_word(const struct dhcp_bitmap *b, uint32_t wi)
{
	uint32_t fi = wi / 64;
	uint64_t f;

	if (fi >= b->nfull)
		return DHCP_BM_NONE;
	f = b->full[fi] | dhcp_bm_below(wi);
	while (f == ~0ULL) {
		if (++fi >= b->nfull)
			return DHCP_BM_NONE;
		f = b->full[fi];
	}
	wi = fi * 64 + (uint32_t)__builtin_ctzll(~f);
	return wi < b->nwords ? wi : DHCP_BM_NONE;
}

/* The first clear bit at or after from, or DHCP_BM_NONE. */
static uint32_t dhcp_bm_next_zero(const struct dhcp_bitmap *b, uint32_t from)
{
	uint32_t wi = from / 64;
	uint64_t w;

	if (wi >= b->nwords)
		return DHCP_BM_NONE;
	w = b->w[wi] | dhcp_bm_below(from);
	if (w != ~0ULL)
		return wi * 64 + (uint32_t)__builtin_ctzll(~w);
	wi = dhcp_bm_next_word(b, wi + 1);
	if (wi == DHCP_BM_NONE)
		return DHCP_BM_NONE;
	return wi * 64 + (uint32_t)__builtin_ctzll(~b->w[wi]);
}

/* The first clear bit at or after from, wrapping around once. */
static uint32_t dhcp_bm_find(const struct dhcp_bitmap *b, uint32_t from)
{
	uint32_t i = dhcp_bm_next_zero(b, from);

	if (i == DHCP_BM_NONE && from)
		i = dhcp_bm_next_zero(b, 0);
	return i;
}

static int dhcp_pool_cmp(const void *a, const void *b)
{
	const struct dhcp_pool_range *x = a, *y = b;

	return x->start < y->start ? -1 : x->start > y->start;
}

int dhcp_pool_init(struct dhcp_pool *p, const struct dhcp_config *c)
{
	int i;

	memset(p, 0, sizeof(*p));
	for (i = 0; i < c->nranges; i++) {
		p->r[i].start = c->ranges[i].start;
		p->r[i].end = c->ranges[i].end;
		p->r[i].lease_s = c->ranges[i].lease_s ? c->ranges[i].lease_s
						       : c->lease_s;
	}
	p->n = c->nranges;
	qsort(p->r, (size_t)p->n, sizeof(p->r[0]), dhcp_pool_cmp);
	for (i = 0; i < p->n; i++) {
		p->r[i].base = p->size;
		p->size += p->r[i].end - p->r[i].start + 1;
	}
	if (dhcp_bm_init(&p->used, p->size) < 0 ||
	    dhcp_bm_init(&p->taken, p->size) < 0) {
		dhcp_pool_fini(p);
		return -ENOMEM;
	}
	return 0;
}

void dhcp_pool_fini(struct dhcp_pool *p)
{
	dhcp_bm_fini(&p->used);
	dhcp_bm_fini(&p->taken);
}

const struct dhcp_pool_range *dhcp_pool_range(const struct dhcp_pool *p,
					      uint32_t ip)
{
	int lo = 0, hi = p->n - 1, mid;

	while (lo <= hi) {
		mid = (lo + hi) / 2;
		if (ip < p->r[mid].start)
			hi = mid - 1;
		else if (ip > p->r[mid].end)
			lo = mid + 1;
		else
			return &p->r[mid];
	}
	return NULL;
}

bool dhcp_pool_contains(const struct dhcp_pool *p, uint32_t ip)
{
	return dhcp_pool_range(p, ip) != NULL;
}

static bool dhcp_pool_index(const struct dhcp_pool *p, uint32_t ip,
			    uint32_t *idx)
{
	const struct dhcp_pool_range *r = dhcp_pool_range(p, ip);

	if (!r)
		return false;
	*idx = r->base + (ip - r->start);
	return true;
}

static uint32_t dhcp_pool_ip(const struct dhcp_pool *p, uint32_t idx)
{
	int lo = 0, hi = p->n - 1, mid;

	while (lo < hi) { /* the last range whose base <= idx */
		mid = (lo + hi + 1) / 2;
		if (p->r[mid].base <= idx)
			lo = mid;
		else
			hi = mid - 1;
	}
	return p->r[lo].start + (idx - p->r[lo].base);
}

void dhcp_pool_mark(struct dhcp_pool *p, uint32_t ip, bool used, bool history)
{
	uint32_t idx;

	if (!dhcp_pool_index(p, ip, &idx))
		return;
	dhcp_bm_set(&p->used, idx, used);
	dhcp_bm_set(&p->taken, idx, used || history);
}

bool dhcp_pool_is_used(const struct dhcp_pool *p, uint32_t ip)
{
	uint32_t idx;

	return dhcp_pool_index(p, ip, &idx) && dhcp_bm_get(&p->used, idx);
}

bool dhcp_pool_is_taken(const struct dhcp_pool *p, uint32_t ip)
{
	uint32_t idx;

	return dhcp_pool_index(p, ip, &idx) && dhcp_bm_get(&p->taken, idx);
}

int dhcp_pool_pick(const struct dhcp_pool *p, uint64_t hash, uint32_t *ip)
{
	uint32_t start, idx;

	if (!p->size)
		return -ENOSPC;
	start = (uint32_t)(hash % p->size);
	idx = dhcp_bm_find(&p->taken, start);
	if (idx == DHCP_BM_NONE)
		idx = dhcp_bm_find(&p->used, start);
	if (idx == DHCP_BM_NONE)
		return -ENOSPC;
	*ip = dhcp_pool_ip(p, idx);
	return 0;
}

/* The pool number of the first address above ip (size if none). */
static uint32_t dhcp_pool_index_after(const struct dhcp_pool *p, uint32_t ip)
{
	uint32_t idx;
	int i;

	if (dhcp_pool_index(p, ip, &idx))
		return idx + 1;
	for (i = 0; i < p->n; i++)
		if (p->r[i].start > ip)
			return p->r[i].base;
	return p->size;
}

int dhcp_pool_next_free(const struct dhcp_pool *p, uint32_t after,
			uint32_t *ip)
{
	uint32_t from = dhcp_pool_index_after(p, after), idx;

	idx = from < p->size ? dhcp_bm_next_zero(&p->used, from) : DHCP_BM_NONE;
	if (idx == DHCP_BM_NONE)
		return -ENOENT;
	*ip = dhcp_pool_ip(p, idx);
	return 0;
}
