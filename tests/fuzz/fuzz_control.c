// SPDX-License-Identifier: GPL-2.0-only
/* libFuzzer harness for kvnetd's control protocol (switch/control).
 *
 * An input is a session: up to FUZZ_MAX_REQUESTS requests, one per line,
 * each handed to control_handle() on one long-lived daemon context, with
 * link notifications read between requests as kvnetd's loop reads them.
 * Every response must be one newline-terminated line of JSON, either
 * {"ok": true, "result": ...} or {"ok": false, "error": {"code": <a code
 * from docs/protocol.md>, "message": <non-empty>}}; anything else aborts so
 * the fuzzer records the input. After each input every network is stopped
 * and undefined through the network model, and nothing may be left behind:
 * no device, bpffs pin or state file, and no growing number of descriptors
 * ("a refused request leaves no trace", network.h).
 *
 * Requests create devices and load BPF programs, so before anything else
 * the harness moves into new network and mount namespaces (and exits if it
 * cannot), makes every mount private, and keeps its state dir, run dir and
 * bpffs on a private tmpfs: the host's network and files are never touched.
 * Must run as root. FUZZ_CONTROL_LOG=err|warn|info|debug sets kvnetd's log
 * level (default: err); FUZZ_CONTROL_TRACE=1 prints every request and its
 * response, to follow a reproducer.
 *
 * libFuzzer passes no context to its entry points, so the daemon context
 * is the one writable global here.
 *
 * Targets: switch/control*.c
 */
#include <dirent.h>
#include <errno.h>
#include <poll.h>
#include <sched.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <net/if.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <jansson.h>

#include "switch/control.h"
#include "switch/log.h"
#include "switch/network.h"
#include "switch/network_int.h"

#define FUZZ_MAX_REQUESTS 32
#define FUZZ_MONITOR_MAX 4096

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

struct fuzz_control {
	struct kvnetd d;
	char base[PATH_MAX - 64]; /* private tmpfs: state/, run/, bpffs/ */
	char devs[1024];	  /* "\nlo\n...": devices of the fresh netns */
	int nfds;		  /* open descriptors after the first input */
	bool trace;		  /* FUZZ_CONTROL_TRACE */
};

static struct fuzz_control *fuzz_ctx;

static void fuzz_die(const char *what)
{
	fprintf(stderr, "fuzz_control: %s: %s\n", what, strerror(errno));
	exit(1);
}

static void fuzz_fail(const char *what, const char *detail)
{
	fprintf(stderr, "fuzz_control: %s: %s\n", what, detail);
	abort();
}

/* ---- isolation -------------------------------------------------------- */

static ino_t fuzz_netns_ino(void)
{
	struct stat st;

	if (stat("/proc/self/ns/net", &st) < 0)
		fuzz_die("stat /proc/self/ns/net");
	return st.st_ino;
}

static void fuzz_lo_up(void)
{
	struct ifreq ifr = { 0 };
	int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);

	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "lo");
	if (fd < 0 || ioctl(fd, SIOCGIFFLAGS, &ifr) < 0)
		fuzz_die("read the flags of lo");
	ifr.ifr_flags |= IFF_UP;
	if (ioctl(fd, SIOCSIFFLAGS, &ifr) < 0)
		fuzz_die("bring lo up");
	close(fd);
}

/* New network and mount namespaces; refuse to go on in the host's. */
static void fuzz_isolate(void)
{
	ino_t host = fuzz_netns_ino();

	if (unshare(CLONE_NEWNET | CLONE_NEWNS) < 0)
		fuzz_die("unshare(CLONE_NEWNET | CLONE_NEWNS) (needs root)");
	if (fuzz_netns_ino() == host) {
		errno = EPERM;
		fuzz_die("still in the host network namespace");
	}
	if (mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0)
		fuzz_die("make / private");
	fuzz_lo_up();
}

/* A private tmpfs for the state and run dirs (fsync is free there) and the
 * mount point of a private bpffs. Every instance mounts its own tmpfs on
 * the same directory in its own mount namespace, so instances do not meet,
 * and all the host ever sees is one empty directory. */
static void fuzz_make_dirs(struct fuzz_control *fc)
{
	const char *tmp = getenv("TMPDIR");
	struct stat st;

	snprintf(fc->base, sizeof(fc->base), "%s/kvnet-fuzz-control",
		 tmp && tmp[0] == '/' ? tmp : "/tmp");
	if (mkdir(fc->base, 0700) < 0 && errno != EEXIST)
		fuzz_die(fc->base);
	if (lstat(fc->base, &st) < 0 || !S_ISDIR(st.st_mode)) {
		errno = ENOTDIR;
		fuzz_die(fc->base);
	}
	if (mount("kvnet-fuzz", fc->base, "tmpfs", MS_NOSUID | MS_NODEV,
		  "mode=0700,size=64m") < 0)
		fuzz_die("mount a tmpfs");
	snprintf(fc->d.bpffs, sizeof(fc->d.bpffs), "%s/bpffs", fc->base);
}

