// SPDX-License-Identifier: GPL-2.0-only
/* Port forwards of nat networks: the definition's <kvnet:forward>s made
 * real, and changed live (`kvnet forward add|del`). A forward is served
 * while its network routes: its proxy (nat/fwd_proxy.h) holds the host
 * port in kvnetd's namespace and serves the host's own processes, and its
 * nat_fwd entry lets the eBPF programs translate what comes from outside
 * and from guests. The proxy is bound first, so a host port that another
 * program has is never taken from it: `forward add` then fails and
 * changes nothing; at `net start` (or adoption) the forward stays
 * inactive, noted in `net show`, and is tried again every few seconds.
 *
 * Live changes follow network_dhcp.c: the definition is changed, checked
 * and stored, and the running parts follow; a refused change leaves both
 * as they were. Removing a forward also forgets the flows it opened.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <arpa/inet.h>

#include "nat/fwd_proxy.h"
#include "switch/dp_nat.h"
#include "switch/log.h"
#include "switch/network_int.h"

#define NETW_FWD_RETRY_MS 5000

static int netw_fwd_px_find(const struct kv_network *n, uint8_t proto, uint16_t port)
{
	for (int i = 0; i < n->nfwd_px; i++) {
		const struct fwd_proxy_cfg *c = fwd_proxy_cfg(n->fwd_px[i]);

		if (c->proto == proto && c->host_port == port)
			return i;
	}
	return -1;
}

bool netw_fwd_active(const struct kv_network *n, uint8_t proto, uint16_t host_port)
{
	return netw_fwd_px_find(n, proto, host_port) >= 0;
}

static int netw_fwd_map(struct kvnetd *d, const struct kv_network *n, const struct net_fwd *f,
			struct kv_error *e)
{
	struct kvnet_nat_fwd v = {
		.net_id = netw_net_id(&n->def),
		.to_addr = f->to.s_addr,
		.to_port = htons(f->to_port),
		.gw_ifindex = (uint32_t)n->fwd_gw_ifindex,
		.gw_ip = n->def.ip.s_addr,
	};

	return dp_nat_fwd_set(d->nat, f->proto, f->host_port, &v, e);
}

/* Stop serving the forward of proxy i; with flush, forget its flows. */
static void netw_fwd_off(struct kvnetd *d, struct kv_network *n, int i, bool flush)
{
	struct fwd_proxy_cfg c = *fwd_proxy_cfg(n->fwd_px[i]);
	uint32_t id = netw_net_id(&n->def);

	fwd_proxy_close(n->fwd_px[i]);
	n->fwd_px[i] = n->fwd_px[--n->nfwd_px];
	dp_nat_fwd_del(d->nat, id, c.proto, c.host_port);
	if (flush)
		dp_nat_flush_fwd(d->nat, id, c.proto, c.host_port, c.to.s_addr, c.to_port);
}

static int netw_fwd_bind(struct kvnetd *d, struct kv_network *n, const struct net_fwd *f,
			 struct kv_error *e)
{
	struct fwd_proxy_cfg c = { .proto = f->proto, .host_port = f->host_port, .to = f->to,
				   .to_port = f->to_port };
	const char *p = net_fwd_proto_name(f->proto);
	struct fwd_proxy *px;
	int ret;

	if (n->nfwd_px >= NET_MAX_FORWARDS)
		return kv_fail(e, KV_ERR_CONFLICT, -ENOSPC, "too many port forwards");
	ret = fwd_proxy_open(&px, &d->loop, &c);
	if (ret == -EADDRINUSE)
		return kv_fail(e, KV_ERR_CONFLICT, ret, "host port %s/%u is already in use on "
			       "this host", p, f->host_port);
	if (ret < 0)
		return kv_fail(e, KV_ERR_SYSTEM, ret, "cannot bind host port %s/%u: %s", p,
			       f->host_port, strerror(-ret));
	ret = netw_fwd_map(d, n, f, e);
	if (ret < 0) {
		fwd_proxy_close(px);
		return ret;
	}
	n->fwd_px[n->nfwd_px++] = px;
	return 0;
}

/* Serve f: bind its host port, then install it (again, if served). */
static int netw_fwd_on(struct kvnetd *d, struct kv_network *n, const struct net_fwd *f,
		       struct kv_error *e)
{
	int i = netw_fwd_px_find(n, f->proto, f->host_port);

