// SPDX-License-Identifier: GPL-2.0-only
/* Unit tests for switch/store: directory layout, atomic writes that leave
 * no temp file behind, definitions saved/loaded/deleted, autostart markers,
 * runtime state, garbage and truncated files reported but kept, temp files
 * ignored, and names that would escape their directory refused.
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
#include <cmocka.h>

#include "switch/store.h"

/* Paths built from a PATH_MAX directory plus a file name. */
#define P_MAX (PATH_MAX + 64)

struct fixture {
	char root[64];
	struct store st;
};

static int rm_tree(const char *path)
{
	char sub[PATH_MAX];
	struct dirent *e;
	DIR *d = opendir(path);

	if (!d)
		return unlink(path);
	while ((e = readdir(d))) {
		if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
			continue;
		snprintf(sub, sizeof(sub), "%s/%s", path, e->d_name);
		rm_tree(sub);
	}
	closedir(d);
	return rmdir(path);
}

static int setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));
	char state_dir[128], run_dir[128];

	if (!f)
		return -1;
	strcpy(f->root, "/tmp/kvnet-test-store.XXXXXX");
	if (!mkdtemp(f->root))
		return -1;
	snprintf(state_dir, sizeof(state_dir), "%s/state/deep", f->root);
	snprintf(run_dir, sizeof(run_dir), "%s/run", f->root);
	if (store_init(&f->st, state_dir, run_dir))
		return -1;
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;

	rm_tree(f->root);
	free(f);
	return 0;
}

static void path_of(const struct fixture *f, char *buf, const char *rel)
{
	snprintf(buf, P_MAX, "%s/%s", f->st.state_dir, rel);
}

static bool is_dir(const char *path)
{
	struct stat st;

	return stat(path, &st) == 0 && S_ISDIR(st.st_mode);
}

static bool exists(const char *path)
{
	return access(path, F_OK) == 0;
}

/* Number of entries in dir (besides . and ..); fails on any temp file. */
static int count_entries(const char *dir)
{
	struct dirent *e;
	DIR *d = opendir(dir);
	int n = 0;

	assert_non_null(d);
	while ((e = readdir(d))) {
		if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
			continue;
		if (strstr(e->d_name, ".XXXXXX") || e->d_name[0] == '.')
			fail_msg("temp file left behind: %s/%s", dir,
				 e->d_name);
		n++;
	}
	closedir(d);
	return n;
}

static void make_net(const char *name, const char *subnet, struct net_def *d)
{
	char err[NETXML_ERR_MAX];

	if (netxml_from_args(name, "nat", subnet, NULL, NULL, d, err,
			     sizeof(err)))
		fail_msg("from_args %s: %s", name, err);
}

static void write_file(const char *path, const char *text)
{
	FILE *fp = fopen(path, "w");

	assert_non_null(fp);
	fputs(text, fp);
	fclose(fp);
}

static void test_init(void **state)
{
	struct fixture *f = *state;
	char p[P_MAX];
	struct store s;

	path_of(f, p, "networks");
	assert_true(is_dir(p));
	path_of(f, p, "networks/autostart");
	assert_true(is_dir(p));
	snprintf(p, sizeof(p), "%s/run/networks", f->root);
	assert_true(is_dir(p));
	/* idempotent */
	assert_int_equal(store_init(&s, f->st.state_dir, f->st.run_dir), 0);

	store_sock_path(&f->st, p, sizeof(p));
	assert_string_equal(p + strlen(f->root), "/run/kvnetd.sock");
	store_pid_path(&f->st, p, sizeof(p));
	assert_string_equal(p + strlen(f->root), "/run/kvnetd.pid");
}

