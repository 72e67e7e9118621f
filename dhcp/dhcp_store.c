// SPDX-License-Identifier: GPL-2.0-only
/* The lease journal of one network: replay with torn-tail recovery,
 * buffered appends with one fdatasync per flush, compaction through
 * store_write_atomic, and a mirror of the live records (see
 * dhcp_store.h).
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <unistd.h>

#include "dhcp/dhcp_store.h"
#include "switch/store.h"

#define DHCP_STORE_NAME_MAX 64
#define DHCP_STORE_CHUNK 65536
/* A journal line is a few hundred bytes; anything longer is garbage. */
#define DHCP_STORE_LINE_MAX 4096

struct dhcp_store_buf {
	char *p;
	size_t len, cap;
};

struct dhcp_store {
	char path[PATH_MAX];
	int fd;
	off_t size;	/* bytes on disk and durable */
	size_t lines;	/* lines on disk and buffered */
	struct dhcp_store_buf out; /* buffered lines */
	/* the mirror: live records, one per address and per identity */
	struct dhcp_lease_rec *rec;
	uint32_t nrec, cap_rec, count, free_head;
	uint32_t *next_free;
	struct dhcp_index by_ip, by_id;
	uint8_t key[DHCP_HASH_KEY_LEN];
};

/* ---- the mirror ---- */

static bool dhcp_store_eq_ip(const void *ctx, uint32_t val, const void *key)
{
	const struct dhcp_store *st = ctx;

	return st->rec[val].ip == *(const uint32_t *)key;
}

static bool dhcp_store_eq_id(const void *ctx, uint32_t val, const void *key)
{
	const struct dhcp_store *st = ctx;
	const struct dhcp_lease_rec *k = key;

	return st->rec[val].id_len == k->id_len &&
	       !memcmp(st->rec[val].id, k->id, k->id_len);
}

static uint32_t dhcp_store_hash_ip(const struct dhcp_store *st, uint32_t ip)
{
	return (uint32_t)dhcp_hash_sip(st->key, &ip, sizeof(ip));
}

static uint32_t dhcp_store_hash_id(const struct dhcp_store *st,
				   const struct dhcp_lease_rec *r)
{
	return (uint32_t)dhcp_hash_sip(st->key, r->id, r->id_len);
}

static void dhcp_store_forget(struct dhcp_store *st, uint32_t s)
{
	const struct dhcp_lease_rec *r = &st->rec[s];

	dhcp_index_del(&st->by_ip, dhcp_store_hash_ip(st, r->ip), s);
	if (r->id_len)
		dhcp_index_del(&st->by_id, dhcp_store_hash_id(st, r), s);
	st->rec[s].state = DHCP_LEASE_FREE; /* marks the slot unused */
	st->next_free[s] = st->free_head;
	st->free_head = s;
	st->count--;
}

static int dhcp_store_slot(struct dhcp_store *st, uint32_t *s)
{
	uint32_t cap = st->cap_rec ? st->cap_rec * 2 : 256, *nf;
	struct dhcp_lease_rec *rec;

	if (st->free_head != DHCP_INDEX_NONE) {
		*s = st->free_head;
		st->free_head = st->next_free[*s];
		return 0;
	}
	if (st->nrec == st->cap_rec) {
		rec = realloc(st->rec, sizeof(*rec) * cap);
		if (!rec)
			return -ENOMEM;
		st->rec = rec;
		nf = realloc(st->next_free, sizeof(*nf) * cap);
		if (!nf)
			return -ENOMEM;
		st->next_free = nf;
		st->cap_rec = cap;
	}
	*s = st->nrec++;
	return 0;
}

