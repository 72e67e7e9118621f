// SPDX-License-Identifier: GPL-2.0-only
/* Unit tests of who may send what (switch/control.c, enum control_access):
 * a reader (a member of the control socket's group) gets an answer to the
 * commands that only read and the error "permission" for every other one,
 * before its handler runs (the daemon context here is empty: a handler
 * that ran would find no network, or crash); root gets past the check. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "switch/control.h"

static char *ask(struct kvnetd *d, const char *cmd, enum control_access who)
{
	struct control_stream *more = NULL;
	struct control_fds fds;
	char req[200];
	char *resp;

	snprintf(req, sizeof(req), "{\"cmd\":\"%s\",\"args\":{\"name\":\"nosuch\","
		 "\"net\":\"nosuch\"}}\n", cmd);
	resp = control_begin(d, req, strlen(req), who, &more, &fds);
	control_stream_free(more);
	assert_int_equal(fds.n, 0);
	assert_non_null(resp);
	return resp;
}

static void test_reader_refused_what_changes_state(void **state)
{
	static const char *const root_only[][2] = {
		{ "net.define", "net define" }, { "net.create", "net create" },
		{ "net.start", "net start" }, { "net.stop", "net stop" },
		{ "net.undefine", "net undefine" }, { "net.autostart", "net autostart" },
		{ "port.add", "port add" }, { "port.del", "port del" },
		{ "port.addr.add", "port addr add" }, { "port.addr.del", "port addr del" },
		{ "trace", "trace" }, { "trace.inject", "trace inject" },
		{ "dhcp.host.add", "dhcp host add" }, { "dhcp.host.del", "dhcp host del" },
		{ "forward.add", "forward add" }, { "forward.del", "forward del" },
	};
	struct kvnetd d = { 0 };

	(void)state;
	for (size_t i = 0; i < sizeof(root_only) / sizeof(*root_only); i++) {
		char *resp = ask(&d, root_only[i][0], CONTROL_READER), want[100];

		snprintf(want, sizeof(want), "\"code\":\"permission\",\"message\":"
			 "\"permission denied: '%s' needs root\"", root_only[i][1]);
		if (!strstr(resp, want))
			fail_msg("%s: %s", root_only[i][0], resp);
		free(resp);
		/* root gets past the check (to "not defined", or a bad argument) */
		resp = ask(&d, root_only[i][0], CONTROL_ROOT);
		if (strstr(resp, "permission"))
			fail_msg("root refused %s: %s", root_only[i][0], resp);
		free(resp);
	}
}

static void test_reader_reads(void **state)
{
	static const char *const reads[] = {
		"net.show", "net.dumpxml", "port.list", "fdb", "stats", "leases",
		"conntrack", "forward.list",
	};
	struct kvnetd d = { 0 };
	char *resp;

	(void)state;
	resp = ask(&d, "ping", CONTROL_READER);
	assert_non_null(strstr(resp, "\"ok\":true"));
	free(resp);
	resp = ask(&d, "net.list", CONTROL_READER);
	assert_non_null(strstr(resp, "\"ok\":true"));
	free(resp);
	/* these reach their handler: the network is not defined */
	for (size_t i = 0; i < sizeof(reads) / sizeof(*reads); i++) {
		resp = ask(&d, reads[i], CONTROL_READER);
		if (!strstr(resp, "\"code\":\"not-found\""))
			fail_msg("%s: %s", reads[i], resp);
		free(resp);
	}
}

static void test_reader_unknown_command_is_invalid(void **state)
{
	struct kvnetd d = { 0 };
	char *resp = ask(&d, "net.explode", CONTROL_READER);

	(void)state;
	assert_non_null(strstr(resp, "\"code\":\"invalid\""));
	free(resp);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_reader_refused_what_changes_state),
		cmocka_unit_test(test_reader_reads),
		cmocka_unit_test(test_reader_unknown_command_is_invalid),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