/* ---- baselines -------------------------------------------------------- */

static int fuzz_count_fds(void)
{
	DIR *dir = opendir("/proc/self/fd");
	int n = 0;

	if (!dir)
		fuzz_die("opendir /proc/self/fd");
	while (readdir(dir))
		n++;
	closedir(dir);
	return n;
}

static void fuzz_record_devs(struct fuzz_control *fc)
{
	struct if_nameindex *ifs = if_nameindex();
	size_t used = 1;

	if (!ifs)
		fuzz_die("if_nameindex");
	fc->devs[0] = '\n';
	for (struct if_nameindex *i = ifs; i->if_index; i++) {
		int n = snprintf(fc->devs + used, sizeof(fc->devs) - used, "%s\n",
				 i->if_name);

		if (n < 0 || (size_t)n >= sizeof(fc->devs) - used)
			fuzz_fail("too many devices in a fresh netns", i->if_name);
		used += (size_t)n;
	}
	if_freenameindex(ifs);
}

static bool fuzz_known_dev(const struct fuzz_control *fc, const char *name)
{
	char key[IFNAMSIZ + 2];

	snprintf(key, sizeof(key), "\n%s\n", name);
	return strstr(fc->devs, key) != NULL;
}

/* ---- setup ------------------------------------------------------------ */

static void fuzz_on_link(void *arg, const struct link_event *ev)
{
	netw_link_changed(arg, ev);
}

/* Set up the daemon context as kvnetd's main() does (no socket, no pid
 * file: requests come straight from the fuzzer). */
static void fuzz_open_daemon(struct fuzz_control *fc)
{
	struct kvnetd *d = &fc->d;
	struct kv_error e = { 0 };
	char state[PATH_MAX], run[PATH_MAX];
	const char *lvl = getenv("FUZZ_CONTROL_LOG");
	int level = lvl ? log_level_parse(lvl) : LOG_LVL_ERR;

	log_set_level(level < 0 ? LOG_LVL_ERR : (enum log_level)level);
	snprintf(state, sizeof(state), "%s/state", fc->base);
	snprintf(run, sizeof(run), "%s/run", fc->base);
	if (store_init(&d->store, state, run) < 0)
		fuzz_die("store_init");
	if (loop_open(&d->loop) < 0 || dp_ebpf_ensure_bpffs(d->bpffs, &e) < 0 ||
	    link_open(&d->link, fuzz_on_link, d, &e) < 0)
		fuzz_fail("cannot set up the daemon context", e.msg);
	/* the daemon-wide NAT maps live as long as the daemon: open them now,
	 * not on whichever input first starts a network */
	netw_nat(d);
	netw_restore(d);
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc, (void)argv;
	/* first of all: nothing below may run in the host's namespaces */
	fuzz_isolate();
	fuzz_ctx = calloc(1, sizeof(*fuzz_ctx));
	if (!fuzz_ctx)
		fuzz_die("calloc");
	fuzz_make_dirs(fuzz_ctx);
	fuzz_record_devs(fuzz_ctx);
	fuzz_open_daemon(fuzz_ctx);
	fuzz_ctx->nfds = -1;
	fuzz_ctx->trace = getenv("FUZZ_CONTROL_TRACE") != NULL;
	return 0;
}

/* ---- response checks -------------------------------------------------- */

static const char *fuzz_check_error(json_t *err)
{
	static const char *const codes[] = { KV_ERR_INVALID, KV_ERR_NOT_FOUND,
		KV_ERR_EXISTS, KV_ERR_CONFLICT, KV_ERR_UNSUPPORTED, KV_ERR_STATE,
		KV_ERR_SYSTEM };
	const char *code = json_string_value(json_object_get(err, "code"));
	const char *msg = json_string_value(json_object_get(err, "message"));
	bool known = false;

	if (!json_is_object(err))
		return "\"error\" is not an object";
	if (!code || !code[0])
		return "error code missing or empty";
	for (size_t i = 0; i < sizeof(codes) / sizeof(*codes); i++)
		known = known || !strcmp(code, codes[i]);
	if (!known)
		return "error code is not one of docs/protocol.md";
	if (!msg || !msg[0])
		return "error message missing or empty";
	return NULL;
}

/* NULL if resp is a valid response, else what is wrong with it. */
static const char *fuzz_check_response(const char *resp)
{
	const char *why = NULL;
	json_t *j, *ok;
	size_t n;

	if (!resp)
		return "no response (control_handle returned NULL)";
	n = strlen(resp);
	if (!n || resp[n - 1] != '\n' || memchr(resp, '\n', n - 1))
		return "response is not one newline-terminated line";
	j = json_loadb(resp, n, JSON_REJECT_DUPLICATES, NULL);
	ok = json_object_get(j, "ok");
	if (!json_is_object(j))
		why = "response is not a JSON object";
	else if (!json_is_boolean(ok))
		why = "\"ok\" is missing or not a boolean";
	else if (json_is_true(ok) && !json_object_get(j, "result"))
		why = "success without \"result\"";
	else if (json_is_false(ok))
		why = fuzz_check_error(json_object_get(j, "error"));
	json_decref(j);
	return why;
}

