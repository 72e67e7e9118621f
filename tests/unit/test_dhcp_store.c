// SPDX-License-Identifier: GPL-2.0-only
/* Unit tests for the DHCP lease store (dhcp/dhcp_store, dhcp/dhcp_json):
 * journal lines round-trip, replay order and its rules, torn-tail
 * recovery, garbled and over-long lines skipped, flush semantics,
 * compaction (no temp file left, same state after reload), libvirt's
 * status JSON, and a server's leases surviving a restart through the
 * journal. Each test works in its own directory under /tmp, removed
 * afterwards.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <jansson.h>
#include <cmocka.h>

#include "dhcp/dhcp_server.h"
#include "dhcp/dhcp_store.h"
#include "tests/unit/dhcp_test_pkt.h"

#define T0 1700000000ull

struct fx {
	char dir[64];
	char path[128];
	struct dhcp_lease_rec got[64];
	int ngot;
	unsigned bad_lines[16];
	int nbad;
};

static int setup(void **state)
{
	struct fx *f = calloc(1, sizeof(*f));

	if (!f)
		return -1;
	strcpy(f->dir, "/tmp/kvnet-test-dhcp-store.XXXXXX");
	if (!mkdtemp(f->dir))
		return -1;
	snprintf(f->path, sizeof(f->path), "%s/net1.leases", f->dir);
	*state = f;
	return 0;
}

/* Remove the directory; fail on anything but the journal (a temp file
 * left behind would be a bug). */
static int teardown(void **state)
{
	struct fx *f = *state;
	char p[384];
	struct dirent *e;
	DIR *d = opendir(f->dir);
	int stray = 0;

	while (d && (e = readdir(d))) {
		if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
			continue;
		if (strcmp(e->d_name, "net1.leases"))
			stray++;
		snprintf(p, sizeof(p), "%s/%s", f->dir, e->d_name);
		unlink(p);
	}
	if (d)
		closedir(d);
	rmdir(f->dir);
	free(f);
	return stray ? -1 : 0;
}

static int collect(void *ctx, const struct dhcp_lease_rec *r)
{
	struct fx *f = ctx;

	if (f->ngot < 64)
		f->got[f->ngot++] = *r;
	return 0;
}

static void on_bad(void *ctx, unsigned line, const char *why)
{
	struct fx *f = ctx;

	assert_non_null(why);
	if (f->nbad < 16)
		f->bad_lines[f->nbad++] = line;
}

static struct dhcp_lease_rec rec(uint32_t ip, unsigned state, unsigned n)
{
	struct dhcp_lease_rec r;

	memset(&r, 0, sizeof(r));
	r.ip = ip;
	r.state = (uint8_t)state;
	if (state == DHCP_LEASE_FREE)
		return r;
	r.htype = 1, r.hlen = 6;
	r.chaddr[0] = 0x52, r.chaddr[1] = 0x54, r.chaddr[5] = (uint8_t)n;
	if (state != DHCP_LEASE_DECLINED && state != DHCP_LEASE_CONFLICT) {
		r.id_len = 7;
		r.id[0] = 1;
		memcpy(r.id + 1, r.chaddr, 6);
	}
	r.expiry = T0 + 3600;
	r.port = n;
	return r;
}

static struct dhcp_store *open_load(struct fx *f, struct dhcp_store_stats *s)
{
	struct dhcp_store *st;

	f->ngot = f->nbad = 0;
	assert_int_equal(dhcp_store_open(f->dir, "net1", &st), 0);
	assert_int_equal(dhcp_store_load(st, collect, on_bad, f, s), 0);
	return st;
}

static void write_file(const char *path, const char *text, size_t len)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);

	assert_true(fd >= 0);
	assert_int_equal(write(fd, text, len), (ssize_t)len);
	close(fd);
}

static char *read_all(const char *path)
{
	static char buf[1 << 20];
	int fd = open(path, O_RDONLY);
	ssize_t n;

	assert_true(fd >= 0);
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	assert_true(n >= 0);
	buf[n] = '\0';
	return buf;
}

static int count_lines(const char *s)
{
	int n = 0;

	for (; *s; s++)
		n += *s == '\n';
	return n;
}

