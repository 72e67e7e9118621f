// SPDX-License-Identifier: GPL-2.0-only
/* Address allocation and lease state changes (see dhcp_alloc.h).
 *
 * Lease record state machine (enum dhcp_lease_state, names in
 * dhcp_lease.c):
 *
 *   (none) --offer--> offered --bind--> bound --release--> released
 *   offered --hold ends / other server--> (none) or its previous history
 *   bound --lease ends--> expired;  bound/offered --decline--> declined
 *   released/expired --offer/bind--> offered/bound (same client), or
 *                    dropped when another client gets the address
 *   declined/conflict --quarantine ends--> (none)
 */
#include <errno.h>
#include <string.h>

#include "dhcp/dhcp_alloc.h"

static struct dhcp_lease *dhcp_alloc_slot(const struct dhcp_alloc *a,
					  uint32_t slot)
{
	return &a->leases.slot[slot];
}

/* Recompute ip's pool bits from the tables: the one place they are set. */
static void dhcp_alloc_sync(struct dhcp_alloc *a, uint32_t ip)
{
	uint32_t s = dhcp_lease_by_ip(&a->leases, ip);
	const struct dhcp_lease *l = s == DHCP_INDEX_NONE ? NULL
							  : dhcp_alloc_slot(a, s);
	bool hist = l && dhcp_lease_state_history(l->r.state);
	bool used = dhcp_config_special(a->cfg, ip) ||
		    dhcp_host_by_ip(&a->hosts, ip) || (l && !hist);

	dhcp_pool_mark(&a->pool, ip, used, hist);
}

int dhcp_alloc_init(struct dhcp_alloc *a, const struct dhcp_config *cfg)
{
	memset(a, 0, sizeof(*a));
	a->cfg = cfg;
	if (dhcp_pool_init(&a->pool, cfg) < 0)
		return -ENOMEM;
	if (dhcp_lease_table_init(&a->leases, cfg->hash_key, 1024) < 0 ||
	    dhcp_host_table_init(&a->hosts, cfg->hash_key) < 0) {
		dhcp_alloc_fini(a);
		return -ENOMEM;
	}
	dhcp_alloc_sync(a, cfg->subnet);
	dhcp_alloc_sync(a, dhcp_config_broadcast(cfg));
	dhcp_alloc_sync(a, cfg->server_ip);
	return 0;
}

void dhcp_alloc_fini(struct dhcp_alloc *a)
{
	dhcp_pool_fini(&a->pool);
	dhcp_lease_table_fini(&a->leases);
	dhcp_host_table_fini(&a->hosts);
}

bool dhcp_alloc_same_client(const struct dhcp_lease *l,
			    const struct dhcp_client *c)
{
	return l->r.id_len == c->id_len && !memcmp(l->r.id, c->id, c->id_len);
}

enum dhcp_avail dhcp_alloc_check(const struct dhcp_alloc *a,
				 const struct dhcp_client *c,
				 const struct dhcp_host *host, uint32_t ip)
{
	const struct dhcp_host *owner;
	const struct dhcp_lease *l;
	uint32_t s;

	if (!dhcp_config_in_subnet(a->cfg, ip))
		return DHCP_AVAIL_WRONG_NET;
	if (dhcp_config_special(a->cfg, ip))
		return DHCP_AVAIL_OUTSIDE;
	owner = dhcp_host_by_ip(&a->hosts, ip);
	if (owner && owner != host)
		return DHCP_AVAIL_RESERVED;
	if (!owner && !dhcp_pool_contains(&a->pool, ip))
		return DHCP_AVAIL_OUTSIDE;
	s = dhcp_lease_by_ip(&a->leases, ip);
	if (s == DHCP_INDEX_NONE)
		return DHCP_AVAIL_OK;
	l = dhcp_alloc_slot(a, s);
	if (dhcp_lease_state_history(l->r.state) || dhcp_alloc_same_client(l, c))
		return DHCP_AVAIL_OK;
	return DHCP_AVAIL_TAKEN;
}

