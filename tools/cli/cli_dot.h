/* SPDX-License-Identifier: GPL-2.0-only */
/* The path diagram of `kvnet trace --dot/--svg`: the network's ports as
 * nodes (its topology), the traced packets as numbered edges between
 * them, each labelled with the stages it passed (NAT's rewrite, a route,
 * a drop's reason), in graphviz's DOT language; `dot -Tsvg` draws it. */
#ifndef KVNET_CLI_DOT_H
#define KVNET_CLI_DOT_H

#include <stdio.h>

struct cli_dot;

struct cli_dot *cli_dot_new(void);
void cli_dot_free(struct cli_dot *g);
/* A node: a port of the network (kind as `port list` says), or a device
 * or end the packets reach ("host", "drop"). Known names are kept. */
void cli_dot_node(struct cli_dot *g, const char *name, const char *kind);
/* One hop of packet number from one node to another, with its words. */
void cli_dot_edge(struct cli_dot *g, long number, const char *from, const char *to,
		  const char *label);
/* The graph as DOT text. Returns 0, or -errno. */
int cli_dot_write(const struct cli_dot *g, FILE *f, const char *title);

#endif /* KVNET_CLI_DOT_H */
