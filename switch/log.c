// SPDX-License-Identifier: GPL-2.0-only
/* Logging for kvnetd: leveled messages to stderr with a timestamp. The level
 * is the one process-wide setting kvnetd keeps outside its context: every
 * module logs, and threading the context into each helper for this alone
 * would obscure them. */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "switch/log.h"

static enum log_level log_threshold = LOG_LVL_INFO;

static const char *const log_level_names[] = {
	[LOG_LVL_ERR] = "err",
	[LOG_LVL_WARN] = "warn",
	[LOG_LVL_INFO] = "info",
	[LOG_LVL_DEBUG] = "debug",
};

int log_level_parse(const char *s)
{
	for (unsigned i = 0; i < sizeof(log_level_names) / sizeof(*log_level_names); i++)
		if (!strcmp(s, log_level_names[i]))
			return (int)i;
	return -1;
}

void log_set_level(enum log_level lvl)
{
	log_threshold = lvl;
}

void log_msg(enum log_level lvl, const char *fmt, ...)
{
	struct timespec ts;
	char when[32];
	struct tm tm;
	va_list ap;

	if (lvl > log_threshold)
		return;
	clock_gettime(CLOCK_REALTIME, &ts);
	gmtime_r(&ts.tv_sec, &tm);
	strftime(when, sizeof(when), "%Y-%m-%dT%H:%M:%S", &tm);
	fprintf(stderr, "%s.%03ldZ kvnetd %s: ", when, ts.tv_nsec / 1000000,
		log_level_names[lvl]);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}
