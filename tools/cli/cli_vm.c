// SPDX-License-Identifier: GPL-2.0-only
/* `kvnet vm run NET [--name VM] [--mac MAC] [--queues N] -- QEMU ARGS...`:
 * a qemu guest on a kvnet network, the way libvirt starts one.
 *
 * kvnetd makes the guest's tap (a port of NET, named after the guest, its
 * MAC pinned), never persistent, attaches the switch to it and hands this
 * process the tap's open queues with its answer (SCM_RIGHTS, `port.add`
 * with "fds"). This process execs qemu with those descriptors (`-netdev
 * tap,fd=N` or `fds=N:M`, vnet headers on) and the matching virtio-net-pci
 * device appended. At every moment the only references to the tap are
 * those descriptors, in kvnetd, in flight, here, then in qemu: whoever
 * holds them ending, however it ends (a crash, SIGKILL at any point, Ctrl-C,
 * a failed exec), the kernel deletes the tap and kvnetd drops the port on
 * the link's removal; if kvnetd is down then, it drops it when it next
 * starts. qemu keeps this process's PID.
 *
 * vhost-net is used when /dev/vhost-net can be opened (this process opens
 * it and hands qemu the descriptors); otherwise virtio-net runs in qemu
 * (vhost=off) and a line on stderr says so.
 *
 * A guest under TCG (qemu-system-x86_64's default: no -enable-kvm, no
 * -accel kvm first) gets its NIC without event-index notifications
 * (event_idx=off): with them, qemu 7.2 under TCG now and then loses a
 * transmit kick and nothing the guest sends leaves qemu again (measured:
 * tests/integration/qemu_guest.py, TCG_LOST_KICK). A line on stderr says so.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <net/if.h>

#include "tools/cli/cli_client.h"
#include "tools/cli/cli_vm.h"
#include "common/addr.h"
#include "common/guest.h"
#include "switch/fault.h"

#define VM_QUEUES_MAX 64 /* kvnetd's KVNET_TAP_QUEUES_MAX */
#define VM_NETDEV_ID "kvnet0"
#define VM_EXTRA_ARGS 4	 /* -netdev X -device Y */
#define VM_OPT_LEN 1024	 /* room for "fds=" with 64 descriptors, twice */

enum vm_exit {
	VM_EXIT_FAIL = 1,
	VM_EXIT_USAGE = 2,
	VM_EXIT_UNREACHABLE = 3,
	VM_EXIT_DENIED = 4, /* a reader of the socket's group: vm run needs root */
	VM_EXIT_EXEC = 127, /* as a shell says of a command it cannot run */
};

struct vm_run {
	const char *sock, *net, *name, *mac_arg;
	unsigned queues;
	char name_buf[KV_GUEST_NAME_MAX];
	char tap[IFNAMSIZ];
	char mac[KV_MAC_STRLEN];
	int tap_fds[VM_QUEUES_MAX];
	int vhost_fds[VM_QUEUES_MAX];
	bool vhost;
	bool tcg; /* qemu will run the guest under TCG */
	int qemu_argc;
	char **qemu_argv;
};

static int vm_usage(const char *fmt, const char *arg)
{
	fputs("kvnet vm run: ", stderr);
	fprintf(stderr, fmt, arg);
	fputs("\nusage: kvnet vm run NET [--name VM] [--mac MAC] [--queues N] -- "
	      "qemu-system-x86_64 ARGS...\n", stderr);
	return VM_EXIT_USAGE;
}

/* "--opt VALUE" or "--opt=VALUE" at argv[*i]; NULL if argv[*i] is not --opt. */
static const char *vm_opt(const char *opt, int argc, char **argv, int *i, bool *missing)
{
	size_t n = strlen(opt);

	if (!argv[*i] || strncmp(argv[*i], opt, n))
		return NULL;
	if (argv[*i][n] == '=')
		return argv[*i] + n + 1;
	if (argv[*i][n])
		return NULL;
	if (*i + 1 >= argc) {
		*missing = true;
		return NULL;
	}
	return argv[++*i];
}

static int vm_parse_queues(struct vm_run *v, const char *s)
{
	char *end;
	long q = strtol(s, &end, 10);

	if (*end || end == s || q < 1 || q > VM_QUEUES_MAX) {
		fprintf(stderr, "kvnet vm run: --queues takes 1 to %d, not '%s'\n",
			VM_QUEUES_MAX, s);
		return VM_EXIT_USAGE;
	}
	v->queues = (unsigned)q;
	return 0;
}

