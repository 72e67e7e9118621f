// SPDX-License-Identifier: GPL-2.0-only
/* The DHCP service of one network (see dhcpd.h): the engine's config from
 * the network's definition, serving punted messages, durability before
 * replies, and the once-a-second chores. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <arpa/inet.h>

#include "switch/dhcpd_int.h"
#include "switch/guestd.h"
#include "switch/log.h"
#include "switch/network_int.h"
#include "switch/trace.h"

/* ---- configuration ---------------------------------------------------- */

/* Option 6: the gateway, where kvnet answers DNS (switch/dnsd.h); none
 * with <dns enable='no'/>. */
static void dhcpd_dns(const struct net_def *def, struct dhcp_config *c)
{
	if (!netw_serves_dns(def))
		return;
	c->dns[c->ndns++] = ntohl(def->ip.s_addr);
}

static int dhcpd_config(const struct net_def *def, struct dhcp_config *c, char *err,
			size_t errlen)
{
	dhcp_config_init(c);
	c->server_ip = ntohl(def->ip.s_addr);
	c->prefix = (uint8_t)def->prefix;
	c->subnet = c->server_ip & kv_prefix_mask(def->prefix);
	for (int i = 0; i < def->nranges && i < DHCP_MAX_RANGES; i++)
		c->ranges[c->nranges++] = (struct dhcp_range){
			ntohl(def->ranges[i].start.s_addr), ntohl(def->ranges[i].end.s_addr),
			def->ranges[i].lease_s };
	/* libvirt: an isolated network hands out no router */
	c->router = def->mode != NET_MODE_ISOLATED;
	dhcpd_dns(def, c);
	snprintf(c->domain, sizeof(c->domain), "%s", def->domain);
	if (def->domain[0]) /* option 119 too, for clients that ask for it */
		snprintf(c->search[c->nsearch++], sizeof(c->search[0]), "%s", def->domain);
	c->mtu = (uint16_t)def->mtu;
	if (strlen(def->boot_file) >= sizeof(c->boot_file))
		return snprintf(err, errlen, "boot file name too long"), -EINVAL;
	memcpy(c->boot_file, def->boot_file, strlen(def->boot_file) + 1);
	c->boot_server = ntohl(def->boot_server.s_addr);
	c->ignore_client_id = def->dhcp_ignore_client_id;
	c->port_lease_cap = DHCPD_PORT_LEASE_CAP;
	if (getrandom(c->hash_key, sizeof(c->hash_key), 0) != sizeof(c->hash_key))
		return snprintf(err, errlen, "no randomness for the hash key"), -EIO;
	return dhcp_config_check(c, err, errlen);
}

void dhcpd_host_from_def(const struct net_dhcp_host *in, struct dhcp_host *out)
{
	memset(out, 0, sizeof(*out));
	memcpy(out->mac, in->mac, 6);
	out->has_mac = in->has_mac;
	out->id_len = in->id_len;
	memcpy(out->id, in->id, in->id_len);
	snprintf(out->name, sizeof(out->name), "%s", in->name);
	out->ip = ntohl(in->ip.s_addr);
	out->lease_s = in->lease_s;
}

static void dhcpd_drain(struct dhcpd *s);

/* ---- opening ---------------------------------------------------------- */

static int dhcpd_restore_cb(void *ctx, const struct dhcp_lease_rec *r)
{
	struct dhcpd *s = ctx;
	int ret = dhcp_server_restore(s->srv, r, (uint64_t)time(NULL));

	return ret == -EINVAL ? 0 : ret; /* a lease that no longer fits: skipped */
}

static void dhcpd_bad_cb(void *ctx, unsigned line, const char *why)
{
	struct dhcpd *s = ctx;

	log_warn("network '%s': lease journal line %u skipped: %s", s->n->def.name, line, why);
}

static int dhcpd_dir(const char *base, const char *sub, char *out, size_t len)
{
	int n = snprintf(out, len, "%s/%s", base, sub);

	if (n < 0 || (size_t)n >= len)
		return -ENAMETOOLONG;
	return mkdir(out, 0700) < 0 && errno != EEXIST ? -errno : 0;
}

