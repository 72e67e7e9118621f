// SPDX-License-Identifier: GPL-2.0-only
/* The path diagram (see cli_dot.h): nodes and edges kept in order, then
 * written as DOT with every string quoted and escaped. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "cli_dot.h"

#define DOT_NAME_MAX 64
#define DOT_LABEL_MAX 512
#define DOT_NODES_MAX 300
#define DOT_EDGES_MAX 1000

struct dot_node {
	char name[DOT_NAME_MAX];
	char kind[16];
};

struct dot_edge {
	long number;
	int from, to;
	char label[DOT_LABEL_MAX];
};

struct cli_dot {
	struct dot_node nodes[DOT_NODES_MAX];
	int nnodes;
	struct dot_edge *edges;
	int nedges;
};

struct cli_dot *cli_dot_new(void)
{
	struct cli_dot *g = calloc(1, sizeof(*g));

	if (g && !(g->edges = calloc(DOT_EDGES_MAX, sizeof(*g->edges)))) {
		free(g);
		g = NULL;
	}
	return g;
}

void cli_dot_free(struct cli_dot *g)
{
	if (g)
		free(g->edges);
	free(g);
}

static int dot_find(const struct cli_dot *g, const char *name)
{
	for (int i = 0; i < g->nnodes; i++)
		if (!strcmp(g->nodes[i].name, name))
			return i;
	return -1;
}

void cli_dot_node(struct cli_dot *g, const char *name, const char *kind)
{
	if (!name || dot_find(g, name) >= 0 || g->nnodes == DOT_NODES_MAX)
		return;
	snprintf(g->nodes[g->nnodes].name, DOT_NAME_MAX, "%s", name);
	snprintf(g->nodes[g->nnodes].kind, sizeof(g->nodes[0].kind), "%s", kind ? kind : "");
	g->nnodes++;
}

void cli_dot_edge(struct cli_dot *g, long number, const char *from, const char *to,
		  const char *label)
{
	struct dot_edge *e;

	cli_dot_node(g, from, NULL);
	cli_dot_node(g, to, NULL);
	if (g->nedges == DOT_EDGES_MAX || dot_find(g, from) < 0 || dot_find(g, to) < 0)
		return;
	e = &g->edges[g->nedges++];
	e->number = number;
	e->from = dot_find(g, from);
	e->to = dot_find(g, to);
	snprintf(e->label, sizeof(e->label), "%s", label ? label : "");
}

/* s as a DOT string, quotes and backslashes escaped, "\n" kept as a
 * line break. */
static void dot_str(FILE *f, const char *s)
{
	fputc('"', f);
	for (; *s; s++) {
		if (*s == '\n')
			fputs("\\n", f);
		else if (*s == '"' || *s == '\\')
			fprintf(f, "\\%c", *s);
		else
			fputc(*s, f);
	}
	fputc('"', f);
}

static const char *dot_shape(const char *kind)
{
	if (!strcmp(kind, "drop"))
		return "octagon";
	if (!strcmp(kind, "host") || !strcmp(kind, "gateway"))
		return "house";
	if (!strcmp(kind, "tap"))
		return "box3d";
	return "box";
}

int cli_dot_write(const struct cli_dot *g, FILE *f, const char *title)
{
	static const char *const colors[] = { "#1f77b4", "#d62728", "#2ca02c", "#9467bd",
					      "#ff7f0e", "#8c564b" };

	fputs("digraph kvnet_trace {\n\trankdir=LR;\n\tlabel=", f);
	dot_str(f, title);
	fputs(";\n\tlabelloc=t;\n\tnode [fontname=\"monospace\", fontsize=10];\n"
	      "\tedge [fontname=\"monospace\", fontsize=9];\n", f);
	for (int i = 0; i < g->nnodes; i++) {
		const struct dot_node *n = &g->nodes[i];
		char label[DOT_NAME_MAX + 32];

		snprintf(label, sizeof(label), "%s%s%s", n->name, n->kind[0] ? "\n" : "",
			 n->kind);
		fprintf(f, "\tn%d [label=", i);
		dot_str(f, label);
		fprintf(f, ", shape=%s%s];\n", dot_shape(n->kind),
			!strcmp(n->kind, "drop") ? ", color=red" : "");
	}
	for (int i = 0; i < g->nedges; i++) {
		const struct dot_edge *e = &g->edges[i];
		char label[DOT_LABEL_MAX + 32];

		snprintf(label, sizeof(label), "#%ld %s", e->number, e->label);
		fprintf(f, "\tn%d -> n%d [label=", e->from, e->to);
		dot_str(f, label);
		fprintf(f, ", color=\"%s\", fontcolor=\"%s\"];\n",
			colors[e->number % 6], colors[e->number % 6]);
	}
	fputs("}\n", f);
	return ferror(f) ? -EIO : 0;
}