static void test_set_dirs(void **state)
{
	char longdir[PATH_MAX];
	struct store s;

	(void)state;
	unsetenv("KVNET_RUN_DIR");
	assert_int_equal(store_set_dirs(&s, NULL, NULL), 0);
	assert_string_equal(s.state_dir, "/var/lib/kvnet");
	assert_string_equal(s.run_dir, "/run/kvnet");
	setenv("KVNET_RUN_DIR", "/tmp/kvrun", 1);
	assert_int_equal(store_set_dirs(&s, "/tmp/kvstate", ""), 0);
	assert_string_equal(s.state_dir, "/tmp/kvstate");
	assert_string_equal(s.run_dir, "/tmp/kvrun");
	assert_int_equal(store_set_dirs(&s, NULL, "/x"), 0);
	assert_string_equal(s.run_dir, "/x");
	unsetenv("KVNET_RUN_DIR");
	memset(longdir, 'a', sizeof(longdir) - 1);
	longdir[0] = '/';
	longdir[sizeof(longdir) - 1] = '\0';
	assert_int_equal(store_set_dirs(&s, longdir, NULL), -ENAMETOOLONG);
}

static void test_save_load(void **state)
{
	struct fixture *f = *state;
	struct net_def a, b, *defs = NULL;
	char p[P_MAX];
	int n = -1;

	make_net("zeta", "10.9.0.0/24", &a);
	make_net("alpha", "10.8.0.0/24", &b);
	b.datapath = NET_DATAPATH_USER;
	assert_int_equal(store_save_net(&f->st, &a), 0);
	assert_int_equal(store_save_net(&f->st, &b), 0);
	assert_int_equal(store_save_net(&f->st, &b), 0); /* overwrite */
	path_of(f, p, "networks");
	assert_int_equal(count_entries(p), 3); /* 2 files + autostart/ */
	path_of(f, p, "networks/alpha.xml");
	assert_true(exists(p));

	assert_int_equal(store_load_nets(&f->st, &defs, &n, NULL, NULL), 0);
	assert_int_equal(n, 2);
	assert_true(netxml_equal(&defs[0], &b)); /* sorted by name */
	assert_true(netxml_equal(&defs[1], &a));
	free(defs);
}

static void test_load_empty(void **state)
{
	struct fixture *f = *state;
	struct net_def *defs = (struct net_def *)1;
	struct store s;
	char p[P_MAX];
	int n = -1;

	assert_int_equal(store_load_nets(&f->st, &defs, &n, NULL, NULL), 0);
	assert_int_equal(n, 0);
	assert_null(defs);
	/* a state dir that does not exist yet holds no networks */
	snprintf(p, sizeof(p), "%s/nothing", f->root);
	assert_int_equal(store_set_dirs(&s, p, p), 0);
	assert_int_equal(store_load_nets(&s, &defs, &n, NULL, NULL), 0);
	assert_int_equal(n, 0);
}

struct bad_log {
	int n;
	char paths[8][PATH_MAX];
	char errs[8][NETXML_ERR_MAX];
};

static void bad_cb(void *ctx, const char *path, const char *err)
{
	struct bad_log *l = ctx;

	assert_true(l->n < 8);
	snprintf(l->paths[l->n], PATH_MAX, "%s", path);
	snprintf(l->errs[l->n], NETXML_ERR_MAX, "%s", err);
	l->n++;
}

static int bad_find(const struct bad_log *l, const char *file)
{
	size_t fl = strlen(file), pl;
	int i;

	for (i = 0; i < l->n; i++) {
		pl = strlen(l->paths[i]);
		if (pl >= fl && !strcmp(l->paths[i] + pl - fl, file))
			return i;
	}
	fail_msg("no report for %s", file);
	return -1;
}