int dhcp_alloc_choose(const struct dhcp_alloc *a, const struct dhcp_client *c,
		      const struct dhcp_host *host, uint32_t req_ip,
		      uint32_t *ip, bool *pool)
{
	uint32_t s = dhcp_lease_by_id(&a->leases, c->id, c->id_len);

	*pool = false;
	if (host && host->ip && dhcp_alloc_check(a, c, host, host->ip) ==
					DHCP_AVAIL_OK) {
		*ip = host->ip;
		return 0;
	}
	if (s != DHCP_INDEX_NONE &&
	    dhcp_alloc_check(a, c, host, dhcp_alloc_slot(a, s)->r.ip) ==
		    DHCP_AVAIL_OK) {
		*ip = dhcp_alloc_slot(a, s)->r.ip;
		return 0;
	}
	if (req_ip && dhcp_alloc_check(a, c, host, req_ip) == DHCP_AVAIL_OK) {
		*ip = req_ip;
		return 0;
	}
	*pool = true;
	return dhcp_pool_pick(&a->pool, dhcp_hash_stable(c->id, c->id_len), ip);
}

uint32_t dhcp_alloc_lease_time(const struct dhcp_alloc *a,
			       const struct dhcp_host *host, uint32_t ip)
{
	const struct dhcp_pool_range *r;

	if (host && host->lease_s && (!host->ip || host->ip == ip))
		return host->lease_s;
	r = dhcp_pool_range(&a->pool, ip);
	return r ? r->lease_s : a->cfg->lease_s;
}

/* ---- change records ---- */

static void dhcp_alloc_note(struct dhcp_changes *ch,
			    const struct dhcp_lease_rec *r)
{
	if (ch && ch->n < DHCP_CHANGES_MAX)
		ch->rec[ch->n++] = *r;
}

static void dhcp_alloc_note_free(struct dhcp_changes *ch, uint32_t ip)
{
	struct dhcp_lease_rec r;

	memset(&r, 0, sizeof(r));
	r.ip = ip;
	r.state = DHCP_LEASE_FREE;
	dhcp_alloc_note(ch, &r);
}

/* Is the record on disk (as opposed to a bare offer)? */
static bool dhcp_alloc_persisted(const struct dhcp_lease *l)
{
	if (l->r.state == DHCP_LEASE_OFFERED)
		return dhcp_lease_state_history(l->prev_state);
	return true;
}

/* Drop the record in slot s, noting it when it was on disk and note. */
static void dhcp_alloc_drop(struct dhcp_alloc *a, uint32_t s,
			    struct dhcp_changes *ch, bool note)
{
	uint32_t ip = dhcp_alloc_slot(a, s)->r.ip;

	if (note && dhcp_alloc_persisted(dhcp_alloc_slot(a, s)))
		dhcp_alloc_note_free(ch, ip);
	dhcp_lease_remove(&a->leases, s);
	dhcp_alloc_sync(a, ip);
}

/* The client's record, moved to ip (or a new one there, as "free" until
 * the caller sets its state). Another client's history at ip is dropped
 * (noted if note_evict). */
static int dhcp_alloc_place(struct dhcp_alloc *a, const struct dhcp_client *c,
			    uint32_t ip, struct dhcp_changes *ch,
			    bool note_evict, uint32_t *slot)
{
	uint32_t s = dhcp_lease_by_id(&a->leases, c->id, c->id_len);
	uint32_t o = dhcp_lease_by_ip(&a->leases, ip), old;
	struct dhcp_lease_rec r;

	if (s != DHCP_INDEX_NONE && s == o) {
		*slot = s;
		return 0;
	}
	if (o != DHCP_INDEX_NONE)
		dhcp_alloc_drop(a, o, ch, note_evict);
	if (s != DHCP_INDEX_NONE) {
		old = dhcp_alloc_slot(a, s)->r.ip;
		if (dhcp_alloc_persisted(dhcp_alloc_slot(a, s)))
			dhcp_alloc_note_free(ch, old);
		if (dhcp_lease_set_ip(&a->leases, s, ip) < 0)
			return -ENOMEM;
		/* what it was at the old address says nothing about ip */
		dhcp_lease_set_state(&a->leases, s, DHCP_LEASE_FREE, 0);
		dhcp_lease_set_deadline(&a->leases, s, 0);
		dhcp_alloc_slot(a, s)->prev_state = DHCP_LEASE_FREE;
		dhcp_alloc_sync(a, old);
		*slot = s;
		return 0;
	}
	memset(&r, 0, sizeof(r));
	r.ip = ip;
	r.id_len = c->id_len;
	memcpy(r.id, c->id, c->id_len);
	return dhcp_lease_insert(&a->leases, &r, slot);
}