/* Later records win: by address, and by identity. */
static int dhcp_store_mirror(struct dhcp_store *st,
			     const struct dhcp_lease_rec *r)
{
	uint32_t s = dhcp_index_find(&st->by_ip, dhcp_store_hash_ip(st, r->ip),
				     dhcp_store_eq_ip, st, &r->ip);
	int rc;

	if (s != DHCP_INDEX_NONE)
		dhcp_store_forget(st, s);
	if (r->state == DHCP_LEASE_FREE)
		return 0;
	s = r->id_len ? dhcp_index_find(&st->by_id, dhcp_store_hash_id(st, r),
					dhcp_store_eq_id, st, r)
		      : DHCP_INDEX_NONE;
	if (s != DHCP_INDEX_NONE)
		dhcp_store_forget(st, s);
	rc = dhcp_store_slot(st, &s);
	if (rc < 0)
		return rc;
	st->rec[s] = *r;
	rc = dhcp_index_add(&st->by_ip, dhcp_store_hash_ip(st, r->ip), s);
	if (rc == 0 && r->id_len)
		rc = dhcp_index_add(&st->by_id, dhcp_store_hash_id(st, r), s);
	if (rc < 0)
		return rc; /* out of memory: the mirror is no longer whole */
	st->count++;
	return 0;
}

/* ---- open, close ---- */

static bool dhcp_store_name_ok(const char *name)
{
	size_t i, n = strlen(name);

	if (!n || n > DHCP_STORE_NAME_MAX || name[0] == '.')
		return false;
	for (i = 0; i < n; i++)
		if (!strchr("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
			    "0123456789-_.", name[i]))
			return false;
	return true;
}

int dhcp_store_open(const char *dir, const char *name, struct dhcp_store **out)
{
	struct dhcp_store *st;
	int n;

	*out = NULL;
	if (!dhcp_store_name_ok(name))
		return -EINVAL;
	st = calloc(1, sizeof(*st));
	if (!st)
		return -ENOMEM;
	st->fd = -1;
	st->free_head = DHCP_INDEX_NONE;
	n = snprintf(st->path, sizeof(st->path), "%s/%s.leases", dir, name);
	if (n < 0 || (size_t)n >= sizeof(st->path)) {
		free(st);
		return -ENAMETOOLONG;
	}
	if (getrandom(st->key, sizeof(st->key), 0) != sizeof(st->key) ||
	    dhcp_index_init(&st->by_ip, 256) < 0 ||
	    dhcp_index_init(&st->by_id, 256) < 0)
		goto nomem;
	st->fd = open(st->path, O_RDWR | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
	if (st->fd < 0) {
		n = -errno;
		dhcp_store_close(st);
		return n;
	}
	*out = st;
	return 0;
nomem:
	dhcp_store_close(st);
	return -ENOMEM;
}

void dhcp_store_close(struct dhcp_store *st)
{
	if (!st)
		return;
	if (st->fd >= 0)
		close(st->fd);
	dhcp_index_fini(&st->by_ip);
	dhcp_index_fini(&st->by_id);
	free(st->rec);
	free(st->next_free);
	free(st->out.p);
	free(st);
}

/* ---- load ---- */

struct dhcp_store_load {
	dhcp_store_apply_fn apply;
	dhcp_store_bad_fn bad;
	void *ctx;
	struct dhcp_store_stats *stats;
	unsigned line;
};

static int dhcp_store_line(struct dhcp_store *st, struct dhcp_store_load *l,
			   const char *p, size_t len)
{
	struct dhcp_lease_rec r;
	const char *why = "line too long";
	int rc;

	l->line++;
	st->lines++;
	if (len > DHCP_STORE_LINE_MAX ||
	    dhcp_json_parse_rec(p, len, &r, &why) < 0) {
		l->stats->garbled++;
		if (l->bad)
			l->bad(l->ctx, l->line, why);
		return 0;
	}
	l->stats->records++;
	rc = dhcp_store_mirror(st, &r);
	if (rc == 0 && l->apply)
		rc = l->apply(l->ctx, &r);
	return rc;
}

/* Feed every complete line of buf[0 .. *len) to dhcp_store_line; keep
 * the incomplete rest at the start of buf. An over-long line is cut to
 * DHCP_STORE_LINE_MAX + 1 bytes (it is garbage either way). */
static int dhcp_store_lines_in(struct dhcp_store *st, struct dhcp_store_load *l,
			       char *buf, size_t *len, size_t *skip)
{
	char *p = buf, *nl;
	size_t rest = *len;
	int rc;

	while ((nl = memchr(p, '\n', rest))) {
		rc = dhcp_store_line(st, l, p, (size_t)(nl - p) + *skip);
		*skip = 0;
		if (rc < 0)
			return rc;
		rest -= (size_t)(nl - p) + 1;
		p = nl + 1;
	}
	if (rest > DHCP_STORE_LINE_MAX) { /* keep its length, not its bytes */
		*skip += rest;
		rest = 0;
	}
	memmove(buf, p, rest);
	*len = rest;
	return 0;
}

/* A last line without its '\n' was torn by a crash: cut it off. */
static int dhcp_store_cut(struct dhcp_store *st, struct dhcp_store_load *l,
			  off_t total, size_t tail)
{
	st->size = total;
	if (!tail)
		return 0;
	l->stats->torn = true;
	st->size = total - (off_t)tail;
	if (ftruncate(st->fd, st->size) < 0 || fsync(st->fd) < 0)
		return -errno;
	return 0;
}

int dhcp_store_load(struct dhcp_store *st, dhcp_store_apply_fn apply,
		    dhcp_store_bad_fn bad, void *ctx,
		    struct dhcp_store_stats *stats)
{
	struct dhcp_store_stats dummy;
	struct dhcp_store_load l = { apply, bad, ctx, stats ? stats : &dummy, 0 };
	size_t len = 0, skip = 0;
	char *buf = malloc(DHCP_STORE_CHUNK + DHCP_STORE_LINE_MAX + 1);
	off_t total = 0;
	ssize_t n;
	int rc = 0;

	memset(l.stats, 0, sizeof(*l.stats));
	if (!buf)
		return -ENOMEM;
	while (rc == 0) {
		n = pread(st->fd, buf + len, DHCP_STORE_CHUNK, total);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			rc = n < 0 ? -errno : 0;
			break;
		}
		total += n;
		len += (size_t)n;
		rc = dhcp_store_lines_in(st, &l, buf, &len, &skip);
	}
	free(buf);
	return rc < 0 ? rc : dhcp_store_cut(st, &l, total, len + skip);
}

