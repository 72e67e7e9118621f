// SPDX-License-Identifier: GPL-2.0-only
/* The switch's two ingress programs. The untraced copy is the same
 * source built with no tracing code (KVNET_NO_TRACE,
 * build/switch_untraced.bpf.o), loaded over the maps of the network's
 * switch object (dp->skel), so that it shares every table, counter and
 * setting with the traced program. The network's ports run it while no trace session
 * runs on the network: the datapath then carries no tracing code at all,
 * not even the test of a flag, and is the very program of a build
 * without tracing (make bench's baseline, build/kvnetd-notrace). A
 * session's start puts the traced program on every port, and the end of
 * the last one the untraced copy again, each port atomically
 * (BPF_F_REPLACE), so a frame runs one or the other whole. A frame that
 * entered before the start is not traced, as it would not have been
 * before.
 *
 * The traced program, and with it the kernel's drop tracepoints, loads
 * on the first trace session's start, over every map of dp->skel, its
 * global data included: the sessions' filters the daemon writes into
 * dp->skel->bss are the ones it reads. A network thus starts, and a
 * restarted daemon adopts it, at the cost of one verification of the
 * switch; the first trace on it pays for the second. Where the untraced
 * copy cannot be loaded, the traced program loads with the network and
 * runs everywhere.
 */
#include <errno.h>
#include <string.h>

#include "switch/dp_ebpf.h"
#include "switch/log.h"
#include "switch.skel.h"
#include "switch_untraced.skel.h"

/* Every map of the copy is the traced program's, except its global data
 * (.rodata, .bss: its own, and no code of the copy reads the tracing
 * globals). */
static int untraced_reuse_maps(struct dp_ebpf *dp, struct switch_untraced_bpf *k)
{
	struct bpf_map *m;

	bpf_object__for_each_map(m, k->obj) {
		const struct bpf_map *live;

		if (bpf_map__is_internal(m))
			continue;
		live = bpf_object__find_map_by_name(dp->skel->obj, bpf_map__name(m));
		if (!live || bpf_map__fd(live) < 0)
			return -ENOENT;
		if (bpf_map__reuse_fd(m, bpf_map__fd(live)))
			return -errno;
	}
	return 0;
}

/* Bind the map versions to a loaded copy, for a restarted daemon that finds
 * that copy running (dp_ebpf_adopt.c). */
static void bind_versions(struct dp_ebpf *dp, int prog_fd, const char *which)
{
	if (bpf_prog_bind_map(prog_fd, dp->versions_fd, NULL) < 0)
		log_warn("cannot bind the map versions to the %s program: %s",
			 which, strerror(errno));
}

int dpe_untraced_load(struct dp_ebpf *dp)
{
	struct switch_untraced_bpf *k = switch_untraced_bpf__open();
	int ret;

	if (!k)
		return -errno;
	dpe_keep_ingress_only(k->obj);
	ret = untraced_reuse_maps(dp, k);
	if (!ret)
		ret = switch_untraced_bpf__load(k);
	if (ret) {
		switch_untraced_bpf__destroy(k);
		return ret < 0 ? ret : -EINVAL;
	}
	dp->untraced = k;
	dp->untraced_fd = bpf_program__fd(k->progs.kvnet_ingress);
	bind_versions(dp, dp->untraced_fd, "untraced");
	return 0;
}

int dpe_traced_load(struct dp_ebpf *dp)
{
	struct switch_bpf *k;

	if (dp->traced)
		return 0;
	if (!dp->skel)
		return -ENOENT;
	k = dpe_load_more(dp, true);
	if (!k)
		return -errno;
	dp->traced = k;
	dp->traced_fd = bpf_program__fd(k->progs.kvnet_ingress);
	bind_versions(dp, dp->traced_fd, "traced");
	return 0;
}

void dpe_traced_close(struct dp_ebpf *dp)
{
	if (dp->traced)
		switch_bpf__destroy(dp->traced);
	dp->traced = NULL;
	dp->traced_fd = -1;
}

void dpe_untraced_close(struct dp_ebpf *dp)
{
	if (dp->untraced)
		switch_untraced_bpf__destroy(dp->untraced);
	dp->untraced = NULL;
	dp->untraced_fd = -1;
}

int dpe_untraced_select(struct dp_ebpf *dp, bool traced)
{
	int ifindexes[KVNET_MAX_PORTS], n, ret = 0, r, want;

	if (traced && (ret = dpe_traced_load(dp)) < 0) {
		log_warn("trace: cannot load the traced program: %s", strerror(-ret));
		return ret;
	}
	want = traced || !dp->untraced ? dp->traced_fd : dp->untraced_fd;
	if (dp->prog_fd == want)
		return 0;
	dp->prog_fd = want;
	n = dpe_port_list(&dp->base, ifindexes, KVNET_MAX_PORTS);
	for (int i = 0; i < n; i++) {
		r = dpe_tcx_attach_at(ifindexes[i], DPE_TCX_INGRESS, KVNET_PROG_INGRESS, want);
		if (r < 0 && r != -ENODEV)
			log_warn("trace: cannot put the %s program on ifindex %d: %s",
				 traced ? "traced" : "untraced", ifindexes[i], strerror(-r));
		if (r < 0 && !ret)
			ret = r;
	}
	return ret;
}
