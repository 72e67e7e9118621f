// SPDX-License-Identifier: GPL-2.0-only
/* Persistent and runtime state on disk.
 *
 * Network definitions live in <state>/networks/<name>.xml, autostart
 * markers in <state>/networks/autostart/<name>, runtime state in
 * <run>/networks/<name>.json. A name becomes part of a path only after
 * netxml_name_valid() accepted it, so no name can climb out of its
 * directory. Every write goes through store_write_atomic(): a temp file
 * ".<base>.XXXXXX" in the same directory, fsync, rename over the target,
 * fsync of the directory. Loading skips dot files (temp files of an
 * interrupted write) and reports, but never deletes, files it cannot use.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "switch/store.h"
#include "switch/fault.h"
#include "dns/dns_names.h"

#define STORE_STATE_DIR "/var/lib/kvnet"
#define STORE_RUN_DIR "/run/kvnet"
/* Largest file store_read_file() accepts. */
#define STORE_FILE_MAX (64u * 1024 * 1024)

int store_set_dirs(struct store *s, const char *state_dir, const char *run_dir)
{
	const char *env = getenv("KVNET_RUN_DIR");

	if (!state_dir || !state_dir[0])
		state_dir = STORE_STATE_DIR;
	if (!run_dir || !run_dir[0])
		run_dir = env && env[0] ? env : STORE_RUN_DIR;
	if (strlen(state_dir) >= sizeof(s->state_dir) - 64 ||
	    strlen(run_dir) >= sizeof(s->run_dir) - 64)
		return -ENAMETOOLONG;
	strcpy(s->state_dir, state_dir);
	strcpy(s->run_dir, run_dir);
	return 0;
}

/* mkdir -p, one component at a time. */
static int store_mkdirs(const char *path, mode_t mode)
{
	char buf[PATH_MAX];
	size_t i, len = strlen(path);

	if (len >= sizeof(buf))
		return -ENAMETOOLONG;
	memcpy(buf, path, len + 1);
	for (i = 1; i <= len; i++) {
		if (buf[i] != '/' && buf[i] != '\0')
			continue;
		buf[i] = '\0';
		if (mkdir(buf, mode) < 0 && errno != EEXIST)
			return -errno;
		buf[i] = path[i];
	}
	return 0;
}

static int store_join(char *buf, size_t len, const char *dir, const char *sub,
		      const char *name, const char *suffix)
{
	int n;

	if (name && !netxml_name_valid(name))
		return -EINVAL;
	n = snprintf(buf, len, "%s/%s%s%s%s", dir, sub, name ? "/" : "",
		     name ? name : "", suffix);
	return n < 0 || (size_t)n >= len ? -ENAMETOOLONG : 0;
}

int store_init(struct store *s, const char *state_dir, const char *run_dir)
{
	static const char *const state_subs[] = { "networks",
						  "networks/autostart" };
	char path[PATH_MAX];
	size_t i;
	int rc = store_set_dirs(s, state_dir, run_dir);

	for (i = 0; rc == 0 && i < 2; i++) {
		rc = store_join(path, sizeof(path), s->state_dir,
				state_subs[i], NULL, "");
		if (rc == 0)
			rc = store_mkdirs(path, 0755);
	}
	if (rc == 0)
		rc = store_join(path, sizeof(path), s->run_dir, "networks",
				NULL, "");
	if (rc == 0)
		rc = store_mkdirs(path, 0755);
	return rc;
}

static int store_write_all(int fd, const void *data, size_t len)
{
	const char *p = data;
	ssize_t r;

	while (len) {
		r = write(fd, p, len);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0)
			return -errno;
		p += r;
		len -= (size_t)r;
	}
	return 0;
}

static int store_fsync_dir(const char *dir)
{
	int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC), rc = 0;

	if (fd < 0)
		return -errno;
	if (fsync(fd) < 0)
		rc = -errno;
	close(fd);
	return rc;
}

