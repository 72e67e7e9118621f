// SPDX-License-Identifier: GPL-2.0-only
/* Unit tests of the L2 switch programs (ebpf/switch.bpf.c: kvnet_ingress,
 * and kvnet_egress on a bridged network's uplink). Each case is a
 * pktgen / setup / check triple: craft a frame, fill the maps as the daemon
 * would, run the real program on it with BPF_PROG_TEST_RUN, then check the
 * verdict, the FDB and the counters.
 *
 * The process moves itself into a private network namespace first and
 * makes its ports there (veth pairs pN <-> qN, via libnl); the root
 * namespace is never touched. test_run carries out bpf_clone_redirect (the
 * clones really leave through the veth, whose tx counter we read) but not
 * bpf_redirect/bpf_redirect_peer, whose target only shows in the verdict
 * and in the switch's own tx counters.
 */
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <arpa/inet.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include <linux/if.h>
#include <netlink/netlink.h>
#include <netlink/route/link.h>
#include <netlink/route/link/veth.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "kvnet_shared.h"
#include "kvnet_trace.h"
#include "switch.skel.h"

#define NPORTS 4
#define TC_ACT_OK 0
#define TC_ACT_SHOT 2
#define TC_ACT_REDIRECT 7
#define ATTACH_TCX_INGRESS 46 /* BPF_TCX_INGRESS; not in Debian 12's uapi */
#define GHOST_IFINDEX 4242    /* an ifindex no device has */
#define NSEC 1000000000ULL
#define FRAME_MAX 3000

static const uint8_t MAC_A[6] = { 0x02, 0, 0, 0, 0, 0x0a };
static const uint8_t MAC_B[6] = { 0x02, 0, 0, 0, 0, 0x0b };
static const uint8_t MAC_BCAST[6] = { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff };
static const uint8_t MAC_MCAST[6] = { 0x01, 0x00, 0x5e, 0x00, 0x00, 0x01 };

/* Test context: the loaded switch and the ports of the private netns. */
struct tctx {
	struct switch_bpf *skel;
	struct nl_sock *nl;
	int ncpus;
	uint32_t port[NPORTS]; /* ifindex of p1..p4, the switch ports */
	uint32_t peer;	       /* ifindex of q1: a device that is no port */
};

/* One run of the program: what pktgen made, setup chose, check reads. */
struct run {
	uint8_t pkt[FRAME_MAX];
	size_t len;
	uint32_t ifindex; /* ingress device (ctx.ifindex) */
	uint32_t gso_size, gso_segs;
	uint32_t mark, iif;  /* skb->mark, skb->ingress_ifindex going in */
	int egress;	     /* run kvnet_egress instead of kvnet_ingress */
	uint32_t mark_out;   /* skb->mark afterwards */
	int retval;
	uint64_t t0, t1;	      /* CLOCK_MONOTONIC around the run */
	uint64_t devtx0[NPORTS]; /* the veths' tx_packets before the run */
};

/* ---- environment ------------------------------------------------------ */

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC_COARSE, &ts); /* = bpf_ktime_get_coarse_ns() */
	return (uint64_t)ts.tv_sec * NSEC + (uint64_t)ts.tv_nsec;
}

static int write_file(const char *path, const char *val)
{
	int fd = open(path, O_WRONLY | O_CLOEXEC);
	ssize_t n;

	if (fd < 0)
		return -errno;
	n = write(fd, val, strlen(val));
	close(fd);
	return n < 0 ? -errno : 0;
}

static int link_up(struct nl_sock *nl, const char *name)
{
	struct rtnl_link *link = NULL, *change;
	int err;

	err = rtnl_link_get_kernel(nl, 0, name, &link);
	if (err < 0)
		return err;
	change = rtnl_link_alloc();
	rtnl_link_set_flags(change, IFF_UP);
	err = rtnl_link_change(nl, link, change, 0);
	rtnl_link_put(change);
	rtnl_link_put(link);
	return err;
}

static uint32_t link_ifindex(struct nl_sock *nl, const char *name)
{
	struct rtnl_link *link = NULL;
	uint32_t ifindex;

	if (rtnl_link_get_kernel(nl, 0, name, &link) < 0)
		return 0;
	ifindex = (uint32_t)rtnl_link_get_ifindex(link);
	rtnl_link_put(link);
	return ifindex;
}

static uint64_t link_tx_packets(struct nl_sock *nl, uint32_t ifindex)
{
	struct rtnl_link *link = NULL;
	uint64_t n;

	assert_int_equal(rtnl_link_get_kernel(nl, (int)ifindex, NULL, &link), 0);
	n = rtnl_link_get_stat(link, RTNL_LINK_TX_PACKETS);
	rtnl_link_put(link);
	return n;
}

/* Private netns with veth pairs p1..p4 <-> q1..q4, all up. IPv6 is off so
 * that nothing but the test sends through them. */
static int make_ports(struct tctx *t)
{
	char p[IFNAMSIZ], q[IFNAMSIZ];
	int i, err;

	if (unshare(CLONE_NEWNET) < 0)
		return -errno;
	write_file("/proc/sys/net/ipv6/conf/default/disable_ipv6", "1");
	write_file("/proc/sys/net/ipv6/conf/all/disable_ipv6", "1");
	t->nl = nl_socket_alloc();
	if (!t->nl || nl_connect(t->nl, NETLINK_ROUTE) < 0)
		return -EIO;
	for (i = 0; i < NPORTS; i++) {
		snprintf(p, sizeof(p), "p%d", i + 1);
		snprintf(q, sizeof(q), "q%d", i + 1);
		err = rtnl_link_veth_add(t->nl, p, q, getpid());
		if (err < 0 || link_up(t->nl, p) < 0 || link_up(t->nl, q) < 0)
			return -EIO;
		t->port[i] = link_ifindex(t->nl, p);
		if (!t->port[i])
			return -ENODEV;
	}
	t->peer = link_ifindex(t->nl, "q1");
	return t->peer ? 0 : -ENODEV;
}

static int group_setup(void **state)
{
	struct tctx *t = calloc(1, sizeof(*t));

	if (!t || make_ports(t) < 0) {
		fprintf(stderr, "cannot build the private netns and its veths\n");
		return -1;
	}
	t->ncpus = libbpf_num_possible_cpus();
	t->skel = switch_bpf__open();
	if (!t->skel || t->ncpus <= 0)
		return -1;
	/* What the daemon does: tcx ingress is the attach type. */
	bpf_program__set_expected_attach_type(
		t->skel->progs.kvnet_ingress,
		(enum bpf_attach_type)ATTACH_TCX_INGRESS);
	if (switch_bpf__load(t->skel) < 0) {
		fprintf(stderr, "switch program failed to load (verifier)\n");
		return -1;
	}
	*state = t;
	return 0;
}

static int group_teardown(void **state)
{
	struct tctx *t = *state;

	if (t) {
		switch_bpf__destroy(t->skel);
		nl_socket_free(t->nl);
		free(t);
	}
	return 0;
}

/* ---- maps ------------------------------------------------------------- */

static int map_fd(const struct bpf_map *map)
{
	return bpf_map__fd(map);
}

static void map_clear(const struct bpf_map *map, size_t key_size)
{
	uint8_t key[64];
	int fd = map_fd(map);

	assert_true(key_size <= sizeof(key));
	while (bpf_map_get_next_key(fd, NULL, key) == 0)
		assert_int_equal(bpf_map_delete_elem(fd, key), 0);
}

/* A port's entry, in ports and, as kvnetd keeps it, ports_direct. */
static void port_write(struct tctx *t, const struct kvnet_port *port, uint64_t flags)
{
	uint32_t key = port->ifindex;

	assert_int_equal(bpf_map_update_elem(map_fd(t->skel->maps.ports), &key, port, flags), 0);
	if (key < KVNET_PORTS_DIRECT)
		assert_int_equal(bpf_map_update_elem(map_fd(t->skel->maps.ports_direct), &key,
						     port, BPF_ANY),
				 0);
}

static void ports_clear(struct tctx *t)
{
	static const struct kvnet_port none;
	uint32_t key, next, *prev = NULL;

	while (bpf_map_get_next_key(map_fd(t->skel->maps.ports), prev, &next) == 0) {
		key = next;
		prev = &key;
		if (key < KVNET_PORTS_DIRECT)
			bpf_map_update_elem(map_fd(t->skel->maps.ports_direct), &key, &none,
					    BPF_ANY);
	}
	map_clear(t->skel->maps.ports, sizeof(uint32_t));
}

static void port_set(struct tctx *t, uint32_t ifindex, uint32_t flags,
		     uint32_t mtu, uint32_t slot)
{
	struct kvnet_port port = {
		.ifindex = ifindex, .flags = flags, .mtu = mtu, .stats_idx = slot,
	};
	struct kvnet_port_stats *zero = calloc((size_t)t->ncpus, sizeof(*zero));
	struct kvnet_port_state st = { 0 };
	uint32_t fkey = 1 + slot; /* copy 0 of the flood list */

	assert_non_null(zero);
	assert_int_equal(bpf_map_update_elem(map_fd(t->skel->maps.port_state),
					     &slot, &st, BPF_ANY), 0);
	port_write(t, &port, BPF_ANY);
	assert_int_equal(bpf_map_update_elem(map_fd(t->skel->maps.flood_list),
					     &fkey, &ifindex, BPF_ANY), 0);
	assert_int_equal(bpf_map_update_elem(map_fd(t->skel->maps.port_stats),
					     &slot, zero, BPF_ANY), 0);
	free(zero);
}

static void port_flags(struct tctx *t, uint32_t ifindex, uint32_t flags)
{
	int fd = map_fd(t->skel->maps.ports);
	struct kvnet_port port;

	assert_int_equal(bpf_map_lookup_elem(fd, &ifindex, &port), 0);
	port.flags = flags;
	port_write(t, &port, BPF_EXIST);
}

static void port_mtu(struct tctx *t, uint32_t ifindex, uint32_t mtu)
{
	int fd = map_fd(t->skel->maps.ports);
	struct kvnet_port port;

	assert_int_equal(bpf_map_lookup_elem(fd, &ifindex, &port), 0);
	port.mtu = mtu;
	port_write(t, &port, BPF_EXIST);
}