static int dhcpd_open_store(struct dhcpd *s, struct kv_error *e)
{
	struct dhcp_store_stats st = { 0 };
	char dir[PATH_MAX];
	int ret = dhcpd_dir(s->d->store.state_dir, "leases", dir, sizeof(dir));

	if (!ret)
		ret = dhcp_store_open(dir, s->n->def.name, &s->store);
	if (!ret)
		ret = dhcp_store_load(s->store, dhcpd_restore_cb, dhcpd_bad_cb, s, &st);
	if (ret < 0)
		return kv_fail(e, KV_ERR_SYSTEM, ret, "cannot open the lease journal in %s: %s",
			       dir, strerror(-ret));
	if (st.torn)
		log_warn("network '%s': the lease journal ended in a torn write (cut off)",
			 s->n->def.name);
	log_info("network '%s': DHCP serves %u leases from its journal", s->n->def.name,
		 dhcp_server_lease_count(s->srv));
	return 0;
}

static int dhcpd_open_server(struct dhcpd *s, struct kv_error *e)
{
	const struct net_def *def = &s->n->def;
	char err[DHCP_ERR_MAX] = "";
	struct dhcp_config *c = calloc(1, sizeof(*c));
	int ret = c ? dhcpd_config(def, c, err, sizeof(err)) : -ENOMEM;

	if (!ret)
		ret = dhcp_server_new(c, &s->srv, err, sizeof(err));
	free(c);
	for (int i = 0; !ret && i < def->nhosts; i++) {
		struct dhcp_host h;

		dhcpd_host_from_def(&def->hosts[i], &h);
		ret = dhcp_server_host_add(s->srv, &h);
		if (ret < 0)
			snprintf(err, sizeof(err), "reservation %d refused: %s", i, strerror(-ret));
	}
	if (ret < 0)
		return kv_fail(e, KV_ERR_INVALID, ret, "DHCP: %s", err[0] ? err : strerror(-ret));
	return 0;
}

int dhcpd_open(struct kvnetd *d, struct kv_network *n, struct dhcpd **out,
	       struct kv_error *e)
{
	struct dhcpd *s = calloc(1, sizeof(*s));
	int ret;

	if (!s)
		return kv_fail(e, KV_ERR_SYSTEM, -ENOMEM, "out of memory");
	s->d = d;
	s->n = n;
	s->arp.fd = -1;
	s->pend = calloc(DHCPD_PIPE, sizeof(*s->pend));
	if (!s->pend) {
		free(s);
		return kv_fail(e, KV_ERR_SYSTEM, -ENOMEM, "out of memory");
	}
	memcpy(s->gw_mac, n->def.mac, 6);
	s->gw_ip = ntohl(n->def.ip.s_addr);
	if (snprintf(s->status_path, sizeof(s->status_path), "%.*s/%s.status",
		     (int)(sizeof(s->status_path) - 32), d->status_dir, n->def.bridge) < 0)
		s->status_path[0] = '\0';
	ret = dhcpd_open_server(s, e);
	if (!ret)
		ret = dhcpd_open_store(s, e);
	if (ret < 0) {
		dhcpd_close(s);
		return ret;
	}
	if (dhcpd_probe_open(s) < 0)
		log_warn("network '%s': no ARP watch on the gateway: DHCP detects no "
			 "conflicts", n->def.name);
	s->status_dirty = true;
	*out = s;
	return 0;
}

void dhcpd_close(struct dhcpd *s)
{
	if (!s)
		return;
	if (s->srv && s->store)
		dhcpd_drain(s); /* nothing left in flight to the child */
	dhcpd_probe_close(s);
	if (s->store && dhcp_store_flush(s->store) < 0)
		log_err("network '%s': cannot flush the lease journal", s->n->def.name);
	dhcp_store_close(s->store);
	dhcp_server_free(s->srv);
	free(s->q);
	free(s->pend);
	free(s);
}

/* ---- serving ---------------------------------------------------------- */

void dhcpd_persist(struct dhcpd *s, const struct dhcp_changes *ch)
{
	if (ch->n && dhcp_store_append_changes(s->store, ch) < 0)
		log_err("network '%s': no memory for lease changes", s->n->def.name);
	s->status_dirty |= ch->n > 0;
}

static struct dhcpd_reply *dhcpd_queue_slot(struct dhcpd *s)
{
	if (s->nq == s->capq) {
		int cap = s->capq ? s->capq * 2 : 16;
		struct dhcpd_reply *q = realloc(s->q, (size_t)cap * sizeof(*q));

		if (!q)
			return NULL;
		s->q = q;
		s->capq = cap;
	}
	return &s->q[s->nq++];
}