/* Split path into its directory and a temp name ".<base>.XXXXXX" there. */
static int store_tmp_name(const char *path, char dir[PATH_MAX],
			  char tmp[PATH_MAX])
{
	const char *slash = strrchr(path, '/');
	size_t dlen = slash ? (size_t)(slash - path) : 0;
	const char *base = slash ? slash + 1 : path;
	int n;

	if (!base[0] || strlen(path) >= PATH_MAX)
		return -EINVAL;
	if (!slash)
		strcpy(dir, ".");
	else if (dlen == 0)
		strcpy(dir, "/");
	else
		memcpy(dir, path, dlen), dir[dlen] = '\0';
	n = snprintf(tmp, PATH_MAX, "%s/.%s.XXXXXX", dir, base);
	return n < 0 || n >= PATH_MAX ? -ENAMETOOLONG : 0;
}

int store_write_atomic(const char *path, const void *data, size_t len,
		       int mode)
{
	char dir[PATH_MAX], tmp[PATH_MAX];
	int fd, rc = store_tmp_name(path, dir, tmp);

	if (rc < 0)
		return rc;
	if (FAULT("file.write") < 0)
		return -EIO;
	fd = mkostemp(tmp, O_CLOEXEC);
	if (fd < 0)
		return -errno;
	if (fchmod(fd, (mode_t)mode) < 0)
		rc = -errno;
	if (rc == 0)
		rc = store_write_all(fd, data, len);
	if (rc == 0 && fsync(fd) < 0)
		rc = -errno;
	if (close(fd) < 0 && rc == 0)
		rc = -errno;
	if (rc == 0 && rename(tmp, path) < 0)
		rc = -errno;
	if (rc < 0)
		goto fail;
	FAULT("file.renamed");
	return store_fsync_dir(dir);
fail:
	unlink(tmp);
	return rc;
}

static int store_read_fd(int fd, char **out, size_t *len)
{
	size_t cap = 4096, n = 0;
	char *buf = malloc(cap), *nb;
	ssize_t r;

	while (buf) {
		if (n + 1 >= cap) {
			if (cap >= STORE_FILE_MAX)
				goto too_big;
			nb = realloc(buf, cap * 2);
			if (!nb)
				break;
			buf = nb, cap *= 2;
		}
		r = read(fd, buf + n, cap - n - 1);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0) {
			free(buf);
			return -errno;
		}
		if (r == 0) {
			buf[n] = '\0';
			*out = buf;
			if (len)
				*len = n;
			return 0;
		}
		n += (size_t)r;
	}
	free(buf);
	return -ENOMEM;
too_big:
	free(buf);
	return -EFBIG;
}

int store_read_file(const char *path, char **out, size_t *len)
{
	struct stat st;
	int fd, rc;

	*out = NULL;
	if (len)
		*len = 0;
	/* A FIFO (or a symlink to one) would block open() forever, a device
	 * node would be read from: only regular files are opened, and opened
	 * non-blocking in case one is swapped in between. */
	if (stat(path, &st) < 0)
		return -errno;
	if (!S_ISREG(st.st_mode))
		return -EINVAL;
	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
	if (fd < 0)
		return -errno;
	if (fstat(fd, &st) < 0)
		rc = -errno;
	else if (!S_ISREG(st.st_mode))
		rc = -EINVAL;
	else
		rc = store_read_fd(fd, out, len);
	close(fd);
	return rc;
}

int store_save_net(const struct store *s, const struct net_def *def)
{
	char path[PATH_MAX], *xml = NULL;
	int rc = store_join(path, sizeof(path), s->state_dir, "networks",
			    def->name, ".xml");

	if (rc < 0)
		return rc;
	rc = netxml_format(def, &xml);
	if (rc < 0)
		return rc;
	rc = store_write_atomic(path, xml, strlen(xml), 0644);
	free(xml);
	return rc;
}