/* The settings, and nports live entries in copy 0 of the flood list. */
static void config_set(struct tctx *t, uint64_t aging_ns, uint32_t nports)
{
	struct kvnet_config cfg = { .aging_ns = aging_ns };
	uint32_t zero = 0, sel = KVNET_FLOOD_SEL;

	assert_int_equal(bpf_map_update_elem(map_fd(t->skel->maps.config),
					     &zero, &cfg, BPF_ANY), 0);
	assert_int_equal(bpf_map_update_elem(map_fd(t->skel->maps.flood_list),
					     &zero, &nports, BPF_ANY), 0);
	assert_int_equal(bpf_map_update_elem(map_fd(t->skel->maps.flood_list),
					     &sel, &zero, BPF_ANY), 0);
}

/* A learned entry, or with KVNET_FDB_STATIC a pinned one (fdb_static). */
static void fdb_put(struct tctx *t, const uint8_t *mac, uint16_t vlan,
		    uint32_t ifindex, uint32_t flags, uint64_t last_seen)
{
	struct kvnet_fdb_key key = { .vlan = vlan };
	struct kvnet_fdb_val val = {
		.ifindex = ifindex, .flags = flags, .last_seen_ns = last_seen,
	};
	const struct bpf_map *m = flags & KVNET_FDB_STATIC ? t->skel->maps.fdb_static :
							     t->skel->maps.fdb;

	memcpy(key.mac, mac, 6);
	assert_int_equal(bpf_map_update_elem(map_fd(m), &key, &val, BPF_ANY), 0);
}

/* The learned entry: returns 0 and fills val, or -ENOENT. */
static int fdb_learned(struct tctx *t, const uint8_t *mac, uint16_t vlan,
		       struct kvnet_fdb_val *val)
{
	struct kvnet_fdb_key key = { .vlan = vlan };

	memcpy(key.mac, mac, 6);
	if (bpf_map_lookup_elem(map_fd(t->skel->maps.fdb), &key, val) < 0)
		return -errno;
	return 0;
}

/* The learned entry, else the pinned one: 0 and val, or -ENOENT. */
static int fdb_get(struct tctx *t, const uint8_t *mac, uint16_t vlan,
		   struct kvnet_fdb_val *val)
{
	struct kvnet_fdb_key key = { .vlan = vlan };

	if (fdb_learned(t, mac, vlan, val) == 0)
		return 0;
	memcpy(key.mac, mac, 6);
	if (bpf_map_lookup_elem(map_fd(t->skel->maps.fdb_static), &key, val) < 0)
		return -errno;
	return 0;
}

static unsigned int map_count(const struct bpf_map *m)
{
	struct kvnet_fdb_key key, next;
	int fd = map_fd(m);
	unsigned int n = 0;
	void *prev = NULL;

	while (bpf_map_get_next_key(fd, prev, &next) == 0) {
		key = next;
		prev = &key;
		n++;
	}
	return n;
}

/* Entries in both FDB maps. */
static unsigned int fdb_count(struct tctx *t)
{
	return map_count(t->skel->maps.fdb) + map_count(t->skel->maps.fdb_static);
}

/* The port's guard state (learned count, flood clock). */
static struct kvnet_port_state pstate(struct tctx *t, uint32_t slot)
{
	struct kvnet_port_state st;

	assert_int_equal(bpf_map_lookup_elem(map_fd(t->skel->maps.port_state), &slot,
					     &st), 0);
	return st;
}

static void pstate_set_learned(struct tctx *t, uint32_t slot, uint32_t learned)
{
	struct kvnet_port_state st = pstate(t, slot);

	st.learned = learned;
	assert_int_equal(bpf_map_update_elem(map_fd(t->skel->maps.port_state), &slot,
					     &st, BPF_ANY), 0);
}

/* The port's counters summed over CPUs; all zero if it has no entry. */
/* The counters of the port behind ifindex (zero if it is not a port). */
static struct kvnet_port_stats stats(struct tctx *t, uint32_t ifindex)
{
	struct kvnet_port_stats sum = { 0 }, *pcpu;
	struct kvnet_port port;
	int cpu, reason;

	if (bpf_map_lookup_elem(map_fd(t->skel->maps.ports), &ifindex, &port))
		return sum;
	pcpu = calloc((size_t)t->ncpus, sizeof(*pcpu));
	assert_non_null(pcpu);
	if (bpf_map_lookup_elem(map_fd(t->skel->maps.port_stats),
				&port.stats_idx, pcpu) == 0) {
		for (cpu = 0; cpu < t->ncpus; cpu++) {
			sum.rx_packets += pcpu[cpu].rx_packets;
			sum.rx_bytes += pcpu[cpu].rx_bytes;
			sum.tx_packets += pcpu[cpu].tx_packets;
			sum.tx_bytes += pcpu[cpu].tx_bytes;
			sum.flood_packets += pcpu[cpu].flood_packets;
			for (reason = 0; reason < KVNET_DROP_MAX; reason++)
				sum.drops[reason] += pcpu[cpu].drops[reason];
		}
	}
	free(pcpu);
	return sum;
}

/* Zero every port's counters (an array has no entries to delete). */
static void stats_clear(struct tctx *t)
{
	struct kvnet_port_stats *zero = calloc((size_t)t->ncpus, sizeof(*zero));

	assert_non_null(zero);
	for (uint32_t i = 0; i < KVNET_MAX_PORTS; i++)
		assert_int_equal(bpf_map_update_elem(map_fd(t->skel->maps.port_stats),
						     &i, zero, BPF_ANY), 0);
	free(zero);
}

/* Sum of every counter of every stats slot: nothing counted at all? */
static uint64_t stats_all(struct tctx *t)
{
	struct kvnet_port_stats *pcpu = calloc((size_t)t->ncpus, sizeof(*pcpu));
	uint64_t sum = 0;

	assert_non_null(pcpu);
	for (uint32_t i = 0; i < KVNET_MAX_PORTS; i++) {
		assert_int_equal(bpf_map_lookup_elem(map_fd(t->skel->maps.port_stats),
						     &i, pcpu), 0);
		for (int c = 0; c < t->ncpus; c++)
			sum += pcpu[c].rx_packets + pcpu[c].tx_packets;
	}
	free(pcpu);
	return sum;
}

/* Every drop counter of ifindex is zero except reason, which is n. */
static void assert_drops(struct tctx *t, uint32_t ifindex, int reason,
			 uint64_t n)
{
	struct kvnet_port_stats st = stats(t, ifindex);
	int r;

	for (r = 0; r < KVNET_DROP_MAX; r++)
		if (r == reason)
			assert_int_equal(st.drops[r], n);
		else
			assert_int_equal(st.drops[r], 0);
}

static void assert_tx(struct tctx *t, uint32_t ifindex, uint64_t packets,
		      uint64_t bytes)
{
	struct kvnet_port_stats st = stats(t, ifindex);

	assert_int_equal(st.tx_packets, packets);
	assert_int_equal(st.tx_bytes, bytes);
}

/* Frames the veth really sent since the run started (clones only). */
static uint64_t dev_sent(struct tctx *t, const struct run *r, int i)
{
	return link_tx_packets(t->nl, t->port[i]) - r->devtx0[i];
}

/* The standard network: ports p1..p4 (MTU 1500) in flood_list order, an
 * empty FDB, zeroed counters, aging 300 s. */
static int topo_setup(void **state)
{
	struct tctx *t = *state;
	uint32_t i, zero = 0;

	map_clear(t->skel->maps.fdb, sizeof(struct kvnet_fdb_key));
	map_clear(t->skel->maps.fdb_static, sizeof(struct kvnet_fdb_key));
	ports_clear(t);
	stats_clear(t);
	for (i = 0; i < KVNET_FLOOD_ENTRIES; i++)
		assert_int_equal(bpf_map_update_elem(
			map_fd(t->skel->maps.flood_list), &i, &zero, BPF_ANY), 0);
	for (i = 0; i < NPORTS; i++)
		port_set(t, t->port[i], 0, 1500, i);
	config_set(t, KVNET_AGING_DEFAULT_S * NSEC, NPORTS);
	return 0;
}

/* ---- running ---------------------------------------------------------- */

/* An Ethernet frame of len bytes (vlan < 0: untagged) with a fixed
 * payload; ethertype 0x88b5 (local experimental) keeps the receiving
 * stacks of cloned frames out of it. */
static size_t frame(uint8_t *buf, const uint8_t *dst, const uint8_t *src,
		    int vlan, size_t len)
{
	size_t off = 12, i;

	memcpy(buf, dst, 6);
	memcpy(buf + 6, src, 6);
	if (vlan >= 0) {
		buf[off++] = 0x81;
		buf[off++] = 0x00;
		buf[off++] = (uint8_t)((vlan >> 8) & 0x0f);
		buf[off++] = (uint8_t)(vlan & 0xff);
	}
	buf[off++] = 0x88;
	buf[off++] = 0xb5;
	for (i = off; i < len; i++)
		buf[i] = (uint8_t)i;
	return len;
}

static void run_prog(struct tctx *t, struct run *r)
{
	struct __sk_buff ctx = {
		.ifindex = r->ifindex,
		.gso_size = r->gso_size,
		.gso_segs = r->gso_segs,
		.mark = r->mark,
		.ingress_ifindex = r->iif,
	}, out = { 0 };
	LIBBPF_OPTS(bpf_test_run_opts, opts, .data_in = r->pkt,
		    .data_size_in = (uint32_t)r->len, .ctx_in = &ctx,
		    .ctx_size_in = sizeof(ctx), .ctx_out = &out,
		    .ctx_size_out = sizeof(out), .repeat = 1);
	struct bpf_program *prog = r->egress ? t->skel->progs.kvnet_egress :
					       t->skel->progs.kvnet_ingress;
	int i;

	for (i = 0; i < NPORTS; i++)
		r->devtx0[i] = link_tx_packets(t->nl, t->port[i]);
	r->t0 = now_ns();
	assert_int_equal(bpf_prog_test_run_opts(bpf_program__fd(prog), &opts), 0);
	r->t1 = now_ns();
	r->retval = (int)opts.retval;
	r->mark_out = out.mark;
}

/* A case is three functions: pktgen_NAME fills r->pkt and returns its
 * length, setup_NAME prepares maps and the run (ingress defaults to p1),
 * check_NAME asserts on the outcome. */
