// SPDX-License-Identifier: GPL-2.0-only
/* `kvnet trace`'s files: --pcap (pcapng, one interface per hop) and
 * --dot/--svg (the path diagram over the network's ports; graphviz's dot
 * draws the SVG). */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/wait.h>

#include "cli_client.h"
#include "cli_trace_int.h"

/* The event into the pcapng file: on the hop's interface ("stage port"),
 * with the stage's words as the packet's comment. */
void trace_pcap(struct trace_run *r, const struct trace_pkt *p, json_t *ev)
{
	uint8_t data[KVNET_TRACE_SNAP];
	size_t cap = trace_unhex(json_string_value(json_object_get(ev, "data")), data,
				 sizeof(data));
	const char *stage = trace_str(ev, "stage") ?: "?";
	const char *port = trace_str(ev, strcmp(stage, "ingress") ? "out" : "in");
	char hop[64], words[256], comment[300];
	long long ts = json_integer_value(json_object_get(ev, "ts"));
	int ret;

	snprintf(hop, sizeof(hop), "%s%s%s", stage, port ? " " : "", port ? port : "");
	trace_stage_text(ev, words, sizeof(words));
	snprintf(comment, sizeof(comment), "#%ld %s %s", p->number, stage, words);
	ret = cli_pcapng_write(r->pcap, hop, (uint64_t)(ts + r->mono_to_real_ns), data, cap,
			       (size_t)json_integer_value(json_object_get(ev, "len")), comment);
	if (ret < 0) {
		fprintf(stderr, "kvnet trace: %s: %s\n", r->o.pcap, strerror(-ret));
		cli_pcapng_close(r->pcap);
		r->pcap = NULL;
	}
}

/* The event into the diagram: a hop ends at a redirect (to its port), a
 * flood (its last port), the host, a drop, the DHCP server or the
 * kernel's drop; the stages before it label the edge. */
void trace_dot(struct trace_run *r, struct trace_pkt *p, json_t *ev)
{
	const char *stage = trace_str(ev, "stage") ?: "?", *to = NULL, *kind = NULL;
	char words[256];
	size_t n = strlen(p->via);

	trace_stage_text(ev, words, sizeof(words));
	if (!strcmp(stage, "ingress")) {
		snprintf(p->at, sizeof(p->at), "%s", trace_str(ev, "in") ?: "?");
		return;
	}
	if (!strcmp(stage, "service")) { /* kvnetd's own frame: from it, no ingress */
		snprintf(p->at, sizeof(p->at), "%s", !strcmp(trace_str(ev, "detail") ?: "",
							     "dhcp-reply") ? "kvnetd DHCP" : "kvnetd");
		cli_dot_node(r->dot, p->at, "host");
	}
	if (!strcmp(stage, "redirect") || !strcmp(stage, "flood") || !strcmp(stage, "service"))
		to = trace_str(ev, "out");
	else if (!strcmp(stage, "host"))
		to = "host", kind = "host";
	else if (!strcmp(stage, "drop") || !strcmp(stage, "kernel-drop"))
		to = "drop", kind = "drop";
	else if (!strcmp(stage, "dhcp"))
		to = "kvnetd DHCP", kind = "host";
	snprintf(p->via + n, sizeof(p->via) - n, "%s%s %s", n ? "\n" : "", stage, words);
	if (!to)
		return;
	cli_dot_node(r->dot, to, kind);
	cli_dot_edge(r->dot, p->number, p->at, to, p->via);
	snprintf(p->at, sizeof(p->at), "%s", to);
	p->via[0] = '\0';
}

/* The network's ports, the diagram's nodes: from `port.list`. */
void trace_dot_ports(struct trace_run *r, const char *sock)
{
	json_t *reply, *port;
	size_t i;

	if (cli_client_call(sock, "port.list", json_pack("{s:s}", "net", r->o.net), &reply) < 0)
		return;
	json_array_foreach(json_object_get(reply, "result"), i, port)
		cli_dot_node(r->dot, trace_str(port, "iface"), trace_str(port, "kind"));
	json_decref(reply);
}

/* Run `dot -Tsvg -o path` on the diagram. Returns 0, or -1 (said why). */
int trace_svg(const struct trace_run *r, const char *title)
{
	int pipefd[2], status;
	pid_t pid;
	FILE *f;

	if (pipe(pipefd) < 0)
		return -1;
	pid = fork();
	if (pid == 0) {
		dup2(pipefd[0], STDIN_FILENO);
		close(pipefd[0]);
		close(pipefd[1]);
		execlp("dot", "dot", "-Tsvg", "-o", r->o.svg, (char *)NULL);
		fprintf(stderr, "kvnet trace: cannot run graphviz's dot: %s\n", strerror(errno));
		_exit(127);
	}
	close(pipefd[0]);
	f = pid > 0 ? fdopen(pipefd[1], "w") : NULL;
	if (!f) {
		close(pipefd[1]);
		return -1;
	}
	cli_dot_write(r->dot, f, title);
	fclose(f);
	if (waitpid(pid, &status, 0) < 0 || !WIFEXITED(status) || WEXITSTATUS(status))
		return -1;
	return 0;
}

/* The diagram to --dot and --svg. Returns 0, or -1 (said why). */
int trace_dot_finish(const struct trace_run *r)
{
	char title[sizeof(r->o.filter) + 300];
	FILE *f;
	int ret = 0;

	snprintf(title, sizeof(title), "kvnet trace %.256s%s%s", r->o.net,
		 r->o.filter[0] ? ": " : "", r->o.filter);
	if (r->o.dot) {
		f = fopen(r->o.dot, "w");
		if (!f || cli_dot_write(r->dot, f, title) < 0 || fclose(f)) {
			fprintf(stderr, "kvnet trace: cannot write %s: %s\n", r->o.dot, strerror(errno));
			ret = -1;
		}
	}
	if (r->o.svg && trace_svg(r, title) < 0) {
		fprintf(stderr, "kvnet trace: could not draw %s (is graphviz installed?)\n",
			r->o.svg);
		ret = -1;
	}
	return ret;
}

/* The pcapng file, and the offset from the events' clock to Unix time. */
int trace_pcap_open(struct trace_run *r)
{
	struct timespec mono, real;

	r->pcap = cli_pcapng_open(r->o.pcap);
	if (!r->pcap) {
		fprintf(stderr, "kvnet trace: cannot write %s: %s\n", r->o.pcap, strerror(errno));
		return -1;
	}
	clock_gettime(CLOCK_MONOTONIC, &mono);
	clock_gettime(CLOCK_REALTIME, &real);
	r->mono_to_real_ns = (real.tv_sec - mono.tv_sec) * 1000000000LL +
			     (real.tv_nsec - mono.tv_nsec);
	return 0;
}
