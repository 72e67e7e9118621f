// SPDX-License-Identifier: GPL-2.0-only
/* connrate: new TCP connections per second, for `make bench`. The client
 * keeps --clients non-blocking connects in flight (per thread, one epoll
 * loop each) for --duration seconds; each one that completes its handshake
 * is counted and closed at once with SO_LINGER 0, so it ends with an RST
 * and leaves no TIME_WAIT to hold its port, and another takes its place.
 * It prints the connections completed after --warmup and their rate, as
 * text or (--json) one JSON object. The server (--listen) accepts, one
 * SO_REUSEPORT listener and epoll loop per thread, and closes each
 * connection once the client has ended it, until SIGINT/SIGTERM, then
 * prints what it accepted.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <getopt.h>
#include <netinet/in.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define CR_MAX_THREADS 64
#define CR_MAX_CLIENTS 65536
#define CR_BACKLOG 4096
#define CR_POLL_MS 10

struct cr_opts {
	struct sockaddr_in addr;
	bool server;
	unsigned int clients; /* in flight, over all threads */
	unsigned int threads;
	double duration, warmup;
	const char *ready_file;
	bool json;
};

/* Shared by the threads of one run. */
struct cr_ctx {
	const struct cr_opts *o;
	double t_count, t_end; /* counting starts, everything stops */
	_Atomic uint64_t ok, failed, accepted;
	_Atomic int last_error;
};

/* Per client slot: its socket, or -1 when idle. */
struct cr_thread {
	pthread_t tid;
	struct cr_ctx *c;
	unsigned int nslots;
	int *fd;
	int ep;
	int listen_fd; /* server */
};

static double cr_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void cr_usage(FILE *f)
{
	fprintf(f,
		"usage: connrate --connect IP:PORT [--clients N] [--threads N]\n"
		"                [--duration S] [--warmup S] [--json]\n"
		"       connrate --listen IP:PORT [--threads N] [--ready-file F]\n"
		"  --clients N    connects in flight, over all threads (default 64)\n"
		"  --threads N    client loops or server listeners (default 1)\n"
		"  --duration S   counting window (default 3)\n"
		"  --warmup S     not counted, before the window (default 0.5)\n");
}

static int cr_parse_addr(const char *s, struct sockaddr_in *a)
{
	char ip[INET_ADDRSTRLEN], *end;
	const char *colon = strrchr(s, ':');
	unsigned long port;

	if (!colon || (size_t)(colon - s) >= sizeof(ip))
		return -EINVAL;
	memcpy(ip, s, (size_t)(colon - s));
	ip[colon - s] = '\0';
	errno = 0;
	port = strtoul(colon + 1, &end, 10);
	if (errno || end == colon + 1 || *end || port < 1 || port > 65535)
		return -EINVAL;
	*a = (struct sockaddr_in){ .sin_family = AF_INET, .sin_port = htons((uint16_t)port) };
	return inet_pton(AF_INET, ip, &a->sin_addr) == 1 ? 0 : -EINVAL;
}

static int cr_parse_num(const char *s, double min, double max, double *out)
{
	char *end;

	errno = 0;
	*out = strtod(s, &end);
	return (errno || end == s || *end || *out < min || *out > max) ? -EINVAL : 0;
}

static int cr_parse_opt(struct cr_opts *o, int opt, const char *arg)
{
	double v;
	int err;

	switch (opt) {
	case 'c':
	case 'l':
		o->server = opt == 'l';
		return cr_parse_addr(arg, &o->addr);
	case 'n':
	case 't':
		err = cr_parse_num(arg, 1, opt == 'n' ? CR_MAX_CLIENTS : CR_MAX_THREADS, &v);
		if (opt == 'n')
			o->clients = (unsigned int)v;
		else
			o->threads = (unsigned int)v;
		return err;
	case 'd': return cr_parse_num(arg, 0.001, 1e6, &o->duration);
	case 'w': return cr_parse_num(arg, 0, 1e6, &o->warmup);
	case 'r': o->ready_file = arg; return 0;
	case 'j': o->json = true; return 0;
	}
	return -EINVAL;
}