static void dhcpd_log_result(struct dhcpd *s, const uint8_t *src_mac,
			     const struct dhcp_result *res)
{
	char mac[KV_MAC_STRLEN];

	if (!(res->flags & DHCP_RESULT_POOL_EXHAUSTED))
		return;
	kv_mac_format(src_mac, mac);
	log_warn("network '%s': DHCP pool exhausted: no address for %s (and others, "
		 "until one is free again)", s->n->def.name, mac);
}

static void dhcpd_send(struct dhcpd *s, int ifindex, const uint8_t *frame, size_t len)
{
	int ret = link_send_frame(&s->d->link, ifindex, frame, len);

	if (ret >= 0)
		trace_service_tx(s->n, ifindex, frame, len, KVNET_TRACE_SERVICE_DHCP);
	if (ret < 0 && ret != -ENETDOWN && ret != -ENXIO)
		log_debug("network '%s': DHCP reply not sent: %s", s->n->def.name,
			  strerror(-ret));
}

/* What the sandboxed parser says of a frame, checked against the frame
 * where kvnetd can (the source MAC). False: nothing to serve (a frame
 * whose headers the child could not read is counted). */
static bool dhcpd_digest_ok(struct dhcpd *s, const struct dhcpd_pending *pe,
			    const struct guestd_dhcp_digest *g)
{
	const struct kvnet_punt *p = &pe->req.punt;

	if (g->frame_ok > 1 || g->broadcast > 1 ||
	    (g->frame_ok && (p->len < 12 || memcmp(g->src_mac, p->data + 6, 6)))) {
		guestd_reject(s->d->guestd, "a DHCP digest", "frame fields not the frame's");
		return false;
	}
	if (!g->frame_ok)
		dhcp_server_count_unread(s->srv, DHCP_R_BAD_FRAME);
	return g->frame_ok;
}

static void dhcpd_answer(struct dhcpd *s, int ifindex, const struct guestd_dhcp_digest *g,
			 const uint8_t *reply, const struct dhcp_result *res)
{
	uint8_t frame[DHCPD_FRAME_MAX];
	struct dhcpd_reply *out;
	size_t len;

	/* Only an ACK binds: it waits for the batch's fdatasync. An OFFER or
	 * a NAK promises nothing a crash could break (an offer is never
	 * persisted; a client that REQUESTs an offer a restarted server
	 * lost is NAKed and starts over), so it leaves at once: its latency
	 * owes nothing to the disk, and a batch's replies do not all leave
	 * in one burst after the flush. */
	if (res->sent != DHCP_ACK) {
		len = dhcpd_frame_build(s, &res->dst, g->src_mac, reply, res->len, frame);
		dhcpd_send(s, ifindex, frame, len);
		return;
	}
	if (!(out = dhcpd_queue_slot(s)))
		return;
	out->ifindex = ifindex;
	out->len = (uint16_t)dhcpd_frame_build(s, &res->dst, g->src_mac, reply, res->len,
					       out->frame);
}

/* The engine on a message the child read (dhcp/dhcp_digest.h). */
static void dhcpd_serve(struct dhcpd *s, const struct dhcpd_pending *pe,
			const struct guestd_dhcp_digest *g)
{
	struct dhcp_meta meta = { .port = pe->req.punt.ifindex, .trusted = pe->trusted };
	uint8_t reply[DHCPD_REPLY_MAX];
	struct dhcp_result res;
	const char *why;
	int ret;

	memcpy(meta.src_mac, g->src_mac, 6);
	meta.broadcast = g->broadcast;
	meta.now = (uint64_t)time(NULL);
	ret = dhcp_server_handle_digest(s->srv, &g->d, &meta, reply, sizeof(reply), &res, &why);
	if (ret == -EINVAL)
		guestd_reject(s->d->guestd, "a DHCP digest", why);
	if (ret < 0)
		return;
	dhcpd_persist(s, &res.changes);
	if (res.changes.n)
		netw_dns_stale(s->n); /* a hostname may come or go */
	s->bind_dirty |= netw_bind_lease_touched(s->n, &res.changes);
	dhcpd_log_result(s, meta.src_mac, &res);
	if (res.len)
		dhcpd_answer(s, (int)pe->req.punt.ifindex, g, reply, &res);
}

/* The replies to the frames sent to the child, in the order sent. */
static void dhcpd_drain(struct dhcpd *s)
{
	struct guestd_dhcp_digest g;

	for (int i = 0; i < s->npend; i++) {
		const struct dhcpd_pending *pe = &s->pend[i];

		if (guestd_recv(s->d->guestd, &pe->req.h, GUESTD_DHCP_DIGEST, &g.h, sizeof(g)) == 0 &&
		    dhcpd_digest_ok(s, pe, &g))
			dhcpd_serve(s, pe, &g);
	}
	s->npend = 0;
}

