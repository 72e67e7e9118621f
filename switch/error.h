/* SPDX-License-Identifier: GPL-2.0-only */
/* Errors that travel from deep inside kvnetd to the person at the CLI: a
 * stable code (docs/protocol.md) and a one-line message they can act on. */
#ifndef KVNET_ERROR_H
#define KVNET_ERROR_H

#define KV_ERR_INVALID "invalid"
#define KV_ERR_NOT_FOUND "not-found"
#define KV_ERR_EXISTS "exists"
#define KV_ERR_CONFLICT "conflict"
#define KV_ERR_UNSUPPORTED "unsupported"
#define KV_ERR_STATE "state"
#define KV_ERR_SYSTEM "system"
/* the caller may not do this (a member of the socket's group, not root) */
#define KV_ERR_PERMISSION "permission"

struct kv_error {
	const char *code; /* one of KV_ERR_*, NULL while no error */
	char msg[512];
};

/* Record an error (the first one wins) and return ret, so callers can
 * write `return kv_fail(e, KV_ERR_INVALID, -EINVAL, "bad %s", x);`. */
int kv_fail(struct kv_error *e, const char *code, int ret, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

/* Put context in front of the recorded message ("cannot start network
 * 'x': <what failed>"); with none recorded, record the context and ret as
 * a system error. Returns ret. */
int kv_context(struct kv_error *e, int ret, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

#endif /* KVNET_ERROR_H */
