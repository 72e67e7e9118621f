/* SPDX-License-Identifier: GPL-2.0-only */
/* One line about a frame, tcpdump-like, from its first bytes: the
 * Ethernet addresses, then ARP, IPv4 (TCP, UDP, ICMP) or IPv6 as far as
 * the bytes go. For `kvnet trace`'s packet headers. */
#ifndef KVNET_CLI_PKT_H
#define KVNET_CLI_PKT_H

#include <stddef.h>
#include <stdint.h>

/* Describe the frame (cap bytes of len) into out (always terminated). */
void cli_pkt_summary(const uint8_t *p, size_t cap, size_t len, char *out, size_t n);

#endif /* KVNET_CLI_PKT_H */