/* The frame goes to the sandboxed parser (switch/guestd.h) at once; its
 * reply is read with the batch's others (dhcpd_flush), or when
 * DHCPD_PIPE are in flight. */
void dhcpd_rx(struct dhcpd *s, const struct kvnet_punt *p, bool trusted)
{
	size_t have = p->len < KVNET_PUNT_BYTES ? p->len : KVNET_PUNT_BYTES;
	struct dhcpd_pending *pe;

	if (s->npend == DHCPD_PIPE)
		dhcpd_drain(s);
	pe = &s->pend[s->npend];
	pe->req.h = (struct guestd_hdr){ .type = GUESTD_DHCP_REQ, .len = sizeof(pe->req) };
	pe->req.punt.kind = p->kind;
	pe->req.punt.ifindex = p->ifindex;
	pe->req.punt.len = (uint32_t)have;
	memcpy(pe->req.punt.data, p->data, have);
	pe->trusted = trusted;
	if (guestd_send(s->d->guestd, &pe->req.h) == 0)
		s->npend++;
}

void dhcpd_flush(struct dhcpd *s)
{
	int ret;

	dhcpd_drain(s);
	ret = dhcp_store_pending(s->store) ? dhcp_store_flush(s->store) : 0;

	/* the guest may send from its address once the ACK arrives */
	if (s->bind_dirty) {
		s->bind_dirty = false;
		netw_bind_sync(s->n);
	}
	if (ret < 0) {
		/* no reply goes out for a lease that is not on disk */
		log_err("network '%s': cannot write the lease journal (%s); %d replies "
			"withheld", s->n->def.name, strerror(-ret), s->nq);
		s->nq = 0;
		return;
	}
	for (int i = 0; i < s->nq; i++)
		dhcpd_send(s, s->q[i].ifindex, s->q[i].frame, s->q[i].len);
	s->nq = 0;
}

/* ---- once a second ---------------------------------------------------- */

static void dhcpd_write_status(struct dhcpd *s, uint64_t now)
{
	uint64_t t0 = dp_now_ns(), gap;
	char *json = NULL;
	int ret = dhcp_store_status_json(s->store, now, &json);

	if (!ret)
		ret = store_write_atomic(s->status_path, json, strlen(json), 0644);
	free(json);
	if (ret < 0)
		log_warn("network '%s': cannot write %s: %s", s->n->def.name, s->status_path,
			 strerror(-ret));
	s->status_dirty = false;
	gap = (dp_now_ns() - t0) * DHCPD_STATUS_SHARE;
	s->status_next_ns = t0 + (gap < DHCPD_STATUS_GAP_MAX ? gap : DHCPD_STATUS_GAP_MAX);
}

void dhcpd_tick(struct dhcpd *s)
{
	uint64_t now = (uint64_t)time(NULL);

	if (dhcp_server_expire(s->srv, now) > 0) {
		s->status_dirty = true;
		netw_dns_stale(s->n);
	}
	if (netw_bind_leases_stale(s->n))
		netw_bind_sync(s->n);
	if (dhcp_store_need_compact(s->store) && dhcp_store_compact(s->store, now) < 0)
		log_warn("network '%s': cannot compact the lease journal", s->n->def.name);
	if (s->status_dirty && dp_now_ns() >= s->status_next_ns)
		dhcpd_write_status(s, now);
	dhcpd_probe_tick(s);
	dhcpd_flush(s); /* what the probes found */
}

/* ---- queries and reservations ----------------------------------------- */

int dhcpd_lease_next(const struct dhcpd *s, uint32_t *cursor, struct dhcp_lease_rec *out)
{
	return dhcp_server_lease_next(s->srv, cursor, out);
}

int dhcpd_lease_find(const struct dhcpd *s, uint32_t ip, struct dhcp_lease_rec *out)
{
	return dhcp_server_lease_find(s->srv, ip, out);
}

const struct dhcp_counters *dhcpd_counters(const struct dhcpd *s)
{
	return dhcp_server_counters(s->srv);
}

int dhcpd_host_add(struct dhcpd *s, const struct dhcp_host *h)
{
	return dhcp_server_host_add(s->srv, h);
}

int dhcpd_host_del(struct dhcpd *s, const struct dhcp_host *h)
{
	return dhcp_server_host_del(s->srv, h);
}
