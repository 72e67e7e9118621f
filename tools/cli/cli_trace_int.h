/* SPDX-License-Identifier: GPL-2.0-only */
/* Internals of `kvnet trace` shared by its files: cli_trace.c (the
 * request, the stream, the packets, the text and JSON output) and
 * cli_trace_out.c (the pcapng file and the path diagram). */
#ifndef KVNET_CLI_TRACE_INT_H
#define KVNET_CLI_TRACE_INT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <jansson.h>
#include <pcap/pcap.h>

#include "kvnet_trace.h"
#include "cli_dot.h"
#include "cli_pcapng.h"

#define TRACE_OPEN_MAX 256   /* packets followed at once */
#define TRACE_LINE_MAX 65536 /* longest event line accepted */
#define TRACE_BLOCK_MAX 4096 /* text of one packet's block */
#define TRACE_GRACE_MS 100   /* for the kernel's drop after the datapath's last word */
#define TRACE_STALE_MS 2000  /* a packet whose last event never came */

struct trace_opts {
	const char *net, *port;
	const char *inject; /* --inject PORT: a dry run of the packet in filter */
	long count;	/* packets; 0: no limit */
	double timeout; /* seconds; 0: none */
	bool json;
	const char *pcap; /* --pcap FILE */
	const char *dot, *svg; /* --dot FILE, --svg FILE */
	char filter[4096];
};

/* A packet being followed, by its trace id. */
struct trace_pkt {
	char id[20];
	bool used, taken; /* taken: the exact filter passed it */
	json_t *held;	  /* events held until the filter decides (trace_hold) */
	long reply_to;	  /* the packet whose flow's reply this is, or 0 */
	long number;
	long long t0;	  /* its first event's timestamp (ns) */
	long long seen_ms; /* its first event came */
	char via[400];	   /* for the diagram: the stages between its hops */
	char at[64];	   /* ... and the node it is at */
	long long done_ms; /* its last came (printed TRACE_GRACE_MS later), or 0 */
	char block[TRACE_BLOCK_MAX];
	size_t len;
};

/* A packet that went through NAT, for its reply to name. */
#define TRACE_FLOWS 64
struct trace_flow {
	json_t *before; /* its tuple before NAT */
	long number;
};

struct trace_run {
	struct trace_opts o;
	struct bpf_program prog;
	bool have_prog;
	struct trace_pkt open[TRACE_OPEN_MAX];
	int next_slot;
	long packets; /* printed */
	long numbered; /* packets taken so far */
	struct cli_pcapng *pcap;
	struct cli_dot *dot;
	long long mono_to_real_ns; /* added to an event's CLOCK_MONOTONIC time */
	json_int_t lost;
	struct trace_flow flows[TRACE_FLOWS];
	int next_flow;
};

/* cli_trace.c */
size_t trace_unhex(const char *hex, uint8_t *out, size_t max);
const char *trace_str(json_t *ev, const char *key);
/* One event of the stream. Returns true once the packets asked for are out. */
bool trace_event(struct trace_run *r, json_t *ev);
/* Print the packets that are done (with force, all). */
bool trace_flush_handed(struct trace_run *r, bool force);

/* cli_trace_inject.c: the dry run of --inject on the connection fd.
 * Returns the exit status. */
int trace_inject(struct trace_run *r, int fd);
void trace_stage_text(json_t *ev, char *out, size_t n);

/* cli_trace_out.c */
int trace_pcap_open(struct trace_run *r);
void trace_pcap(struct trace_run *r, const struct trace_pkt *p, json_t *ev);
void trace_dot(struct trace_run *r, struct trace_pkt *p, json_t *ev);
void trace_dot_ports(struct trace_run *r, const char *sock);
int trace_dot_finish(const struct trace_run *r);

#endif /* KVNET_CLI_TRACE_INT_H */