static int cr_parse_args(struct cr_opts *o, int argc, char **argv)
{
	static const struct option lo[] = {
		{ "connect", required_argument, NULL, 'c' },
		{ "listen", required_argument, NULL, 'l' },
		{ "clients", required_argument, NULL, 'n' },
		{ "threads", required_argument, NULL, 't' },
		{ "duration", required_argument, NULL, 'd' },
		{ "warmup", required_argument, NULL, 'w' },
		{ "ready-file", required_argument, NULL, 'r' },
		{ "json", no_argument, NULL, 'j' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	bool have_addr = false;
	int opt;

	*o = (struct cr_opts){ .clients = 64, .threads = 1, .duration = 3, .warmup = 0.5 };
	while ((opt = getopt_long(argc, argv, "h", lo, NULL)) != -1) {
		if (opt == 'h') {
			cr_usage(stdout);
			exit(0);
		}
		if (opt == '?' || cr_parse_opt(o, opt, optarg) < 0) {
			if (opt != '?')
				fprintf(stderr, "connrate: bad value: %s\n", optarg);
			cr_usage(stderr);
			return -EINVAL;
		}
		have_addr |= opt == 'c' || opt == 'l';
	}
	if (optind < argc || !have_addr || (!o->server && o->clients < o->threads)) {
		fprintf(stderr, "connrate: --connect or --listen is required, and "
			"--clients at least --threads\n");
		cr_usage(stderr);
		return -EINVAL;
	}
	return 0;
}

/* Closing with SO_LINGER 0 sends an RST and frees the port at once. */
static void cr_abort(int fd)
{
	struct linger l = { .l_onoff = 1, .l_linger = 0 };

	setsockopt(fd, SOL_SOCKET, SO_LINGER, &l, sizeof(l));
	close(fd);
}

static void cr_fail(struct cr_ctx *c, int err)
{
	atomic_fetch_add(&c->failed, 1);
	atomic_store(&c->last_error, err);
}

/* Starts slot i's next connect; the slot stays idle if that fails. */
static void cr_start(struct cr_thread *t, unsigned int i)
{
	struct epoll_event ev = { .events = EPOLLOUT, .data.u32 = i };
	int fd;

	t->fd[i] = -1;
	fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0) {
		cr_fail(t->c, errno);
		return;
	}
	if (connect(fd, (const struct sockaddr *)&t->c->o->addr, sizeof(t->c->o->addr)) < 0 &&
	    errno != EINPROGRESS) {
		cr_fail(t->c, errno);
		close(fd);
		return;
	}
	if (epoll_ctl(t->ep, EPOLL_CTL_ADD, fd, &ev) < 0) {
		cr_fail(t->c, errno);
		close(fd);
		return;
	}
	t->fd[i] = fd;
}

/* Slot i's connect finished, one way or the other. */
static void cr_done(struct cr_thread *t, unsigned int i, double now)
{
	int err = 0;
	socklen_t len = sizeof(err);

	if (getsockopt(t->fd[i], SOL_SOCKET, SO_ERROR, &err, &len) < 0)
		err = errno;
	if (err)
		cr_fail(t->c, err);
	else if (now >= t->c->t_count && now < t->c->t_end)
		atomic_fetch_add(&t->c->ok, 1);
	cr_abort(t->fd[i]);
	t->fd[i] = -1;
}

static void *cr_client(void *arg)
{
	struct cr_thread *t = arg;
	struct epoll_event evs[256];
	double now = cr_now();
	int n;

	while (now < t->c->t_end) {
		for (unsigned int i = 0; i < t->nslots; i++)
			if (t->fd[i] < 0)
				cr_start(t, i);
		n = epoll_wait(t->ep, evs, 256, CR_POLL_MS);
		now = cr_now();
		for (int k = 0; k < n; k++)
			cr_done(t, evs[k].data.u32, now);
	}
	for (unsigned int i = 0; i < t->nslots; i++)
		if (t->fd[i] >= 0)
			cr_abort(t->fd[i]);
	return NULL;
}

/* The server holds each connection until the client's RST (or FIN) ends
 * it: closing first would reset connects the client has not yet seen
 * complete. */
static void *cr_server(void *arg)
{
	struct cr_thread *t = arg;
	struct epoll_event ev, evs[256];
	int n, fd;

	for (;;) {
		n = epoll_wait(t->ep, evs, 256, -1);
		for (int k = 0; k < n; k++) {
			if (evs[k].data.fd != t->listen_fd) {
				cr_abort(evs[k].data.fd);
				continue;
			}
			while ((fd = accept4(t->listen_fd, NULL, NULL,
					     SOCK_NONBLOCK | SOCK_CLOEXEC)) >= 0) {
				atomic_fetch_add(&t->c->accepted, 1);
				ev = (struct epoll_event){ .events = EPOLLIN | EPOLLRDHUP,
							   .data.fd = fd };
				if (epoll_ctl(t->ep, EPOLL_CTL_ADD, fd, &ev) < 0)
					cr_abort(fd);
			}
			if (errno != EAGAIN && errno != ECONNABORTED && errno != EINTR)
				atomic_store(&t->c->last_error, errno);
		}
	}
	return NULL;
}

static int cr_listen(const struct cr_opts *o)
{
	int one = 1, fd;

	fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	if (setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) < 0 ||
	    setsockopt(fd, SOL_SOCKET, SO_REUSEPORT, &one, sizeof(one)) < 0 ||
	    bind(fd, (const struct sockaddr *)&o->addr, sizeof(o->addr)) < 0 ||
	    listen(fd, CR_BACKLOG) < 0) {
		int err = -errno;

		close(fd);
		return err;
	}
	return fd;
}