/* unlink + directory fsync; a missing file is -ENOENT. */
static int store_unlink(const char *path)
{
	char dir[PATH_MAX], tmp[PATH_MAX];
	int rc = store_tmp_name(path, dir, tmp);

	if (rc < 0)
		return rc;
	FAULT("file.unlink");
	if (unlink(path) < 0)
		return -errno;
	return store_fsync_dir(dir);
}

int store_delete_net(const struct store *s, const char *name)
{
	char path[PATH_MAX];
	int rc = store_set_autostart(s, name, false);

	if (rc < 0)
		return rc;
	rc = store_join(path, sizeof(path), s->state_dir, "networks", name,
			".xml");
	if (rc < 0)
		return rc;
	return store_unlink(path);
}

/* The stem of "<stem>.xml" into name ("" if it is too long, which the
 * caller then reports as invalid). False for any other file. */
static bool store_xml_name(const char *file, char name[NET_NAME_MAX])
{
	size_t len = strlen(file);

	if (len < 5 || strcmp(file + len - 4, ".xml"))
		return false;
	len -= 4;
	if (len >= NET_NAME_MAX)
		len = 0;
	memcpy(name, file, len);
	name[len] = '\0';
	return true;
}

struct store_load {
	struct net_def *defs;
	int n, cap;
	void (*bad)(void *ctx, const char *path, const char *err);
	void *ctx;
};

static void store_report(struct store_load *l, const char *path,
			 const char *err)
{
	if (l->bad)
		l->bad(l->ctx, path, err);
}

/* Read and parse one file into the next slot of l. -ENOMEM is fatal; any
 * other problem is reported and the file skipped. */
static int store_load_one(struct store_load *l, const char *path,
			  const char *name)
{
	char err[NETXML_ERR_MAX], *buf = NULL;
	struct net_def *defs;
	size_t len = 0;
	int rc;

	if (l->n == l->cap) {
		defs = realloc(l->defs, sizeof(*defs) * (size_t)(l->cap * 2 + 4));
		if (!defs)
			return -ENOMEM;
		l->defs = defs, l->cap = l->cap * 2 + 4;
	}
	rc = store_read_file(path, &buf, &len);
	if (rc < 0) {
		snprintf(err, sizeof(err), "%s", rc == -EINVAL ? "not a regular file" :
						 strerror(-rc));
		goto bad;
	}
	rc = netxml_parse(buf, len, &l->defs[l->n], err, sizeof(err));
	free(buf);
	if (rc == -ENOMEM)
		return rc;
	if (rc == 0 && !strcmp(l->defs[l->n].name, name)) {
		l->n++;
		return 0;
	}
	if (rc == 0)
		snprintf(err, sizeof(err), "defines network '%s', but the file "
			 "is named for '%s'", l->defs[l->n].name, name);
bad:
	store_report(l, path, err);
	return 0;
}

static int store_cmp(const void *a, const void *b)
{
	return strcmp(((const struct net_def *)a)->name,
		      ((const struct net_def *)b)->name);
}

static int store_scan(DIR *d, const char *dir, struct store_load *l)
{
	char path[PATH_MAX], name[NET_NAME_MAX];
	struct dirent *e;
	int rc = 0;

	while (rc == 0 && (e = readdir(d))) {
		if (e->d_name[0] == '.' || !store_xml_name(e->d_name, name))
			continue; /* temp files, other files */
		if (snprintf(path, sizeof(path), "%s/%s", dir, e->d_name) >=
		    (int)sizeof(path))
			continue;
		if (!netxml_name_valid(name))
			store_report(l, path, "file name is not a valid "
				     "network name");
		else
			rc = store_load_one(l, path, name);
	}
	return rc;
}

