/* SPDX-License-Identifier: GPL-2.0-only */
/* Frames the datapath hands to kvnetd instead of forwarding them (punt:
 * RINGBUF of struct kvnet_punt): the BPDUs of a network whose STP kvnetd
 * runs, the DHCP client messages of one whose DHCP it serves. Only the first KVNET_PUNT_BYTES bytes travel (p->len says
 * how many the frame had; kvnetd reads min(len, what was copied)). A full ring
 * loses the frame; STP's next hello makes up for it.
 */
#ifndef KVNET_LIB_PUNT_H
#define KVNET_LIB_PUNT_H


struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 4 * 1024 * 1024); /* ~2,000 frames */
} punt SEC(".maps");

/* Copy what fits of the frame (up to KVNET_PUNT_BYTES, a power of two).
 * The verifier wants the length's bounds on the register the helper gets:
 * the asm keeps the compiler from folding the clamp away, and the mask
 * then gives [1, KVNET_PUNT_BYTES] without changing a length in it. */
static __always_inline int kvnet_punt_copy(const struct kvnet_frame *fr, __u8 *to)
{
	__u32 n = fr->len;

	if (n > KVNET_PUNT_BYTES)
		n = KVNET_PUNT_BYTES;
	asm volatile("" : "+r"(n));
	n = ((n - 1) & (KVNET_PUNT_BYTES - 1)) + 1;
	return bpf_skb_load_bytes(fr->skb, 0, to, n);
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
