/* SPDX-License-Identifier: GPL-2.0-only */
/* The lease store of one network: an append-only journal on disk, and
 * libvirt's <bridge>.status JSON. Used by the privileged daemon, which
 * owns the files; the sandboxed engine (dhcp_server) never opens one.
 *
 * The journal is <dir>/<name>.leases, one JSON object per line, each
 * line a whole lease record (dhcp_lease_rec) ending in '\n':
 *
 *   {"ip":"10.0.0.5","state":"bound","id":"01:52:54:00:12:34:56",
 *    "cid":true,"htype":1,"mac":"52:54:00:12:34:56","hostname":"vm1",
 *    "expiry":1700003600,"port":3}
 *
 * Replaying it in order, later records winning by address and by client
 * identity, gives the lease state (dhcp_server_restore does the same).
 * A last line without '\n' is a torn write: dropped on load, and cut off
 * the file so appends start on a clean line. A garbled line is reported
 * and skipped, never fatal.
 *
 * Appends are buffered; dhcp_store_flush() writes them and fdatasyncs
 * once. The daemon flushes once per event-loop turn and sends that
 * turn's replies only after the flush returned 0: no ACK goes out before
 * its lease is durable. The store mirrors the live records (one per
 * address), so compaction writes them without asking the engine: temp
 * file, fsync, rename, fsync of the directory.
 */
#ifndef KVNET_DHCP_STORE_H
#define KVNET_DHCP_STORE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "dhcp/dhcp_alloc.h"
#include "dhcp/dhcp_json.h"
#include "dhcp/dhcp_lease.h"

/* Compact once the journal holds this many lines more than twice the
 * live records. */
#define DHCP_STORE_SLACK 1024

struct dhcp_store;

struct dhcp_store_stats {
	unsigned records; /* lines replayed */
	unsigned garbled; /* lines reported and skipped */
	bool torn;	  /* a torn last line was cut off */
};

/* Called for each record replayed, in file order; a negative return
 * stops the load and is returned by it. */
typedef int (*dhcp_store_apply_fn)(void *ctx, const struct dhcp_lease_rec *r);
/* Called for each garbled line (1-based line number, why). */
typedef void (*dhcp_store_bad_fn)(void *ctx, unsigned line, const char *why);

/* Open or create <dir>/<name>.leases (mode 0600). name: letters, digits,
 * '-', '_', '.', not starting with '.', at most 64 characters; else
 * -EINVAL. dir must exist. */
int dhcp_store_open(const char *dir, const char *name, struct dhcp_store **out);
/* Close without flushing (what was not flushed is lost). */
void dhcp_store_close(struct dhcp_store *st);

/* Replay the journal into apply (may be NULL) and the mirror. Once,
 * right after open. bad may be NULL; stats may be NULL. */
int dhcp_store_load(struct dhcp_store *st, dhcp_store_apply_fn apply,
		    dhcp_store_bad_fn bad, void *ctx,
		    struct dhcp_store_stats *stats);

/* Buffer records (state "free" removes the address). -ENOMEM. */
int dhcp_store_append(struct dhcp_store *st, const struct dhcp_lease_rec *r);
int dhcp_store_append_changes(struct dhcp_store *st,
			      const struct dhcp_changes *ch);
/* Write what is buffered and fdatasync. 0 when all of it is durable;
 * on error the file is cut back to its last good length and the buffer
 * kept, so a later flush retries. */
int dhcp_store_flush(struct dhcp_store *st);
bool dhcp_store_pending(const struct dhcp_store *st);

/* Live records, journal lines. */
size_t dhcp_store_count(const struct dhcp_store *st);
size_t dhcp_store_lines(const struct dhcp_store *st);
bool dhcp_store_need_compact(const struct dhcp_store *st);
/* Rewrite the journal as the live records (quarantines over by now are
 * left out). Includes and so also flushes what is buffered. */
int dhcp_store_compact(struct dhcp_store *st, uint64_t now);

/* libvirt's <bridge>.status (see dhcp_json_status) from the live
 * records. *out is malloc'd. */
int dhcp_store_status_json(const struct dhcp_store *st, uint64_t now,
			   char **out);

#endif /* KVNET_DHCP_STORE_H */