/* ---- one request, and the reset between inputs ------------------------ */

/* Dispatch what the link monitor has queued (the daemon's EV_LINK). */
static void fuzz_read_links(struct kvnetd *d)
{
	struct pollfd pfd = { .fd = link_monitor_fd(&d->link), .events = POLLIN };

	for (int i = 0; i < FUZZ_MONITOR_MAX && poll(&pfd, 1, 0) > 0; i++)
		link_monitor_read(&d->link);
}

static void fuzz_request(struct fuzz_control *fc, const char *req, size_t len)
{
	struct kvnetd *d = &fc->d;
	char *resp = control_handle(d, req, len);
	const char *why = fuzz_check_response(resp);

	if (fc->trace)
		fprintf(stderr, "> %.*s\n< %s", (int)len, req, resp ? resp : "(null)\n");
	if (why) {
		fprintf(stderr, "fuzz_control: request: %.*s\n", (int)len, req);
		fprintf(stderr, "fuzz_control: response: %s", resp ? resp : "(null)\n");
		fuzz_fail("bad response", why);
	}
	free(resp);
	fuzz_read_links(d);
}

static void fuzz_reset(struct kvnetd *d)
{
	struct kv_error e = { 0 };

	netw_tick(d);
	/* backwards: forgetting a transient network takes it out of nets */
	for (int i = d->nnets - 1; i >= 0; i--) {
		struct kv_network *n = d->nets[i];

		if (n->active && netw_stop(d, n, &e) < 0)
			fuzz_fail("cannot stop a network", e.msg);
		netw_forget_if_transient(d, n); /* undefined while it ran */
	}
	while (d->nnets > 0)
		if (netw_undefine(d, d->nets[0]->def.name, &e) < 0)
			fuzz_fail("cannot undefine a network", e.msg);
	fuzz_read_links(d);
}

/* The first entry of dir other than . and .. and allow, or NULL. */
static const char *fuzz_leftover(const char *dir, const char *allow, char *buf,
				 size_t len)
{
	DIR *dh = opendir(dir);
	struct dirent *de;
	const char *found = NULL;

	while (dh && !found && (de = readdir(dh))) {
		if (strcmp(de->d_name, ".") && strcmp(de->d_name, "..") &&
		    (!allow || strcmp(de->d_name, allow))) {
			snprintf(buf, len, "%s/%s", dir, de->d_name);
			found = buf;
		}
	}
	if (dh)
		closedir(dh);
	return found;
}

static void fuzz_check_clean(struct fuzz_control *fc)
{
	struct if_nameindex *ifs = if_nameindex();
	const struct kvnetd *d = &fc->d;
	char dir[PATH_MAX + 32], buf[PATH_MAX + 300];

	for (struct if_nameindex *i = ifs; i && i->if_index; i++)
		if (!fuzz_known_dev(fc, i->if_name))
			fuzz_fail("device left behind after every network was "
				  "stopped and undefined", i->if_name);
	if_freenameindex(ifs);
	snprintf(dir, sizeof(dir), "%s/kvnet", d->bpffs);
	if (fuzz_leftover(dir, KVNET_NAT_PIN_DIR, buf, sizeof(buf)))
		fuzz_fail("bpffs pin left behind", buf);
	snprintf(dir, sizeof(dir), "%s/networks", d->store.state_dir);
	if (fuzz_leftover(dir, "autostart", buf, sizeof(buf)))
		fuzz_fail("state file left behind", buf);
	snprintf(dir, sizeof(dir), "%s/networks/autostart", d->store.state_dir);
	if (fuzz_leftover(dir, NULL, buf, sizeof(buf)))
		fuzz_fail("autostart marker left behind", buf);
	snprintf(dir, sizeof(dir), "%s/networks", d->store.run_dir);
	if (fuzz_leftover(dir, NULL, buf, sizeof(buf)))
		fuzz_fail("runtime state left behind", buf);
	/* the first input may open what libraries keep open for good */
	if (fc->nfds < 0)
		fc->nfds = fuzz_count_fds();
	else if (fuzz_count_fds() > fc->nfds)
		fuzz_fail("file descriptor leak", "more open than after the first input");
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *p = (const char *)data, *end = p + size;
	struct fuzz_control *fc = fuzz_ctx;

	for (int i = 0; i < FUZZ_MAX_REQUESTS && (p < end || i == 0); i++) {
		const char *nl = p < end ? memchr(p, '\n', (size_t)(end - p)) : NULL;
		size_t len = nl ? (size_t)(nl - p) : (size_t)(end - p);

		fuzz_request(fc, p, len);
		p += len + (nl != NULL);
	}
	fuzz_reset(&fc->d);
	fuzz_check_clean(fc);
	return 0;
}
