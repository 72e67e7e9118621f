// SPDX-License-Identifier: GPL-2.0-only
/* Dry runs of the eBPF datapath (`kvnet trace --inject`): the network's
 * switch program loaded once more, with kvnet_dry_run set (ebpf/lib/dryrun.h),
 * over maps of its own that start as copies of the network's, and run on
 * one crafted frame with BPF_PROG_TEST_RUN. The copy follows the frame
 * through every stage into a trace ring of its own, which is read here.
 * What the frame would do to the network's state (an FDB entry learned,
 * a flow opened, a port taken for NAT) happens to the copies, which go
 * with the program: the network itself sees nothing. The program is the
 * same code as the one that runs, verified as the same object; only the
 * sending of clones is left out (a flood is counted, not sent).
 *
 * A dry run costs a program load (under a second) and a copy of the maps
 * (the FDB and conntrack tables, as large as they are now).
 */
#include <errno.h>
#include <string.h>
#include <stdlib.h>
#include <linux/pkt_cls.h>

#include "switch/dp_ebpf.h"
#include "switch/log.h"
#include "switch.skel.h"

/* Maps the copy must start from as the network has them: every map the
 * program reads, except its own scratch (per-CPU), its rings, the trace's
 * bookkeeping and the map versions. */
static bool inject_copies(const struct bpf_map *m)
{
	const char *name = bpf_map__name(m);

	switch (bpf_map__type(m)) {
	case BPF_MAP_TYPE_ARRAY:
	case BPF_MAP_TYPE_HASH:
	case BPF_MAP_TYPE_LRU_HASH:
	case BPF_MAP_TYPE_LPM_TRIE:
		break;
	default:
		return false;
	}
	return !bpf_map__is_internal(m) && strcmp(name, "trace_skbs") != 0 &&
	       strcmp(name, "trace_handoff") != 0 && strcmp(name, "map_versions") != 0;
}

static bool inject_is_zero(const void *val, size_t size)
{
	const unsigned char *b = val;

	for (size_t i = 0; i < size; i++)
		if (b[i])
			return false;
	return true;
}

/* Copy an array, index by index, into the copy's (zeroed) one. */
static int inject_copy_array(int from, int to, __u32 max, void *val, size_t size)
{
	for (__u32 i = 0; i < max; i++) {
		if (bpf_map_lookup_elem(from, &i, val) < 0)
			return -errno;
		if (!inject_is_zero(val, size) && bpf_map_update_elem(to, &i, val, BPF_ANY) < 0)
			return -errno;
	}
	return 0;
}

/* Copy a hash table (or trie), entry by entry. A table the datapath
 * changes meanwhile may restart the walk: it is bounded by twice its
 * size, and what it misses was changing anyway. */
static int inject_copy_hash(int from, int to, __u32 max, void *key, void *next, void *val,
			    size_t key_size)
{
	void *prev = NULL;

	for (__u64 n = 0; n < 2ULL * max; n++) {
		if (bpf_map_get_next_key(from, prev, next) < 0)
			return errno == ENOENT ? 0 : -errno;
		memcpy(key, next, key_size);
		prev = key;
		if (bpf_map_lookup_elem(from, key, val) < 0)
			continue; /* gone since */
		if (bpf_map_update_elem(to, key, val, BPF_ANY) < 0 && errno != E2BIG)
			return -errno;
	}
	return 0;
}

static int inject_copy_map(const struct bpf_map *live, const struct bpf_map *copy)
{
	size_t ks = bpf_map__key_size(live), vs = bpf_map__value_size(live);
	void *key = calloc(2, ks), *val = calloc(1, vs);
	int ret;

	if (!key || !val)
		ret = -ENOMEM;
	else if (bpf_map__type(live) == BPF_MAP_TYPE_ARRAY)
		ret = inject_copy_array(bpf_map__fd(live), bpf_map__fd(copy),
					bpf_map__max_entries(live), val, vs);
	else
		ret = inject_copy_hash(bpf_map__fd(live), bpf_map__fd(copy),
				       bpf_map__max_entries(live), key, (char *)key + ks, val, ks);
	free(key);
	free(val);
	return ret;
}

