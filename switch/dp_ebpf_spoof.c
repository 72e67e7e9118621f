// SPDX-License-Identifier: GPL-2.0-only
/* The eBPF datapath's anti-spoofing maps (ebpf/lib/spoof.h): port_addrs,
 * the binding of each port, and addr_owners, every bound or reserved
 * address. kvnetd hands over the whole wanted state each time; this file
 * writes what differs, then deletes what is no longer wanted. Each write
 * replaces one element whole, so a frame sees a binding before or after
 * the change, never half of one; between two writes a frame may meet the
 * old owner of an address or the new one, both of which were right a
 * moment ago. After any change, the network gets a new anti-spoofing
 * generation (dpe_bind_gen_bump), so that the established-flow path
 * checks every flow again (ebpf/lib/fastpath.h). */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "switch/dp_ebpf.h"
#include "switch/fault.h"
#include "switch/log.h"

/* Write one port's binding unless the map already holds it. Returns 1 if
 * written, 0 if not needed, or -errno. */
static int dpe_bind_put(int fd, const struct dp_binding *b)
{
	struct kvnet_port_addrs cur;
	__u32 key = (__u32)b->ifindex;

	if (bpf_map_lookup_elem(fd, &key, &cur) == 0 && !memcmp(&cur, &b->addrs, sizeof(cur)))
		return 0;
	return bpf_map_update_elem(fd, &key, &b->addrs, BPF_ANY) < 0 ? -errno : 1;
}

/* As dpe_bind_put, for one address's owner. */
static int dpe_owner_put(int fd, const struct dp_owner *o)
{
	__u32 cur, val = (__u32)o->ifindex;
	__be32 key = o->ip;

	if (bpf_map_lookup_elem(fd, &key, &cur) == 0 && cur == val)
		return 0;
	return bpf_map_update_elem(fd, &key, &val, BPF_ANY) < 0 ? -errno : 1;
}

static bool dpe_bind_wanted(const struct dp_binding *b, int nb, __u32 key)
{
	for (int i = 0; i < nb; i++)
		if ((__u32)b[i].ifindex == key)
			return true;
	return false;
}

static int dpe_u32_cmp(const void *a, const void *b)
{
	__u32 x = *(const __u32 *)a, y = *(const __u32 *)b;

	return x < y ? -1 : x > y;
}

/* w: the wanted addresses, sorted. */
static bool dpe_owner_wanted(const __u32 *w, int n, __u32 key)
{
	return bsearch(&key, w, (size_t)n, sizeof(*w), dpe_u32_cmp) != NULL;
}

/* Delete every key of the map (keys are __u32 in both) that is not
 * wanted. Keys are collected first: deleting while walking a hash map
 * restarts the walk. Returns how many were deleted (tried). */
static int dpe_prune(int fd, __u32 max, bool (*wanted)(const void *w, int n, __u32 key),
		     const void *w, int n)
{
	__u32 *keys = calloc(max, sizeof(*keys)), key, next, *prev = NULL, cnt = 0;
	int deleted = 0;

	if (!keys)
		return 0;
	while (cnt < max && bpf_map_get_next_key(fd, prev, &next) == 0) {
		key = next;
		prev = &key;
		keys[cnt++] = key;
	}
	for (__u32 i = 0; i < cnt; i++)
		if (!wanted(w, n, keys[i])) {
			bpf_map_delete_elem(fd, &keys[i]);
			deleted++;
		}
	free(keys);
	return deleted;
}

static bool dpe_bind_wanted_cb(const void *w, int n, __u32 key)
{
	return dpe_bind_wanted(w, n, key);
}

static bool dpe_owner_wanted_cb(const void *w, int n, __u32 key)
{
	return dpe_owner_wanted(w, n, key);
}

int dpe_bind_sync(struct dp *base, const struct dp_binding *b, int nb, const struct dp_owner *o,
		  int no)
{
	struct dp_ebpf *dp = dpe(base);
	int bfd = dp->fd[KVNET_MAPID_PORT_ADDRS], ofd = dp->fd[KVNET_MAPID_ADDR_OWNERS];
	__u32 *ips = calloc((size_t)no + 1, sizeof(*ips));
	int ret = 0, changed = 0, r = 0;

	if (!ips)
		return -ENOMEM;
	for (int i = 0; i < no; i++)
		ips[i] = o[i].ip;
	qsort(ips, (size_t)no, sizeof(*ips), dpe_u32_cmp);

	/* new owners before the bindings that rely on them, stale ones after */
	for (int i = 0; i < no; i++) {
		r = dpe_owner_put(ofd, &o[i]);
		changed |= r != 0;
		if (r < 0 && !ret)
			ret = r;
	}
	for (int i = 0; i < nb; i++) {
		r = dpe_bind_put(bfd, &b[i]);
		changed |= r != 0;
		if (r < 0 && !ret)
			ret = r;
	}
	changed |= dpe_prune(bfd, KVNET_MAX_PORTS, dpe_bind_wanted_cb, b, nb) > 0;
	changed |= dpe_prune(ofd, KVNET_ADDR_OWNERS_MAX, dpe_owner_wanted_cb, ips, no) > 0;
	free(ips);
	/* last: what was checked before the change is checked again (a
	 * kvnetd killed here leaves that to its successor's dpe_configure) */
	if (changed && (r = FAULT("dp.bind_gen")) == 0)
		r = dpe_bind_gen_bump(dp);
	if (changed && r < 0 && !ret)
		ret = r;
	if (ret < 0)
		log_warn("cannot write every anti-spoofing binding: %s", strerror(-ret));
	return ret;
}

int dpe_bind_get(struct dp *base, int ifindex, struct kvnet_port_addrs *out)
{
	__u32 key = (__u32)ifindex;

	if (bpf_map_lookup_elem(dpe(base)->fd[KVNET_MAPID_PORT_ADDRS], &key, out) < 0)
		return -ENOENT;
	return 0;
}
