// SPDX-License-Identifier: GPL-2.0-only
/* Unit tests of the eBPF datapath's map-by-map adoption (switch/
 * dp_ebpf_adopt.c): a restarted kvnetd takes over each running map whose
 * version and shape it shares and starts only the others fresh. The
 * process works in a private network namespace with one veth pair; the
 * root namespace is never touched. */
#include <errno.h>
#include <sched.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include <linux/if.h>
#include <netlink/netlink.h>
#include <netlink/route/link.h>
#include <netlink/route/link/veth.h>

#include "switch/dp_ebpf.h"
#include "switch/log.h"

static const uint8_t MAC_A[6] = { 0x52, 0x54, 0x00, 0, 0, 0x0a };

struct actx {
	int ifindex; /* the port, a veth end */
};

static int group_setup(void **state)
{
	struct actx *t = calloc(1, sizeof(*t));
	struct nl_sock *nl = nl_socket_alloc();
	struct rtnl_link *link = NULL, *chg = rtnl_link_alloc();

	if (!t || !nl || !chg || unshare(CLONE_NEWNET) < 0 ||
	    nl_connect(nl, NETLINK_ROUTE) < 0 ||
	    rtnl_link_veth_add(nl, "p1", "q1", getpid()) < 0 ||
	    rtnl_link_get_kernel(nl, 0, "p1", &link) < 0)
		return -1;
	rtnl_link_set_flags(chg, IFF_UP);
	rtnl_link_change(nl, link, chg, 0);
	t->ifindex = rtnl_link_get_ifindex(link);
	rtnl_link_put(link);
	rtnl_link_put(chg);
	nl_socket_free(nl);
	log_set_level(LOG_LVL_ERR);
	*state = t;
	return 0;
}

static int group_teardown(void **state)
{
	free(*state);
	return 0;
}

static uint32_t map_id(int fd)
{
	struct bpf_map_info mi = { 0 };
	__u32 len = sizeof(mi);

	assert_int_equal(bpf_obj_get_info_by_fd(fd, &mi, &len), 0);
	return mi.id;
}

/* A running datapath on p1 with a pinned MAC and some counted traffic;
 * returns the ids of its maps. */
static void run_datapath(struct actx *t, uint32_t ids[KVNET_MAPID_COUNT])
{
	struct dp_open_args a = { .bpffs = "", .net = "n1" };
	struct dp_config c = { .aging_s = 300 };
	struct dp_port p = { t->ifindex, 0, 1500 };
	struct kvnet_port_stats st[64] = { 0 };
	struct kv_error e = { 0 };
	struct dp *dp;
	__u32 zero = 0;

	assert_int_equal(dp_open(&dp_ebpf_ops, &dp, &a, &e), 0);
	assert_false(dp->adopted);
	assert_int_equal(dp_configure(dp, &c, &e), 0);
	assert_int_equal(dp_port_attach(dp, &p, &e), 0);
	assert_int_equal(dp_fdb_pin(dp, MAC_A, t->ifindex, &e), 0);
	st[0].rx_packets = 42;
	assert_int_equal(bpf_map_update_elem(dpe(dp)->fd[KVNET_MAPID_STATS], &zero, st,
					     BPF_ANY), 0);
	for (int i = 0; i < KVNET_MAPID_COUNT; i++)
		ids[i] = map_id(dpe(dp)->fd[i]);
	dp_close(dp); /* the kernel keeps it attached */
	assert_true(dp_ebpf_attached(t->ifindex));
}

/* The running datapath's map_versions, found through the attached program. */
static void set_running_version(struct actx *t, enum kvnet_map_id id, __u32 v)
{
	int prog = dpe_find_attached(t->ifindex), fd = -1;
	__u32 ids[32], n;
	struct bpf_prog_info info = { 0 };
	__u32 len = sizeof(info), key = id;

	assert_true(prog >= 0);
	info.nr_map_ids = 32;
	info.map_ids = (__u64)(unsigned long)ids;
	assert_int_equal(bpf_obj_get_info_by_fd(prog, &info, &len), 0);
	n = info.nr_map_ids;
	for (__u32 i = 0; i < n && fd < 0; i++) {
		struct bpf_map_info mi = { 0 };
		__u32 ml = sizeof(mi);
		int m = bpf_map_get_fd_by_id(ids[i]);

		if (bpf_obj_get_info_by_fd(m, &mi, &ml) == 0 &&
		    !strcmp(mi.name, KVNET_MAP_VERSIONS))
			fd = m;
		else
			close(m);
	}
	assert_true(fd >= 0);
	assert_int_equal(bpf_map_update_elem(fd, &key, &v, BPF_ANY), 0);
	close(fd);
	close(prog);
}