#define KVNET_CASE(name)                                                      \
	static void test_##name(void **state)                                 \
	{                                                                     \
		struct tctx *t = *state;                                      \
		struct run *r = calloc(1, sizeof(*r));                        \
                                                                              \
		assert_non_null(r);                                           \
		r->len = pktgen_##name(r->pkt);                               \
		r->ifindex = t->port[0];                                      \
		setup_##name(t, r);                                           \
		run_prog(t, r);                                               \
		check_##name(t, r);                                           \
		free(r);                                                      \
	}

/* Frame from A on p1 was flooded to p2, p3, p4: clones to p2 and p3 left
 * through the veths, the frame itself is redirected to p4 (retval). */
static void assert_flooded_from_p1(struct tctx *t, const struct run *r)
{
	assert_int_equal(r->retval, TC_ACT_REDIRECT);
	assert_int_equal(stats(t, t->port[0]).flood_packets, 1);
	assert_tx(t, t->port[0], 0, 0);
	assert_tx(t, t->port[1], 1, r->len);
	assert_tx(t, t->port[2], 1, r->len);
	assert_tx(t, t->port[3], 1, r->len);
	assert_int_equal(dev_sent(t, r, 1), 1);
	assert_int_equal(dev_sent(t, r, 2), 1);
	assert_int_equal(dev_sent(t, r, 3), 0); /* the last: bpf_redirect */
	assert_drops(t, t->port[0], KVNET_DROP_NONE, 0);
}

/* Unicast from p1 to port i: redirected, nothing cloned, nothing flooded. */
static void assert_unicast_from_p1(struct tctx *t, const struct run *r, int i)
{
	int j;

	assert_int_equal(r->retval, TC_ACT_REDIRECT);
	assert_int_equal(stats(t, t->port[0]).flood_packets, 0);
	for (j = 0; j < NPORTS; j++) {
		if (j == i)
			assert_tx(t, t->port[j], 1, r->len);
		else
			assert_tx(t, t->port[j], 0, 0);
		assert_int_equal(dev_sent(t, r, j), 0);
	}
	assert_drops(t, t->port[0], KVNET_DROP_NONE, 0);
}

static void assert_dropped_on_p1(struct tctx *t, const struct run *r,
				 int reason)
{
	int j;

	assert_int_equal(r->retval, TC_ACT_SHOT);
	assert_drops(t, t->port[0], reason, 1);
	for (j = 0; j < NPORTS; j++) {
		assert_tx(t, t->port[j], 0, 0);
		assert_int_equal(dev_sent(t, r, j), 0);
	}
	assert_int_equal(stats(t, t->port[0]).flood_packets, 0);
}

/* ---- cases: learning -------------------------------------------------- */

/* An unknown source is learned {p1, dynamic, now}; rx is counted. */
static size_t pktgen_learn(uint8_t *buf)
{
	return frame(buf, MAC_BCAST, MAC_A, -1, 64);
}

static void setup_learn(struct tctx *t, struct run *r)
{
	(void)r;
	assert_int_equal(fdb_count(t), 0);
}

static void check_learn(struct tctx *t, struct run *r)
{
	struct kvnet_fdb_val v;
	struct kvnet_port_stats st = stats(t, t->port[0]);

	assert_int_equal(fdb_get(t, MAC_A, 0, &v), 0);
	assert_int_equal(v.ifindex, t->port[0]);
	assert_int_equal(v.flags, 0);
	assert_in_range(v.last_seen_ns, r->t0, r->t1);
	assert_int_equal(fdb_count(t), 1);
	assert_int_equal(st.rx_packets, 1);
	assert_int_equal(st.rx_bytes, r->len);
}
KVNET_CASE(learn)

/* A tagged frame on a network without VLANs: VLAN, nothing learned. The
 * kernel already took one 802.1Q tag out (skb->vlan_present) before tc;
 * BPF_PROG_TEST_RUN cannot set that, the integration tests cover it. */
static size_t tagged(uint8_t *buf, const uint16_t *tpids, int ntags)
{
	size_t off = 12;

	memcpy(buf, MAC_BCAST, 6);
	memcpy(buf + 6, MAC_A, 6);
	for (int i = 0; i < ntags; i++) {
		buf[off++] = (uint8_t)(tpids[i] >> 8);
		buf[off++] = (uint8_t)tpids[i];
		buf[off++] = 0; /* VID 0, priority 0 */
		buf[off++] = 0;
	}
	buf[off++] = 0x08; /* IPv4 behind the tags */
	buf[off++] = 0x00;
	memset(buf + off, 0x45, 64 - off);
	return 64;
}

static void check_vlan(struct tctx *t, struct run *r)
{
	assert_dropped_on_p1(t, r, KVNET_DROP_VLAN);
	assert_int_equal(fdb_count(t), 0);
}

static void setup_vlan(struct tctx *t, struct run *r)
{
	(void)t, (void)r;
}

static size_t pktgen_vlan_8021q(uint8_t *buf)
{
	static const uint16_t tp[] = { 0x8100 };

	return tagged(buf, tp, 1);
}
#define setup_vlan_8021q setup_vlan
#define check_vlan_8021q check_vlan
KVNET_CASE(vlan_8021q)

static size_t pktgen_vlan_three(uint8_t *buf)
{
	static const uint16_t tp[] = { 0x8100, 0x8100, 0x8100 };

	return tagged(buf, tp, 3);
}
#define setup_vlan_three setup_vlan
#define check_vlan_three check_vlan
KVNET_CASE(vlan_three)

static size_t pktgen_vlan_8021ad(uint8_t *buf)
{
	static const uint16_t tp[] = { 0x88a8, 0x8100 };

	return tagged(buf, tp, 2);
}
#define setup_vlan_8021ad setup_vlan
#define check_vlan_8021ad check_vlan
KVNET_CASE(vlan_8021ad)

static size_t pktgen_vlan_9100(uint8_t *buf)
{
	static const uint16_t tp[] = { 0x9100 };

	return tagged(buf, tp, 1);
}
#define setup_vlan_9100 setup_vlan
#define check_vlan_9100 check_vlan
KVNET_CASE(vlan_9100)

/* Half a tag: still a tagged frame. */
static size_t pktgen_vlan_cut(uint8_t *buf)
{
	frame(buf, MAC_B, MAC_A, 1, 18);
	return 16;
}
#define setup_vlan_cut setup_vlan
static void check_vlan_cut(struct tctx *t, struct run *r)
{
	struct kvnet_port_stats st = stats(t, t->port[0]);

	check_vlan(t, r);
	assert_int_equal(st.rx_packets, 1);
	assert_int_equal(st.rx_bytes, 16);
}
KVNET_CASE(vlan_cut)

/* A young entry on the same port is not rewritten. */
static size_t pktgen_refresh_young(uint8_t *buf)
{
	return frame(buf, MAC_BCAST, MAC_A, -1, 64);
}

static void setup_refresh_young(struct tctx *t, struct run *r)
{
	(void)r;
	fdb_put(t, MAC_A, 0, t->port[0], 0, now_ns() - KVNET_FDB_REFRESH_NS / 2);
}

static void check_refresh_young(struct tctx *t, struct run *r)
{
	struct kvnet_fdb_val v;

	assert_int_equal(fdb_get(t, MAC_A, 0, &v), 0);
	assert_int_equal(v.ifindex, t->port[0]);
	assert_true(v.last_seen_ns < r->t0); /* untouched */
	assert_true(r->t0 - v.last_seen_ns >= KVNET_FDB_REFRESH_NS / 2);
}
KVNET_CASE(refresh_young)

/* An entry older than KVNET_FDB_REFRESH_NS on the same port is refreshed. */
static size_t pktgen_refresh_old(uint8_t *buf)
{
	return frame(buf, MAC_BCAST, MAC_A, -1, 64);
}

static void setup_refresh_old(struct tctx *t, struct run *r)
{
	(void)r;
	fdb_put(t, MAC_A, 0, t->port[0], 0, now_ns() - 2 * KVNET_FDB_REFRESH_NS);
}

static void check_refresh_old(struct tctx *t, struct run *r)
{
	struct kvnet_fdb_val v;

	assert_int_equal(fdb_get(t, MAC_A, 0, &v), 0);
	assert_int_equal(v.ifindex, t->port[0]);
	assert_int_equal(v.flags, 0);
	assert_in_range(v.last_seen_ns, r->t0, r->t1);
}
KVNET_CASE(refresh_old)

/* A pinned MAC seen on another port is neither learned there nor moved. */
static size_t pktgen_static_kept(uint8_t *buf)
{
	return frame(buf, MAC_BCAST, MAC_A, -1, 64);
}

static void setup_static_kept(struct tctx *t, struct run *r)
{
	(void)r;
	fdb_put(t, MAC_A, 0, t->port[1], KVNET_FDB_STATIC, 12345);
}

static void check_static_kept(struct tctx *t, struct run *r)
{
	struct kvnet_fdb_val v;

	assert_int_equal(r->retval, TC_ACT_REDIRECT);
	assert_int_equal(fdb_learned(t, MAC_A, 0, &v), -ENOENT);
	assert_int_equal(fdb_get(t, MAC_A, 0, &v), 0);
	assert_int_equal(v.ifindex, t->port[1]);
	assert_int_equal(v.flags, KVNET_FDB_STATIC);
	assert_int_equal(v.last_seen_ns, 12345);
	assert_int_equal(pstate(t, 0).learned, 0);
}
KVNET_CASE(static_kept)

/* A pinned MAC that talks on its own port is learned there too. */
static size_t pktgen_static_learned(uint8_t *buf)
{
	return frame(buf, MAC_BCAST, MAC_A, -1, 64);
}

static void setup_static_learned(struct tctx *t, struct run *r)
{
	(void)r;
	fdb_put(t, MAC_A, 0, t->port[0], KVNET_FDB_STATIC, 12345);
}

static void check_static_learned(struct tctx *t, struct run *r)
{
	struct kvnet_fdb_val v;

	assert_int_equal(fdb_learned(t, MAC_A, 0, &v), 0);
	assert_int_equal(v.ifindex, t->port[0]);
	assert_in_range(v.last_seen_ns, r->t0, r->t1);
}
KVNET_CASE(static_learned)

/* A dynamic entry seen on another port moves there (MAC move). */
static size_t pktgen_mac_move(uint8_t *buf)
{
	return frame(buf, MAC_BCAST, MAC_A, -1, 64);
}

