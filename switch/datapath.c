// SPDX-License-Identifier: GPL-2.0-only
/* The datapath interface (see datapath.h): calls dispatched to the
 * implementation a network's datapath was opened with, and what every
 * datapath shares (drop reason names, the clock, aging). */
#include <errno.h>
#include <time.h>

#include "switch/datapath.h"

static const char *const dp_drop_names[KVNET_DROP_MAX] = {
	[KVNET_DROP_NONE] = "none",
	[KVNET_DROP_MALFORMED] = "malformed",
	[KVNET_DROP_SRC_MULTICAST] = "src-multicast",
	[KVNET_DROP_TOO_BIG] = "too-big",
	[KVNET_DROP_SAME_PORT] = "same-port",
	[KVNET_DROP_ISOLATED] = "isolated",
	[KVNET_DROP_FDB_FULL] = "fdb-full",
	[KVNET_DROP_NO_PORTS] = "no-ports",
	[KVNET_DROP_REDIRECT] = "redirect",
	[KVNET_DROP_NOT_ROUTED] = "not-routed",
	[KVNET_DROP_LINK_LOCAL] = "link-local",
	[KVNET_DROP_VLAN] = "vlan",
	[KVNET_DROP_ETHERTYPE] = "ethertype",
	[KVNET_DROP_FLOOD_LIMIT] = "flood-limit",
	[KVNET_DROP_LEARN_LIMIT] = "learn-limit",
	[KVNET_DROP_STP_BLOCKED] = "stp-blocked",
	[KVNET_DROP_STP_BPDU] = "stp-bpdu",
	[KVNET_DROP_DHCP] = "dhcp",
	[KVNET_DROP_DHCP_SERVER] = "dhcp-server",
	[KVNET_DROP_DHCP_RATE] = "dhcp-rate",
	[KVNET_DROP_SPOOF_MAC] = "spoof-mac",
	[KVNET_DROP_SPOOF_IP] = "spoof-ip",
	[KVNET_DROP_SPOOF_ARP] = "spoof-arp",
	[KVNET_DROP_NAT_FLOW_LIMIT] = "nat-flow-limit",
	[KVNET_DROP_NO_ROUTE] = "no-route",
	[KVNET_DROP_NAT_NO_PORT] = "nat-no-port",
	[KVNET_DROP_NAT_PROTO] = "nat-proto",
	[KVNET_DROP_NAT_UNSOLICITED] = "nat-unsolicited",
	[KVNET_DROP_FRAGMENT] = "fragment",
	[KVNET_DROP_REWRITE] = "rewrite",
};

const char *dp_drop_name(unsigned reason)
{
	if (reason < KVNET_DROP_MAX && dp_drop_names[reason])
		return dp_drop_names[reason];
	return "unknown";
}

bool dp_drop_is_event(unsigned reason)
{
	/* fdb-full, learn-limit: not learned, the frame went on; no-ports: a
	 * flood with nowhere to go (a port alone on its network); stp-bpdu:
	 * consumed by kvnetd's STP */
	return reason == KVNET_DROP_FDB_FULL || reason == KVNET_DROP_NO_PORTS ||
	       reason == KVNET_DROP_LEARN_LIMIT || reason == KVNET_DROP_STP_BPDU ||
	       reason == KVNET_DROP_DHCP;
}

uint64_t dp_now_ns(void)
{
	struct timespec ts;

	/* bpf_ktime_get_ns() is CLOCK_MONOTONIC */
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec;
}

/* As the datapath decides (lib/fdb.h): a signed age, so an entry another
 * CPU refreshed after we read the clock is fresh, not ancient. */
bool dp_fdb_entry_expired(const struct dp *dp, const struct kvnet_fdb_val *v,
			  uint64_t now)
{
	return !(v->flags & KVNET_FDB_STATIC) &&
	       (int64_t)(now - v->last_seen_ns) > (int64_t)dp->aging_ns;
}

int dp_open(const struct dp_ops *ops, struct dp **out, const struct dp_open_args *a,
	    struct kv_error *e)
{
	int ret = ops->open(out, a, e);

	if (ret == 0)
		(*out)->ops = ops;
	return ret;
}

void dp_close(struct dp *dp)
{
	if (dp)
		dp->ops->close(dp);
}

void dp_forget(struct dp *dp)
{
	if (dp)
		dp->ops->forget(dp);
}

int dp_configure(struct dp *dp, const struct dp_config *c, struct kv_error *e)
{
	return dp->ops->configure(dp, c, e);
}

int dp_port_attach(struct dp *dp, const struct dp_port *p, struct kv_error *e)
{
	return dp->ops->port_attach(dp, p, e);
}

int dp_port_update(struct dp *dp, const struct dp_port *p, struct kv_error *e)
{
	return dp->ops->port_update(dp, p, e);
}

