// SPDX-License-Identifier: GPL-2.0-only
/* The `fdb` command of the control protocol (docs/protocol.md): a network's
 * forwarding database, a page at a time ({"net", "cursor", "limit"} ->
 * {"entries": [...], "next": cursor or null}), or, without "limit" and
 * "cursor", the whole of it as one array, written a chunk at a time as the
 * client reads it. Either way no request holds the daemon's loop for more
 * than one page (dp_fdb_page).
 *
 * An FDB has up to a million entries, so they are written as text straight
 * from the datapath's records (a few fixed-format fields; the one string
 * that needs escaping, the port name, is escaped by jansson once a page),
 * not built as jansson objects: that is ten times faster. */
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "switch/control_int.h"

/* Entries a page holds at most and by default, and a chunk of the whole. */
#define FDB_PAGE_MAX 10000
#define FDB_PAGE_DEFAULT 1000
#define FDB_CHUNK 4096

/* The network's port names as JSON strings, by position in n->ports. */
struct fdb_names {
	char *name[KVNET_MAX_PORTS];
};

static void fdb_names_free(struct fdb_names *nm)
{
	for (int i = 0; i < KVNET_MAX_PORTS; i++)
		free(nm->name[i]);
}

static int fdb_names_init(struct fdb_names *nm, const struct kv_network *n)
{
	memset(nm, 0, sizeof(*nm));
	for (int i = 0; i < n->nports && i < KVNET_MAX_PORTS; i++) {
		json_t *s = json_string(n->ports[i].iface);

		nm->name[i] = s ? json_dumps(s, JSON_ENCODE_ANY) : NULL;
		json_decref(s);
		if (!nm->name[i]) {
			fdb_names_free(nm);
			return -ENOMEM;
		}
	}
	return 0;
}

static const char *fdb_port_json(const struct fdb_names *nm, const struct kv_network *n,
				 uint32_t ifindex)
{
	for (int i = 0; i < n->nports && i < KVNET_MAX_PORTS; i++)
		if ((uint32_t)n->ports[i].ifindex == ifindex)
			return nm->name[i];
	return "\"?\"";
}

/* One entry, as docs/protocol.md has it. */
static void fdb_write_entry(FILE *f, const struct kv_network *n, const struct fdb_names *nm,
			    const struct dp_fdb_entry *v, uint64_t now)
{
	bool is_static = v->val.flags & KVNET_FDB_STATIC;
	uint64_t age = !is_static && now > v->val.last_seen_ns ? now - v->val.last_seen_ns : 0;
	char mac[18];

	kv_mac_format(v->key.mac, mac);
	fprintf(f, "{\"mac\":\"%s\",\"vlan\":%u,\"port\":%s,\"ifindex\":%d,\"static\":%s,", mac,
		(unsigned)v->key.vlan, fdb_port_json(nm, n, v->val.ifindex),
		netw_user_ifindex(n, (int)v->val.ifindex), is_static ? "true" : "false");
	if (age)
		fprintf(f, "\"age_s\":%" PRIu64 ".%09" PRIu64 "}", age / 1000000000,
			age % 1000000000);
	else
		fputs("\"age_s\":0.0}", f);
}

/* The entries of a page the datapath still uses (not expired). */
static int fdb_write_entries(FILE *f, struct control_stream *s, const struct kv_network *n,
			     const struct dp_fdb_entry *v, int cnt)
{
	uint64_t now = dp_now_ns();
	struct fdb_names nm;

	if (fdb_names_init(&nm, n) < 0)
		return -ENOMEM;
	for (int i = 0; i < cnt; i++) {
		if (dp_fdb_entry_expired(n->dp, &v[i].val, now))
			continue;
		if (s->sent++)
			fputc(',', f);
		fdb_write_entry(f, n, &nm, &v[i], now);
	}
	fdb_names_free(&nm);
	return 0;
}

/* The piece's page: its network is looked up again each time, as it may
 * have been stopped, even undefined, since the piece before. */