static void dhcp_alloc_set_client(struct dhcp_lease *l,
				  const struct dhcp_client *c)
{
	l->r.has_cid = c->has_cid;
	l->r.htype = c->htype;
	l->r.hlen = c->hlen;
	memcpy(l->r.chaddr, c->chaddr, DHCP_CHADDR_LEN);
}

int dhcp_alloc_offer(struct dhcp_alloc *a, const struct dhcp_client *c,
		     uint32_t ip, uint64_t now, uint32_t port,
		     struct dhcp_changes *ch)
{
	struct dhcp_lease *l;
	uint32_t s;
	int rc = dhcp_alloc_place(a, c, ip, ch, true, &s);

	if (rc < 0)
		return rc;
	l = dhcp_alloc_slot(a, s);
	if (l->r.state == DHCP_LEASE_BOUND)
		return 0; /* its lease stands; the offer repeats it */
	if (dhcp_lease_state_history(l->r.state))
		l->prev_state = l->r.state;
	dhcp_alloc_set_client(l, c);
	rc = dhcp_lease_set_state(&a->leases, s, DHCP_LEASE_OFFERED, port);
	if (rc < 0)
		return rc;
	dhcp_lease_set_deadline(&a->leases, s, now + a->cfg->offer_hold_s);
	dhcp_alloc_sync(a, ip);
	return 0;
}

int dhcp_alloc_bind(struct dhcp_alloc *a, const struct dhcp_client *c,
		    uint32_t ip, uint32_t lease_s, uint64_t now, uint32_t port,
		    const char *hostname, struct dhcp_changes *ch)
{
	struct dhcp_lease *l;
	uint32_t s;
	int rc = dhcp_alloc_place(a, c, ip, ch, false, &s);

	if (rc < 0)
		return rc;
	rc = dhcp_lease_set_state(&a->leases, s, DHCP_LEASE_BOUND, port);
	if (rc < 0)
		return rc;
	l = dhcp_alloc_slot(a, s);
	l->prev_state = DHCP_LEASE_FREE;
	dhcp_alloc_set_client(l, c);
	if (hostname && hostname[0] && hostname != l->r.hostname) {
		strncpy(l->r.hostname, hostname, sizeof(l->r.hostname) - 1);
		l->r.hostname[sizeof(l->r.hostname) - 1] = '\0';
	}
	l->r.expiry = lease_s == DHCP_LEASE_INFINITE ? 0 : now + lease_s;
	dhcp_lease_set_deadline(&a->leases, s, l->r.expiry);
	dhcp_alloc_sync(a, ip);
	dhcp_alloc_note(ch, &l->r);
	return 0;
}

/* An offer ends: back to the history it replaced, or gone. */
static void dhcp_alloc_revert(struct dhcp_alloc *a, uint32_t s)
{
	struct dhcp_lease *l = dhcp_alloc_slot(a, s);

	if (!dhcp_lease_state_history(l->prev_state)) {
		dhcp_alloc_drop(a, s, NULL, false);
		return;
	}
	/* leaving "offered" never allocates */
	dhcp_lease_set_state(&a->leases, s, l->prev_state, l->r.port);
	dhcp_lease_set_deadline(&a->leases, s, 0);
	dhcp_alloc_sync(a, l->r.ip);
}

void dhcp_alloc_unoffer(struct dhcp_alloc *a, const struct dhcp_client *c)
{
	uint32_t s = dhcp_lease_by_id(&a->leases, c->id, c->id_len);

	if (s != DHCP_INDEX_NONE &&
	    dhcp_alloc_slot(a, s)->r.state == DHCP_LEASE_OFFERED)
		dhcp_alloc_revert(a, s);
}

int dhcp_alloc_release(struct dhcp_alloc *a, uint32_t slot,
		       struct dhcp_changes *ch)
{
	struct dhcp_lease *l = dhcp_alloc_slot(a, slot);

	dhcp_lease_set_state(&a->leases, slot, DHCP_LEASE_RELEASED, l->r.port);
	dhcp_lease_set_deadline(&a->leases, slot, 0);
	dhcp_alloc_sync(a, l->r.ip);
	dhcp_alloc_note(ch, &l->r);
	return 0;
}

void dhcp_alloc_forget(struct dhcp_alloc *a, uint32_t slot,
		       struct dhcp_changes *ch)
{
	dhcp_alloc_drop(a, slot, ch, true);
}

