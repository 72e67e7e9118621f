// SPDX-License-Identifier: GPL-2.0-only
/* `kvnet lab run|compare|report ...`: the network modes measured side by
 * side. The experiment itself is a Python program (tools/lab/kvnet-lab:
 * namespaces, traffic, the report); this finds it and execs it with the
 * arguments after `lab`. In a build tree (this binary in build/), the
 * runner is ../tools/lab/kvnet-lab and uses the daemon and tools built
 * next to this binary (KVNET_BUILD); installed, it is
 * KVNET_LIBEXECDIR/kvnet-lab. KVNET_LAB names another runner.
 */
#include <errno.h>
#include <limits.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "tools/cli/cli_lab.h"

#ifndef KVNET_LIBEXECDIR
#define KVNET_LIBEXECDIR "/usr/local/libexec/kvnet"
#endif
#define LAB_RUNNER "kvnet-lab"

/* The directory this binary is in, into dir. Returns 0 or -errno. */
static int lab_self_dir(char *dir, size_t len)
{
	char exe[PATH_MAX];
	ssize_t n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);

	if (n < 0)
		return -errno;
	exe[n] = '\0';
	if (snprintf(dir, len, "%s", dirname(exe)) >= (int)len)
		return -ENAMETOOLONG;
	return 0;
}

/* The runner's path into path: in-tree first, then the installed one. */
static int lab_find_runner(char *path, size_t len, char *build, size_t blen)
{
	const char *env = getenv("KVNET_LAB");

	build[0] = '\0';
	if (env && *env) {
		snprintf(path, len, "%s", env);
		return 0;
	}
	if (lab_self_dir(build, blen) == 0 &&
	    snprintf(path, len, "%s/../tools/lab/" LAB_RUNNER, build) < (int)len &&
	    access(path, X_OK) == 0)
		return 0;
	build[0] = '\0';
	snprintf(path, len, "%s/" LAB_RUNNER, KVNET_LIBEXECDIR);
	return access(path, X_OK) == 0 ? 0 : -errno;
}

int cli_lab_main(const char *sock, bool json, int argc, char **argv)
{
	char path[PATH_MAX], build[PATH_MAX];
	char **args = calloc((size_t)argc + 2, sizeof(*args));
	int r;

	(void)sock; /* the lab runs kvnetds of its own */
	(void)json;
	if (!args)
		return 1;
	r = lab_find_runner(path, sizeof(path), build, sizeof(build));
	if (r < 0) {
		fprintf(stderr, "kvnet lab: no lab runner at %s: %s\n"
				"kvnet lab: it runs from a build tree (build/kvnet lab ...; make "
				"install leaves it out), or set KVNET_LAB to tools/lab/kvnet-lab\n",
			path, strerror(-r));
		free(args);
		return 1;
	}
	if (build[0] && !getenv("KVNET_BUILD"))
		setenv("KVNET_BUILD", build, 1);
	args[0] = path;
	memcpy(args + 1, argv, (size_t)argc * sizeof(*args));
	execv(path, args);
	fprintf(stderr, "kvnet lab: cannot run %s: %s\n", path, strerror(errno));
	free(args);
	return 1;
}