static struct dp *adopt(struct actx *t)
{
	struct dp_open_args a = { .bpffs = "", .net = "n1", .ports = &t->ifindex, .nports = 1 };
	struct kv_error e = { 0 };
	struct dp *dp;

	assert_int_equal(dp_open(&dp_ebpf_ops, &dp, &a, &e), 0);
	return dp;
}

static void cleanup(struct actx *t, struct dp *dp)
{
	dp_port_detach(dp, t->ifindex, true);
	dp_close(dp);
	assert_false(dp_ebpf_attached(t->ifindex));
}

/* Everything of this build's versions: every map is taken over. */
static void test_adopt_all(void **state)
{
	struct actx *t = *state;
	uint32_t ids[KVNET_MAPID_COUNT];
	struct kvnet_port_stats s;
	struct dp *dp;

	run_datapath(t, ids);
	dp = adopt(t);
	assert_true(dp->adopted);
	for (int i = 0; i < KVNET_MAPID_COUNT; i++)
		assert_int_equal(map_id(dpe(dp)->fd[i]), ids[i]);
	assert_int_equal(dp_port_stats(dp, t->ifindex, &s), 0);
	assert_int_equal(s.rx_packets, 42);
	cleanup(t, dp);
}

/* The counters' layout changed (an upgrade): they start fresh, the FDB and
 * the ports are kept. */
static void test_adopt_but_stats(void **state)
{
	struct actx *t = *state;
	uint32_t ids[KVNET_MAPID_COUNT];
	struct dp_fdb_entry *v;
	struct dp *dp;
	int n;

	run_datapath(t, ids);
	set_running_version(t, KVNET_MAPID_STATS, KVNET_MAPVER_STATS + 1);
	dp = adopt(t);
	assert_true(dp->adopted);
	assert_int_equal(map_id(dpe(dp)->fd[KVNET_MAPID_FDB_STATIC]),
			 ids[KVNET_MAPID_FDB_STATIC]);
	assert_int_equal(map_id(dpe(dp)->fd[KVNET_MAPID_PORTS]), ids[KVNET_MAPID_PORTS]);
	assert_int_not_equal(map_id(dpe(dp)->fd[KVNET_MAPID_STATS]), ids[KVNET_MAPID_STATS]);
	assert_int_equal(dp_fdb_dump(dp, &v, &n), 0);
	assert_int_equal(n, 1);
	assert_memory_equal(v[0].key.mac, MAC_A, 6);
	free(v);
	cleanup(t, dp);
}

/* A new ports layout takes the counters with it (they are indexed by the
 * slot the ports map assigns), and the old ports are listed as orphans. */
static void test_adopt_but_ports(void **state)
{
	struct actx *t = *state;
	uint32_t ids[KVNET_MAPID_COUNT];
	struct dp *dp;

	run_datapath(t, ids);
	set_running_version(t, KVNET_MAPID_PORTS, 0);
	dp = adopt(t);
	assert_int_not_equal(map_id(dpe(dp)->fd[KVNET_MAPID_PORTS]), ids[KVNET_MAPID_PORTS]);
	assert_int_not_equal(map_id(dpe(dp)->fd[KVNET_MAPID_STATS]), ids[KVNET_MAPID_STATS]);
	assert_int_equal(map_id(dpe(dp)->fd[KVNET_MAPID_FDB]), ids[KVNET_MAPID_FDB]);
	assert_int_equal(dp->norphans, 1);
	assert_int_equal(dp->orphans[0], t->ifindex);
	dp_ebpf_detach_any(t->ifindex);
	dp_close(dp);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_adopt_all),
		cmocka_unit_test(test_adopt_but_stats),
		cmocka_unit_test(test_adopt_but_ports),
	};

	return cmocka_run_group_tests_name("dp_adopt", tests, group_setup, group_teardown);
}