/* ---- append, flush, compact ---- */

/* line and a '\n' at the end of b. */
static int dhcp_store_buffer(struct dhcp_store_buf *b, const char *line)
{
	size_t n = strlen(line), cap;
	char *p;

	if (b->len + n + 1 > b->cap) {
		cap = b->cap ? b->cap : 4096;
		while (b->len + n + 1 > cap)
			cap *= 2;
		p = realloc(b->p, cap);
		if (!p)
			return -ENOMEM;
		b->p = p, b->cap = cap;
	}
	memcpy(b->p + b->len, line, n);
	b->p[b->len + n] = '\n';
	b->len += n + 1;
	return 0;
}

int dhcp_store_append(struct dhcp_store *st, const struct dhcp_lease_rec *r)
{
	char *line = dhcp_json_format_rec(r);
	int rc;

	if (!line)
		return -ENOMEM;
	rc = dhcp_store_buffer(&st->out, line);
	free(line);
	if (rc == 0)
		rc = dhcp_store_mirror(st, r);
	if (rc == 0)
		st->lines++;
	return rc;
}

int dhcp_store_append_changes(struct dhcp_store *st,
			      const struct dhcp_changes *ch)
{
	int i, rc = 0;

	for (i = 0; i < ch->n && rc == 0; i++)
		rc = dhcp_store_append(st, &ch->rec[i]);
	return rc;
}

