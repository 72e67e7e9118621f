// SPDX-License-Identifier: GPL-2.0-only
/* The eBPF datapath's side of packet-path tracing (ebpf/lib/trace.h): the
 * sessions' coarse filters written into the switch program's .bss, which
 * the skeleton maps, the trace ring read like the punt ring, and the
 * kernel's drop tracepoints, attached while a session runs. */
#include <errno.h>
#include <string.h>
#include <sys/stat.h>

#include "switch/dp_ebpf.h"
#include "switch/dp_nat.h"
#include "switch/log.h"
#include "switch.skel.h"

/* The kfree_skb and consume_skb programs on or off (switch/trace.c says
 * when), and the datapath told (kvnet_trace_kernel_on). A failure to
 * attach costs the trace the kernel's drops, not the trace. Returns 1 if
 * that changed them, else 0. */
static struct bpf_program *dpe_trace_kernel_prog(struct dp_ebpf *dp, int i)
{
	return i == 0 ? dp->traced->progs.kvnet_trace_kfree_skb :
			dp->traced->progs.kvnet_trace_consume_skb;
}

static int dpe_trace_kernel(struct dp_ebpf *dp, bool on)
{
	bool was = dp->trace_links[0] || dp->trace_links[1];

	/* they come with the traced program */
	if (on && dpe_traced_load(dp) < 0)
		on = false;
	for (int i = 0; i < DPE_TRACE_LINKS; i++) {
		if (on && !dp->trace_links[i]) {
			struct bpf_program *prog = dpe_trace_kernel_prog(dp, i);

			dp->trace_links[i] = bpf_program__attach(prog);
			if (!dp->trace_links[i])
				log_warn("trace: cannot attach %s: %s", bpf_program__name(prog),
					 strerror(errno));
		} else if (!on && dp->trace_links[i]) {
			bpf_link__destroy(dp->trace_links[i]);
			dp->trace_links[i] = NULL;
		}
	}
	if (dp->skel->bss)
		__atomic_store_n(&dp->skel->bss->kvnet_trace_kernel_on,
				 dp->trace_links[0] != NULL, __ATOMIC_RELEASE);
	return was != (dp->trace_links[0] || dp->trace_links[1]);
}

int dpe_trace_watch_kernel(struct dp *base, bool on)
{
	struct dp_ebpf *dp = dpe(base);

	return dp->skel ? dpe_trace_kernel(dp, on) : -EOPNOTSUPP;
}

void dpe_trace_close(struct dp_ebpf *dp)
{
	if (dp->skel)
		dpe_trace_kernel(dp, false);
	if (dp->trace_rb)
		ring_buffer__free(dp->trace_rb);
	dp->trace_rb = NULL;
}

uint64_t dpe_trace_followed_ns(struct dp *base)
{
	struct dp_ebpf *dp = dpe(base);

	return dp->skel && dp->skel->bss ?
		       __atomic_load_n(&dp->skel->bss->kvnet_trace_followed_ns,
				       __ATOMIC_RELAXED) :
		       0;
}

/* The uplink program's copy of the sessions: the ring of the network for
 * the replies of traced flows, the filters for what it routes in. */
static void dpe_trace_uplink(struct dp_ebpf *dp, __u32 mask, const struct kvnet_trace_filter *f)
{
	struct kvnet_trace_net tn = { .sessions = mask };

	if (!dp->nat || !dp->net_id)
		return;
	for (int i = 0; i < KVNET_TRACE_SESSIONS; i++)
		if (mask & (1u << i))
			tn.f[i] = f[i];
	if (dp_nat_trace_ring(dp->nat, dp->net_id,
			      mask ? bpf_map__fd(dp->skel->maps.trace_ring) : -1, &tn) < 0)
		log_warn("trace: the uplinks cannot report replies: %s", strerror(errno));
}

/* The inode number of kvnetd's network namespace, where its networks
 * live (ebpf/lib/trace.h, kvnet_trace_netns), or 0. */