/* Sets up thread i: its listener (server) or its slots and epoll. */
static int cr_thread_init(struct cr_ctx *c, struct cr_thread *t, unsigned int i)
{
	const struct cr_opts *o = c->o;

	*t = (struct cr_thread){ .c = c, .ep = -1, .listen_fd = -1 };
	t->ep = epoll_create1(EPOLL_CLOEXEC);
	if (t->ep < 0)
		return -errno;
	if (o->server) {
		struct epoll_event ev = { .events = EPOLLIN };

		t->listen_fd = cr_listen(o);
		if (t->listen_fd < 0)
			return t->listen_fd;
		ev.data.fd = t->listen_fd;
		return epoll_ctl(t->ep, EPOLL_CTL_ADD, t->listen_fd, &ev) < 0 ? -errno : 0;
	}
	/* The clients shared out, the first threads taking the remainder. */
	t->nslots = o->clients / o->threads + (i < o->clients % o->threads);
	t->fd = calloc(t->nslots, sizeof(*t->fd));
	if (!t->fd)
		return -ENOMEM;
	for (unsigned int k = 0; k < t->nslots; k++)
		t->fd[k] = -1;
	return 0;
}

static void cr_print(const struct cr_ctx *c, double secs)
{
	uint64_t ok = atomic_load(&c->ok), failed = atomic_load(&c->failed);
	int err = atomic_load(&c->last_error);
	double rate = secs > 0 ? (double)ok / secs : 0;

	if (c->o->json)
		printf("{\"connections\": %llu, \"failed\": %llu, \"seconds\": %.3f, "
		       "\"rate\": %.0f, \"clients\": %u, \"last_error\": \"%s\"}\n",
		       (unsigned long long)ok, (unsigned long long)failed, secs, rate,
		       c->o->clients, err ? strerror(err) : "");
	else
		printf("connrate: %llu connections in %.3f s: %.0f/s (%u in flight); "
		       "%llu failed%s%s\n", (unsigned long long)ok, secs, rate,
		       c->o->clients, (unsigned long long)failed, err ? ", last: " : "",
		       err ? strerror(err) : "");
}

/* The server runs until a signal; its threads never return. */
static int cr_wait_signal(struct cr_ctx *c)
{
	sigset_t set;
	int sig, err;

	sigemptyset(&set);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGTERM);
	if (c->o->ready_file) {
		FILE *f = fopen(c->o->ready_file, "w");

		if (f)
			fclose(f);
	}
	sigwait(&set, &sig);
	err = atomic_load(&c->last_error);
	printf("connrate: accepted %llu%s%s\n", (unsigned long long)atomic_load(&c->accepted),
	       err ? "; last error: " : "", err ? strerror(err) : "");
	fflush(stdout);
	_exit(0); /* the accept loops are still blocked */
}

int main(int argc, char **argv)
{
	static struct cr_thread th[CR_MAX_THREADS];
	static struct cr_opts o;
	static struct cr_ctx c;
	unsigned int i, started = 0;
	sigset_t set;
	double t0;
	int err = 0;

	if (cr_parse_args(&o, argc, argv) < 0)
		return 2;
	c.o = &o;
	/* Signals go to the main thread's sigwait (server) or end the run. */
	sigemptyset(&set);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGTERM);
	if (o.server)
		pthread_sigmask(SIG_BLOCK, &set, NULL);
	t0 = cr_now();
	c.t_count = t0 + o.warmup;
	c.t_end = c.t_count + o.duration;
	for (i = 0; i < o.threads && !err; i++) {
		err = cr_thread_init(&c, &th[i], i);
		if (!err && pthread_create(&th[i].tid, NULL, o.server ? cr_server : cr_client,
					   &th[i]))
			err = -EAGAIN;
		started += !err;
	}
	if (err) {
		fprintf(stderr, "connrate: %s: %s\n", o.server ? "listen" : "setup",
			strerror(-err));
		return 1;
	}
	if (o.server)
		return cr_wait_signal(&c);
	for (i = 0; i < started; i++)
		pthread_join(th[i].tid, NULL);
	cr_print(&c, o.duration);
	return 0;
}
