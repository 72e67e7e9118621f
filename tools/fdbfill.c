// SPDX-License-Identifier: GPL-2.0-only
/* fdbfill: a test tool that fills a running network's learned FDB with N
 * made-up MACs, as if N guests had talked behind one port, in seconds
 * instead of the minutes a packet generator would take. It finds the
 * network's maps through the kvnet program at the port's tcx ingress
 * (BPF_PROG_QUERY, then the program's map ids), so it needs no pins and
 * works where `ip netns exec` hides /sys/fs/bpf: run it in kvnetd's
 * namespace. Entries are written with BPF_MAP_UPDATE_BATCH, last seen now.
 * With --count it only counts the learned entries. It prints one line:
 * "inserted N" or "count N".
 */
#include <errno.h>
#include <net/if.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "kvnet_shared.h"
#include "switch/datapath.h"

#define FDBFILL_BATCH 4096

struct fdbfill_opts {
	const char *port;
	unsigned long n;
	unsigned long first; /* number of the first MAC */
	bool count;
};

static void fdbfill_usage(FILE *f)
{
	fprintf(f, "usage: fdbfill PORT N [FIRST]   add N learned MACs behind PORT\n"
		   "       fdbfill PORT --count      count the learned MACs\n"
		   "MACs are 02:kv:nn:nn:nn:nn with nn = FIRST (default 0) onwards.\n");
}

static uint64_t fdbfill_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec;
}

static int fdbfill_insert(int map, int ifindex, unsigned long first, unsigned long n)
{
	static struct kvnet_fdb_key keys[FDBFILL_BATCH];
	static struct kvnet_fdb_val vals[FDBFILL_BATCH];
	LIBBPF_OPTS(bpf_map_batch_opts, o, .elem_flags = BPF_ANY);

	for (unsigned long done = 0; done < n;) {
		__u32 cnt = n - done < FDBFILL_BATCH ? (__u32)(n - done) : FDBFILL_BATCH;
		uint64_t now = fdbfill_now();

		for (__u32 i = 0; i < cnt; i++) {
			unsigned long m = first + done + i;

			keys[i] = (struct kvnet_fdb_key){
				.mac = { 0x02, 0x6b, (uint8_t)(m >> 24), (uint8_t)(m >> 16),
					 (uint8_t)(m >> 8), (uint8_t)m } };
			vals[i] = (struct kvnet_fdb_val){ .ifindex = (__u32)ifindex,
							  .last_seen_ns = now };
		}
		if (bpf_map_update_batch(map, keys, vals, &cnt, &o) < 0)
			return -errno;
		done += cnt;
	}
	return 0;
}

static long fdbfill_count(int map)
{
	static struct kvnet_fdb_key keys[FDBFILL_BATCH];
	static struct kvnet_fdb_val vals[FDBFILL_BATCH];
	__u64 token = 0;
	long total = 0;

	for (bool first = true;; first = false) {
		__u32 cnt = FDBFILL_BATCH;
		int r = bpf_map_lookup_batch(map, first ? NULL : &token, &token, keys, vals,
					     &cnt, NULL);

		total += cnt;
		if (r < 0)
			return errno == ENOENT ? total : -errno;
	}
}

static int fdbfill_parse(int argc, char **argv, struct fdbfill_opts *o)
{
	char *end;

	if (argc < 3 || argc > 4)
		return -EINVAL;
	o->port = argv[1];
	if (!strcmp(argv[2], "--count")) {
		o->count = true;
		return argc == 3 ? 0 : -EINVAL;
	}
	o->n = strtoul(argv[2], &end, 10);
	if (*end || !*argv[2])
		return -EINVAL;
	if (argc == 4) {
		o->first = strtoul(argv[3], &end, 10);
		if (*end || !*argv[3])
			return -EINVAL;
	}
	return 0;
}

int main(int argc, char **argv)
{
	struct fdbfill_opts o = { 0 };
	int ifindex, map, r;
	long cnt;

	if (fdbfill_parse(argc, argv, &o) < 0) {
		fdbfill_usage(stderr);
		return 2;
	}
	ifindex = (int)if_nametoindex(o.port);
	map = ifindex ? dp_ebpf_map_fd(ifindex, KVNET_MAP_FDB) : -ENODEV;
	if (map < 0) {
		fprintf(stderr, "fdbfill: no kvnet FDB behind %s: %s\n", o.port, strerror(-map));
		return 1;
	}
	if (o.count) {
		cnt = fdbfill_count(map);
		if (cnt >= 0)
			printf("count %ld\n", cnt);
		r = cnt < 0 ? (int)cnt : 0;
	} else {
		r = fdbfill_insert(map, ifindex, o.first, o.n);
		if (r == 0)
			printf("inserted %lu\n", o.n);
	}
	if (r < 0)
		fprintf(stderr, "fdbfill: %s: %s\n", o.count ? "count" : "insert", strerror(-r));
	return r < 0 ? 1 : 0;
}
