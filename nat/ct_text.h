/* SPDX-License-Identifier: GPL-2.0-only */
/* Conntrack as text: the names `kvnet conntrack` shows (protocols, states)
 * and kvnetd's --conntrack-timeouts option. */
#ifndef KVNET_NAT_CT_TEXT_H
#define KVNET_NAT_CT_TEXT_H

#include <stddef.h>

#include "nat/nat_shared.h"

/* "tcp", "udp", "icmp", or "proto-N" written into buf. */
const char *nat_proto_name(unsigned proto, char *buf, size_t len);
/* A flow's state for people: "syn-sent", "established", "closing",
 * "closed" (TCP); "unreplied", "replied" (UDP, ICMP). */
const char *nat_ct_state_name(unsigned proto, unsigned state);

/* Parse "udp=2,tcp-established=600,..." into t (fields left 0 keep their
 * default). Names: tcp-syn, tcp-established, tcp-closing, tcp-closed, udp,
 * udp-stream, icmp; values are seconds, 1..2^31. Returns 0, or -EINVAL
 * with a message in err. */
int nat_timeouts_parse(const char *s, struct kvnet_nat_cfg *t, char *err, size_t errlen);

#endif /* KVNET_NAT_CT_TEXT_H */