	if (i >= 0) {
		const struct fwd_proxy_cfg *c = fwd_proxy_cfg(n->fwd_px[i]);

		if (c->to.s_addr == f->to.s_addr && c->to_port == f->to_port)
			return netw_fwd_map(d, n, f, e); /* the gateway may be new */
		netw_fwd_off(d, n, i, true); /* redefined with another target */
	}
	return netw_fwd_bind(d, n, f, e);
}

static bool netw_fwd_served(void *arg, uint8_t proto, uint16_t port)
{
	return netw_fwd_active(arg, proto, port);
}

void netw_fwd_up(struct kvnetd *d, struct kv_network *n, int gw_ifindex)
{
	const struct net_def *def = &n->def;

	n->fwd_gw_ifindex = gw_ifindex;
	for (int i = n->nfwd_px - 1; i >= 0; i--) {
		const struct fwd_proxy_cfg *c = fwd_proxy_cfg(n->fwd_px[i]);

		if (net_fwd_find(def, c->proto, c->host_port) < 0)
			netw_fwd_off(d, n, i, true); /* no longer defined */
	}
	for (int i = 0; i < def->nforwards; i++) {
		const struct net_fwd *f = &def->forwards[i];
		struct kv_error e = { 0 };
		char to[INET_ADDRSTRLEN];

		if (netw_fwd_on(d, n, f, &e) == 0)
			continue;
		inet_ntop(AF_INET, &f->to, to, sizeof(to));
		netw_note(n, "port forward %s/%u -> %s:%u is inactive: %s",
			  net_fwd_proto_name(f->proto), f->host_port, to, f->to_port, e.msg);
	}
	/* what an earlier kvnetd installed and the definition no longer has */
	dp_nat_fwd_prune(d->nat, netw_net_id(def), netw_fwd_served, n);
	n->fwd_retry_ms = fwd_proxy_now_ms() + NETW_FWD_RETRY_MS;
}

void netw_fwd_release(struct kv_network *n)
{
	for (int i = 0; i < n->nfwd_px; i++)
		fwd_proxy_close(n->fwd_px[i]);
	n->nfwd_px = 0;
}

void netw_fwd_down(struct kvnetd *d, struct kv_network *n)
{
	netw_fwd_release(n);
	if (d->nat)
		dp_nat_fwd_prune(d->nat, netw_net_id(&n->def), NULL, NULL);
}

/* Forwards that could not be served (their host port was taken): again. */
static void netw_fwd_retry(struct kvnetd *d, struct kv_network *n)
{
	for (int i = 0; i < n->def.nforwards; i++) {
		const struct net_fwd *f = &n->def.forwards[i];
		struct kv_error e = { 0 };

		if (netw_fwd_active(n, f->proto, f->host_port) || netw_fwd_on(d, n, f, &e) < 0)
			continue;
		netw_note(n, "port forward %s/%u is active now", net_fwd_proto_name(f->proto),
			  f->host_port);
	}
}

void netw_fwd_tick(struct kvnetd *d, struct kv_network *n)
{
	uint64_t now = fwd_proxy_now_ms();

	if (!n->route_up || !d->nat)
		return;
	for (int i = 0; i < n->nfwd_px; i++)
		fwd_proxy_tick(n->fwd_px[i], now);
	if (n->nfwd_px < n->def.nforwards && now >= n->fwd_retry_ms) {
		netw_fwd_retry(d, n);
		n->fwd_retry_ms = now + NETW_FWD_RETRY_MS;
	}
}

/* ---- live changes -------------------------------------------------------- */

/* The network other than n that forwards proto/port, or NULL. */
static const struct kv_network *netw_fwd_owner(struct kvnetd *d, const char *name,
					       uint8_t proto, uint16_t port)
{
	for (int i = 0; i < d->nnets; i++)
		if (strcmp(d->nets[i]->def.name, name) &&
		    net_fwd_find(&d->nets[i]->def, proto, port) >= 0)
			return d->nets[i];
	return NULL;
}

int netw_fwd_check_unique(struct kvnetd *d, const struct net_def *def, struct kv_error *e)
{
	for (int i = 0; i < def->nforwards; i++) {
		const struct net_fwd *f = &def->forwards[i];
		const struct kv_network *o = netw_fwd_owner(d, def->name, f->proto, f->host_port);

		if (o)
			return kv_fail(e, KV_ERR_EXISTS, -EEXIST, "host port %s/%u is already "
				       "forwarded by network '%s'", net_fwd_proto_name(f->proto),
				       f->host_port, o->def.name);
	}
	return 0;
}