static void setup_mac_move(struct tctx *t, struct run *r)
{
	(void)r;
	fdb_put(t, MAC_A, 0, t->port[1], 0, now_ns() - KVNET_FDB_REFRESH_NS / 10);
}

static void check_mac_move(struct tctx *t, struct run *r)
{
	struct kvnet_fdb_val v;

	assert_int_equal(fdb_get(t, MAC_A, 0, &v), 0);
	assert_int_equal(v.ifindex, t->port[0]);
	assert_int_equal(v.flags, 0);
	assert_in_range(v.last_seen_ns, r->t0, r->t1);
	assert_int_equal(fdb_count(t), 1);
}
KVNET_CASE(mac_move)

/* A port at its learning cap: the source is not learned, LEARN_LIMIT is
 * counted, and the frame is forwarded all the same. */
static size_t pktgen_learn_limit(uint8_t *buf)
{
	return frame(buf, MAC_B, MAC_A, -1, 64);
}

static void setup_learn_limit(struct tctx *t, struct run *r)
{
	struct kvnet_config cfg = { .aging_ns = 300 * NSEC, .nports = NPORTS, .learn_max = 4 };
	uint32_t zero = 0;

	(void)r;
	assert_int_equal(bpf_map_update_elem(map_fd(t->skel->maps.config), &zero, &cfg,
					     BPF_ANY), 0);
	pstate_set_learned(t, 0, 4);
	fdb_put(t, MAC_B, 0, t->port[2], KVNET_FDB_STATIC, 0);
}

static void check_learn_limit(struct tctx *t, struct run *r)
{
	struct kvnet_fdb_val v;

	assert_int_equal(r->retval, TC_ACT_REDIRECT);
	assert_int_equal(fdb_learned(t, MAC_A, 0, &v), -ENOENT);
	assert_drops(t, t->port[0], KVNET_DROP_LEARN_LIMIT, 1);
	assert_tx(t, t->port[2], 1, r->len);
	assert_int_equal(pstate(t, 0).learned, 4);
}
KVNET_CASE(learn_limit)

/* Below the cap a new MAC is learned and counted against its port. */
static size_t pktgen_learn_counted(uint8_t *buf)
{
	return frame(buf, MAC_BCAST, MAC_A, -1, 64);
}

static void setup_learn_counted(struct tctx *t, struct run *r)
{
	struct kvnet_config cfg = { .aging_ns = 300 * NSEC, .nports = NPORTS, .learn_max = 4 };
	uint32_t zero = 0;

	(void)r;
	assert_int_equal(bpf_map_update_elem(map_fd(t->skel->maps.config), &zero, &cfg,
					     BPF_ANY), 0);
	pstate_set_learned(t, 0, 3);
}

static void check_learn_counted(struct tctx *t, struct run *r)
{
	struct kvnet_fdb_val v;

	(void)r;
	assert_int_equal(fdb_learned(t, MAC_A, 0, &v), 0);
	assert_int_equal(pstate(t, 0).learned, 4);
}
KVNET_CASE(learn_counted)

/* A trusted port is not capped. */
static size_t pktgen_learn_trusted(uint8_t *buf)
{
	return frame(buf, MAC_BCAST, MAC_A, -1, 64);
}

static void setup_learn_trusted(struct tctx *t, struct run *r)
{
	setup_learn_limit(t, r);
	port_flags(t, t->port[0], KVNET_PORT_TRUSTED);
}

static void check_learn_trusted(struct tctx *t, struct run *r)
{
	struct kvnet_fdb_val v;

	assert_int_equal(r->retval, TC_ACT_REDIRECT);
	assert_int_equal(fdb_learned(t, MAC_A, 0, &v), 0);
	assert_drops(t, t->port[0], KVNET_DROP_NONE, 0);
}
KVNET_CASE(learn_trusted)

/* A move carries the learned count from the old port to the new one. */
static size_t pktgen_move_counts(uint8_t *buf)
{
	return frame(buf, MAC_BCAST, MAC_A, -1, 64);
}

static void setup_move_counts(struct tctx *t, struct run *r)
{
	(void)r;
	fdb_put(t, MAC_A, 0, t->port[1], 0, now_ns());
	pstate_set_learned(t, 1, 1);
}

static void check_move_counts(struct tctx *t, struct run *r)
{
	(void)r;
	assert_int_equal(pstate(t, 0).learned, 1);
	assert_int_equal(pstate(t, 1).learned, 0);
}
KVNET_CASE(move_counts)

/* The learned map full of another port's MACs: an LRU map makes room, and
 * a pinned MAC still resolves (it lives apart). */
static size_t pktgen_lru_full(uint8_t *buf)
{
	return frame(buf, MAC_B, MAC_A, -1, 64);
}

static void setup_lru_full(struct tctx *t, struct run *r)
{
	uint8_t mac[6] = { 0x02, 0xff, 0, 0, 0, 0 };
	uint64_t now = now_ns();
	uint32_t i;

	(void)r;
	fdb_put(t, MAC_B, 0, t->port[2], KVNET_FDB_STATIC, 0);
	for (i = 0; i < KVNET_FDB_MAX; i++) {
		mac[4] = (uint8_t)(i >> 8);
		mac[5] = (uint8_t)i;
		fdb_put(t, mac, 0, t->port[3], 0, now);
	}
}

static void check_lru_full(struct tctx *t, struct run *r)
{
	struct kvnet_fdb_val v;

	assert_unicast_from_p1(t, r, 2);
	assert_int_equal(fdb_learned(t, MAC_A, 0, &v), 0);
	assert_int_equal(v.ifindex, t->port[0]);
	assert_true(map_count(t->skel->maps.fdb) <= KVNET_FDB_MAX);
	map_clear(t->skel->maps.fdb, sizeof(struct kvnet_fdb_key));
}
KVNET_CASE(lru_full)

/* ---- cases: forwarding ------------------------------------------------ */

/* Broadcast from p1 goes to the three other ports: two clones and the
 * frame itself. */
static size_t pktgen_bcast_flood(uint8_t *buf)
{
	return frame(buf, MAC_BCAST, MAC_A, -1, 100);
}

static void setup_bcast_flood(struct tctx *t, struct run *r)
{
	(void)t;
	(void)r;
}

static void check_bcast_flood(struct tctx *t, struct run *r)
{
	assert_flooded_from_p1(t, r);
}
KVNET_CASE(bcast_flood)

/* Multicast floods like broadcast. */
static size_t pktgen_mcast_flood(uint8_t *buf)
{
	return frame(buf, MAC_MCAST, MAC_A, -1, 64);
}

static void setup_mcast_flood(struct tctx *t, struct run *r)
{
	(void)t;
	(void)r;
}

static void check_mcast_flood(struct tctx *t, struct run *r)
{
	assert_flooded_from_p1(t, r);
}
KVNET_CASE(mcast_flood)

/* Unknown unicast floods. */
static size_t pktgen_unknown_flood(uint8_t *buf)
{
	return frame(buf, MAC_B, MAC_A, -1, 64);
}

static void setup_unknown_flood(struct tctx *t, struct run *r)
{
	(void)r;
	fdb_put(t, MAC_B, 7, t->port[2], 0, now_ns()); /* a VLAN frames never have */
}

static void check_unknown_flood(struct tctx *t, struct run *r)
{
	assert_flooded_from_p1(t, r);
}
KVNET_CASE(unknown_flood)

/* An entry older than aging_ns counts as unknown: flood. */
static size_t pktgen_aged_flood(uint8_t *buf)
{
	return frame(buf, MAC_B, MAC_A, -1, 64);
}

static void setup_aged_flood(struct tctx *t, struct run *r)
{
	(void)r;
	config_set(t, 2 * NSEC, NPORTS);
	fdb_put(t, MAC_B, 0, t->port[2], 0, now_ns() - 5 * NSEC);
}

static void check_aged_flood(struct tctx *t, struct run *r)
{
	struct kvnet_fdb_val v;

	assert_flooded_from_p1(t, r);
	assert_int_equal(fdb_get(t, MAC_B, 0, &v), 0); /* left to the daemon */
}
KVNET_CASE(aged_flood)

/* The same entry within aging_ns is a hit. */
static size_t pktgen_fresh_unicast(uint8_t *buf)
{
	return frame(buf, MAC_B, MAC_A, -1, 64);
}

static void setup_fresh_unicast(struct tctx *t, struct run *r)
{
	(void)r;
	config_set(t, 2 * NSEC, NPORTS);
	fdb_put(t, MAC_B, 0, t->port[2], 0, now_ns() - NSEC);
}

static void check_fresh_unicast(struct tctx *t, struct run *r)
{
	assert_unicast_from_p1(t, r, 2);
}
KVNET_CASE(fresh_unicast)

/* Known unicast is redirected to its port only; static entries never age. */
static size_t pktgen_unicast(uint8_t *buf)
{
	return frame(buf, MAC_B, MAC_A, -1, 200);
}

static void setup_unicast(struct tctx *t, struct run *r)
{
	(void)r;
	fdb_put(t, MAC_B, 0, t->port[3], KVNET_FDB_STATIC, 0);
}

static void check_unicast(struct tctx *t, struct run *r)
{
	struct kvnet_fdb_val v;

	assert_unicast_from_p1(t, r, 3);
	assert_int_equal(stats(t, t->port[0]).rx_packets, 1);
	assert_int_equal(fdb_get(t, MAC_A, 0, &v), 0);
	assert_int_equal(v.ifindex, t->port[0]);
}
KVNET_CASE(unicast)

/* A veth-peer port is reached with bpf_redirect_peer (same verdict). */
static size_t pktgen_unicast_peer(uint8_t *buf)
{
	return frame(buf, MAC_B, MAC_A, -1, 64);
}

static void setup_unicast_peer(struct tctx *t, struct run *r)
{
	(void)r;
	port_flags(t, t->port[1], KVNET_PORT_VETH_PEER);
	fdb_put(t, MAC_B, 0, t->port[1], 0, now_ns());
}

static void check_unicast_peer(struct tctx *t, struct run *r)
{
	assert_unicast_from_p1(t, r, 1);
}
KVNET_CASE(unicast_peer)

/* An FDB entry pointing at a device that is no longer a port: flood. */
static size_t pktgen_stale_dest(uint8_t *buf)
{
	return frame(buf, MAC_B, MAC_A, -1, 64);
}

