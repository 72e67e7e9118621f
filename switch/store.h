/* SPDX-License-Identifier: GPL-2.0-only */
/* Persistent and runtime state on disk.
 *
 * State dir (default /var/lib/kvnet): networks/<name>.xml (definitions, as
 * netxml_format writes them) and networks/autostart/<name> (marker files).
 * Run dir (default /run/kvnet): kvnetd.sock, kvnetd-names.sock, kvnetd.pid,
 * and networks/<name>.json, the runtime state of an active network (its ports),
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

/* Fill s without touching the disk (for clients such as the CLI that only
 * need the socket path). NULL or "" picks the default: state_dir
 * /var/lib/kvnet; run_dir $KVNET_RUN_DIR, else /run/kvnet.
 * -ENAMETOOLONG if a directory leaves no room for file names. */
int store_set_dirs(struct store *s, const char *state_dir, const char *run_dir);

/* store_set_dirs, then create the directories (mkdir -p, mode 0755):
 * <state>/networks, <state>/networks/autostart, <run>/networks. */
int store_init(struct store *s, const char *state_dir, const char *run_dir);

/* Write data to path atomically (temp + fsync + rename + dir fsync). The
 * temp file is ".<basename>.XXXXXX" in the same directory and is removed
 * on failure; loaders ignore dot files. */
int store_write_atomic(const char *path, const void *data, size_t len, int mode);

/* Read a whole file into a malloc'd NUL-terminated buffer (len may be
 * NULL). -EINVAL if it is not a regular file, -EFBIG beyond 64 MiB. */
int store_read_file(const char *path, char **out, size_t *len);

/* All functions taking a network name return -EINVAL unless
 * netxml_name_valid(name): no name can become a path outside its dir. */
int store_save_net(const struct store *s, const struct net_def *def);
/* Removes the definition and its autostart marker; -ENOENT if there was
 * no definition. */
int store_delete_net(const struct store *s, const char *name);
/* Load every stored definition, sorted by name. Files that fail to read or
 * parse, or whose <name> differs from their file name, are reported through
 * the callback (path, error; may be NULL) and skipped, never deleted. Dot
 * files (temp files) and files not ending in ".xml" are ignored. *defs is
 * malloc'd (NULL when *n is 0); *n is its length. */
int store_load_nets(const struct store *s, struct net_def **defs, int *n,
		    void (*bad)(void *ctx, const char *path, const char *err),
		    void *ctx);

/* Marker file on/off; turning off an absent marker is not an error. */
int store_set_autostart(const struct store *s, const char *name, bool on);
bool store_get_autostart(const struct store *s, const char *name);

/* Runtime state of an active network: an opaque JSON text (file mode
 * 0600). load: -ENOENT if none; *json is malloc'd. delete: absent is 0. */
int store_save_runtime(const struct store *s, const char *name,
		       const char *json);
int store_load_runtime(const struct store *s, const char *name, char **json);
int store_delete_runtime(const struct store *s, const char *name);
/* Call fn with the name of every runtime record (dot files and names that
 * are no network name are skipped). */
int store_list_runtime(const struct store *s, void (*fn)(void *arg, const char *name),
		       void *arg);

/* Paths: <run>/kvnetd.sock, <run>/kvnetd-names.sock (names_sock.h) and
 * <run>/kvnetd.pid. */
void store_sock_path(const struct store *s, char *buf, size_t len);
void store_names_sock_path(const struct store *s, char *buf, size_t len);
void store_pid_path(const struct store *s, char *buf, size_t len);

#endif /* KVNET_STORE_H */
