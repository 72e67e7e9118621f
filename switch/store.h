/* SPDX-License-Identifier: GPL-2.0-only */
/* Persistent and runtime state on disk.
 *
 * State dir (default /var/lib/kvnet): networks/<name>.xml (definitions, as
 * netxml_format writes them) and networks/autostart/<name> (marker files).
 * Run dir (default /run/kvnet): kvnetd.sock, kvnetd.pid, and
 * networks/<name>.json, the runtime state of an active network (its ports),
 * which a restarted kvnetd reads to adopt what is still running.
 * Every write is crash-safe: write a temp file, fsync, rename, fsync dir.
 */
#ifndef KVNET_STORE_H
#define KVNET_STORE_H

#include <limits.h>
#include <stdbool.h>
#include <stddef.h>

#include "switch/netxml.h"

struct store {
	char state_dir[PATH_MAX];
	char run_dir[PATH_MAX];
};

/* Create the directories (mode 0755; run dir 0755) if missing. */
int store_init(struct store *s, const char *state_dir, const char *run_dir);

/* Write data to path atomically (temp + fsync + rename + dir fsync). */
int store_write_atomic(const char *path, const void *data, size_t len, int mode);

/* Read a whole file into a malloc'd NUL-terminated buffer. */
int store_read_file(const char *path, char **out, size_t *len);

int store_save_net(const struct store *s, const struct net_def *def);
int store_delete_net(const struct store *s, const char *name);
/* Load every stored definition. Files that fail to parse are reported
 * through the callback (path, error) and skipped, never deleted. *defs is
 * malloc'd; *n is its length. */
int store_load_nets(const struct store *s, struct net_def **defs, int *n,
		    void (*bad)(void *ctx, const char *path, const char *err),
		    void *ctx);

int store_set_autostart(const struct store *s, const char *name, bool on);
bool store_get_autostart(const struct store *s, const char *name);

/* Runtime state of an active network: an opaque JSON text. */
int store_save_runtime(const struct store *s, const char *name,
		       const char *json);
int store_load_runtime(const struct store *s, const char *name, char **json);
int store_delete_runtime(const struct store *s, const char *name);

/* Paths: <run>/kvnetd.sock and <run>/kvnetd.pid. */
void store_sock_path(const struct store *s, char *buf, size_t len);
void store_pid_path(const struct store *s, char *buf, size_t len);

#endif /* KVNET_STORE_H */
