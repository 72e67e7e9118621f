/* SPDX-License-Identifier: GPL-2.0-only */
/* Drops. Every frame the switch refuses is counted against its ingress port
 * under an enum kvnet_drop reason (kvnet_shared.h), the same codes that
 * `kvnet stats` and `kvnet trace` name.
 */
#ifndef KVNET_LIB_DROP_H
#define KVNET_LIB_DROP_H

/* Count reason against the ingress port without dropping (a clone that
 * failed, a flood destination skipped, a MAC that could not be learned). */
static __always_inline void kvnet_drop_count(const struct kvnet_port *in, __u32 reason)
{
	struct kvnet_port_stats *st;
	__u32 idx;

	if (reason == KVNET_DROP_NONE || reason >= KVNET_DROP_MAX)
		return;
	/* hide the check from the compiler, so that it keeps the mask that
	 * proves the index in bounds to the verifier (which may not connect
	 * the check above to the register the index is finally read from) */
	asm volatile("" : "=r"(idx) : "0"(reason));
	st = kvnet_stats_get(in);
	if (st)
		st->drops[idx & (KVNET_DROP_SLOTS - 1)]++;
}

/* Count reason, keep it as the frame's (for its trace), and return the
 * verdict that drops the frame. */
static __always_inline int kvnet_drop(struct kvnet_frame *fr, __u32 reason)
{
	kvnet_drop_count(&fr->in, reason);
	fr->reason = reason;
	return TC_ACT_SHOT;
}

#endif /* KVNET_LIB_DROP_H */
