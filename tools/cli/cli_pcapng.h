/* SPDX-License-Identifier: GPL-2.0-only */
/* A pcapng writer for `kvnet trace --pcap`: one section, an Ethernet
 * interface per hop (named for the stage and the port, declared when it
 * first appears), and an enhanced packet block per event with the stage's
 * words as its comment, so that Wireshark shows a packet before and after
 * NAT side by side. libpcap writes only plain pcap, which has no
 * interfaces. */
#ifndef KVNET_CLI_PCAPNG_H
#define KVNET_CLI_PCAPNG_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

struct cli_pcapng;

/* Open path for writing and put the section header. NULL (errno set) on
 * failure. */
struct cli_pcapng *cli_pcapng_open(const char *path);
/* One packet: cap bytes of a len-byte frame, seen at hop at ts_ns (Unix
 * time), with comment (may be NULL). Returns 0 or -errno. */
int cli_pcapng_write(struct cli_pcapng *w, const char *hop, uint64_t ts_ns, const uint8_t *data,
		     size_t cap, size_t len, const char *comment);
/* Flush and close. Returns 0 or -errno (the file is closed either way). */
int cli_pcapng_close(struct cli_pcapng *w);

#endif /* KVNET_CLI_PCAPNG_H */
