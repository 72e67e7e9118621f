/* SPDX-License-Identifier: GPL-2.0-only */
/* Frames the datapath hands to kvnetd instead of forwarding them (punt:
 * RINGBUF of struct kvnet_punt): today the BPDUs of a network whose STP
 * kvnetd runs. Only the first KVNET_PUNT_BYTES bytes travel (p->len says
 * how many the frame had; kvnetd reads min(len, what was copied)). A full ring
 * loses the frame; STP's next hello makes up for it.
 */
#ifndef KVNET_LIB_PUNT_H
#define KVNET_LIB_PUNT_H

#define KVNET_PUNT_MIN_BPDU 52

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 64 * 1024);
} punt SEC(".maps");

/* Copy what fits of the frame. Fixed sizes, so the verifier needs no
 * proof of a bound: the whole prefix if the frame is long enough, else
 * the smallest whole BPDU frame (14 + 3 LLC + 35), else the header. */
static __always_inline int kvnet_punt_copy(const struct kvnet_frame *fr, __u8 *to)
{
	if (fr->len >= KVNET_PUNT_BYTES)
		return bpf_skb_load_bytes(fr->skb, 0, to, KVNET_PUNT_BYTES);
	if (fr->len >= KVNET_PUNT_MIN_BPDU)
		return bpf_skb_load_bytes(fr->skb, 0, to, KVNET_PUNT_MIN_BPDU);
	return bpf_skb_load_bytes(fr->skb, 0, to, ETH_HLEN);
}

static __always_inline void kvnet_punt(const struct kvnet_frame *fr, __u32 kind)
{
	struct kvnet_punt *p = bpf_ringbuf_reserve(&punt, sizeof(*p), 0);

	if (!p)
		return;
	p->kind = kind;
	p->ifindex = fr->in.ifindex;
	p->len = fr->len;
	p->reserved = 0;
	if (kvnet_punt_copy(fr, p->data) < 0) {
		bpf_ringbuf_discard(p, 0);
		return;
	}
	bpf_ringbuf_submit(p, 0);
}

#endif /* KVNET_LIB_PUNT_H */
