// SPDX-License-Identifier: GPL-2.0-only
/* The eBPF datapath's side of packet-path tracing (ebpf/lib/trace.h): the
 * sessions' coarse filters written into the switch program's .bss, which
 * the skeleton maps, and the trace ring read like the punt ring. */
#include <errno.h>
#include <string.h>

#include "switch/dp_ebpf.h"
#include "switch.skel.h"

int dpe_trace_set(struct dp *base, __u32 mask, const struct kvnet_trace_filter *f)
{
	struct dp_ebpf *dp = dpe(base);
	struct switch_bpf__bss *bss = dp->skel ? dp->skel->bss : NULL;

	if (!bss)
		return -EOPNOTSUPP;
	/* the filters first, then the bits that make the datapath read
	 * them (x86 and arm64 alike: a store-release) */
	__atomic_store_n(&bss->kvnet_trace_sessions, bss->kvnet_trace_sessions & mask,
			 __ATOMIC_RELEASE);
	for (int i = 0; i < KVNET_TRACE_SESSIONS; i++)
		if (mask & (1u << i))
			bss->kvnet_trace_filters[i] = f[i];
	__atomic_store_n(&bss->kvnet_trace_sessions, mask, __ATOMIC_RELEASE);
	return 0;
}

static int dpe_trace_cb(void *ctx, void *data, size_t size)
{
	struct dp_ebpf *dp = ctx;

	if (size >= sizeof(struct kvnet_trace_event) && dp->trace_fn)
		dp->trace_fn(dp->trace_arg, data);
	return 0;
}

int dpe_trace_fd(struct dp *base)
{
	struct dp_ebpf *dp = dpe(base);

	if (!dp->trace_rb && dp->skel)
		dp->trace_rb = ring_buffer__new(bpf_map__fd(dp->skel->maps.trace_ring),
						dpe_trace_cb, dp, NULL);
	return dp->trace_rb ? ring_buffer__epoll_fd(dp->trace_rb) : -1;
}

int dpe_trace_read(struct dp *base, void (*fn)(void *arg, const struct kvnet_trace_event *ev),
		   void *arg, uint64_t *lost)
{
	struct dp_ebpf *dp = dpe(base);
	int ret;

	if (!dp->trace_rb)
		return -EBADF;
	dp->trace_fn = fn;
	dp->trace_arg = arg;
	ret = ring_buffer__consume(dp->trace_rb);
	dp->trace_fn = NULL;
	*lost = __atomic_load_n(&dp->skel->bss->kvnet_trace_lost, __ATOMIC_RELAXED);
	return ret < 0 ? ret : 0;
}