int store_load_nets(const struct store *s, struct net_def **defs, int *n,
		    void (*bad)(void *ctx, const char *path, const char *err),
		    void *ctx)
{
	struct store_load l = { .bad = bad, .ctx = ctx };
	char dir[PATH_MAX];
	DIR *d;
	int rc = store_join(dir, sizeof(dir), s->state_dir, "networks", NULL,
			    "");

	*defs = NULL, *n = 0;
	if (rc < 0)
		return rc;
	d = opendir(dir);
	if (!d)
		return errno == ENOENT ? 0 : -errno;
	rc = store_scan(d, dir, &l);
	closedir(d);
	if (rc < 0) {
		free(l.defs);
		return rc;
	}
	if (l.n)
		qsort(l.defs, (size_t)l.n, sizeof(*l.defs), store_cmp);
	*defs = l.defs, *n = l.n;
	if (!l.n)
		free(l.defs), *defs = NULL;
	return 0;
}

int store_set_autostart(const struct store *s, const char *name, bool on)
{
	char path[PATH_MAX];
	int rc = store_join(path, sizeof(path), s->state_dir,
			    "networks/autostart", name, "");

	if (rc < 0)
		return rc;
	if (on)
		return store_write_atomic(path, "", 0, 0644);
	rc = store_unlink(path);
	return rc == -ENOENT ? 0 : rc;
}

bool store_get_autostart(const struct store *s, const char *name)
{
	char path[PATH_MAX];
	struct stat st;

	if (store_join(path, sizeof(path), s->state_dir, "networks/autostart",
		       name, "") < 0)
		return false;
	return stat(path, &st) == 0 && S_ISREG(st.st_mode);
}

int store_save_runtime(const struct store *s, const char *name,
		       const char *json)
{
	char path[PATH_MAX];
	int rc = store_join(path, sizeof(path), s->run_dir, "networks", name,
			    ".json");

	return rc < 0 ? rc : store_write_atomic(path, json, strlen(json), 0600);
}

int store_load_runtime(const struct store *s, const char *name, char **json)
{
	char path[PATH_MAX];
	int rc = store_join(path, sizeof(path), s->run_dir, "networks", name,
			    ".json");

	*json = NULL;
	return rc < 0 ? rc : store_read_file(path, json, NULL);
}

int store_delete_runtime(const struct store *s, const char *name)
{
	char path[PATH_MAX];
	int rc = store_join(path, sizeof(path), s->run_dir, "networks", name,
			    ".json");

	if (rc == 0)
		rc = store_unlink(path);
	return rc == -ENOENT ? 0 : rc;
}

int store_list_runtime(const struct store *s, void (*fn)(void *arg, const char *name),
		       void *arg)
{
	char dir[PATH_MAX], name[NET_NAME_MAX];
	struct dirent *e;
	DIR *d;
	size_t len;
	int rc = store_join(dir, sizeof(dir), s->run_dir, "networks", NULL, "");

	if (rc < 0)
		return rc;
	d = opendir(dir);
	if (!d)
		return errno == ENOENT ? 0 : -errno;
	while ((e = readdir(d))) {
		len = strlen(e->d_name);
		if (e->d_name[0] == '.' || len < 6 || len - 5 >= NET_NAME_MAX ||
		    strcmp(e->d_name + len - 5, ".json"))
			continue;
		memcpy(name, e->d_name, len - 5);
		name[len - 5] = '\0';
		if (netxml_name_valid(name))
			fn(arg, name);
	}
	closedir(d);
	return 0;
}

void store_sock_path(const struct store *s, char *buf, size_t len)
{
	snprintf(buf, len, "%s/kvnetd.sock", s->run_dir);
}

void store_names_sock_path(const struct store *s, char *buf, size_t len)
{
	snprintf(buf, len, "%s/" DNS_NAMES_SOCK, s->run_dir);
}

void store_pid_path(const struct store *s, char *buf, size_t len)
{
	snprintf(buf, len, "%s/kvnetd.pid", s->run_dir);
}
