/* SPDX-License-Identifier: GPL-2.0-only */
/* `kvnet trace` (tools/cli/cli_trace.c): it parses its own arguments,
 * as its FILTER is free text, and keeps its connection to kvnetd open
 * while events stream in. */
#ifndef KVNET_CLI_TRACE_H
#define KVNET_CLI_TRACE_H

#include <stdbool.h>

/* The exit statuses, as kvnet's (tools/kvnet.c). */
enum {
	CLI_TRACE_EXIT_OK = 0,
	CLI_TRACE_EXIT_FAIL = 1,
	CLI_TRACE_EXIT_USAGE = 2,
	CLI_TRACE_EXIT_UNREACHABLE = 3,
	CLI_TRACE_EXIT_DENIED = 4,
};

/* Run the command with the arguments after "trace" (json: --json came
 * before them), talking to the socket at sock. Returns the exit status. */
int cli_trace_main(const char *sock, bool json, int argc, char **argv);

#endif /* KVNET_CLI_TRACE_H */