static void test_load_skips_bad(void **state)
{
	struct fixture *f = *state;
	struct bad_log log = { 0 };
	struct net_def good, *defs = NULL;
	char p[P_MAX], *xml = NULL;
	int n = -1, i;

	make_net("good", "10.1.0.0/24", &good);
	assert_int_equal(store_save_net(&f->st, &good), 0);
	assert_int_equal(netxml_format(&good, &xml), 0);
	/* truncated mid-document, as after a crash without atomic writes */
	path_of(f, p, "networks/trunc.xml");
	xml[strlen(xml) / 2] = '\0';
	write_file(p, xml);
	free(xml);
	path_of(f, p, "networks/garbage.xml");
	write_file(p, "\x01\x02 this is not XML");
	path_of(f, p, "networks/other.xml"); /* defines "good" */
	assert_int_equal(netxml_format(&good, &xml), 0);
	write_file(p, xml);
	path_of(f, p, "networks/bad name.xml");
	write_file(p, xml);
	/* ignored silently: temp files of an interrupted write, other files */
	path_of(f, p, "networks/.good.xml.AbC123");
	write_file(p, "<network><name>tmp</name></network>");
	path_of(f, p, "networks/README");
	write_file(p, "hello");
	free(xml);

	assert_int_equal(store_load_nets(&f->st, &defs, &n, bad_cb, &log), 0);
	assert_int_equal(n, 1);
	assert_true(netxml_equal(&defs[0], &good));
	free(defs);
	assert_int_equal(log.n, 4);
	i = bad_find(&log, "/networks/trunc.xml");
	assert_non_null(strstr(log.errs[i], "XML error at line"));
	i = bad_find(&log, "/networks/garbage.xml");
	assert_non_null(strstr(log.errs[i], "XML error at line 1"));
	i = bad_find(&log, "/networks/other.xml");
	assert_string_equal(log.errs[i], "defines network 'good', but the file "
			    "is named for 'other'");
	i = bad_find(&log, "/networks/bad name.xml");
	assert_string_equal(log.errs[i], "file name is not a valid network "
			    "name");
	/* never deleted */
	path_of(f, p, "networks/trunc.xml");
	assert_true(exists(p));
	path_of(f, p, "networks/garbage.xml");
	assert_true(exists(p));
	/* a NULL callback is fine */
	assert_int_equal(store_load_nets(&f->st, &defs, &n, NULL, NULL), 0);
	assert_int_equal(n, 1);
	free(defs);
}

static void test_delete(void **state)
{
	struct fixture *f = *state;
	struct net_def d;
	char p[P_MAX];

	make_net("gone", "10.2.0.0/24", &d);
	assert_int_equal(store_save_net(&f->st, &d), 0);
	assert_int_equal(store_set_autostart(&f->st, "gone", true), 0);
	assert_int_equal(store_delete_net(&f->st, "gone"), 0);
	path_of(f, p, "networks/gone.xml");
	assert_false(exists(p));
	assert_false(store_get_autostart(&f->st, "gone"));
	assert_int_equal(store_delete_net(&f->st, "gone"), -ENOENT);
	assert_int_equal(store_delete_net(&f->st, "../gone"), -EINVAL);
}

static void test_autostart(void **state)
{
	struct fixture *f = *state;
	char p[P_MAX];

	assert_false(store_get_autostart(&f->st, "web"));
	assert_int_equal(store_set_autostart(&f->st, "web", true), 0);
	assert_true(store_get_autostart(&f->st, "web"));
	path_of(f, p, "networks/autostart/web");
	assert_true(exists(p));
	assert_int_equal(store_set_autostart(&f->st, "web", true), 0);
	assert_int_equal(store_set_autostart(&f->st, "web", false), 0);
	assert_false(store_get_autostart(&f->st, "web"));
	assert_int_equal(store_set_autostart(&f->st, "web", false), 0);
	path_of(f, p, "networks/autostart");
	assert_int_equal(count_entries(p), 0);
	assert_int_equal(store_set_autostart(&f->st, "..", true), -EINVAL);
	assert_false(store_get_autostart(&f->st, "../networks"));
}