int dhcp_alloc_quarantine(struct dhcp_alloc *a, uint32_t ip, unsigned state,
			  uint64_t now, bool allow_owner,
			  struct dhcp_changes *ch)
{
	uint32_t s = dhcp_lease_by_ip(&a->leases, ip), q = a->cfg->quarantine_s;
	struct dhcp_lease_rec r;
	struct dhcp_lease *l;
	int rc;

	if (!dhcp_config_in_subnet(a->cfg, ip) || dhcp_config_special(a->cfg, ip))
		return -EINVAL;
	if (s != DHCP_INDEX_NONE && !allow_owner &&
	    dhcp_lease_state_active(dhcp_alloc_slot(a, s)->r.state))
		return -EBUSY;
	if (s == DHCP_INDEX_NONE) {
		memset(&r, 0, sizeof(r));
		r.ip = ip;
		rc = dhcp_lease_insert(&a->leases, &r, &s);
	} else {
		rc = dhcp_lease_set_id(&a->leases, s, NULL, 0);
	}
	if (rc < 0)
		return rc;
	rc = dhcp_lease_set_state(&a->leases, s, state, 0);
	l = dhcp_alloc_slot(a, s);
	l->r.has_cid = false;
	l->r.hostname[0] = '\0';
	l->r.expiry = now + (q ? q : 1);
	dhcp_lease_set_deadline(&a->leases, s, l->r.expiry);
	dhcp_alloc_sync(a, ip);
	dhcp_alloc_note(ch, &l->r);
	return rc;
}

int dhcp_alloc_expire(struct dhcp_alloc *a, uint64_t now)
{
	struct dhcp_lease *l;
	uint32_t s;
	int n = 0;

	while ((s = dhcp_lease_due(&a->leases, now)) != DHCP_INDEX_NONE) {
		l = dhcp_alloc_slot(a, s);
		n++;
		if (l->r.state == DHCP_LEASE_OFFERED) {
			dhcp_alloc_revert(a, s);
		} else if (l->r.state == DHCP_LEASE_BOUND) {
			dhcp_lease_set_state(&a->leases, s, DHCP_LEASE_EXPIRED,
					     l->r.port);
			dhcp_lease_set_deadline(&a->leases, s, 0);
			dhcp_alloc_sync(a, l->r.ip);
		} else {
			dhcp_alloc_drop(a, s, NULL, false); /* quarantine */
		}
	}
	return n;
}

static bool dhcp_alloc_rec_ok(const struct dhcp_alloc *a,
			      const struct dhcp_lease_rec *r)
{
	bool owned = r->state == DHCP_LEASE_BOUND ||
		     dhcp_lease_state_history(r->state);

	if (r->state >= DHCP_LEASE_STATE_COUNT ||
	    r->state == DHCP_LEASE_OFFERED || r->hlen > DHCP_CHADDR_LEN)
		return false;
	if (!dhcp_config_in_subnet(a->cfg, r->ip) ||
	    dhcp_config_special(a->cfg, r->ip))
		return false;
	return !owned || r->id_len > 0;
}

int dhcp_alloc_restore(struct dhcp_alloc *a, const struct dhcp_lease_rec *rec,
		       uint64_t now)
{
	struct dhcp_lease_rec r = *rec;
	uint32_t s;
	int rc;

	if (!dhcp_alloc_rec_ok(a, &r))
		return -EINVAL;
	r.hostname[DHCP_HOSTNAME_MAX - 1] = '\0';
	s = dhcp_lease_by_ip(&a->leases, r.ip);
	if (s != DHCP_INDEX_NONE)
		dhcp_alloc_drop(a, s, NULL, false);
	if (r.state == DHCP_LEASE_DECLINED || r.state == DHCP_LEASE_CONFLICT)
		r.id_len = 0, r.has_cid = false;
	s = dhcp_lease_by_id(&a->leases, r.id, r.id_len);
	if (s != DHCP_INDEX_NONE)
		dhcp_alloc_drop(a, s, NULL, false);
	if (r.state == DHCP_LEASE_BOUND && r.expiry && r.expiry <= now)
		r.state = DHCP_LEASE_EXPIRED;
	if (r.state == DHCP_LEASE_FREE ||
	    (!r.id_len && r.expiry <= now)) /* quarantine over */
		return 0;
	rc = dhcp_lease_insert(&a->leases, &r, &s);
	if (rc < 0)
		return rc;
	if (r.state == DHCP_LEASE_BOUND || !r.id_len)
		dhcp_lease_set_deadline(&a->leases, s, r.expiry);
	dhcp_alloc_sync(a, r.ip);
	return 0;
}

