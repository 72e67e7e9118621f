// SPDX-License-Identifier: GPL-2.0-only
/* Recording errors with a code and a message (see error.h). */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

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

int kv_context(struct kv_error *e, int ret, const char *fmt, ...)
{
	char ctx[256], msg[sizeof(e->msg)];
	va_list ap;

	if (!e)
		return ret;
	va_start(ap, fmt);
	vsnprintf(ctx, sizeof(ctx), fmt, ap);
	va_end(ap);
	if (!e->code) {
		e->code = KV_ERR_SYSTEM;
		snprintf(e->msg, sizeof(e->msg), "%s: error %d", ctx, ret);
		return ret;
	}
	/* truncation keeps the front: the context and the start of the cause */
	if (snprintf(msg, sizeof(msg), "%s: %.*s", ctx, (int)(sizeof(msg) - 1), e->msg) < 0)
		return ret;
	memcpy(e->msg, msg, sizeof(msg));
	return ret;
}