static int fdb_read(struct kvnetd *d, struct control_stream *s, struct kv_network **n,
		    struct dp_fdb_entry **v, int *cnt, struct kv_error *e)
{
	int ret;

	*n = netw_find(d, s->net);
	if (!*n || !(*n)->active)
		return kv_fail(e, KV_ERR_STATE, -ESTALE, "network '%s' stopped while its FDB "
			       "was being sent", s->net);
	ret = dp_fdb_page((*n)->dp, &s->cursor, s->limit, v, cnt);
	if (ret == -EINVAL)
		return kv_fail(e, KV_ERR_INVALID, ret, "argument 'cursor' is not one kvnetd "
			       "gave out for network '%s'", s->net);
	if (ret < 0)
		return kv_fail(e, KV_ERR_SYSTEM, ret, "cannot read the FDB of network '%s': %s",
			       s->net, strerror(-ret));
	return 0;
}

static int fdb_next(struct kvnetd *d, struct control_stream *s, FILE *f, struct kv_error *e)
{
	struct kv_network *n = NULL;
	struct dp_fdb_entry *v = NULL;
	int cnt = 0, ret = fdb_read(d, s, &n, &v, &cnt, e);
	bool last;

	if (ret < 0)
		return ret;
	last = s->paged || !s->cursor; /* the cursor is the next piece's now */
	if (!s->started)
		fputs(s->paged ? "{\"ok\":true,\"result\":{\"entries\":[" : "{\"ok\":true,\"result\":[",
		      f);
	s->started = true;
	ret = fdb_write_entries(f, s, n, v, cnt);
	free(v);
	if (ret < 0)
		return kv_fail(e, KV_ERR_SYSTEM, ret, "out of memory");
	if (last && s->paged && s->cursor)
		fprintf(f, "],\"next\":\"%" PRIu64 "\"}}\n", s->cursor);
	else if (last && s->paged)
		fputs("],\"next\":null}}\n", f);
	else if (last)
		fputs("]}\n", f);
	return !last;
}

/* A page request's "cursor" (a "next" kvnetd gave out; absent or null:
 * the first page) and "limit" (at most FDB_PAGE_MAX). */
static int fdb_args(json_t *args, struct control_stream *s, struct kv_error *e)
{
	json_t *c = json_object_get(args, "cursor"), *l = json_object_get(args, "limit");
	const char *str = json_string_value(c);
	char *end = NULL;

	s->paged = c || l;
	s->limit = !s->paged ? FDB_CHUNK : !l ? FDB_PAGE_DEFAULT : FDB_PAGE_MAX;
	if (l && (!json_is_integer(l) || json_integer_value(l) < 1))
		return kv_fail(e, KV_ERR_INVALID, -EINVAL,
			       "argument 'limit' must be a positive integer");
	if (l && json_integer_value(l) < FDB_PAGE_MAX)
		s->limit = (int)json_integer_value(l);
	if (!c || json_is_null(c))
		return 0;
	errno = 0;
	if (str && *str >= '0' && *str <= '9')
		s->cursor = strtoull(str, &end, 10);
	if (!s->cursor || *end || errno)
		return kv_fail(e, KV_ERR_INVALID, -EINVAL, "argument 'cursor' must be the "
			       "\"next\" of an earlier page, or null");
	return 0;
}

int control_fdb_open(struct kvnetd *d, json_t *args, struct control_stream **out,
		     struct kv_error *e)
{
	struct kv_network *n = control_arg_active_net(d, args, e);
	struct control_stream *s;

	if (!n)
		return -EINVAL;
	s = calloc(1, sizeof(*s));
	if (!s)
		return kv_fail(e, KV_ERR_SYSTEM, -ENOMEM, "out of memory");
	if (fdb_args(args, s, e) < 0) {
		free(s);
		return -EINVAL;
	}
	s->next = fdb_next;
	s->conn_fd = -1;
	snprintf(s->net, sizeof(s->net), "%s", n->def.name);
	*out = s;
	return 0;
}
