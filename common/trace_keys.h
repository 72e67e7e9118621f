/* SPDX-License-Identifier: GPL-2.0-only */
/* The coarse keys of a trace filter (ebpf/kvnet_trace.h), derived from its
 * pcap-filter text, for the datapath to prefilter on before the exact
 * filter runs on what it reports. The keys must never refuse a frame the
 * exact filter would take: they come only from a filter that is a plain
 * conjunction of primitives kvnet knows (ip, arp, tcp, udp, icmp, host A,
 * src/dst host A, port N, src/dst port N, tcp/udp port N, ether
 * host/src/dst M), each of which implies its key. Anything else ("or",
 * "not", parentheses, other primitives) gives no keys: every frame of the
 * traced port is reported and the exact filter alone decides.
 */
#ifndef KVNET_TRACE_KEYS_H
#define KVNET_TRACE_KEYS_H

#include "kvnet_trace.h"

/* Fill f's coarse keys from expr (f's other members are left alone).
 * Returns how many keys were set, 0 when the filter gives none. */
int trace_keys_from_filter(const char *expr, struct kvnet_trace_filter *f);

#endif /* KVNET_TRACE_KEYS_H */
