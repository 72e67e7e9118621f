// SPDX-License-Identifier: GPL-2.0-only
/* portsdump: a test tool that prints the ports of the kvnet switch running
 * on PORT as its two tables hold them, for the tests that check they agree
 * (ports, a HASH by ifindex, and ports_direct, the ARRAY that mirrors its
 * low ifindexes: ebpf/lib/port.h). It finds the maps through the program
 * at the port's tcx ingress, as fdbfill does, and reads ports_direct with
 * one BPF_MAP_LOOKUP_BATCH: bpftool takes seconds over its 16384 slots.
 * One JSON line:
 *   {"ports": {"4": [flags, mtu, stats_idx], ...},
 *    "direct": {"4": [flags, mtu, stats_idx], ...}}
 * where "direct" lists the slots that hold a port, and a slot that holds
 * one under another ifindex than its own is printed with its own index
 * and the other ifindex as a fourth member.
 */
#include <errno.h>
#include <net/if.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <bpf/bpf.h>

#include "kvnet_shared.h"
#include "switch/datapath.h"

static void portsdump_entry(__u32 key, const struct kvnet_port *p, bool *first)
{
	printf("%s\"%u\": [%u, %u, %u", *first ? "" : ", ", key, p->flags, p->mtu, p->stats_idx);
	if (p->ifindex != key)
		printf(", %u", p->ifindex);
	printf("]");
	*first = false;
}

static int portsdump_hash(int fd)
{
	__u32 key, next, *prev = NULL;
	struct kvnet_port p;
	bool first = true;

	printf("{\"ports\": {");
	while (bpf_map_get_next_key(fd, prev, &next) == 0) {
		key = next;
		prev = &key;
		if (bpf_map_lookup_elem(fd, &key, &p) < 0)
			return -errno;
		p.ifindex = key; /* the key is the truth */
		portsdump_entry(key, &p, &first);
	}
	printf("}");
	return 0;
}

static int portsdump_direct(int fd)
{
	struct kvnet_port *vals = calloc(KVNET_PORTS_DIRECT, sizeof(*vals));
	__u32 *keys = calloc(KVNET_PORTS_DIRECT, sizeof(*keys));
	__u32 count = KVNET_PORTS_DIRECT, out = 0;
	bool first = true;
	int ret = 0;

	if (!keys || !vals)
		ret = -ENOMEM;
	else if (bpf_map_lookup_batch(fd, NULL, &out, keys, vals, &count, NULL) < 0 &&
		 errno != ENOENT)
		ret = -errno;
	if (!ret) {
		printf(", \"direct\": {");
		for (__u32 i = 0; i < count; i++)
			if (vals[i].ifindex)
				portsdump_entry(keys[i], &vals[i], &first);
		printf("}}\n");
	}
	free(keys);
	free(vals);
	return ret;
}

int main(int argc, char **argv)
{
	int ifindex, hash, direct, ret;

	if (argc != 2) {
		fprintf(stderr, "usage: portsdump PORT\n");
		return 2;
	}
	ifindex = (int)if_nametoindex(argv[1]);
	hash = ifindex ? dp_ebpf_map_fd(ifindex, KVNET_MAP_PORTS) : -ENODEV;
	direct = ifindex ? dp_ebpf_map_fd(ifindex, KVNET_MAP_PORTS_DIRECT) : -ENODEV;
	if (hash < 0 || direct < 0) {
		fprintf(stderr, "portsdump: no kvnet switch with both tables runs on %s\n",
			argv[1]);
		return 1;
	}
	ret = portsdump_hash(hash);
	if (!ret)
		ret = portsdump_direct(direct);
	if (ret < 0) {
		fprintf(stderr, "portsdump: %s\n", strerror(-ret));
		return 1;
	}
	return 0;
}