int dhcp_alloc_host_add(struct dhcp_alloc *a, const struct dhcp_host *h)
{
	int rc;

	if (h->ip && (!dhcp_config_in_subnet(a->cfg, h->ip) ||
		      dhcp_config_special(a->cfg, h->ip)))
		return -EINVAL;
	rc = dhcp_host_add(&a->hosts, h);
	if (rc == 0 && h->ip)
		dhcp_alloc_sync(a, h->ip);
	return rc;
}

int dhcp_alloc_host_del(struct dhcp_alloc *a, const struct dhcp_host *h)
{
	struct dhcp_host old;
	int rc = dhcp_host_del(&a->hosts, h, &old);

	if (rc == 0 && old.ip)
		dhcp_alloc_sync(a, old.ip);
	return rc;
}

/* ---- self-check ---- */

static bool dhcp_alloc_verify_slot(const struct dhcp_alloc *a, uint32_t s,
				   uint32_t *active)
{
	const struct dhcp_lease_table *t = &a->leases;
	const struct dhcp_lease *l = &t->slot[s];

	if (l->r.state == DHCP_LEASE_FREE || l->r.state >= DHCP_LEASE_STATE_COUNT)
		return false;
	if (dhcp_lease_by_ip(t, l->r.ip) != s ||
	    (l->r.id_len && dhcp_lease_by_id(t, l->r.id, l->r.id_len) != s))
		return false;
	if ((l->deadline != 0) != (l->heap_pos != DHCP_INDEX_NONE))
		return false;
	if (l->heap_pos != DHCP_INDEX_NONE &&
	    (l->heap_pos >= t->heap_n || t->heap[l->heap_pos].slot != s))
		return false;
	/* history keeps its owner; quarantine has none; both never wait */
	if (dhcp_lease_state_history(l->r.state) && (!l->r.id_len || l->deadline))
		return false;
	if ((l->r.state == DHCP_LEASE_DECLINED ||
	     l->r.state == DHCP_LEASE_CONFLICT) && (l->r.id_len || !l->deadline))
		return false;
	if (dhcp_lease_state_active(l->r.state))
		(*active)++;
	return true;
}

static bool dhcp_alloc_verify_pool(const struct dhcp_alloc *a)
{
	const struct dhcp_pool *p = &a->pool;
	const struct dhcp_lease *l;
	uint32_t ip, s;
	bool used, hist;
	int i;

	for (i = 0; i < p->n; i++) {
		for (ip = p->r[i].start;; ip++) {
			s = dhcp_lease_by_ip(&a->leases, ip);
			l = s == DHCP_INDEX_NONE ? NULL : &a->leases.slot[s];
			hist = l && dhcp_lease_state_history(l->r.state);
			used = dhcp_config_special(a->cfg, ip) ||
			       dhcp_host_by_ip(&a->hosts, ip) || (l && !hist);
			if (dhcp_pool_is_used(p, ip) != used ||
			    dhcp_pool_is_taken(p, ip) != (used || hist))
				return false;
			if (ip == p->r[i].end)
				break;
		}
	}
	return true;
}

int dhcp_alloc_verify(const struct dhcp_alloc *a)
{
	const struct dhcp_lease_table *t = &a->leases;
	uint32_t s, cursor = 0, live = 0, active = 0, counted = 0, i;

	while ((s = dhcp_lease_next(t, &cursor)) != DHCP_INDEX_NONE) {
		live++;
		if (!dhcp_alloc_verify_slot(a, s, &active))
			return -EUCLEAN;
	}
	for (i = 0; i < t->heap_n; i++)
		if (t->slot[t->heap[i].slot].deadline != t->heap[i].deadline ||
		    (i && t->heap[i].deadline < t->heap[(i - 1) / 2].deadline))
			return -EUCLEAN;
	for (i = 0; i < t->nports; i++)
		counted += t->ports[i].count;
	if (live != t->count || active != counted || t->by_ip.used != live)
		return -EUCLEAN;
	return dhcp_alloc_verify_pool(a) ? 0 : -EUCLEAN;
}