static void test_json_line(void **state)
{
	struct dhcp_lease_rec r = rec(TIP(10, 0, 0, 5), DHCP_LEASE_BOUND, 7), b;
	const char *why = NULL;
	char *line;

	(void)state;
	r.has_cid = true;
	strcpy(r.hostname, "vm7");
	line = dhcp_json_format_rec(&r);
	assert_non_null(line);
	assert_null(strchr(line, '\n'));
	assert_string_equal(line,
			    "{\"ip\":\"10.0.0.5\",\"state\":\"bound\","
			    "\"id\":\"01:52:54:00:00:00:07\",\"cid\":true,"
			    "\"htype\":1,\"mac\":\"52:54:00:00:00:07\","
			    "\"hostname\":\"vm7\",\"expiry\":1700003600,"
			    "\"port\":7}");
	assert_int_equal(dhcp_json_parse_rec(line, strlen(line), &b, &why), 0);
	assert_memory_equal(&r, &b, sizeof(r));
	free(line);
	r = rec(TIP(10, 0, 0, 6), DHCP_LEASE_FREE, 0);
	line = dhcp_json_format_rec(&r);
	assert_string_equal(line, "{\"ip\":\"10.0.0.6\",\"state\":\"free\"}");
	free(line);
}

static void parse_bad(const char *line)
{
	struct dhcp_lease_rec r;
	const char *why = NULL;

	assert_int_equal(dhcp_json_parse_rec(line, strlen(line), &r, &why),
			 -EINVAL);
	assert_non_null(why);
}

static void test_json_rejects(void **state)
{
	(void)state;
	parse_bad("");
	parse_bad("[]");
	parse_bad("{\"state\":\"bound\"}");
	parse_bad("{\"ip\":\"10.0.0.300\",\"state\":\"bound\"}");
	parse_bad("{\"ip\":\"10.0.0.3\",\"state\":\"sleeping\"}");
	parse_bad("{\"ip\":\"10.0.0.3\",\"state\":\"offered\"}");
	parse_bad("{\"ip\":\"10.0.0.3\",\"state\":\"bound\",\"id\":\"0g\"}");
	parse_bad("{\"ip\":\"10.0.0.3\",\"state\":\"bound\",\"id\":\"01:\"}");
	parse_bad("{\"ip\":\"10.0.0.3\",\"state\":\"bound\",\"mac\":"
		  "\"00:01:02:03:04:05:06:07:08:09:0a:0b:0c:0d:0e:0f:10\"}");
	parse_bad("{\"ip\":\"10.0.0.3\",\"state\":\"bound\",\"expiry\":-1}");
	parse_bad("{\"ip\":\"10.0.0.3\",\"state\":\"bound\",\"port\":\"1\"}");
	parse_bad("{\"ip\":\"10.0.0.3\",\"ip\":\"10.0.0.4\",\"state\":\"free\"}");
	parse_bad("{\"ip\":3,\"state\":\"bound\"}");
}

static void test_roundtrip(void **state)
{
	struct fx *f = *state;
	struct dhcp_store_stats s;
	struct dhcp_lease_rec r[4];
	struct dhcp_store *st = open_load(f, &s);
	int i;

	assert_int_equal(s.records, 0);
	r[0] = rec(TIP(10, 0, 0, 5), DHCP_LEASE_BOUND, 1);
	r[1] = rec(TIP(10, 0, 0, 6), DHCP_LEASE_RELEASED, 2);
	r[2] = rec(TIP(10, 0, 0, 7), DHCP_LEASE_DECLINED, 0);
	r[3] = rec(TIP(10, 0, 0, 6), DHCP_LEASE_FREE, 0);
	for (i = 0; i < 4; i++)
		assert_int_equal(dhcp_store_append(st, &r[i]), 0);
	assert_true(dhcp_store_pending(st));
	assert_int_equal(dhcp_store_count(st), 2);
	/* nothing reaches the file before the flush */
	assert_string_equal(read_all(f->path), "");
	assert_int_equal(dhcp_store_flush(st), 0);
	assert_false(dhcp_store_pending(st));
	assert_int_equal(dhcp_store_flush(st), 0);
	assert_int_equal(count_lines(read_all(f->path)), 4);
	dhcp_store_close(st);
	st = open_load(f, &s);
	assert_int_equal(s.records, 4);
	assert_int_equal(s.garbled, 0);
	assert_false(s.torn);
	assert_int_equal(f->ngot, 4);
	for (i = 0; i < 4; i++)
		assert_memory_equal(&f->got[i], &r[i], sizeof(r[i]));
	assert_int_equal(dhcp_store_count(st), 2);
	assert_int_equal(dhcp_store_lines(st), 4);
	dhcp_store_close(st);
}