static int dhcp_store_write_all(int fd, const char *p, size_t len)
{
	ssize_t n;

	while (len) {
		n = write(fd, p, len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -errno;
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

/* Open the journal again (after compaction replaced it). */
static int dhcp_store_reopen(struct dhcp_store *st)
{
	int fd = open(st->path, O_RDWR | O_APPEND | O_CLOEXEC);
	struct stat sb;

	if (fd < 0)
		return -errno;
	if (fstat(fd, &sb) < 0) {
		close(fd);
		return -errno;
	}
	if (st->fd >= 0)
		close(st->fd);
	st->fd = fd;
	st->size = sb.st_size;
	return 0;
}

int dhcp_store_flush(struct dhcp_store *st)
{
	int rc;

	if (!st->out.len)
		return 0;
	if (st->fd < 0 && (rc = dhcp_store_reopen(st)) < 0)
		return rc;
	rc = dhcp_store_write_all(st->fd, st->out.p, st->out.len);
	if (rc == 0 && fdatasync(st->fd) < 0)
		rc = -errno;
	/* no half line may stay for the next append to glue onto; if even
	 * that fails, the next load drops it as a torn or garbled line */
	if (rc < 0 && ftruncate(st->fd, st->size) < 0)
		return rc;
	if (rc < 0)
		return rc;
	st->size += (off_t)st->out.len;
	st->out.len = 0;
	return 0;
}

bool dhcp_store_pending(const struct dhcp_store *st)
{
	return st->out.len > 0;
}

size_t dhcp_store_count(const struct dhcp_store *st)
{
	return st->count;
}

size_t dhcp_store_lines(const struct dhcp_store *st)
{
	return st->lines;
}

bool dhcp_store_need_compact(const struct dhcp_store *st)
{
	return st->lines > 2 * (size_t)st->count + DHCP_STORE_SLACK;
}

static bool dhcp_store_live(const struct dhcp_store *st, uint32_t s,
			    uint64_t now)
{
	const struct dhcp_lease_rec *r = &st->rec[s];

	if (r->state == DHCP_LEASE_FREE)
		return false; /* a free slot */
	return r->id_len || r->expiry > now; /* a quarantine not yet over */
}

/* The live records as journal text; quarantines that are over leave
 * the mirror. */
static int dhcp_store_text(struct dhcp_store *st, uint64_t now, char **text,
			   size_t *len, size_t *lines)
{
	struct dhcp_store_buf tmp = { NULL, 0, 0 };
	char *line;
	uint32_t s;
	int rc = 0;

	*lines = 0;
	for (s = 0; s < st->nrec && rc == 0; s++) {
		if (!dhcp_store_live(st, s, now)) {
			if (st->rec[s].state != DHCP_LEASE_FREE)
				dhcp_store_forget(st, s);
			continue;
		}
		line = dhcp_json_format_rec(&st->rec[s]);
		rc = line ? dhcp_store_buffer(&tmp, line) : -ENOMEM;
		free(line);
		(*lines)++;
	}
	*text = tmp.p, *len = tmp.len;
	if (rc < 0)
		free(tmp.p);
	return rc;
}

int dhcp_store_compact(struct dhcp_store *st, uint64_t now)
{
	size_t len, lines;
	char *text;
	int rc = dhcp_store_text(st, now, &text, &len, &lines);

	if (rc < 0)
		return rc;
	rc = store_write_atomic(st->path, text ? text : "", len, 0600);
	free(text);
	if (rc < 0)
		return rc;
	st->lines = lines;
	st->out.len = 0; /* what was buffered is in the new file */
	/* the old descriptor holds the replaced file: never append there
	 * again (if the open fails, the next flush retries it) */
	rc = dhcp_store_reopen(st);
	if (rc < 0) {
		close(st->fd);
		st->fd = -1;
	}
	return rc;
}

int dhcp_store_status_json(const struct dhcp_store *st, uint64_t now,
			   char **out)
{
	struct dhcp_lease_rec *bound = malloc(sizeof(*bound) * (st->count + 1));
	size_t n = 0;
	uint32_t s;
	int rc;

	if (!bound)
		return -ENOMEM;
	for (s = 0; s < st->nrec; s++)
		if (st->rec[s].state == DHCP_LEASE_BOUND)
			bound[n++] = st->rec[s];
	rc = dhcp_json_status(bound, n, now, out);
	free(bound);
	return rc;
}
