/* SPDX-License-Identifier: GPL-2.0-only */
/* tc verdicts and transmit return codes. vmlinux.h carries the kernel's
 * types but none of its #defines, so the few uapi constants the tc programs
 * return or compare against are spelled out here, with their uapi values.
 */
#ifndef KVNET_LIB_TC_H
#define KVNET_LIB_TC_H

/* include/uapi/linux/pkt_cls.h; tcx maps them 1:1 (TCX_PASS/DROP/REDIRECT) */
#define TC_ACT_UNSPEC (-1)
#define TC_ACT_OK 0
#define TC_ACT_SHOT 2
#define TC_ACT_REDIRECT 7

/* include/linux/netdevice.h: what dev_queue_xmit() (and so
 * bpf_clone_redirect()) returns when the frame reached a qdisc or driver. */
#define NET_XMIT_SUCCESS 0x00
#define NET_XMIT_DROP 0x01
#define NET_XMIT_CN 0x02

/* include/uapi/asm-generic/errno-base.h */
#define KVNET_EEXIST 17

#endif /* KVNET_LIB_TC_H */