/* The crash came while a line was being written. */
static void test_torn_tail(void **state)
{
	struct fx *f = *state;
	struct dhcp_lease_rec a = rec(TIP(10, 0, 0, 5), DHCP_LEASE_BOUND, 1);
	struct dhcp_lease_rec b = rec(TIP(10, 0, 0, 9), DHCP_LEASE_BOUND, 2);
	char text[1024], *la = dhcp_json_format_rec(&a);
	struct dhcp_store_stats s;
	struct dhcp_store *st;
	size_t len;

	len = (size_t)snprintf(text, sizeof(text), "%s\n%s\n{\"ip\":\"10.0.",
			       la, la);
	write_file(f->path, text, len);
	st = open_load(f, &s);
	assert_true(s.torn);
	assert_int_equal(s.records, 2);
	assert_int_equal(s.garbled, 0);
	assert_int_equal(f->nbad, 0);
	/* the torn bytes are gone from the file */
	assert_int_equal(strlen(read_all(f->path)), 2 * (strlen(la) + 1));
	assert_int_equal(dhcp_store_append(st, &b), 0);
	assert_int_equal(dhcp_store_flush(st), 0);
	dhcp_store_close(st);
	st = open_load(f, &s);
	assert_false(s.torn);
	assert_int_equal(s.records, 3);
	assert_int_equal(s.garbled, 0);
	assert_memory_equal(&f->got[2], &b, sizeof(b));
	dhcp_store_close(st);
	free(la);
}

static void test_garbled(void **state)
{
	struct fx *f = *state;
	struct dhcp_lease_rec a = rec(TIP(10, 0, 0, 5), DHCP_LEASE_BOUND, 1);
	char *la = dhcp_json_format_rec(&a), *text;
	struct dhcp_store_stats s;
	struct dhcp_store *st;
	size_t len = 0, cap = 20000;

	text = malloc(cap);
	len += (size_t)sprintf(text + len, "not json\n%s\n", la);
	len += (size_t)sprintf(text + len, "{\"ip\":\"10.0.0.3\"}\n\n");
	memset(text + len, 'x', 9000); /* longer than any line can be */
	len += 9000;
	len += (size_t)sprintf(text + len, "\n%s\n", la);
	write_file(f->path, text, len);
	st = open_load(f, &s);
	assert_int_equal(s.records, 2);
	assert_int_equal(s.garbled, 4);
	assert_false(s.torn);
	assert_int_equal(f->nbad, 4);
	assert_int_equal(f->bad_lines[0], 1);
	assert_int_equal(f->bad_lines[1], 3);
	assert_int_equal(f->bad_lines[2], 4);
	assert_int_equal(f->bad_lines[3], 5);
	assert_int_equal(dhcp_store_count(st), 1);
	dhcp_store_close(st);
	free(text);
	free(la);
}

static void test_compact(void **state)
{
	struct fx *f = *state;
	struct dhcp_lease_rec r;
	struct dhcp_store_stats s;
	struct dhcp_store *st = open_load(f, &s);
	unsigned i;

	for (i = 0; i < 3000; i++) {
		r = rec(TIP(10, 0, 0, 10 + i % 20), DHCP_LEASE_BOUND, i % 20);
		r.expiry = T0 + i;
		assert_int_equal(dhcp_store_append(st, &r), 0);
		if (i % 100 == 99)
			assert_int_equal(dhcp_store_flush(st), 0);
	}
	/* a client moves: the mirror keeps one record per identity */
	r = rec(TIP(10, 0, 0, 50), DHCP_LEASE_BOUND, 3);
	assert_int_equal(dhcp_store_append(st, &r), 0);
	r = rec(TIP(10, 0, 0, 51), DHCP_LEASE_DECLINED, 0);
	r.expiry = T0 + 10;
	assert_int_equal(dhcp_store_append(st, &r), 0);
	r = rec(TIP(10, 0, 0, 52), DHCP_LEASE_CONFLICT, 0);
	r.expiry = T0 + 1000;
	assert_int_equal(dhcp_store_append(st, &r), 0);
	assert_int_equal(dhcp_store_count(st), 22);
	assert_int_equal(dhcp_store_lines(st), 3003);
	assert_true(dhcp_store_need_compact(st));
	/* the buffered records go into the compacted file */
	assert_true(dhcp_store_pending(st));
	assert_int_equal(dhcp_store_compact(st, T0 + 100), 0);
	assert_false(dhcp_store_pending(st));
	assert_false(dhcp_store_need_compact(st));
	assert_int_equal(dhcp_store_count(st), 21); /* the quarantine ended */
	assert_int_equal(dhcp_store_lines(st), 21);
	assert_int_equal(count_lines(read_all(f->path)), 21);
	/* appends continue in the new file */
	r = rec(TIP(10, 0, 0, 60), DHCP_LEASE_BOUND, 60);
	assert_int_equal(dhcp_store_append(st, &r), 0);
	assert_int_equal(dhcp_store_flush(st), 0);
	dhcp_store_close(st);
	st = open_load(f, &s);
	assert_int_equal(s.records, 22);
	assert_int_equal(dhcp_store_count(st), 22);
	int seen = 0;
	for (i = 0; i < (unsigned)f->ngot; i++) {
		/* client 3 moved from .13 to .50 */
		assert_int_not_equal(f->got[i].ip, TIP(10, 0, 0, 13));
		if (f->got[i].ip == TIP(10, 0, 0, 14))
			assert_int_equal(f->got[i].expiry, T0 + 2984), seen++;
		if (f->got[i].ip == TIP(10, 0, 0, 50))
			seen++;
	}
	assert_int_equal(seen, 2);
	dhcp_store_close(st);
}