static void test_runtime(void **state)
{
	struct fixture *f = *state;
	char p[P_MAX], *json = NULL;
	struct stat st;

	assert_int_equal(store_load_runtime(&f->st, "web", &json), -ENOENT);
	assert_null(json);
	assert_int_equal(store_save_runtime(&f->st, "web", "{\"ports\":[]}"),
			 0);
	assert_int_equal(store_save_runtime(&f->st, "web", "{\"ports\":[1]}"),
			 0);
	assert_int_equal(store_load_runtime(&f->st, "web", &json), 0);
	assert_string_equal(json, "{\"ports\":[1]}");
	free(json);
	snprintf(p, sizeof(p), "%s/networks/web.json", f->st.run_dir);
	assert_int_equal(stat(p, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0600);
	snprintf(p, sizeof(p), "%s/networks", f->st.run_dir);
	assert_int_equal(count_entries(p), 1);
	assert_int_equal(store_delete_runtime(&f->st, "web"), 0);
	assert_int_equal(store_delete_runtime(&f->st, "web"), 0);
	assert_int_equal(count_entries(p), 0);
	assert_int_equal(store_save_runtime(&f->st, "../../etc/x", "{}"),
			 -EINVAL);
	assert_int_equal(store_load_runtime(&f->st, "a/b", &json), -EINVAL);
	assert_int_equal(store_delete_runtime(&f->st, ".hidden"), -EINVAL);
}

static void test_write_atomic(void **state)
{
	struct fixture *f = *state;
	char p[P_MAX], dir[PATH_MAX], *buf = NULL;
	struct stat st;
	size_t len = 0;

	snprintf(dir, sizeof(dir), "%s/atomic", f->root);
	assert_int_equal(mkdir(dir, 0755), 0);
	snprintf(p, sizeof(p), "%s/file", dir);
	assert_int_equal(store_write_atomic(p, "one", 3, 0640), 0);
	assert_int_equal(store_write_atomic(p, "second", 6, 0644), 0);
	assert_int_equal(store_read_file(p, &buf, &len), 0);
	assert_int_equal(len, 6);
	assert_string_equal(buf, "second");
	free(buf);
	assert_int_equal(stat(p, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0644);
	assert_int_equal(count_entries(dir), 1);
	/* empty file */
	assert_int_equal(store_write_atomic(p, "", 0, 0644), 0);
	assert_int_equal(store_read_file(p, &buf, NULL), 0);
	assert_string_equal(buf, "");
	free(buf);
	/* rename onto a directory fails: the temp file is removed */
	snprintf(p, sizeof(p), "%s/sub", dir);
	assert_int_equal(mkdir(p, 0755), 0);
	assert_true(store_write_atomic(p, "x", 1, 0644) < 0);
	assert_int_equal(count_entries(dir), 2);
	/* missing directory */
	snprintf(p, sizeof(p), "%s/none/file", dir);
	assert_int_equal(store_write_atomic(p, "x", 1, 0644), -ENOENT);
	assert_int_equal(store_write_atomic("", "x", 1, 0644), -EINVAL);
}

static void test_read_file(void **state)
{
	struct fixture *f = *state;
	char p[P_MAX], *buf = NULL, *big;
	size_t len = 0, i, n = 100000;

	snprintf(p, sizeof(p), "%s/nope", f->root);
	assert_int_equal(store_read_file(p, &buf, &len), -ENOENT);
	assert_int_equal(store_read_file(f->root, &buf, &len), -EINVAL);
	/* larger than the first buffer */
	big = malloc(n + 1);
	assert_non_null(big);
	for (i = 0; i < n; i++)
		big[i] = (char)('a' + i % 26);
	big[n] = '\0';
	snprintf(p, sizeof(p), "%s/big", f->root);
	assert_int_equal(store_write_atomic(p, big, n, 0600), 0);
	assert_int_equal(store_read_file(p, &buf, &len), 0);
	assert_int_equal(len, n);
	assert_string_equal(buf, big);
	free(buf);
	free(big);
}

static void test_save_rejects_bad_name(void **state)
{
	struct fixture *f = *state;
	struct net_def d;

	make_net("ok", "10.3.0.0/24", &d);
	strcpy(d.name, "../../evil");
	assert_int_equal(store_save_net(&f->st, &d), -EINVAL);
	strcpy(d.name, "");
	assert_int_equal(store_save_net(&f->st, &d), -EINVAL);
}

int main(void)
{
#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)
	const struct CMUnitTest tests[] = {
		T(test_init),
		T(test_set_dirs),
		T(test_save_load),
		T(test_load_empty),
		T(test_load_skips_bad),
		T(test_delete),
		T(test_autostart),
		T(test_runtime),
		T(test_write_atomic),
		T(test_read_file),
		T(test_save_rejects_bad_name),
	};
#undef T

	return cmocka_run_group_tests(tests, NULL, NULL);
}