/* One option of ours at argv[*i]: 0, or an exit status. */
static int vm_parse_opt(struct vm_run *v, int argc, char **argv, int *i)
{
	static const char *const opts[] = { "--name", "--mac", "--queues" };
	const char *arg = argv[*i], *val = NULL;
	bool missing = false;
	size_t k;

	for (k = 0; k < sizeof(opts) / sizeof(opts[0]) && !val && !missing; k++)
		val = vm_opt(opts[k], argc, argv, i, &missing);
	if (missing)
		return vm_usage("option '%s' needs a value", arg);
	if (!val)
		return vm_usage("unknown option '%s'", arg);
	if (k == 1)
		v->name = val;
	else if (k == 2)
		v->mac_arg = val;
	else
		return vm_parse_queues(v, val);
	return 0;
}

/* Whether an -accel, -machine or -M value asks for KVM before anything
 * else ("kvm", "kvm:tcg", "accel=kvm,...", "q35,accel=kvm"). */
static bool vm_value_wants_kvm(const char *opt, const char *val)
{
	const char *accel = strstr(val, "accel=");

	if (!strcmp(opt, "-accel") && !strncmp(val, "kvm", 3))
		return true;
	return accel && !strncmp(accel + strlen("accel="), "kvm", 3);
}

/* Whether qemu will run the guest under TCG: its default for
 * qemu-system-*, unless the command line asks for KVM (the first
 * accelerator named decides) or the program's name ends in "kvm". */
static bool vm_qemu_tcg(int argc, char **argv)
{
	size_t n = strlen(argv[0]);

	for (int i = 1; i < argc; i++) {
		const char *a = argv[i][0] == '-' && argv[i][1] == '-' ? argv[i] + 1 : argv[i];

		if (!strcmp(a, "-enable-kvm"))
			return false;
		if (i + 1 < argc && (!strcmp(a, "-accel") || !strcmp(a, "-machine") ||
				     !strcmp(a, "-M"))) {
			if (vm_value_wants_kvm(a, argv[i + 1]))
				return false;
			if (!strcmp(a, "-accel") || strstr(argv[i + 1], "accel="))
				return true;
		}
	}
	return !(n >= 3 && !strcmp(argv[0] + n - 3, "kvm"));
}

static int vm_parse(struct vm_run *v, int argc, char **argv)
{
	int i, ret;

	v->queues = 1;
	for (i = 0; i < argc && strcmp(argv[i], "--"); i++) {
		if (argv[i][0] == '-' && argv[i][1]) {
			if ((ret = vm_parse_opt(v, argc, argv, &i)))
				return ret;
		} else if (!v->net) {
			v->net = argv[i];
		} else {
			return vm_usage("unexpected argument '%s' (the qemu command goes "
					"after --)", argv[i]);
		}
	}
	if (!v->net)
		return vm_usage("missing the network's %sNAME", "");
	if (i + 1 >= argc)
		return vm_usage("missing %s", "-- and the qemu command");
	v->qemu_argc = argc - i - 1;
	v->qemu_argv = argv + i + 1;
	v->tcg = vm_qemu_tcg(v->qemu_argc, v->qemu_argv);
	return 0;
}

/* qemu's own -name ("vm1", "guest=vm1,debug-threads=on" or "vm1,process=x"). */
static bool vm_name_from_qemu(struct vm_run *v)
{
	for (int i = 1; i + 1 < v->qemu_argc; i++) {
		const char *s = v->qemu_argv[i + 1];
		size_t len;

		if (strcmp(v->qemu_argv[i], "-name") && strcmp(v->qemu_argv[i], "--name"))
			continue;
		if (!strncmp(s, "guest=", 6))
			s += 6;
		len = strcspn(s, ",");
		if (len >= sizeof(v->name_buf))
			len = sizeof(v->name_buf) - 1;
		snprintf(v->name_buf, sizeof(v->name_buf), "%.*s", (int)len, s);
		return true;
	}
	return false;
}

