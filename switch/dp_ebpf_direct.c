// SPDX-License-Identifier: GPL-2.0-only
/* ports_direct: the ports map's entries for ifindexes below
 * KVNET_PORTS_DIRECT, in an array at the index of their ifindex, which is
 * what a frame reads for them (ebpf/lib/port.h). Every write of the ports
 * map goes through here, so that the two agree:
 *  - an entry is written to ports, then to ports_direct;
 *  - it is erased from ports_direct, then from ports;
 * so a kill between the two leaves at worst a port that frames do not see
 * yet, or no longer, never one that ports lacks. A daemon that starts
 * makes ports_direct what ports says (dpe_ports_direct_sync), whatever it
 * adopted.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "switch/dp_ebpf.h"
#include "switch/fault.h"

static int dpe_direct_put(struct dp_ebpf *dp, __u32 ifindex, const struct kvnet_port *v)
{
	return bpf_map_update_elem(dp->fd[KVNET_MAPID_PORTS_DIRECT], &ifindex, v, BPF_ANY) < 0
		   ? -errno
		   : 0;
}

int dpe_ports_write(struct dp_ebpf *dp, const struct kvnet_port *v, __u64 flags)
{
	__u32 key = v->ifindex;
	int ret;

	if (bpf_map_update_elem(dp->fd[KVNET_MAPID_PORTS], &key, v, flags) < 0)
		return -errno;
	if (key >= KVNET_PORTS_DIRECT)
		return 0;
	ret = FAULT("dp.port_direct");
	return ret ? ret : dpe_direct_put(dp, key, v);
}

int dpe_ports_erase(struct dp_ebpf *dp, __u32 ifindex)
{
	static const struct kvnet_port none;
	int ret;

	if (ifindex < KVNET_PORTS_DIRECT) {
		ret = dpe_direct_put(dp, ifindex, &none);
		if (ret < 0)
			return ret;
	}
	if (bpf_map_delete_elem(dp->fd[KVNET_MAPID_PORTS], &ifindex) < 0 && errno != ENOENT)
		return -errno;
	return 0;
}

/* Erase the slots of ports_direct (read whole into slots) that hold a
 * port ports does not. */
static int dpe_direct_drop_strays(struct dp_ebpf *dp, const struct kvnet_port *slots)
{
	static const struct kvnet_port none;
	struct kvnet_port v;
	int ret;

	for (__u32 i = 0; i < KVNET_PORTS_DIRECT; i++) {
		if (!slots[i].ifindex)
			continue;
		if (slots[i].ifindex == i &&
		    bpf_map_lookup_elem(dp->fd[KVNET_MAPID_PORTS], &i, &v) == 0)
			continue;
		ret = dpe_direct_put(dp, i, &none);
		if (ret < 0)
			return ret;
	}
	return 0;
}

/* Write every port of ports below KVNET_PORTS_DIRECT whose slot differs. */
static int dpe_direct_fill(struct dp_ebpf *dp, const struct kvnet_port *slots)
{
	__u32 key, next, *prev = NULL;
	struct kvnet_port v;
	int ret;

	while (bpf_map_get_next_key(dp->fd[KVNET_MAPID_PORTS], prev, &next) == 0) {
		key = next;
		prev = &key;
		if (key >= KVNET_PORTS_DIRECT ||
		    bpf_map_lookup_elem(dp->fd[KVNET_MAPID_PORTS], &key, &v) < 0)
			continue;
		v.ifindex = key;
		if (!memcmp(&slots[key], &v, sizeof(v)))
			continue;
		ret = dpe_direct_put(dp, key, &v);
		if (ret < 0)
			return ret;
	}
	return 0;
}

/* ports_direct whole into slots, each at its index. */
static int dpe_direct_read(struct dp_ebpf *dp, struct kvnet_port *slots)
{
	struct kvnet_port *vals = calloc(KVNET_PORTS_DIRECT, sizeof(*vals));
	__u32 *keys = calloc(KVNET_PORTS_DIRECT, sizeof(*keys));
	__u32 count = KVNET_PORTS_DIRECT, out = 0;
	int ret = 0;

	if (!keys || !vals) {
		ret = -ENOMEM;
	} else if (bpf_map_lookup_batch(dp->fd[KVNET_MAPID_PORTS_DIRECT], NULL, &out, keys, vals,
					&count, NULL) < 0 &&
		   errno != ENOENT) {
		ret = -errno;
	} else {
		for (__u32 i = 0; i < count && i < KVNET_PORTS_DIRECT; i++)
			if (keys[i] < KVNET_PORTS_DIRECT)
				slots[keys[i]] = vals[i];
	}
	free(keys);
	free(vals);
	return ret;
}

int dpe_ports_direct_sync(struct dp_ebpf *dp)
{
	struct kvnet_port *slots = calloc(KVNET_PORTS_DIRECT, sizeof(*slots));
	int ret;

	if (!slots)
		return -ENOMEM;
	ret = dpe_direct_read(dp, slots);
	if (!ret)
		ret = dpe_direct_drop_strays(dp, slots);
	if (!ret)
		ret = dpe_direct_fill(dp, slots);
	free(slots);
	return ret;
}