static void setup_stale_dest(struct tctx *t, struct run *r)
{
	(void)r;
	fdb_put(t, MAC_B, 0, GHOST_IFINDEX, KVNET_FDB_STATIC, 0);
}

static void check_stale_dest(struct tctx *t, struct run *r)
{
	assert_flooded_from_p1(t, r);
}
KVNET_CASE(stale_dest)

/* ---- cases: drops ----------------------------------------------------- */

/* Destination behind the ingress port: SAME_PORT. */
static size_t pktgen_same_port(uint8_t *buf)
{
	return frame(buf, MAC_B, MAC_A, -1, 64);
}

static void setup_same_port(struct tctx *t, struct run *r)
{
	(void)r;
	fdb_put(t, MAC_B, 0, t->port[0], 0, now_ns());
}

static void check_same_port(struct tctx *t, struct run *r)
{
	assert_dropped_on_p1(t, r, KVNET_DROP_SAME_PORT);
}
KVNET_CASE(same_port)

/* Isolated to isolated: ISOLATED. */
static size_t pktgen_isolated(uint8_t *buf)
{
	return frame(buf, MAC_B, MAC_A, -1, 64);
}

static void setup_isolated(struct tctx *t, struct run *r)
{
	(void)r;
	port_flags(t, t->port[0], KVNET_PORT_ISOLATED);
	port_flags(t, t->port[2], KVNET_PORT_ISOLATED | KVNET_PORT_TAP);
	fdb_put(t, MAC_B, 0, t->port[2], 0, now_ns());
}

static void check_isolated(struct tctx *t, struct run *r)
{
	assert_dropped_on_p1(t, r, KVNET_DROP_ISOLATED);
}
KVNET_CASE(isolated)

/* An ARP frame (an ethertype the gateway takes). */
static size_t arp_frame(uint8_t *buf, const uint8_t *dst, const uint8_t *src)
{
	size_t len = frame(buf, dst, src, -1, 64);

	buf[12] = 0x08;
	buf[13] = 0x06;
	return len;
}

/* Isolated to a non-isolated port (the gateway) is fine. */
static size_t pktgen_isolated_to_gw(uint8_t *buf)
{
	return arp_frame(buf, MAC_B, MAC_A);
}

static void setup_isolated_to_gw(struct tctx *t, struct run *r)
{
	(void)r;
	port_flags(t, t->port[0], KVNET_PORT_ISOLATED);
	port_flags(t, t->port[2], KVNET_PORT_ISOLATED);
	port_flags(t, t->port[3], KVNET_PORT_GATEWAY);
	fdb_put(t, MAC_B, 0, t->port[3], 0, now_ns());
}

static void check_isolated_to_gw(struct tctx *t, struct run *r)
{
	assert_unicast_from_p1(t, r, 3);
}
KVNET_CASE(isolated_to_gw)

/* A flood from an isolated port skips the other isolated ports. */
static size_t pktgen_isolated_flood(uint8_t *buf)
{
	return frame(buf, MAC_BCAST, MAC_A, -1, 64);
}

static void setup_isolated_flood(struct tctx *t, struct run *r)
{
	(void)r;
	port_flags(t, t->port[0], KVNET_PORT_ISOLATED);
	port_flags(t, t->port[2], KVNET_PORT_ISOLATED);
}

static void check_isolated_flood(struct tctx *t, struct run *r)
{
	assert_int_equal(r->retval, TC_ACT_REDIRECT);
	assert_tx(t, t->port[1], 1, r->len);
	assert_tx(t, t->port[2], 0, 0);
	assert_tx(t, t->port[3], 1, r->len);
	assert_int_equal(dev_sent(t, r, 1), 1);
	assert_int_equal(dev_sent(t, r, 2), 0);
	assert_drops(t, t->port[0], KVNET_DROP_NONE, 0);
}
KVNET_CASE(isolated_flood)

/* Non-GSO frame with L3 length above the destination's MTU: TOO_BIG. */
static size_t pktgen_mtu_drop(uint8_t *buf)
{
	return frame(buf, MAC_B, MAC_A, -1, 14 + 1001);
}

static void setup_mtu_drop(struct tctx *t, struct run *r)
{
	(void)r;
	port_mtu(t, t->port[2], 1000);
	fdb_put(t, MAC_B, 0, t->port[2], 0, now_ns());
}

static void check_mtu_drop(struct tctx *t, struct run *r)
{
	assert_dropped_on_p1(t, r, KVNET_DROP_TOO_BIG);
}
KVNET_CASE(mtu_drop)

/* Exactly the MTU fits. */
static size_t pktgen_mtu_fits(uint8_t *buf)
{
	return frame(buf, MAC_B, MAC_A, -1, 14 + 1000);
}

static void setup_mtu_fits(struct tctx *t, struct run *r)
{
	(void)r;
	port_mtu(t, t->port[2], 1000);
	fdb_put(t, MAC_B, 0, t->port[2], 0, now_ns());
}

static void check_mtu_fits(struct tctx *t, struct run *r)
{
	assert_unicast_from_p1(t, r, 2);
}
KVNET_CASE(mtu_fits)

/* A GSO skb passes whole, whatever its length. */
static size_t pktgen_mtu_gso(uint8_t *buf)
{
	return frame(buf, MAC_B, MAC_A, -1, 14 + 2000);
}

static void setup_mtu_gso(struct tctx *t, struct run *r)
{
	port_mtu(t, t->port[2], 1000);
	fdb_put(t, MAC_B, 0, t->port[2], 0, now_ns());
	r->gso_size = 1000;
	r->gso_segs = 2;
}

static void check_mtu_gso(struct tctx *t, struct run *r)
{
	assert_unicast_from_p1(t, r, 2);
}
KVNET_CASE(mtu_gso)

/* A flood skips (and counts) ports the frame is too big for. */
static size_t pktgen_mtu_flood(uint8_t *buf)
{
	return frame(buf, MAC_BCAST, MAC_A, -1, 14 + 1001);
}

static void setup_mtu_flood(struct tctx *t, struct run *r)
{
	(void)r;
	port_mtu(t, t->port[2], 1000);
}

static void check_mtu_flood(struct tctx *t, struct run *r)
{
	assert_int_equal(r->retval, TC_ACT_REDIRECT);
	assert_int_equal(stats(t, t->port[0]).flood_packets, 1);
	assert_tx(t, t->port[1], 1, r->len);
	assert_tx(t, t->port[2], 0, 0);
	assert_tx(t, t->port[3], 1, r->len);
	assert_int_equal(dev_sent(t, r, 1), 1);
	assert_int_equal(dev_sent(t, r, 2), 0);
	assert_drops(t, t->port[0], KVNET_DROP_TOO_BIG, 1);
}
KVNET_CASE(mtu_flood)

/* Multicast source: SRC_MULTICAST, and nothing is learned. */
static size_t pktgen_src_mcast(uint8_t *buf)
{
	return frame(buf, MAC_B, MAC_MCAST, -1, 64);
}

static void setup_src_mcast(struct tctx *t, struct run *r)
{
	(void)r;
	fdb_put(t, MAC_B, 0, t->port[1], 0, now_ns());
}

static void check_src_mcast(struct tctx *t, struct run *r)
{
	assert_dropped_on_p1(t, r, KVNET_DROP_SRC_MULTICAST);
	assert_int_equal(fdb_count(t), 1);
}
KVNET_CASE(src_mcast)

/* Broadcast source too. */
static size_t pktgen_src_bcast(uint8_t *buf)
{
	return frame(buf, MAC_BCAST, MAC_BCAST, -1, 64);
}

static void setup_src_bcast(struct tctx *t, struct run *r)
{
	(void)t;
	(void)r;
}

static void check_src_bcast(struct tctx *t, struct run *r)
{
	assert_dropped_on_p1(t, r, KVNET_DROP_SRC_MULTICAST);
	assert_int_equal(fdb_count(t), 0);
}
KVNET_CASE(src_bcast)


/* A device that is no port: TC_ACT_OK, no state touched. */
static size_t pktgen_not_port(uint8_t *buf)
{
	return frame(buf, MAC_BCAST, MAC_A, -1, 64);
}

static void setup_not_port(struct tctx *t, struct run *r)
{
	r->ifindex = t->peer;
}

static void check_not_port(struct tctx *t, struct run *r)
{
	int i;

	assert_int_equal(r->retval, TC_ACT_OK);
	assert_int_equal(fdb_count(t), 0);
	assert_int_equal(stats_all(t), 0);
	for (i = 0; i < NPORTS; i++) {
		struct kvnet_port_stats st = stats(t, t->port[i]);

		assert_int_equal(st.rx_packets + st.tx_packets, 0);
		assert_int_equal(dev_sent(t, r, i), 0);
	}
}
KVNET_CASE(not_port)

/* Nowhere to flood to: NO_PORTS. */
static size_t pktgen_no_ports(uint8_t *buf)
{
	return frame(buf, MAC_BCAST, MAC_A, -1, 64);
}

static void setup_no_ports(struct tctx *t, struct run *r)
{
	(void)r;
	config_set(t, 0, 1); /* flood_list holds only p1 */
}

static void check_no_ports(struct tctx *t, struct run *r)
{
	assert_dropped_on_p1(t, r, KVNET_DROP_NO_PORTS);
}
KVNET_CASE(no_ports)

/* A clone that cannot be sent (no such device) counts REDIRECT; the
 * others still get the frame. */
static size_t pktgen_clone_fail(uint8_t *buf)
{
	return frame(buf, MAC_BCAST, MAC_A, -1, 64);
}

static void setup_clone_fail(struct tctx *t, struct run *r)
{
	(void)r;
	port_set(t, GHOST_IFINDEX, 0, 1500, 1);	 /* replaces p2 in slot 1 */
	config_set(t, 0, 3);			 /* p1, ghost, p3 */
}

static void check_clone_fail(struct tctx *t, struct run *r)
{
	assert_int_equal(r->retval, TC_ACT_REDIRECT);
	assert_drops(t, t->port[0], KVNET_DROP_REDIRECT, 1);
	assert_tx(t, GHOST_IFINDEX, 0, 0);
	assert_tx(t, t->port[1], 0, 0);
	assert_tx(t, t->port[2], 1, r->len);
	assert_int_equal(stats(t, t->port[0]).flood_packets, 1);
}
KVNET_CASE(clone_fail)