static void test_status_json(void **state)
{
	struct fx *f = *state;
	struct dhcp_lease_rec r;
	struct dhcp_store *st = open_load(f, NULL);
	json_t *a, *o;
	char *text;

	r = rec(TIP(10, 0, 0, 5), DHCP_LEASE_BOUND, 1);
	r.has_cid = true;
	strcpy(r.hostname, "vm1");
	assert_int_equal(dhcp_store_append(st, &r), 0);
	r = rec(TIP(10, 0, 0, 6), DHCP_LEASE_BOUND, 2);
	r.expiry = 0; /* infinite */
	assert_int_equal(dhcp_store_append(st, &r), 0);
	r = rec(TIP(10, 0, 0, 7), DHCP_LEASE_BOUND, 3);
	r.expiry = T0 - 1; /* expired */
	assert_int_equal(dhcp_store_append(st, &r), 0);
	r = rec(TIP(10, 0, 0, 8), DHCP_LEASE_RELEASED, 4);
	assert_int_equal(dhcp_store_append(st, &r), 0);
	assert_int_equal(dhcp_store_status_json(st, T0, &text), 0);
	a = json_loads(text, 0, NULL);
	assert_non_null(a);
	assert_true(json_is_array(a));
	assert_int_equal(json_array_size(a), 2);
	o = json_array_get(a, 0);
	assert_string_equal(json_string_value(json_object_get(o, "ip-address")),
			    "10.0.0.5");
	assert_string_equal(json_string_value(json_object_get(o, "mac-address")),
			    "52:54:00:00:00:01");
	assert_string_equal(json_string_value(json_object_get(o, "hostname")),
			    "vm1");
	assert_string_equal(json_string_value(json_object_get(o, "client-id")),
			    "01:52:54:00:00:00:01");
	assert_int_equal(json_integer_value(json_object_get(o, "expiry-time")),
			 T0 + 3600);
	assert_int_equal(json_object_size(o), 5);
	o = json_array_get(a, 1);
	assert_string_equal(json_string_value(json_object_get(o, "ip-address")),
			    "10.0.0.6");
	assert_null(json_object_get(o, "hostname"));
	assert_null(json_object_get(o, "client-id"));
	assert_null(json_object_get(o, "expiry-time"));
	json_decref(a);
	free(text);
	/* no leases: an empty array */
	assert_int_equal(dhcp_json_status(NULL, 0, T0, &text), 0);
	assert_string_equal(text, "[]");
	free(text);
	dhcp_store_close(st);
}

/* The status array is written by hand: the text json_dumps(JSON_INDENT(2))
 * gave (what libvirt's leaseshelper writes too), and a string that needs
 * escaping comes back whole. */
static void test_status_json_text(void **state)
{
	struct dhcp_lease_rec r[2];
	json_t *a;
	char *text;

	(void)state;
	r[0] = rec(TIP(10, 0, 0, 5), DHCP_LEASE_BOUND, 1);
	r[0].has_cid = true;
	strcpy(r[0].hostname, "vm1");
	r[1] = rec(TIP(10, 0, 0, 6), DHCP_LEASE_BOUND, 2);
	r[1].expiry = 0;
	assert_int_equal(dhcp_json_status(r, 2, T0, &text), 0);
	assert_string_equal(text, "[\n"
				  "  {\n"
				  "    \"ip-address\": \"10.0.0.5\",\n"
				  "    \"mac-address\": \"52:54:00:00:00:01\",\n"
				  "    \"hostname\": \"vm1\",\n"
				  "    \"client-id\": \"01:52:54:00:00:00:01\",\n"
				  "    \"expiry-time\": 1700003600\n"
				  "  },\n"
				  "  {\n"
				  "    \"ip-address\": \"10.0.0.6\",\n"
				  "    \"mac-address\": \"52:54:00:00:00:02\"\n"
				  "  }\n"
				  "]");
	free(text);
	strcpy(r[0].hostname, "a\"b\\c\td");
	assert_int_equal(dhcp_json_status(r, 1, T0, &text), 0);
	a = json_loads(text, 0, NULL);
	assert_non_null(a);
	assert_string_equal(json_string_value(json_object_get(json_array_get(a, 0), "hostname")),
			    "a\"b\\c\td");
	json_decref(a);
	free(text);
}