/* The guest's name (--name, qemu's -name, else vm<pid>), tap and MAC. */
static int vm_identity(struct vm_run *v)
{
	uint8_t mac[6];

	if (!v->name && !vm_name_from_qemu(v))
		snprintf(v->name_buf, sizeof(v->name_buf), "vm%d", (int)getpid());
	if (!v->name)
		v->name = v->name_buf;
	if (!kv_guest_name_ok(v->name)) {
		fprintf(stderr, "kvnet vm run: invalid guest name '%s' (1 to %d letters, "
			"digits, '-', '_' and '.', not starting with '-' or '.')\n", v->name,
			KV_GUEST_NAME_MAX - 1);
		return VM_EXIT_USAGE;
	}
	kv_guest_tap_name(v->name, v->tap);
	if (v->mac_arg && kv_mac_parse(v->mac_arg, mac) < 0) {
		fprintf(stderr, "kvnet vm run: invalid MAC address '%s' (expected "
			"aa:bb:cc:dd:ee:ff)\n", v->mac_arg);
		return VM_EXIT_USAGE;
	}
	if (!v->mac_arg)
		kv_guest_mac(v->name, mac);
	kv_mac_format(mac, v->mac);
	return 0;
}

/* One request to kvnetd (with the descriptors its reply carries into fds,
 * if not NULL); 0, or an exit status after saying why. */
static int vm_call(const struct vm_run *v, const char *cmd, json_t *args, struct cli_fds *fds)
{
	json_t *reply, *err;
	int ret = cli_client_call_fds(v->sock, cmd, args, &reply, fds);
	const char *msg;

	if (ret == -ENOENT || ret == -ECONNREFUSED) {
		fprintf(stderr, "kvnet: cannot reach kvnetd at %s: %s (is kvnetd running?)\n",
			v->sock, strerror(-ret));
		return VM_EXIT_UNREACHABLE;
	}
	if (ret < 0) {
		fprintf(stderr, "kvnet: talking to kvnetd at %s: %s\n", v->sock, strerror(-ret));
		return VM_EXIT_FAIL;
	}
	ret = json_is_true(json_object_get(reply, "ok")) ? 0 : VM_EXIT_FAIL;
	if (ret) {
		err = json_object_get(reply, "error");
		msg = json_string_value(json_object_get(err, "message"));
		fprintf(stderr, "kvnet: %s\n", msg ? msg : "kvnetd refused the request");
		msg = json_string_value(json_object_get(err, "code"));
		if (msg && !strcmp(msg, "permission"))
			ret = VM_EXIT_DENIED;
	}
	json_decref(reply);
	return ret;
}

/* The port and its tap, whose open queues kvnetd hands over: from here on
 * they are the tap's only references, so whatever becomes of this process
 * takes the tap (and the port) along unless qemu has them. */
static int vm_port_add(struct vm_run *v)
{
	json_t *args = json_pack("{s:s,s:s,s:b,s:s,s:s,s:b}", "net", v->net, "iface", v->tap,
				 "tap", 1, "mac", v->mac, "guest", v->name, "fds", 1);
	struct cli_fds fds = { .fd = v->tap_fds, .max = VM_QUEUES_MAX };
	int ret;

	if (!args)
		return VM_EXIT_FAIL;
	if (v->queues > 1)
		json_object_set_new(args, "queues", json_integer(v->queues));
	ret = vm_call(v, "port.add", args, &fds);
	if (!ret && fds.n != v->queues) {
		fprintf(stderr, "kvnet vm run: kvnetd handed over %u descriptors for tap %s, "
			"not %u (an older kvnetd?)\n", fds.n, v->tap, v->queues);
		ret = VM_EXIT_FAIL;
		if (!fds.n) /* a kvnetd that kept the tap to itself */
			vm_call(v, "port.del", json_pack("{s:s,s:s}", "net", v->net,
							 "iface", v->tap), NULL);
	}
	if (ret)
		while (fds.n) /* the last reference: the tap and its port go */
			close(fds.fd[--fds.n]);
	return ret;
}

/* vhost-net for every queue, or none (then qemu runs virtio-net itself). */
static void vm_try_vhost(struct vm_run *v)
{
	unsigned i;
	int err = 0;

	for (i = 0; i < v->queues; i++) {
		v->vhost_fds[i] = open("/dev/vhost-net", O_RDWR);
		if (v->vhost_fds[i] < 0) {
			err = errno;
			break;
		}
	}
	v->vhost = i == v->queues;
	if (v->vhost)
		return;
	while (i-- > 0)
		close(v->vhost_fds[i]);
	fprintf(stderr, "kvnet vm run: /dev/vhost-net: %s; virtio-net runs in qemu "
		"(vhost=off)\n", strerror(err));
}