/* The flood list is double-buffered: with the selector on copy 1, a
 * flood goes to copy 1's ports (p1, p3) alone, whatever copy 0 holds. */
static size_t pktgen_flood_copy1(uint8_t *buf)
{
	return frame(buf, MAC_BCAST, MAC_A, -1, 64);
}

static void setup_flood_copy1(struct tctx *t, struct run *r)
{
	uint32_t kv[][2] = { { KVNET_FLOOD_STRIDE, 2 }, { KVNET_FLOOD_STRIDE + 1, t->port[0] },
			     { KVNET_FLOOD_STRIDE + 2, t->port[2] }, { KVNET_FLOOD_SEL, 1 } };

	(void)r;
	for (unsigned i = 0; i < sizeof(kv) / sizeof(*kv); i++)
		assert_int_equal(bpf_map_update_elem(map_fd(t->skel->maps.flood_list), &kv[i][0],
						     &kv[i][1], BPF_ANY), 0);
}

static void check_flood_copy1(struct tctx *t, struct run *r)
{
	assert_int_equal(r->retval, TC_ACT_REDIRECT);
	assert_tx(t, t->port[1], 0, 0);
	assert_tx(t, t->port[2], 1, r->len);
	assert_tx(t, t->port[3], 0, 0);
}
KVNET_CASE(flood_copy1)

/* A flood too big for every other port: one TOO_BIG, not NO_PORTS too. */
static size_t pktgen_mtu_flood_all(uint8_t *buf)
{
	return frame(buf, MAC_BCAST, MAC_A, -1, 14 + 1001);
}

static void setup_mtu_flood_all(struct tctx *t, struct run *r)
{
	(void)r;
	for (int i = 1; i < 4; i++)
		port_mtu(t, t->port[i], 1000);
}

static void check_mtu_flood_all(struct tctx *t, struct run *r)
{
	assert_dropped_on_p1(t, r, KVNET_DROP_TOO_BIG);
	for (int i = 1; i < 4; i++)
		assert_tx(t, t->port[i], 0, 0);
}
KVNET_CASE(mtu_flood_all)

/* ---- the L3 guard of an isolated network (KVNET_CFG_NO_ROUTE) ------------ */

#define GW_IP 0x0a4d0001u	/* 10.77.0.1 */
#define GW_BCAST 0x0a4d00ffu	/* 10.77.0.255 */
#define GUEST_IP 0x0a4d000bu	/* 10.77.0.11 */
#define OUTSIDE_IP 0x0ac90002u	/* 10.201.0.2 */

/* An IPv4 frame from saddr to daddr (host byte order). */
static size_t ipv4_frame(uint8_t *buf, const uint8_t *dst, const uint8_t *src,
			 uint32_t saddr, uint32_t daddr)
{
	uint32_t s = htonl(saddr), d = htonl(daddr);
	size_t len = frame(buf, dst, src, -1, 14 + 20 + 16);

	buf[12] = 0x08;
	buf[13] = 0x00;
	memset(buf + 14, 0, 20);
	buf[14] = 0x45;
	buf[17] = 36;
	buf[22] = 64;
	buf[23] = 17;
	memcpy(buf + 26, &s, 4);
	memcpy(buf + 30, &d, 4);
	return len;
}

/* port[2] is the gateway, whose MAC is MAC_B; the network does not route. */
static void no_route_setup(struct tctx *t)
{
	struct kvnet_config cfg = {
		.aging_ns = KVNET_AGING_DEFAULT_S * NSEC, .nports = NPORTS,
		.flags = KVNET_CFG_NO_ROUTE, .gw_ip = htonl(GW_IP),
		.gw_bcast = htonl(GW_BCAST),
	};
	uint32_t zero = 0;

	assert_int_equal(bpf_map_update_elem(map_fd(t->skel->maps.config),
					     &zero, &cfg, BPF_ANY), 0);
	port_flags(t, t->port[2], KVNET_PORT_GATEWAY);
	fdb_put(t, MAC_B, 0, t->port[2], KVNET_FDB_STATIC, 0);
	fdb_put(t, MAC_A, 0, t->port[0], KVNET_FDB_STATIC, 0);
}

/* A guest sends through the gateway to an address beyond it: refused. */
static size_t pktgen_route_out(uint8_t *buf)
{
	return ipv4_frame(buf, MAC_B, MAC_A, GUEST_IP, OUTSIDE_IP);
}

static void setup_route_out(struct tctx *t, struct run *r)
{
	(void)r;
	no_route_setup(t);
}

static void check_route_out(struct tctx *t, struct run *r)
{
	assert_dropped_on_p1(t, r, KVNET_DROP_NOT_ROUTED);
}
KVNET_CASE(route_out)

/* To the gateway's own address, and to the subnet broadcast: delivered. */
static size_t pktgen_to_gateway(uint8_t *buf)
{
	return ipv4_frame(buf, MAC_B, MAC_A, GUEST_IP, GW_IP);
}

static void setup_to_gateway(struct tctx *t, struct run *r)
{
	(void)r;
	no_route_setup(t);
}

static void check_to_gateway(struct tctx *t, struct run *r)
{
	assert_unicast_from_p1(t, r, 2);
}
KVNET_CASE(to_gateway)

static size_t pktgen_to_gw_bcast(uint8_t *buf)
{
	return ipv4_frame(buf, MAC_B, MAC_A, GUEST_IP, GW_BCAST);
}

static void setup_to_gw_bcast(struct tctx *t, struct run *r)
{
	(void)r;
	no_route_setup(t);
}

static void check_to_gw_bcast(struct tctx *t, struct run *r)
{
	assert_unicast_from_p1(t, r, 2);
}
KVNET_CASE(to_gw_bcast)

/* The host forwards something in through the gateway port: refused. */
static size_t pktgen_route_in(uint8_t *buf)
{
	return ipv4_frame(buf, MAC_A, MAC_B, OUTSIDE_IP, GUEST_IP);
}

static void setup_route_in(struct tctx *t, struct run *r)
{
	no_route_setup(t);
	r->ifindex = t->port[2];
}

static void check_route_in(struct tctx *t, struct run *r)
{
	assert_int_equal(r->retval, TC_ACT_SHOT);
	assert_drops(t, t->port[2], KVNET_DROP_NOT_ROUTED, 1);
	assert_tx(t, t->port[0], 0, 0);
}
KVNET_CASE(route_in)

/* The host's own packets from the gateway address: delivered. */
static size_t pktgen_from_gateway(uint8_t *buf)
{
	return ipv4_frame(buf, MAC_A, MAC_B, GW_IP, GUEST_IP);
}

static void setup_from_gateway(struct tctx *t, struct run *r)
{
	no_route_setup(t);
	r->ifindex = t->port[2];
}

static void check_from_gateway(struct tctx *t, struct run *r)
{
	assert_int_equal(r->retval, TC_ACT_REDIRECT);
	assert_drops(t, t->port[2], KVNET_DROP_NONE, 0);
	assert_tx(t, t->port[0], 1, r->len);
}
KVNET_CASE(from_gateway)

/* Without KVNET_CFG_NO_ROUTE the same frame goes through. */
static size_t pktgen_route_allowed(uint8_t *buf)
{
	return ipv4_frame(buf, MAC_B, MAC_A, GUEST_IP, OUTSIDE_IP);
}

static void setup_route_allowed(struct tctx *t, struct run *r)
{
	(void)r;
	no_route_setup(t);
	config_set(t, KVNET_AGING_DEFAULT_S * NSEC, NPORTS);
}

static void check_route_allowed(struct tctx *t, struct run *r)
{
	assert_unicast_from_p1(t, r, 2);
}
KVNET_CASE(route_allowed)

/* 01:80:c2:00:00:0e (LLDP): never forwarded, counted. */
static const uint8_t MAC_LLDP[6] = { 0x01, 0x80, 0xc2, 0x00, 0x00, 0x0e };

static size_t pktgen_link_local(uint8_t *buf)
{
	return frame(buf, MAC_LLDP, MAC_A, -1, 64);
}

static void setup_link_local(struct tctx *t, struct run *r)
{
	(void)t, (void)r;
}

static void check_link_local(struct tctx *t, struct run *r)
{
	assert_dropped_on_p1(t, r, KVNET_DROP_LINK_LOCAL);
}
KVNET_CASE(link_local)

/* IPv6 does not cross the gateway of a network without IPv6. */
static size_t pktgen_ipv6_out(uint8_t *buf)
{
	size_t len = frame(buf, MAC_B, MAC_A, -1, 14 + 40 + 8);

	buf[12] = 0x86;
	buf[13] = 0xdd;
	buf[14] = 0x60;
	return len;
}

static void setup_ipv6_out(struct tctx *t, struct run *r)
{
	(void)r;
	no_route_setup(t);
}

static void check_ipv6_out(struct tctx *t, struct run *r)
{
	assert_dropped_on_p1(t, r, KVNET_DROP_ETHERTYPE);
}
KVNET_CASE(ipv6_out)

/* ---- the gateway's ethertype allow-list (lib/l3.h) ----------------------- */

/* port[2] is the gateway (MAC_B), the network routes (no NO_ROUTE). */
static void gw_setup(struct tctx *t)
{
	port_flags(t, t->port[2], KVNET_PORT_GATEWAY);
	fdb_put(t, MAC_B, 0, t->port[2], KVNET_FDB_STATIC, 0);
}

/* A frame of another ethertype to the gateway: ETHERTYPE. */
static size_t pktgen_gw_ethertype(uint8_t *buf)
{
	return frame(buf, MAC_B, MAC_A, -1, 64); /* 0x88b5 */
}

static void setup_gw_ethertype(struct tctx *t, struct run *r)
{
	(void)r;
	gw_setup(t);
}

static void check_gw_ethertype(struct tctx *t, struct run *r)
{
	assert_dropped_on_p1(t, r, KVNET_DROP_ETHERTYPE);
}
KVNET_CASE(gw_ethertype)

/* ARP to the gateway: delivered. */
static size_t pktgen_gw_arp(uint8_t *buf)
{
	return arp_frame(buf, MAC_B, MAC_A);
}

static void setup_gw_arp(struct tctx *t, struct run *r)
{
	(void)r;
	gw_setup(t);
}