static __u32 dpe_trace_netns(void)
{
	struct stat st;

	return stat("/proc/self/ns/net", &st) == 0 ? (__u32)st.st_ino : 0;
}

/* The summary of the slots in mask, to the datapath, which may be
 * reading the current one: into the other, then made current. It refuses
 * only what no slot of mask takes, nor of the fewer bits the datapath
 * has meanwhile (kvnet_trace_sessions: old & mask). */
static void dpe_trace_summary_set(struct switch_bpf__bss *bss, const struct kvnet_trace_filter *f,
				  __u32 mask)
{
	__u32 next = !__atomic_load_n(&bss->kvnet_trace_summary_cur, __ATOMIC_RELAXED);

	kvnet_trace_summarize(f, mask, &bss->kvnet_trace_summary[next]);
	__atomic_store_n(&bss->kvnet_trace_summary_cur, next, __ATOMIC_RELEASE);
}

int dpe_trace_set(struct dp *base, __u32 mask, const struct kvnet_trace_filter *f)
{
	struct dp_ebpf *dp = dpe(base);
	struct switch_bpf__bss *bss = dp->skel ? dp->skel->bss : NULL;

	if (!bss)
		return -EOPNOTSUPP;
	if (mask) {
		bss->kvnet_trace_netns = dpe_trace_netns();
		dpe_untraced_select(dp, true);
	} else {
		dpe_trace_kernel(dp, false);
	}
	dpe_trace_uplink(dp, mask, f);
	/* the filters first, then the bits that make the datapath read
	 * them (x86 and arm64 alike: a store-release) */
	__atomic_store_n(&bss->kvnet_trace_sessions, bss->kvnet_trace_sessions & mask,
			 __ATOMIC_RELEASE);
	for (int i = 0; i < KVNET_TRACE_SESSIONS; i++)
		if (mask & (1u << i))
			bss->kvnet_trace_filters[i] = f[i];
	dpe_trace_summary_set(bss, f, mask);
	__atomic_store_n(&bss->kvnet_trace_sessions, mask, __ATOMIC_RELEASE);
	if (!mask)
		dpe_untraced_select(dp, false);
	return 0;
}

/* Events taken from the ring per read: a ring that fills as fast as it
 * is read would otherwise keep the read going, and the daemon's loop
 * with it. The rest stays for the next read (the ring's fd stays
 * readable). */
#define DPE_TRACE_BUDGET 4096

static int dpe_trace_cb(void *ctx, void *data, size_t size)
{
	struct dp_ebpf *dp = ctx;

	if (size >= sizeof(struct kvnet_trace_event) && dp->trace_fn)
		dp->trace_fn(dp->trace_arg, data);
	return ++dp->trace_taken < DPE_TRACE_BUDGET ? 0 : -EAGAIN;
}

int dpe_trace_fd(struct dp *base)
{
	struct dp_ebpf *dp = dpe(base);
	int ret;

	/* a first session: the program that sends events, loaded */
	if (!dp->trace_rb && dp->skel) {
		ret = dpe_traced_load(dp);
		if (ret < 0) {
			log_warn("trace: cannot load the traced program: %s", strerror(-ret));
			return -1;
		}
		dp->trace_rb = ring_buffer__new(bpf_map__fd(dp->skel->maps.trace_ring),
						dpe_trace_cb, dp, NULL);
	}
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
	dp->trace_taken = 0;
	ret = ring_buffer__consume(dp->trace_rb);
	dp->trace_fn = NULL;
	*lost = __atomic_load_n(&dp->skel->bss->kvnet_trace_lost, __ATOMIC_RELAXED);
	if (dp->nat) /* the uplink's, shared by the networks (an upper bound) */
		*lost += dp_nat_trace_lost(dp->nat);
	return ret < 0 && ret != -EAGAIN ? ret : 0;
}