/* "N" or "N:M:..." of count descriptors. */
static void vm_fd_list(const int *fds, unsigned count, char *buf, size_t len)
{
	size_t used = 0;

	buf[0] = '\0';
	for (unsigned i = 0; i < count && used < len; i++)
		used += (size_t)snprintf(buf + used, len - used, "%s%d", i ? ":" : "", fds[i]);
}

static void vm_netdev_opt(const struct vm_run *v, char *buf, size_t len)
{
	char tap[VM_OPT_LEN / 2], vhost[VM_OPT_LEN / 2] = "";
	const char *many = v->queues > 1 ? "s" : "";

	vm_fd_list(v->tap_fds, v->queues, tap, sizeof(tap));
	if (v->vhost)
		vm_fd_list(v->vhost_fds, v->queues, vhost, sizeof(vhost));
	snprintf(buf, len, "tap,id=" VM_NETDEV_ID ",fd%s=%s,vhost=%s%s%s%s", many, tap,
		 v->vhost ? "on" : "off", v->vhost ? ",vhostfd" : "", v->vhost ? many : "",
		 v->vhost ? "=" : "");
	if (v->vhost)
		snprintf(buf + strlen(buf), len - strlen(buf), "%s", vhost);
}

static void vm_device_opt(const struct vm_run *v, char *buf, size_t len)
{
	snprintf(buf, len, "virtio-net-pci,netdev=" VM_NETDEV_ID ",mac=%s%s", v->mac,
		 v->tcg ? ",event_idx=off" : "");
	/* a queue pair per queue, plus config and control vectors */
	if (v->queues > 1)
		snprintf(buf + strlen(buf), len - strlen(buf), ",mq=on,vectors=%u",
			 2 * v->queues + 2);
}

/* Replace this process by qemu, its NIC appended; returns only on failure. */
static int vm_exec(const struct vm_run *v)
{
	char netdev[VM_OPT_LEN], device[VM_OPT_LEN / 4];
	char **argv = calloc((size_t)v->qemu_argc + VM_EXTRA_ARGS + 1, sizeof(*argv));

	if (!argv) {
		fprintf(stderr, "kvnet vm run: out of memory\n");
		return VM_EXIT_FAIL;
	}
	vm_netdev_opt(v, netdev, sizeof(netdev));
	vm_device_opt(v, device, sizeof(device));
	memcpy(argv, v->qemu_argv, (size_t)v->qemu_argc * sizeof(*argv));
	argv[v->qemu_argc] = "-netdev";
	argv[v->qemu_argc + 1] = netdev;
	argv[v->qemu_argc + 2] = "-device";
	argv[v->qemu_argc + 3] = device;
	if (v->tcg)
		fprintf(stderr, "kvnet vm run: the guest runs under TCG: its NIC gets "
			"event_idx=off (with event-index notifications, qemu under "
			"TCG can lose a transmit kick and the guest's sending stops)\n");
	fprintf(stderr, "kvnet: guest %s on network %s: tap %s, MAC %s, %u queue%s, "
		"vhost %s\n", v->name, v->net, v->tap, v->mac, v->queues,
		v->queues > 1 ? "s" : "", v->vhost ? "on" : "off");
	fflush(NULL);
	execvp(argv[0], argv);
	fprintf(stderr, "kvnet vm run: cannot run %s: %s\n", argv[0], strerror(errno));
	free(argv);
	return VM_EXIT_EXEC;
}

int cli_vm_main(const char *sock, bool json, int argc, char **argv)
{
	struct vm_run v = { .sock = sock };
	int ret;

	(void)json;
	ret = vm_parse(&v, argc, argv);
	if (!ret)
		ret = vm_identity(&v);
	fault_arm(true); /* build/kvnet-faults: vm run's steps are its points */
	if (!ret)
		ret = vm_port_add(&v);
	if (ret)
		return ret;
	FAULT("vm.tap.received");
	vm_try_vhost(&v);
	FAULT("vm.exec");
	/* exec failed: exiting closes the last references, so the tap (and,
	 * with it, the port) goes */
	return vm_exec(&v);
}
