// SPDX-License-Identifier: GPL-2.0-only
/* Fault points (see fault.h): compiled into build/kvnetd-faults only. */
#ifdef KVNET_FAULTS
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "switch/fault.h"

static bool fault_armed;
static unsigned long fault_count;

void fault_arm(bool on)
{
	fault_armed = on;
}

static void fault_list(const char *file, const char *name)
{
	FILE *f = fopen(file, "a");

	if (!f)
		return;
	fprintf(f, "%lu %s\n", fault_count, name);
	fclose(f);
}

int fault_point(const char *name)
{
	const char *how = getenv("KVNET_FAULT");

	if (!how || !fault_armed)
		return 0;
	fault_count++;
	if (!strncmp(how, "list:", 5))
		fault_list(how + 5, name);
	else if (!strncmp(how, "kill:", 5) && strtoul(how + 5, NULL, 10) == fault_count)
		kill(getpid(), SIGKILL);
	else if (!strncmp(how, "fail:", 5) && !strcmp(how + 5, name))
		return -EIO;
	return 0;
}
#else
/* ISO C wants something in a translation unit. */
typedef int kvnet_fault_unused;
#endif