static int netw_fwd_commit(struct kvnetd *d, struct kv_network *n, const struct net_def *def,
			   struct kv_error *e)
{
	struct kv_error ignored = { 0 };
	int ret = n->transient ? 0 : store_save_net(&d->store, def);

	if (ret < 0)
		return kv_fail(e, KV_ERR_SYSTEM, ret, "cannot store network '%s': %s",
			       n->def.name, strerror(-ret));
	n->def = *def;
	if (n->active && netw_save_runtime(d, n, &ignored) < 0)
		log_err("%s", ignored.msg);
	return 0;
}

/* Is f acceptable as one more forward of n? def becomes n's definition
 * with it. */
static int netw_fwd_admit(struct kvnetd *d, struct kv_network *n, const struct net_fwd *f,
			  struct net_def *def, struct kv_error *e)
{
	const char *p = net_fwd_proto_name(f->proto);
	char err[NETXML_ERR_MAX];

	if (n->def.mode != NET_MODE_NAT || !n->def.has_ip)
		return kv_fail(e, KV_ERR_STATE, -EINVAL, "network '%s' is in %s mode: port "
			       "forwards need a nat network", n->def.name,
			       net_mode_name(n->def.mode));
	if (net_fwd_find(&n->def, f->proto, f->host_port) >= 0)
		return kv_fail(e, KV_ERR_EXISTS, -EEXIST, "network '%s' already forwards "
			       "host port %s/%u", n->def.name, p, f->host_port);
	if (n->def.nforwards >= NET_MAX_FORWARDS)
		return kv_fail(e, KV_ERR_CONFLICT, -ENOSPC, "network '%s' has the maximum of "
			       "%d port forwards", n->def.name, NET_MAX_FORWARDS);
	*def = n->def;
	def->forwards[def->nforwards++] = *f;
	if (netw_fwd_check_unique(d, def, e) < 0)
		return -EEXIST;
	if (netxml_validate(def, err, sizeof(err)) < 0)
		return kv_fail(e, KV_ERR_INVALID, -EINVAL, "%s", err);
	return 0;
}

int netw_fwd_add(struct kvnetd *d, struct kv_network *n, const struct net_fwd *f,
		 struct kv_error *e)
{
	struct net_def *def = malloc(sizeof(*def));
	bool on = n->active && n->route_up && d->nat;
	int ret = netw_check_live_edit(n, e);

	if (!ret)
		ret = def ? netw_fwd_admit(d, n, f, def, e)
			  : kv_fail(e, KV_ERR_SYSTEM, -ENOMEM, "out of memory");
	if (!ret && on)
		ret = netw_fwd_bind(d, n, f, e);
	if (!ret) {
		ret = netw_fwd_commit(d, n, def, e);
		if (ret < 0 && on)
			netw_fwd_off(d, n, netw_fwd_px_find(n, f->proto, f->host_port), true);
	}
	free(def);
	return ret;
}

int netw_fwd_del(struct kvnetd *d, struct kv_network *n, uint8_t proto, uint16_t host_port,
		 struct kv_error *e)
{
	int i = net_fwd_find(&n->def, proto, host_port), px;
	struct net_fwd f;
	struct net_def *def;
	int ret;

	if (i < 0)
		return kv_fail(e, KV_ERR_NOT_FOUND, -ENOENT, "network '%s' has no port forward "
			       "of host port %s/%u", n->def.name, net_fwd_proto_name(proto),
			       host_port);
	if (netw_check_live_edit(n, e) < 0)
		return -EBUSY;
	def = malloc(sizeof(*def));
	if (!def)
		return kv_fail(e, KV_ERR_SYSTEM, -ENOMEM, "out of memory");
	*def = n->def;
	f = def->forwards[i];
	memmove(&def->forwards[i], &def->forwards[i + 1],
		(size_t)(def->nforwards - i - 1) * sizeof(def->forwards[0]));
	def->nforwards--;
	ret = netw_fwd_commit(d, n, def, e);
	free(def);
	px = netw_fwd_px_find(n, proto, host_port);
	if (!ret && px >= 0)
		netw_fwd_off(d, n, px, true);
	else if (!ret && d->nat && n->route_up)
		dp_nat_flush_fwd(d->nat, netw_net_id(&n->def), f.proto, f.host_port, f.to.s_addr,
				 f.to_port);
	return ret;
}