static void test_names(void **state)
{
	struct fx *f = *state;
	struct dhcp_store *st;

	assert_int_equal(dhcp_store_open(f->dir, "../x", &st), -EINVAL);
	assert_null(st);
	assert_int_equal(dhcp_store_open(f->dir, ".hidden", &st), -EINVAL);
	assert_int_equal(dhcp_store_open(f->dir, "", &st), -EINVAL);
	assert_int_equal(dhcp_store_open(f->dir, "a/b", &st), -EINVAL);
	assert_int_equal(dhcp_store_open("/nonexistent-kvnet-dir", "net1", &st),
			 -ENOENT);
}

/* ---- a server's leases across a restart ---- */

static struct dhcp_server *new_server(void)
{
	struct dhcp_server *s;
	struct dhcp_config c;

	dhcp_config_init(&c);
	c.server_ip = TIP(10, 0, 0, 1);
	c.subnet = TIP(10, 0, 0, 0);
	c.prefix = 24;
	c.ranges[0] = (struct dhcp_range){ TIP(10, 0, 0, 100),
					   TIP(10, 0, 0, 199), 0 };
	c.nranges = 1;
	assert_int_equal(dhcp_server_new(&c, &s, NULL, 0), 0);
	return s;
}

static void exchange(struct dhcp_server *s, struct dhcp_store *st,
		     struct tpkt *p, const uint8_t mac[6], uint64_t now,
		     struct dhcp_result *res)
{
	struct dhcp_meta m = { .port = 1, .broadcast = true, .now = now };
	uint8_t reply[1500];

	memcpy(m.src_mac, mac, 6);
	assert_int_equal(dhcp_server_handle(s, p->b, p->len, &m, reply,
					    sizeof(reply), res), 0);
	assert_int_equal(dhcp_store_append_changes(st, &res->changes), 0);
	assert_int_equal(dhcp_store_flush(st), 0);
}

static int restore(void *ctx, const struct dhcp_lease_rec *r)
{
	return dhcp_server_restore(ctx, r, T0 + 10);
}

static void test_server_restart(void **state)
{
	struct fx *f = *state;
	uint8_t mac[6] = { 0x52, 0x54, 0, 0, 0, 1 };
	struct dhcp_server *s = new_server();
	struct dhcp_store *st = open_load(f, NULL);
	struct dhcp_result res;
	struct tpkt p;
	uint32_t ip;

	tpkt_init(&p, DHCP_DISCOVER, mac, 1);
	tpkt_end(&p);
	exchange(s, st, &p, mac, T0, &res);
	ip = res.ip;
	tpkt_init(&p, DHCP_REQUEST, mac, 2);
	tpkt_opt_ip(&p, DHCP_OPT_REQ_IP, ip);
	tpkt_opt_ip(&p, DHCP_OPT_SERVER_ID, TIP(10, 0, 0, 1));
	tpkt_opt(&p, DHCP_OPT_HOSTNAME, "guest", 5);
	tpkt_end(&p);
	exchange(s, st, &p, mac, T0, &res);
	assert_int_equal(res.sent, DHCP_ACK);
	dhcp_store_close(st);
	dhcp_server_free(s);
	/* restart: replay into a fresh server; the client renews */
	s = new_server();
	assert_int_equal(dhcp_store_open(f->dir, "net1", &st), 0);
	assert_int_equal(dhcp_store_load(st, restore, NULL, s, NULL), 0);
	assert_int_equal(dhcp_server_lease_count(s), 1);
	tpkt_init(&p, DHCP_REQUEST, mac, 3);
	tpkt_ciaddr(&p, ip);
	tpkt_end(&p);
	exchange(s, st, &p, mac, T0 + 10, &res);
	assert_int_equal(res.sent, DHCP_ACK);
	assert_string_equal(res.changes.rec[0].hostname, "guest");
	dhcp_store_close(st);
	dhcp_server_free(s);
}

int main(void)
{
#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_json_line),
		cmocka_unit_test(test_json_rejects),
		T(test_roundtrip),
		T(test_torn_tail),
		T(test_garbled),
		T(test_compact),
		T(test_status_json),
		T(test_status_json_text),
		T(test_names),
		T(test_server_restart),
	};
#undef T

	return cmocka_run_group_tests(tests, NULL, NULL);
}
