/* SPDX-License-Identifier: GPL-2.0-only */
/* The kvnet CLI's side of the kvnetd control protocol (docs/protocol.md):
 * connect to <run-dir>/kvnetd.sock, write one JSON request line, read one
 * JSON reply (up to its newline or EOF) and hand back the parsed document.
 * Every call returns >= 0 on success and a negative errno on failure.
 */
#ifndef KVNET_CLI_CLIENT_H
#define KVNET_CLI_CLIENT_H

#include <jansson.h>

/* Seconds a connect, a write or a wait for more reply bytes may take. */
#define CLI_CLIENT_TIMEOUT_S 30
/* Most descriptors a reply may carry (kvnetd's KVNET_TAP_QUEUES_MAX). */
#define CLI_CLIENT_MAX_FDS 64
/* Largest reply accepted (a big FDB is a few MiB). */
#define CLI_CLIENT_MAX_REPLY (256u << 20)

/* Connected socket fd, or -errno (-ENAMETOOLONG if path does not fit). */
int cli_client_connect(const char *path, int timeout_s);

/* {"cmd": cmd, "args": args} as one line. args may be NULL ({}); the
 * reference to args is stolen. */
int cli_client_send(int fd, const char *cmd, json_t *args);

/* The reply object in *reply (new reference). -ETIMEDOUT when the daemon
 * stays silent, -ECONNRESET when it closes without answering, -EBADMSG
 * when the reply is not a JSON object, -EMSGSIZE when it is too large. */
int cli_client_recv(int fd, json_t **reply);

/* One request on a connection of its own: connect, send, receive, close.
 * 0 with the reply in *reply (new reference), or -errno (the args
 * reference is stolen either way). */
int cli_client_call(const char *path, const char *cmd, json_t *args, json_t **reply);

/* Descriptors that came with a reply (SCM_RIGHTS): at most max are kept,
 * in fd[0..n); more than that, or a cut-off control message, is -EPROTO
 * (and none are kept). */
struct cli_fds {
	int *fd;
	unsigned max, n;
};

/* cli_client_call that also takes the descriptors the reply carries. */
int cli_client_call_fds(const char *path, const char *cmd, json_t *args, json_t **reply,
			struct cli_fds *fds);

#endif /* KVNET_CLI_CLIENT_H */