/* Open the copy: the flag set, the maps sized as the network's, and only
 * the ingress program to load. */
static struct switch_bpf *inject_open(struct dp_ebpf *dp)
{
	struct switch_bpf *k = dpe_open_ingress_only();
	struct bpf_map *m;

	if (!k)
		return NULL;
	k->rodata->kvnet_dry_run = 1;
	bpf_object__for_each_map(m, k->obj) {
		const struct bpf_map *live =
			bpf_object__find_map_by_name(dp->skel->obj, bpf_map__name(m));

		if (live && inject_copies(m))
			bpf_map__set_max_entries(m, bpf_map__max_entries(live));
	}
	return k;
}

static int inject_copy_all(struct dp_ebpf *dp, struct switch_bpf *k)
{
	struct bpf_map *m;
	int ret;

	bpf_object__for_each_map(m, k->obj) {
		const struct bpf_map *live =
			bpf_object__find_map_by_name(dp->skel->obj, bpf_map__name(m));

		if (!live || !inject_copies(m))
			continue;
		ret = inject_copy_map(live, m);
		if (ret < 0) {
			log_warn("dry run: cannot copy map %s: %s", bpf_map__name(m),
				 strerror(-ret));
			return ret;
		}
	}
	return 0;
}

struct inject_read {
	void (*fn)(void *arg, const struct kvnet_trace_event *ev);
	void *arg;
};

static int inject_event(void *ctx, void *data, size_t size)
{
	struct inject_read *r = ctx;

	if (size >= sizeof(struct kvnet_trace_event))
		r->fn(r->arg, data);
	return 0;
}

/* Run the frame through the loaded copy and hand its events on. */
static int inject_run(struct switch_bpf *k, int ifindex, const void *frame, size_t len,
		      struct inject_read *r, int *verdict, struct kv_error *e)
{
	struct __sk_buff ctx = { .ifindex = (__u32)ifindex, .ingress_ifindex = (__u32)ifindex };
	LIBBPF_OPTS(bpf_test_run_opts, o, .data_in = frame, .data_size_in = (__u32)len,
		    .ctx_in = &ctx, .ctx_size_in = sizeof(ctx), .repeat = 1);
	struct ring_buffer *rb;

	if (bpf_prog_test_run_opts(bpf_program__fd(k->progs.kvnet_ingress), &o) < 0)
		return kv_fail(e, KV_ERR_SYSTEM, -errno, "the dry run failed: %s",
			       strerror(errno));
	*verdict = (int)o.retval;
	rb = ring_buffer__new(bpf_map__fd(k->maps.trace_ring), inject_event, r, NULL);
	if (!rb)
		return kv_fail(e, KV_ERR_SYSTEM, -errno, "cannot read the dry run's events: %s",
			       strerror(errno));
	ring_buffer__consume(rb);
	ring_buffer__free(rb);
	return 0;
}

int dpe_inject(struct dp *base, int ifindex, const void *frame, size_t len,
	       void (*fn)(void *arg, const struct kvnet_trace_event *ev), void *arg, int *verdict,
	       struct kv_error *e)
{
	struct dp_ebpf *dp = dpe(base);
	struct inject_read r = { .fn = fn, .arg = arg };
	struct switch_bpf *k;
	int ret;

	if (!dp->skel)
		return kv_fail(e, KV_ERR_STATE, -ENOENT, "the datapath is not loaded");
	k = inject_open(dp);
	if (!k)
		return kv_fail(e, KV_ERR_SYSTEM, -errno, "cannot open the datapath: %s",
			       strerror(errno));
	ret = switch_bpf__load(k);
	if (ret) {
		switch_bpf__destroy(k);
		return kv_fail(e, KV_ERR_SYSTEM, ret < 0 ? ret : -EINVAL,
			       "cannot load the dry run's program: %s",
			       strerror(ret < 0 ? -ret : EINVAL));
	}
	ret = inject_copy_all(dp, k);
	if (ret < 0)
		kv_fail(e, KV_ERR_SYSTEM, ret, "cannot copy the network's state: %s",
			strerror(-ret));
	else
		ret = inject_run(k, ifindex, frame, len, &r, verdict, e);
	switch_bpf__destroy(k);
	return ret;
}