int dp_port_detach(struct dp *dp, int ifindex, bool flush)
{
	return dp->ops->port_detach(dp, ifindex, flush);
}

int dp_fdb_pin(struct dp *dp, const uint8_t mac[6], int ifindex, struct kv_error *e)
{
	return dp->ops->fdb_pin(dp, mac, ifindex, e);
}

int dp_fdb_unpin(struct dp *dp, const uint8_t mac[6])
{
	return dp->ops->fdb_unpin(dp, mac);
}

int dp_fdb_dump(struct dp *dp, struct dp_fdb_entry **out, int *n)
{
	return dp->ops->fdb_dump(dp, out, n);
}

int dp_fdb_page(struct dp *dp, uint64_t *cursor, int max, struct dp_fdb_entry **out, int *n)
{
	return dp->ops->fdb_page(dp, cursor, max, out, n);
}

int dp_fdb_flush_port(struct dp *dp, int ifindex)
{
	return dp->ops->fdb_flush_port(dp, ifindex);
}

int dp_fdb_sweep(struct dp *dp, unsigned budget, struct dp_sweep *out)
{
	return dp->ops->fdb_sweep(dp, budget, out);
}

void dp_flows_count(struct dp *dp, int ifindex)
{
	if (dp->ops->flows_count)
		dp->ops->flows_count(dp, ifindex);
}

void dp_flows_publish(struct dp *dp)
{
	if (dp->ops->flows_publish)
		dp->ops->flows_publish(dp);
}

int dp_port_stats(struct dp *dp, int ifindex, struct kvnet_port_stats *out)
{
	return dp->ops->port_stats(dp, ifindex, out);
}

int dp_port_list(struct dp *dp, int *ifindexes, int max)
{
	return dp->ops->port_list(dp, ifindexes, max);
}

int dp_port_get(struct dp *dp, int ifindex, struct dp_port *out)
{
	return dp->ops->port_get(dp, ifindex, out);
}

int dp_bind_sync(struct dp *dp, const struct dp_binding *b, int nb, const struct dp_owner *o,
		 int no)
{
	return dp->ops->bind_sync(dp, b, nb, o, no);
}

int dp_bind_get(struct dp *dp, int ifindex, struct kvnet_port_addrs *out)
{
	return dp->ops->bind_get(dp, ifindex, out);
}

int dp_punt_fd(struct dp *dp)
{
	return dp->ops->punt_fd(dp);
}

int dp_punt_read(struct dp *dp, void (*fn)(void *arg, const struct kvnet_punt *p),
		 void *arg)
{
	return dp->ops->punt_read(dp, fn, arg);
}

int dp_trace_set(struct dp *dp, __u32 mask, const struct kvnet_trace_filter *f)
{
	return dp->ops->trace_set ? dp->ops->trace_set(dp, mask, f) : -EOPNOTSUPP;
}

int dp_trace_fd(struct dp *dp)
{
	return dp->ops->trace_fd ? dp->ops->trace_fd(dp) : -1;
}

int dp_trace_watch_kernel(struct dp *dp, bool on)
{
	return dp->ops->trace_watch_kernel ? dp->ops->trace_watch_kernel(dp, on) : -EOPNOTSUPP;
}

uint64_t dp_trace_followed_ns(struct dp *dp)
{
	return dp->ops->trace_followed_ns ? dp->ops->trace_followed_ns(dp) : 0;
}

int dp_trace_read(struct dp *dp, void (*fn)(void *arg, const struct kvnet_trace_event *ev),
		  void *arg, uint64_t *lost)
{
	*lost = 0;
	return dp->ops->trace_read ? dp->ops->trace_read(dp, fn, arg, lost) : -EOPNOTSUPP;
}

int dp_inject(struct dp *dp, int ifindex, const void *frame, size_t len,
	      void (*fn)(void *arg, const struct kvnet_trace_event *ev), void *arg, int *verdict,
	      struct kv_error *e)
{
	if (!dp->ops->inject)
		return kv_fail(e, KV_ERR_UNSUPPORTED, -EOPNOTSUPP,
			       "the %s datapath cannot do dry runs", dp->ops->name);
	return dp->ops->inject(dp, ifindex, frame, len, fn, arg, verdict, e);
}

int dp_uplink_attach(struct dp *dp, int ifindex, const uint8_t host_mac[6],
		     struct kv_error *e)
{
	return dp->ops->uplink_attach(dp, ifindex, host_mac, e);
}

void dp_ports_prune(struct dp *dp, bool (*keep)(int ifindex, void *arg), void *arg)
{
	int ifindexes[KVNET_MAX_PORTS];
	int n = dp_port_list(dp, ifindexes, KVNET_MAX_PORTS);

	for (int i = 0; i < n; i++)
		if (!keep(ifindexes[i], arg))
			dp_port_detach(dp, ifindexes[i], true);
}