static void check_gw_arp(struct tctx *t, struct run *r)
{
	assert_unicast_from_p1(t, r, 2);
}
KVNET_CASE(gw_arp)

/* The host sends another ethertype in through the gateway: ETHERTYPE. */
static size_t pktgen_gw_ethertype_in(uint8_t *buf)
{
	return frame(buf, MAC_A, MAC_B, -1, 64);
}

static void setup_gw_ethertype_in(struct tctx *t, struct run *r)
{
	gw_setup(t);
	fdb_put(t, MAC_A, 0, t->port[0], KVNET_FDB_STATIC, 0);
	r->ifindex = t->port[2];
}

static void check_gw_ethertype_in(struct tctx *t, struct run *r)
{
	assert_int_equal(r->retval, TC_ACT_SHOT);
	assert_drops(t, t->port[2], KVNET_DROP_ETHERTYPE, 1);
	assert_tx(t, t->port[0], 0, 0);
}
KVNET_CASE(gw_ethertype_in)

/* A broadcast of another ethertype floods to every port but the gateway. */
static size_t pktgen_flood_skips_gw(uint8_t *buf)
{
	return frame(buf, MAC_BCAST, MAC_A, -1, 64);
}

static void setup_flood_skips_gw(struct tctx *t, struct run *r)
{
	(void)r;
	gw_setup(t);
}

static void check_flood_skips_gw(struct tctx *t, struct run *r)
{
	assert_int_equal(r->retval, TC_ACT_REDIRECT);
	assert_tx(t, t->port[1], 1, r->len);
	assert_tx(t, t->port[2], 0, 0);
	assert_tx(t, t->port[3], 1, r->len);
	assert_int_equal(dev_sent(t, r, 2), 0);
	assert_drops(t, t->port[0], KVNET_DROP_NONE, 0);
}
KVNET_CASE(flood_skips_gw)

/* An IPv6 multicast (a Router Advertisement, say) skips the gateway of a
 * network without IPv6. */
static size_t pktgen_ra_skips_gw(uint8_t *buf)
{
	static const uint8_t all_nodes[6] = { 0x33, 0x33, 0, 0, 0, 1 };
	size_t len = frame(buf, all_nodes, MAC_A, -1, 14 + 40 + 16);

	buf[12] = 0x86;
	buf[13] = 0xdd;
	buf[14] = 0x60;
	return len;
}

static void setup_ra_skips_gw(struct tctx *t, struct run *r)
{
	(void)r;
	gw_setup(t);
}

#define check_ra_skips_gw check_flood_skips_gw
KVNET_CASE(ra_skips_gw)

/* On a network that does not route, a flooded IPv4 frame for an address
 * beyond the gateway skips the gateway (the same guard as unicast). */
static size_t pktgen_flood_gw_guard(uint8_t *buf)
{
	return ipv4_frame(buf, MAC_BCAST, MAC_A, GUEST_IP, OUTSIDE_IP);
}

static void setup_flood_gw_guard(struct tctx *t, struct run *r)
{
	(void)r;
	no_route_setup(t);
}

#define check_flood_gw_guard check_flood_skips_gw
KVNET_CASE(flood_gw_guard)

/* ... and a broadcast to the subnet reaches it. */
static size_t pktgen_flood_gw_bcast(uint8_t *buf)
{
	return ipv4_frame(buf, MAC_BCAST, MAC_A, GUEST_IP, GW_BCAST);
}

static void setup_flood_gw_bcast(struct tctx *t, struct run *r)
{
	(void)r;
	no_route_setup(t);
}

static void check_flood_gw_bcast(struct tctx *t, struct run *r)
{
	assert_flooded_from_p1(t, r);
}
KVNET_CASE(flood_gw_bcast)


/* ---- STP ------------------------------------------------------------------ */

static const uint8_t MAC_STP[6] = { 0x01, 0x80, 0xc2, 0x00, 0x00, 0x00 };

/* A config BPDU (802.3 length 38, LLC 42 42 03). */
static size_t bpdu_frame(uint8_t *buf)
{
	memset(buf, 0, 60);
	memcpy(buf, MAC_STP, 6);
	memcpy(buf + 6, MAC_A, 6);
	buf[13] = 38;
	buf[14] = 0x42;
	buf[15] = 0x42;
	buf[16] = 0x03;
	buf[22] = 0x80; /* root priority */
	return 60;
}

static void config_flags(struct tctx *t, uint32_t flags)
{
	struct kvnet_config cfg = { .aging_ns = 300 * NSEC, .nports = NPORTS, .flags = flags };
	uint32_t zero = 0;

	assert_int_equal(bpf_map_update_elem(map_fd(t->skel->maps.config), &zero, &cfg,
					     BPF_ANY), 0);
}

static int punt_count_cb(void *ctx, void *data, size_t size)
{
	const struct kvnet_punt *p = data;
	int *n = ctx;

	if (size >= sizeof(*p) && p->kind == KVNET_PUNT_BPDU && p->len == 60 &&
	    !memcmp(p->data, MAC_STP, 6))
		(*n)++;
	return 0;
}

/* BPDUs waiting in the punt ring (read, so the ring is empty after). */
static int punted(struct tctx *t)
{
	struct ring_buffer *rb;
	int n = 0;

	rb = ring_buffer__new(map_fd(t->skel->maps.punt), punt_count_cb, &n, NULL);
	assert_non_null(rb);
	ring_buffer__consume(rb);
	ring_buffer__free(rb);
	return n;
}

/* STP on: a BPDU goes to kvnetd (punted), nowhere else. */
static size_t pktgen_bpdu_punt(uint8_t *buf)
{
	return bpdu_frame(buf);
}

static void setup_bpdu_punt(struct tctx *t, struct run *r)
{
	(void)r;
	punted(t);
	config_flags(t, KVNET_CFG_STP);
}

static void check_bpdu_punt(struct tctx *t, struct run *r)
{
	assert_dropped_on_p1(t, r, KVNET_DROP_STP_BPDU);
	assert_int_equal(punted(t), 1);
	assert_int_equal(fdb_count(t), 0);
}
KVNET_CASE(bpdu_punt)

/* STP off: a BPDU floods like any multicast (not to the gateway). */
static size_t pktgen_bpdu_flood(uint8_t *buf)
{
	return bpdu_frame(buf);
}

static void setup_bpdu_flood(struct tctx *t, struct run *r)
{
	(void)r;
	punted(t);
	gw_setup(t);
}

static void check_bpdu_flood(struct tctx *t, struct run *r)
{
	check_flood_skips_gw(t, r);
	assert_int_equal(punted(t), 0);
}
KVNET_CASE(bpdu_flood)

/* A blocked port: its frames are dropped (STP_BLOCKED) ... */
static size_t pktgen_blocked_rx(uint8_t *buf)
{
	return frame(buf, MAC_BCAST, MAC_A, -1, 64);
}

static void setup_blocked_rx(struct tctx *t, struct run *r)
{
	(void)r;
	config_flags(t, KVNET_CFG_STP);
	port_flags(t, t->port[0], KVNET_PORT_BLOCKED);
}

static void check_blocked_rx(struct tctx *t, struct run *r)
{
	assert_dropped_on_p1(t, r, KVNET_DROP_STP_BLOCKED);
	assert_int_equal(fdb_count(t), 0);
}
KVNET_CASE(blocked_rx)

/* ... but its BPDUs still reach kvnetd ... */
static size_t pktgen_blocked_bpdu(uint8_t *buf)
{
	return bpdu_frame(buf);
}

static void setup_blocked_bpdu(struct tctx *t, struct run *r)
{
	punted(t);
	setup_blocked_rx(t, r);
}

#define check_blocked_bpdu check_bpdu_punt
KVNET_CASE(blocked_bpdu)

/* ... nothing is sent to it, unicast ... */
static size_t pktgen_blocked_tx(uint8_t *buf)
{
	return frame(buf, MAC_B, MAC_A, -1, 64);
}

static void setup_blocked_tx(struct tctx *t, struct run *r)
{
	(void)r;
	port_flags(t, t->port[3], KVNET_PORT_BLOCKED);
	fdb_put(t, MAC_B, 0, t->port[3], 0, now_ns());
}

static void check_blocked_tx(struct tctx *t, struct run *r)
{
	assert_dropped_on_p1(t, r, KVNET_DROP_STP_BLOCKED);
}
KVNET_CASE(blocked_tx)

/* ... or flooded. */
static size_t pktgen_blocked_flood(uint8_t *buf)
{
	return frame(buf, MAC_BCAST, MAC_A, -1, 64);
}

static void setup_blocked_flood(struct tctx *t, struct run *r)
{
	(void)r;
	port_flags(t, t->port[2], KVNET_PORT_BLOCKED);
}

#define check_blocked_flood check_flood_skips_gw
KVNET_CASE(blocked_flood)

/* ---- the flood storm guard ------------------------------------------------ */

/* At 1 flood a second with a burst of 2, three floods in a row pass (the
 * burst and the one the rate allows now), the fourth is FLOOD_LIMIT; known
 * unicast is never limited; a trusted port is not limited. */
static void flood_guard_config(struct tctx *t)
{
	struct kvnet_config cfg = { .aging_ns = 300 * NSEC, .nports = NPORTS,
				    .flood_ns = NSEC, .flood_burst = 2 };
	uint32_t zero = 0;

	assert_int_equal(bpf_map_update_elem(map_fd(t->skel->maps.config), &zero, &cfg,
					     BPF_ANY), 0);
}

static int run_frame(struct tctx *t, const uint8_t *dst)
{
	struct run *r = calloc(1, sizeof(*r));
	int ret;

	assert_non_null(r);
	r->len = frame(r->pkt, dst, MAC_A, -1, 64);
	r->ifindex = t->port[0];
	run_prog(t, r);
	ret = r->retval;
	free(r);
	return ret;
}

static void test_flood_limit(void **state)
{
	struct tctx *t = *state;

	flood_guard_config(t);
	fdb_put(t, MAC_B, 0, t->port[1], KVNET_FDB_STATIC, 0);
	for (int i = 0; i < 3; i++)
		assert_int_equal(run_frame(t, MAC_BCAST), TC_ACT_REDIRECT);
	assert_int_equal(run_frame(t, MAC_BCAST), TC_ACT_SHOT);
	assert_int_equal(run_frame(t, MAC_B), TC_ACT_REDIRECT);
	assert_drops(t, t->port[0], KVNET_DROP_FLOOD_LIMIT, 1);
	assert_int_equal(stats(t, t->port[0]).flood_packets, 3);
}

