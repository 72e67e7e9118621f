// SPDX-License-Identifier: GPL-2.0-only
/* `kvnet trace NET --inject PORT PACKET`: asks kvnetd for a dry run of the
 * packet (the `trace.inject` request of docs/protocol.md), and shows its
 * events as a trace shows a live packet's: one block (or JSON lines, a
 * pcapng file, a path diagram), then the verdict. Nothing is sent. */
#include <stdio.h>
#include <string.h>

#include "cli_client.h"
#include "cli_trace.h"
#include "cli_trace_int.h"

/* kvnetd's refusal, as the other commands print it. */
static int inject_refused(json_t *reply)
{
	json_t *err = json_object_get(reply, "error");

	fprintf(stderr, "kvnet: %s\n",
		json_string_value(json_object_get(err, "message")) ?: "kvnetd refused");
	return CLI_TRACE_EXIT_FAIL;
}

static void inject_verdict(const struct trace_run *r, json_t *res)
{
	const char *verdict = json_string_value(json_object_get(res, "verdict")) ?: "?";

	if (r->o.json)
		printf("{\"dry-run\":true,\"verdict\":\"%s\"}\n", verdict);
	else
		printf("dry run on %s: %s (nothing was sent)\n", r->o.inject, verdict);
}

int trace_inject(struct trace_run *r, int fd)
{
	json_t *args = json_pack("{s:s,s:s,s:s}", "net", r->o.net, "port", r->o.inject, "packet",
				 r->o.filter);
	json_t *reply = NULL, *res, *ev;
	size_t i;
	int ret = cli_client_send(fd, "trace.inject", args);

	if (ret >= 0)
		ret = cli_client_recv(fd, &reply);
	if (ret < 0) {
		fprintf(stderr, "kvnet: no answer from kvnetd: %s\n", strerror(-ret));
		return CLI_TRACE_EXIT_UNREACHABLE;
	}
	if (!json_is_true(json_object_get(reply, "ok"))) {
		ret = inject_refused(reply);
		json_decref(reply);
		return ret;
	}
	res = json_object_get(reply, "result");
	json_array_foreach(json_object_get(res, "events"), i, ev)
		trace_event(r, ev);
	trace_flush_handed(r, true);
	inject_verdict(r, res);
	json_decref(reply);
	return CLI_TRACE_EXIT_OK;
}
