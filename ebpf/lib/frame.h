/* SPDX-License-Identifier: GPL-2.0-only */
/* The per-frame context: everything the switch learned about one frame,
 * passed to every stage so that each decision is made once. The gateway
 * verdict is computed lazily, the first time a stage needs it (a frame
 * from or to the gateway port, or a flood that might reach it), by
 * kvnet_frame_gateway() in lib/l3.h.
 */
#ifndef KVNET_LIB_FRAME_H
#define KVNET_LIB_FRAME_H

/* gw_reason before it is computed. */
#define KVNET_GW_UNKNOWN 0xffffffffu

struct kvnet_frame {
	struct __sk_buff *skb;
	struct kvnet_port in;	 /* ingress port */
	struct kvnet_eth eth;
	struct kvnet_config cfg;
	__u64 now;
	__u32 len;	 /* skb->len at ingress, for the byte counters */
	__u32 l3_len;	 /* for MTU checks */
	__u16 gso;	 /* a GSO skb: segmented later, always fits */
	__u16 stages;	 /* for its trace: the stages it passed (KVNET_TR_*,
			    lib/trace.h), kept whether or not it is traced */
	__u32 gw_reason; /* may it cross the gateway port? KVNET_DROP_NONE,
			    the drop reason, or KVNET_GW_UNKNOWN */
	/* For its trace (lib/trace.h), kept whether or not it is traced: */
	__u32 reason; /* dropped: why (kvnet_drop); flooded: to how many ports */
	__u32 out;    /* the port it was sent to (a flood's last) */
};

#endif /* KVNET_LIB_FRAME_H */
