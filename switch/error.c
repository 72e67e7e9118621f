// SPDX-License-Identifier: GPL-2.0-only
/* Recording errors with a code and a message (see error.h). */
#include <stdarg.h>
#include <stdio.h>

#include "switch/error.h"

int kv_fail(struct kv_error *e, const char *code, int ret, const char *fmt, ...)
{
	va_list ap;

	if (!e || e->code)
		return ret;
	e->code = code;
	va_start(ap, fmt);
	vsnprintf(e->msg, sizeof(e->msg), fmt, ap);
	va_end(ap);
	return ret;
}