static void test_flood_limit_trusted(void **state)
{
	struct tctx *t = *state;

	flood_guard_config(t);
	port_flags(t, t->port[0], KVNET_PORT_TRUSTED);
	for (int i = 0; i < 6; i++)
		assert_int_equal(run_frame(t, MAC_BCAST), TC_ACT_REDIRECT);
	assert_drops(t, t->port[0], KVNET_DROP_NONE, 0);
}


/* ---- cases: a bridged network's uplink (lib/uplink_l2.h, lib/host.h) ---- */

#define TCX_NEXT (-1)
#define HOST_MARK 0x6b76686du /* KVNET_HOST_MARK */
static const uint8_t MAC_HOST[6] = { 0x02, 0, 0, 0, 0, 0x48 };

/* p1 is the uplink (trusted), the host's MAC pinned to it as the host's. */
static void uplink_setup(struct tctx *t)
{
	port_flags(t, t->port[0], KVNET_PORT_UPLINK | KVNET_PORT_TRUSTED);
	fdb_put(t, MAC_HOST, 0, t->port[0], KVNET_FDB_STATIC | KVNET_FDB_HOST, 0);
}

static void assert_nothing_sent(struct tctx *t, const struct run *r)
{
	for (int j = 0; j < NPORTS; j++) {
		assert_tx(t, t->port[j], 0, 0);
		assert_int_equal(dev_sent(t, r, j), 0);
	}
}

/* From the LAN to the host: learned behind the uplink, passed on with
 * TCX_NEXT (other tcx programs and the host still see it). */
static size_t pktgen_up_lan_host(uint8_t *buf)
{
	return frame(buf, MAC_HOST, MAC_A, -1, 64);
}

static void setup_up_lan_host(struct tctx *t, struct run *r)
{
	(void)r;
	uplink_setup(t);
}

static void check_up_lan_host(struct tctx *t, struct run *r)
{
	struct kvnet_fdb_val v;

	assert_int_equal(r->retval, TCX_NEXT);
	assert_int_equal(fdb_learned(t, MAC_A, 0, &v), 0);
	assert_int_equal(v.ifindex, t->port[0]);
	assert_nothing_sent(t, r);
}
KVNET_CASE(up_lan_host)

/* A LAN broadcast: a clone to every guest port, the original goes on. */
static size_t pktgen_up_lan_bcast(uint8_t *buf)
{
	return frame(buf, MAC_BCAST, MAC_A, -1, 64);
}

static void setup_up_lan_bcast(struct tctx *t, struct run *r)
{
	(void)r;
	uplink_setup(t);
}

static void check_up_lan_bcast(struct tctx *t, struct run *r)
{
	assert_int_equal(r->retval, TCX_NEXT);
	assert_int_equal(stats(t, t->port[0]).flood_packets, 1);
	for (int j = 1; j < NPORTS; j++) {
		assert_tx(t, t->port[j], 1, r->len);
		assert_int_equal(dev_sent(t, r, j), 1);
	}
}
KVNET_CASE(up_lan_bcast)

/* A tagged frame from the LAN is the host's (its VLANs): not learned. */
static size_t pktgen_up_lan_tagged(uint8_t *buf)
{
	return frame(buf, MAC_BCAST, MAC_A, 7, 64);
}

static void setup_up_lan_tagged(struct tctx *t, struct run *r)
{
	(void)r;
	uplink_setup(t);
}

static void check_up_lan_tagged(struct tctx *t, struct run *r)
{
	struct kvnet_fdb_val v;

	assert_int_equal(r->retval, TCX_NEXT);
	assert_int_equal(fdb_learned(t, MAC_A, 0, &v), -ENOENT);
	assert_nothing_sent(t, r);
}
KVNET_CASE(up_lan_tagged)

/* A guest's frame for the host's MAC goes up the uplink's ingress, marked. */
static size_t pktgen_up_guest_host(uint8_t *buf)
{
	return frame(buf, MAC_HOST, MAC_B, -1, 64);
}

static void setup_up_guest_host(struct tctx *t, struct run *r)
{
	uplink_setup(t);
	r->ifindex = t->port[1];
}

static void check_up_guest_host(struct tctx *t, struct run *r)
{
	assert_int_equal(r->retval, TC_ACT_REDIRECT);
	assert_int_equal(r->mark_out, HOST_MARK);
	assert_tx(t, t->port[0], 1, r->len);
}
KVNET_CASE(up_guest_host)

/* A guest's frame for a LAN MAC goes out, unmarked. */
static size_t pktgen_up_guest_lan(uint8_t *buf)
{
	return frame(buf, MAC_A, MAC_B, -1, 64);
}

static void setup_up_guest_lan(struct tctx *t, struct run *r)
{
	uplink_setup(t);
	fdb_put(t, MAC_A, 0, t->port[0], 0, now_ns());
	r->ifindex = t->port[1];
}

static void check_up_guest_lan(struct tctx *t, struct run *r)
{
	assert_int_equal(r->retval, TC_ACT_REDIRECT);
	assert_int_equal(r->mark_out, 0);
	assert_tx(t, t->port[0], 1, r->len);
}
KVNET_CASE(up_guest_lan)

/* What kvnet sent up comes back through the uplink's ingress: passed,
 * unmarked, neither learned nor switched. */
static size_t pktgen_up_sent_up(uint8_t *buf)
{
	return frame(buf, MAC_BCAST, MAC_B, -1, 64);
}

static void setup_up_sent_up(struct tctx *t, struct run *r)
{
	uplink_setup(t);
	r->mark = HOST_MARK;
}

static void check_up_sent_up(struct tctx *t, struct run *r)
{
	struct kvnet_fdb_val v;

	assert_int_equal(r->retval, TCX_NEXT);
	assert_int_equal(r->mark_out, 0);
	assert_int_equal(fdb_learned(t, MAC_B, 0, &v), -ENOENT);
	assert_nothing_sent(t, r);
	assert_int_equal(stats(t, t->port[0]).rx_packets, 0);
}
KVNET_CASE(up_sent_up)

/* Egress: the host's frame for a guest goes to the guest, not the wire. */
static size_t pktgen_up_egress_guest(uint8_t *buf)
{
	return frame(buf, MAC_B, MAC_HOST, -1, 64);
}

static void setup_up_egress_guest(struct tctx *t, struct run *r)
{
	uplink_setup(t);
	fdb_put(t, MAC_B, 0, t->port[1], 0, now_ns());
	r->egress = 1;
}

static void check_up_egress_guest(struct tctx *t, struct run *r)
{
	assert_int_equal(r->retval, TC_ACT_REDIRECT);
	assert_tx(t, t->port[1], 1, r->len);
}
KVNET_CASE(up_egress_guest)

/* Egress: the host's broadcast is cloned to the guests and goes on. */
static size_t pktgen_up_egress_bcast(uint8_t *buf)
{
	return frame(buf, MAC_BCAST, MAC_HOST, -1, 64);
}

static void setup_up_egress_bcast(struct tctx *t, struct run *r)
{
	uplink_setup(t);
	r->egress = 1;
}

static void check_up_egress_bcast(struct tctx *t, struct run *r)
{
	assert_int_equal(r->retval, TCX_NEXT);
	for (int j = 1; j < NPORTS; j++)
		assert_int_equal(dev_sent(t, r, j), 1);
}
KVNET_CASE(up_egress_bcast)

/* Egress: a frame the switch sent out from a guest port passes as is. */
static size_t pktgen_up_egress_switched(uint8_t *buf)
{
	return frame(buf, MAC_BCAST, MAC_B, -1, 64);
}

static void setup_up_egress_switched(struct tctx *t, struct run *r)
{
	uplink_setup(t);
	r->egress = 1;
	r->iif = t->port[1];
}

static void check_up_egress_switched(struct tctx *t, struct run *r)
{
	assert_int_equal(r->retval, TCX_NEXT);
	assert_nothing_sent(t, r);
}
KVNET_CASE(up_egress_switched)


int main(void)
{
	const struct CMUnitTest tests[] = {
#define T(name) cmocka_unit_test_setup(test_##name, topo_setup)
		T(learn),
		T(vlan_8021q),
		T(vlan_three),
		T(vlan_8021ad),
		T(vlan_9100),
		T(vlan_cut),
		T(refresh_young),
		T(refresh_old),
		T(static_kept),
		T(static_learned),
		T(mac_move),
		T(learn_limit),
		T(learn_counted),
		T(learn_trusted),
		T(move_counts),
		T(lru_full),
		T(bcast_flood),
		T(mcast_flood),
		T(unknown_flood),
		T(aged_flood),
		T(fresh_unicast),
		T(unicast),
		T(unicast_peer),
		T(stale_dest),
		T(same_port),
		T(isolated),
		T(isolated_to_gw),
		T(isolated_flood),
		T(mtu_drop),
		T(mtu_fits),
		T(mtu_gso),
		T(mtu_flood),
		T(src_mcast),
		T(src_bcast),
		T(not_port),
		T(no_ports),
		T(flood_copy1),
		T(clone_fail),
		T(mtu_flood_all),
		T(route_out),
		T(to_gateway),
		T(to_gw_bcast),
		T(route_in),
		T(from_gateway),
		T(route_allowed),
		T(link_local),
		T(ipv6_out),
		T(gw_ethertype),
		T(gw_arp),
		T(gw_ethertype_in),
		T(flood_skips_gw),
		T(ra_skips_gw),
		T(flood_gw_guard),
		T(flood_gw_bcast),
		T(bpdu_punt),
		T(bpdu_flood),
		T(blocked_rx),
		T(blocked_bpdu),
		T(blocked_tx),
		T(blocked_flood),
		T(flood_limit),
		T(flood_limit_trusted),
		T(up_lan_host),
		T(up_lan_bcast),
		T(up_lan_tagged),
		T(up_guest_host),
		T(up_guest_lan),
		T(up_sent_up),
		T(up_egress_guest),
		T(up_egress_bcast),
		T(up_egress_switched),
#undef T
	};

	return cmocka_run_group_tests_name("switch_bpf", tests, group_setup,
					   group_teardown);
}
