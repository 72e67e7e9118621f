/* SPDX-License-Identifier: GPL-2.0-only */
/* kvnet: the command-line client of kvnetd. It turns a command line into
 * one JSON request on <run-dir>/kvnetd.sock (docs/protocol.md) and prints
 * the daemon's answer as text or, with --json, as the daemon's result.
 * Commands live in one table: their words, protocol command, positional
 * arguments and typed options; usage text and argument checks are derived
 * from it. Exit status: 0 success, 1 error (from the daemon or local),
 * 2 usage error, 3 daemon not reachable or too busy to take the request.
 * See docs/kvnet.1.
 */
#include <errno.h>
#include <grp.h>
#include <pwd.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <jansson.h>

#include "cli/cli_client.h"
#include "cli/cli_file.h"
#include "cli/cli_lab.h"
#include "cli/cli_print.h"
#include "cli/cli_trace.h"
#include "cli/cli_vm.h"

#ifndef KVNET_VERSION
#define KVNET_VERSION "0.1.0"
#endif

#define KVNET_RUN_DIR_DEFAULT "/run/kvnet"
#define KVNET_RUN_DIR_ENV "KVNET_RUN_DIR"
#define KVNET_SOCK_NAME "kvnetd.sock"
#define KVNET_XML_MAX (1u << 20) /* net define reads at most 1 MiB */
#define KVNET_MAX_POS 3
#define KVNET_MAX_WORDS 3
#define KVNET_PAGE_LIMIT 5000 /* entries a page of a paged listing asks for */

enum kvnet_exit {
	KVNET_EXIT_OK = 0,
	KVNET_EXIT_FAIL = 1,	    /* the daemon or a local step failed */
	KVNET_EXIT_USAGE = 2,	    /* bad command line */
	KVNET_EXIT_UNREACHABLE = 3, /* no daemon behind the socket, or one too
				     * busy to take the request */
	KVNET_EXIT_DENIED = 4,	    /* the command needs root */
};

/* Typed options: what an option takes and what it puts in the request. */
enum kvnet_opt_type {
	KVNET_OPT_STR,	 /* --opt VALUE: args[key] = "VALUE" */
	KVNET_OPT_SET,	 /* --opt: args[key] = true; false when absent */
	KVNET_OPT_CLEAR, /* --opt: args[key] = false; true when absent */
};

struct kvnet_opt {
	const char *name; /* without the leading "--" */
	const char *key;  /* member of the request's args */
	const char *meta; /* KVNET_OPT_STR: placeholder in usage */
	enum kvnet_opt_type type;
	bool required;
};

struct kvnet_arg {
	const char *key;  /* member of the request's args */
	const char *meta; /* placeholder in usage */
};

struct kvnet_call;

struct kvnet_cmd {
	const char *words; /* "net start" */
	const char *rpc;   /* protocol command; NULL: not implemented yet */
	struct kvnet_arg pos[KVNET_MAX_POS];
	const struct kvnet_opt *opts; /* ends with a NULL name; may be NULL */
	int (*prepare)(struct kvnet_call *c);
	int (*show)(const struct kvnet_call *c, const json_t *result);
	/* A paged listing: its columns. kvnet asks for page after page
	 * ("limit", "cursor"; docs/protocol.md) and prints one table. */
	const struct cli_field *pages;
	const char *done;  /* past tense for confirmations ("started") */
	const char *usage; /* arguments, when not derived from pos/opts */
	const char *help;
	/* A command that parses the rest of argv itself and talks to the
	 * socket its own way (trace); returns the exit status. */
	int (*own)(const char *sock, bool json, int argc, char **argv);
};

/* One invocation: everything main() learns from argv and the environment. */
struct kvnet_call {
	const struct kvnet_cmd *cmd;
	const char *words[KVNET_MAX_WORDS];
	int nwords;
	const char *pos[KVNET_MAX_POS];
	int npos;
	json_t *args; /* the request's args, built while parsing */
	const char *run_dir;
	struct cli_print out;
	bool dashdash; /* "--" seen: the rest is positional */
	int rest_argc; /* after an `own` command's words: its arguments */
	char **rest_argv;
};

/* ---- output tables (text columns; --json prints the result as is) ---- */

static const struct cli_field kvnet_net_cols[] = {
	{ "name", "NAME", CLI_T_STR },
	{ "active", "STATE", CLI_T_STATE },
	{ "autostart", "AUTOSTART", CLI_T_BOOL },
	{ "mode", "MODE", CLI_T_STR },
	{ "subnet", "SUBNET", CLI_T_STR },
	{ "bridge", "BRIDGE", CLI_T_STR },
	{ "ports", "PORTS", CLI_T_INT },
	{ NULL, NULL, 0 },
};

static const struct cli_field kvnet_net_fields[] = {
	{ "name", "Name", CLI_T_STR },
	{ "uuid", "UUID", CLI_T_STR },
	{ "active", "State", CLI_T_STATE },
	{ "autostart", "Autostart", CLI_T_BOOL },
	{ "mode", "Mode", CLI_T_STR },
	{ "datapath", "Datapath", CLI_T_STR },
	{ "bridge", "Bridge", CLI_T_STR },
	{ "mac", "MAC", CLI_T_STR },
	{ "ip", "Gateway", CLI_T_STR },
	{ "prefix", "Prefix", CLI_T_INT },
	{ "subnet", "Subnet", CLI_T_STR },
	{ "dhcp_ranges", "DHCP ranges", CLI_T_LIST },
	{ "ports", "Ports", CLI_T_INT },
	{ "persistent", "Persistent", CLI_T_BOOL },
	{ "next_start", "Next start", CLI_T_STR },
	{ "dns", "DNS", CLI_T_STR },
	{ "dns_counters", "DNS queries", CLI_T_COUNTS },
	{ "dhcp_counters", "DHCP messages", CLI_T_COUNTS },
	{ "degraded", "Degraded", CLI_T_STR },
	{ "notes", "Reconciled", CLI_T_LIST },
	{ NULL, NULL, 0 },
};

static const struct cli_field kvnet_port_cols[] = {
	{ "iface", "IFACE", CLI_T_STR },
	{ "kind", "KIND", CLI_T_STR },
	{ "ifindex", "IFINDEX", CLI_T_INT },
	{ "mac", "MAC", CLI_T_STR },
	{ "mtu", "MTU", CLI_T_INT },
	{ "oper", "OPER", CLI_T_STR },
	{ "stp", "STP", CLI_T_STR },
	{ "guest", "GUEST", CLI_T_STR },
	{ "owned", "OWNED", CLI_T_BOOL },
	{ "trusted", "TRUSTED", CLI_T_BOOL },
	{ "guard", "GUARD", CLI_T_STR },
	{ "addrs", "ADDRS", CLI_T_LIST },
	{ NULL, NULL, 0 },
};

static const struct cli_field kvnet_fdb_cols[] = {
	{ "port", "PORT", CLI_T_STR },
	{ "vlan", "VLAN", CLI_T_INT },
	{ "mac", "MAC", CLI_T_STR },
	{ "age_s", "AGE", CLI_T_AGE },
	{ "static", "STATIC", CLI_T_BOOL },
	{ NULL, NULL, 0 },
};

static const struct cli_field kvnet_lease_cols[] = {
	{ "ip", "IP", CLI_T_STR },
	{ "mac", "MAC", CLI_T_STR },
	{ "hostname", "HOSTNAME", CLI_T_STR },
	{ "client_id", "CLIENT-ID", CLI_T_STR },
	{ "expires_in", "EXPIRES", CLI_T_AGE },
	{ "port", "PORT", CLI_T_STR },
	{ "guest", "GUEST", CLI_T_STR },
	{ NULL, NULL, 0 },
};

static const struct cli_field kvnet_ct_cols[] = {
	{ "proto", "PROTO", CLI_T_STR },
	{ "state", "STATE", CLI_T_STR },
	{ "expires_in", "EXPIRES", CLI_T_AGE },
	{ "src", "SRC", CLI_T_STR },
	{ "dst", "DST", CLI_T_STR },
	{ "xlate_src", "XLATE-SRC", CLI_T_STR },
	{ "xlate_dst", "XLATE-DST", CLI_T_STR },
	{ "nat", "NAT", CLI_T_STR },
	{ "packets", "PKTS", CLI_T_INT },
	{ "reply_packets", "REPLY_PKTS", CLI_T_INT },
	{ NULL, NULL, 0 },
};

static const struct cli_field kvnet_stats_cols[] = {
	{ "port", "PORT", CLI_T_STR },
	{ "rx_packets", "RX_PKTS", CLI_T_INT },
	{ "rx_bytes", "RX_BYTES", CLI_T_INT },
	{ "tx_packets", "TX_PKTS", CLI_T_INT },
	{ "tx_bytes", "TX_BYTES", CLI_T_INT },
	{ "flood_packets", "FLOOD", CLI_T_INT },
	{ "drops_total", "DROPS", CLI_T_INT },
	{ "drops", "DROP_REASONS", CLI_T_COUNTS },
	{ NULL, NULL, 0 },
};

/* ---- renderers --------------------------------------------------------- */

static int kvnet_show_nets(const struct kvnet_call *c, const json_t *res)
{
	return cli_print_table(&c->out, kvnet_net_cols, res);
}

static int kvnet_show_net(const struct kvnet_call *c, const json_t *res)
{
	return cli_print_object(&c->out, kvnet_net_fields, res);
}

static int kvnet_show_xml(const struct kvnet_call *c, const json_t *res)
{
	return cli_print_verbatim(&c->out, "xml", res);
}

static int kvnet_show_ports(const struct kvnet_call *c, const json_t *res)
{
	return cli_print_table(&c->out, kvnet_port_cols, res);
}

static int kvnet_show_stats(const struct kvnet_call *c, const json_t *res)
{
	return cli_print_table(&c->out, kvnet_stats_cols, res);
}

static int kvnet_show_leases(const struct kvnet_call *c, const json_t *res)
{
	return cli_print_table(&c->out, kvnet_lease_cols, res);
}

static int kvnet_show_conntrack(const struct kvnet_call *c, const json_t *res)
{
	return cli_print_table(&c->out, kvnet_ct_cols, res);
}

static const struct cli_field kvnet_fwd_cols[] = {
	{ "proto", "PROTO", CLI_T_STR },
	{ "host_port", "HOST PORT", CLI_T_INT },
	{ "to", "TO", CLI_T_STR },
	{ "active", "ACTIVE", CLI_T_BOOL },
	{ NULL, NULL, 0 },
};

static int kvnet_show_fwds(const struct kvnet_call *c, const json_t *res)
{
	return cli_print_table(&c->out, kvnet_fwd_cols, res);
}

/* "forward tcp/8080 [-> IP:PORT] <done> network 'NAME'" */
static int kvnet_show_fwd_done(const struct kvnet_call *c, const json_t *res)
{
	const char *to = json_string_value(json_object_get(c->args, "to"));
	json_t *active = json_object_get(res, "active");
	char msg[512];

	snprintf(msg, sizeof(msg), "forward %s/%s%s%s %s network '%s'%s",
		 json_string_value(json_object_get(c->args, "proto")),
		 json_string_value(json_object_get(c->args, "host_port")), to ? " -> " : "",
		 to ? to : "", c->cmd->done, c->pos[0],
		 json_is_false(active) ? " (inactive until the network runs)" : "");
	return cli_print_done(&c->out, res, msg);
}

/* "MAC -> IP <done> network 'NAME'" */
static int kvnet_show_host_done(const struct kvnet_call *c, const json_t *res)
{
	char msg[512];

	snprintf(msg, sizeof(msg), "%s -> %s %s network '%s'",
		 json_string_value(json_object_get(c->args, "mac")),
		 json_string_value(json_object_get(c->args, "ip")), c->cmd->done, c->pos[0]);
	return cli_print_done(&c->out, res, msg);
}

/* "network 'NAME' <done>": the name the daemon reports (net define learns
 * it from the XML), else the one on the command line. */
static int kvnet_show_net_done(const struct kvnet_call *c, const json_t *res)
{
	const char *name = json_string_value(json_object_get(res, "name"));
	char msg[512];

	if (!name)
		name = c->pos[0];
	snprintf(msg, sizeof(msg), "network '%s' %s", name, c->cmd->done);
	return cli_print_done(&c->out, res, msg);
}

static int kvnet_show_autostart(const struct kvnet_call *c,
				const json_t *res)
{
	bool on = json_is_true(json_object_get(c->args, "enable"));
	char msg[512];

	snprintf(msg, sizeof(msg), "network '%s' %s", c->pos[0],
		 on ? "marked as autostarted" : "unmarked as autostarted");
	return cli_print_done(&c->out, res, msg);
}

/* "port 'IFACE' <done> network 'NAME'" */
static int kvnet_show_port_done(const struct kvnet_call *c,
				const json_t *res)
{
	char msg[512];

	snprintf(msg, sizeof(msg), "port '%s' %s network '%s'", c->pos[1],
		 c->cmd->done, c->pos[0]);
	return cli_print_done(&c->out, res, msg);
}

/* "address IP <done> port 'IFACE' of network 'NAME'" */
static int kvnet_show_addr_done(const struct kvnet_call *c, const json_t *res)
{
	char msg[512];

	snprintf(msg, sizeof(msg), "address %s %s port '%s' of network '%s'", c->pos[2],
		 c->cmd->done, c->pos[1], c->pos[0]);
	return cli_print_done(&c->out, res, msg);
}

/* ---- net define: the request carries the file's text ------------------- */

static int kvnet_prepare_define(struct kvnet_call *c)
{
	const char *path = c->pos[0];
	size_t len = 0;
	char *buf = NULL;
	json_t *xml;
	int r;

	r = cli_slurp(path, KVNET_XML_MAX, &buf, &len);
	if (r == -EFBIG)
		fprintf(stderr, "kvnet: %s: file too large (max %u MiB)\n",
			path, KVNET_XML_MAX >> 20);
	else if (r < 0)
		fprintf(stderr, "kvnet: cannot read %s: %s\n", path,
			strerror(-r));
	if (r < 0)
		return r;
	xml = json_stringn(buf, len);
	free(buf);
	if (!xml) {
		fprintf(stderr, "kvnet: %s: not a UTF-8 text file\n", path);
		return -EINVAL;
	}
	json_object_del(c->args, "file");
	return json_object_set_new(c->args, "xml", xml) ? -ENOMEM : 0;
}

/* A user or group, by name or number, as its id. */
static int kvnet_id_arg(json_t *args, const char *key, bool user)
{
	const char *s = json_string_value(json_object_get(args, key));
	struct passwd *pw;
	struct group *gr;
	char *end;
	unsigned long id;

	if (!s)
		return 0;
	errno = 0;
	id = strtoul(s, &end, 10);
	if (*s && !*end && !errno && id < UINT32_MAX)
		return json_object_set_new(args, key, json_integer((json_int_t)id));
	pw = user ? getpwnam(s) : NULL;
	gr = user ? NULL : getgrnam(s);
	if (pw)
		return json_object_set_new(args, key, json_integer(pw->pw_uid));
	if (gr)
		return json_object_set_new(args, key, json_integer(gr->gr_gid));
	fprintf(stderr, "kvnet: --%s: no such %s '%s'\n", key, user ? "user" : "group", s);
	return -EINVAL;
}

static int kvnet_prepare_port_add(struct kvnet_call *c)
{
	const char *q = json_string_value(json_object_get(c->args, "queues"));
	char *end;
	long n;

	if (kvnet_id_arg(c->args, "owner", true) < 0 || kvnet_id_arg(c->args, "group", false) < 0)
		return -EINVAL;
	if (!q)
		return 0;
	n = strtol(q, &end, 10);
	if (!*q || *end || n < 1 || n > 64) {
		fprintf(stderr, "kvnet: --queues takes 1 to 64, not '%s'\n", q);
		return -EINVAL;
	}
	return json_object_set_new(c->args, "queues", json_integer(n));
}

/* ---- the command table ------------------------------------------------- */

static const struct kvnet_opt kvnet_create_opts[] = {
	{ "mode", "mode", "M", KVNET_OPT_STR, true },
	/* Optional here: isolated networks may omit it, bridge ones must;
	 * kvnetd says which mode needs what. */
	{ "subnet", "subnet", "CIDR", KVNET_OPT_STR, false },
	{ "uplink", "uplink", "IF", KVNET_OPT_STR, false },
	{ "dhcp-range", "dhcp_range", "A-B", KVNET_OPT_STR, false },
	{ NULL, NULL, NULL, 0, false },
};

static const struct kvnet_opt kvnet_autostart_opts[] = {
	{ "disable", "enable", NULL, KVNET_OPT_CLEAR, false },
	{ NULL, NULL, NULL, 0, false },
};

static const struct kvnet_opt kvnet_dumpxml_opts[] = {
	{ "inactive", "inactive", NULL, KVNET_OPT_SET, false },
	{ NULL, NULL, NULL, 0, false },
};

static const struct kvnet_opt kvnet_dhcp_host_opts[] = {
	{ "mac", "mac", "MAC", KVNET_OPT_STR, true },
	{ "ip", "ip", "IP", KVNET_OPT_STR, true },
	{ "name", "name", "HOST", KVNET_OPT_STR, false },
	{ NULL, NULL, NULL, 0, false },
};

static const struct kvnet_opt kvnet_fwd_add_opts[] = {
	{ "proto", "proto", "tcp|udp", KVNET_OPT_STR, true },
	{ "host-port", "host_port", "P", KVNET_OPT_STR, true },
	{ "to", "to", "IP:PORT", KVNET_OPT_STR, true },
	{ NULL, NULL, NULL, 0, false },
};

static const struct kvnet_opt kvnet_fwd_del_opts[] = {
	{ "proto", "proto", "tcp|udp", KVNET_OPT_STR, true },
	{ "host-port", "host_port", "P", KVNET_OPT_STR, true },
	{ NULL, NULL, NULL, 0, false },
};

static const struct kvnet_opt kvnet_port_add_opts[] = {
	{ "tap", "tap", NULL, KVNET_OPT_SET, false },
	{ "mac", "mac", "MAC", KVNET_OPT_STR, false },
	{ "trusted", "trusted", NULL, KVNET_OPT_SET, false },
	{ "owner", "owner", "USER", KVNET_OPT_STR, false },
	{ "group", "group", "GROUP", KVNET_OPT_STR, false },
	{ "queues", "queues", "N", KVNET_OPT_STR, false },
	{ NULL, NULL, NULL, 0, false },
};

#define KVNET_NAME { { "name", "NAME" } }
#define KVNET_NET { { "net", "NAME" } }
#define KVNET_NET_IFACE { { "net", "NAME" }, { "iface", "IFACE" } }
#define KVNET_NET_IFACE_IP { { "net", "NAME" }, { "iface", "IFACE" }, { "ip", "IP" } }

static const struct kvnet_cmd kvnet_cmds[] = {
	{ "net list", "net.list", .show = kvnet_show_nets,
	  .help = "list networks" },
	{ "net define", "net.define", { { "file", "FILE.xml" } },
	  .prepare = kvnet_prepare_define, .show = kvnet_show_net_done,
	  .done = "defined", .help = "define a network from libvirt XML" },
	{ "net create", "net.create", KVNET_NAME, kvnet_create_opts,
	  .show = kvnet_show_net_done, .done = "created",
	  .help = "define a network from options" },
	{ "net start", "net.start", KVNET_NAME, .show = kvnet_show_net_done,
	  .done = "started", .help = "start a network" },
	{ "net stop", "net.stop", KVNET_NAME, .show = kvnet_show_net_done,
	  .done = "stopped", .help = "stop a network" },
	{ "net undefine", "net.undefine", KVNET_NAME,
	  .show = kvnet_show_net_done, .done = "undefined",
	  .help = "forget a network's definition (a running one goes on, transient)" },
	{ "net autostart", "net.autostart", KVNET_NAME, kvnet_autostart_opts,
	  .show = kvnet_show_autostart,
	  .help = "start a network with kvnetd (or not)" },
	{ "net show", "net.show", KVNET_NAME, .show = kvnet_show_net,
	  .help = "show a network" },
	{ "net dumpxml", "net.dumpxml", KVNET_NAME, kvnet_dumpxml_opts, .show = kvnet_show_xml,
	  .help = "print a network's XML (--inactive: the one its next start runs)" },
	{ "port add", "port.add", KVNET_NET_IFACE, kvnet_port_add_opts,
	  .prepare = kvnet_prepare_port_add, .show = kvnet_show_port_done, .done = "added to",
	  .help = "attach an interface (or a new tap)" },
	{ "port del", "port.del", KVNET_NET_IFACE,
	  .show = kvnet_show_port_done, .done = "removed from",
	  .help = "detach an interface" },
	{ "port list", "port.list", KVNET_NET, .show = kvnet_show_ports,
	  .help = "list a network's ports" },
	{ "port addr add", "port.addr.add", KVNET_NET_IFACE_IP,
	  .show = kvnet_show_addr_done, .done = "bound to",
	  .help = "let a statically configured guest send from IP (persists)" },
	{ "port addr del", "port.addr.del", KVNET_NET_IFACE_IP,
	  .show = kvnet_show_addr_done, .done = "unbound from",
	  .help = "remove a static address from a port" },
	{ "fdb", "fdb", KVNET_NET, .pages = kvnet_fdb_cols,
	  .help = "show the forwarding database" },
	{ "stats", "stats", KVNET_NET, .show = kvnet_show_stats,
	  .help = "show per-port counters and drops" },
	{ "leases", "leases", KVNET_NET, .show = kvnet_show_leases,
	  .help = "list the DHCP leases" },
	{ "dhcp host add", "dhcp.host.add", KVNET_NET, kvnet_dhcp_host_opts,
	  .show = kvnet_show_host_done, .done = "reserved on",
	  .help = "reserve an address (persists; live)" },
	{ "dhcp host del", "dhcp.host.del", KVNET_NET, kvnet_dhcp_host_opts,
	  .show = kvnet_show_host_done, .done = "no longer reserved on",
	  .help = "remove a reservation" },
	{ "conntrack", "conntrack", KVNET_NET, .show = kvnet_show_conntrack,
	  .help = "list a routing network's tracked connections" },
	{ "forward add", "forward.add", KVNET_NET, kvnet_fwd_add_opts,
	  .show = kvnet_show_fwd_done, .done = "added to",
	  .help = "forward a host port to a guest of a nat network (persists; live)" },
	{ "forward del", "forward.del", KVNET_NET, kvnet_fwd_del_opts,
	  .show = kvnet_show_fwd_done, .done = "removed from",
	  .help = "remove a port forward and forget its connections" },
	{ "forward list", "forward.list", KVNET_NET, .show = kvnet_show_fwds,
	  .help = "list a network's port forwards" },
	{ "trace", "trace", .own = cli_trace_main,
	  .usage = "NAME [--port P] [--count N] [--timeout S] [--pcap FILE] [--dot|--svg FILE] "
		   "[FILTER...] | NAME --inject PORT PACKET",
	  .help = "follow packets through the datapath, stage by stage" },
	{ "vm run", "port.add", .own = cli_vm_main,
	  .usage = "NAME [--name VM] [--mac MAC] [--queues N] -- qemu-system-x86_64 ARGS...",
	  .help = "run a qemu guest on a new tap of the network; the tap goes when qemu does" },
	{ "lab", "lab", .own = cli_lab_main,
	  .usage = "run [SPEC] [--modes M,...] [--guests N] [--rounds N] [--quick] [--baseline] "
		   "[--vm] [--out DIR] | compare A B | report DIR",
	  .help = "measure the network modes side by side in namespaces of its own (root; "
		  "docs/lab.md)" },
	{ .words = NULL },
};

/* ---- usage ------------------------------------------------------------- */

static void kvnet_cmd_usage(FILE *fp, const struct kvnet_cmd *cmd)
{
	const struct kvnet_opt *o;
	int i;

	fprintf(fp, "kvnet %s", cmd->words);
	if (cmd->usage)
		fprintf(fp, " %s", cmd->usage);
	for (i = 0; i < KVNET_MAX_POS && cmd->pos[i].key; i++)
		fprintf(fp, " %s", cmd->pos[i].meta);
	for (o = cmd->opts; o && o->name; o++) {
		fprintf(fp, " %s--%s", o->required ? "" : "[", o->name);
		if (o->type == KVNET_OPT_STR)
			fprintf(fp, " %s", o->meta);
		fputs(o->required ? "" : "]", fp);
	}
}

/* Lists the commands whose words start with group (all if NULL). */
static void kvnet_usage(FILE *fp, const char *group)
{
	const struct kvnet_cmd *cmd;
	size_t n = group ? strlen(group) : 0;

	fputs("usage: kvnet [--run-dir R] [--json] <command>\n\n"
	      "commands:\n", fp);
	for (cmd = kvnet_cmds; cmd->words; cmd++) {
		if (group && (strncmp(cmd->words, group, n) ||
			      (cmd->words[n] && cmd->words[n] != ' ')))
			continue;
		fputs("  ", fp);
		kvnet_cmd_usage(fp, cmd);
		fprintf(fp, "\n      %s\n", cmd->help);
	}
	fputs("\noptions:\n"
	      "  --run-dir R  kvnetd's run directory (default $"
	      KVNET_RUN_DIR_ENV ", else " KVNET_RUN_DIR_DEFAULT ")\n"
	      "  --json       print the daemon's result as JSON\n"
	      "  --help       this text; --version: the version\n", fp);
}

/* Reports a usage error with a hint and returns -EINVAL. */
__attribute__((format(printf, 2, 3)))
static int kvnet_usage_error(const struct kvnet_call *c, const char *fmt,
			     ...)
{
	va_list ap;

	fputs("kvnet: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	if (c->cmd) {
		fputs("\nusage: ", stderr);
		kvnet_cmd_usage(stderr, c->cmd);
		fputc('\n', stderr);
	} else {
		fputs("\nTry 'kvnet --help'.\n", stderr);
	}
	return -EINVAL;
}

/* ---- argument parsing -------------------------------------------------- */

/* Outcome of a parsing step besides 0 and -errno: stop, print nothing more
 * and exit with this status. */
#define KVNET_PARSE_EXIT(status) (1 + (status))

static bool kvnet_opt_is(const char *arg, const char *name, const char **val)
{
	size_t n = strlen(name);

	if (strncmp(arg, "--", 2) || strncmp(arg + 2, name, n))
		return false;
	if (arg[2 + n] == '=')
		*val = arg + 3 + n;
	else if (arg[2 + n])
		return false;
	return true;
}

/* The value of "--opt VALUE" or "--opt=VALUE"; NULL (and a usage error
 * reported) when there is none. */
static const char *kvnet_opt_value(const struct kvnet_call *c, int argc,
				   char **argv, int *i, const char *val)
{
	if (val)
		return val;
	if (*i + 1 < argc)
		return argv[++*i];
	kvnet_usage_error(c, "option '%s' needs a value", argv[*i]);
	return NULL;
}

/* A command option; 1 if arg was one, 0 if not, -EINVAL on error. */
static int kvnet_parse_cmd_opt(struct kvnet_call *c, int argc, char **argv,
			       int *i)
{
	const struct kvnet_opt *o;
	const char *val = NULL;
	json_t *v;

	for (o = c->cmd ? c->cmd->opts : NULL; o && o->name; o++)
		if (kvnet_opt_is(argv[*i], o->name, &val))
			break;
	if (!o || !o->name)
		return 0;
	if (o->type != KVNET_OPT_STR && val)
		return kvnet_usage_error(c, "option '--%s' takes no value",
					 o->name);
	if (o->type == KVNET_OPT_STR) {
		val = kvnet_opt_value(c, argc, argv, i, val);
		if (!val)
			return -EINVAL;
		v = json_string(val);
	} else {
		v = json_boolean(o->type == KVNET_OPT_SET);
	}
	if (!v)
		return kvnet_usage_error(c, "option '--%s': not UTF-8",
					 o->name);
	return json_object_set_new(c->args, o->key, v) ? -ENOMEM : 1;
}

static int kvnet_parse_global_opt(struct kvnet_call *c, int argc,
				  char **argv, int *i)
{
	const char *arg = argv[*i], *val = NULL;

	if (!strcmp(arg, "-h") || kvnet_opt_is(arg, "help", &val)) {
		if (c->cmd) {
			fputs("usage: ", stdout);
			kvnet_cmd_usage(stdout, c->cmd);
			printf("\n  %s\n", c->cmd->help);
		} else {
			kvnet_usage(stdout, c->nwords ? c->words[0] : NULL);
		}
		return KVNET_PARSE_EXIT(KVNET_EXIT_OK);
	}
	if (kvnet_opt_is(arg, "version", &val)) {
		printf("kvnet %s\n", KVNET_VERSION);
		return KVNET_PARSE_EXIT(KVNET_EXIT_OK);
	}
	if (kvnet_opt_is(arg, "json", &val) && !val) {
		c->out.json = true;
		return 0;
	}
	if (kvnet_opt_is(arg, "run-dir", &val)) {
		c->run_dir = kvnet_opt_value(c, argc, argv, i, val);
		return c->run_dir ? 0 : -EINVAL;
	}
	return kvnet_usage_error(c, "unknown option '%s'", arg);
}

static int kvnet_parse_opt(struct kvnet_call *c, int argc, char **argv,
			   int *i)
{
	int r = kvnet_parse_cmd_opt(c, argc, argv, i);

	if (r)
		return r < 0 ? r : 0;
	return kvnet_parse_global_opt(c, argc, argv, i);
}

/* Is there a command whose words start with "prefix "? */
static bool kvnet_is_group(const char *prefix)
{
	const struct kvnet_cmd *cmd;
	size_t n = strlen(prefix);

	for (cmd = kvnet_cmds; cmd->words; cmd++)
		if (!strncmp(cmd->words, prefix, n) && cmd->words[n] == ' ')
			return true;
	return false;
}

/* One more command word; looks the command up once the words name one. */
static int kvnet_parse_word(struct kvnet_call *c, const char *word)
{
	const struct kvnet_cmd *cmd;
	char words[128];

	if (c->nwords == 0 && !strcmp(word, "help")) {
		kvnet_usage(stdout, NULL);
		return KVNET_PARSE_EXIT(KVNET_EXIT_OK);
	}
	c->words[c->nwords++] = word;
	words[0] = '\0';
	for (int i = 0; i < c->nwords; i++)
		snprintf(words + strlen(words), sizeof(words) - strlen(words), "%s%s",
			 i ? " " : "", c->words[i]);
	for (cmd = kvnet_cmds; cmd->words; cmd++)
		if (!strcmp(cmd->words, words))
			break;
	if (cmd->words && !cmd->rpc) {
		fprintf(stderr, "kvnet: '%s' is not implemented yet\n", words);
		return KVNET_PARSE_EXIT(KVNET_EXIT_FAIL);
	}
	if (cmd->words) {
		c->cmd = cmd;
		return 0;
	}
	if (c->nwords < KVNET_MAX_WORDS && kvnet_is_group(words))
		return 0;
	return kvnet_usage_error(c, "unknown command '%s'", words);
}

static int kvnet_parse_pos(struct kvnet_call *c, const char *arg)
{
	const struct kvnet_arg *a;
	json_t *v;

	if (c->npos >= KVNET_MAX_POS || !c->cmd->pos[c->npos].key)
		return kvnet_usage_error(c, "unexpected argument '%s'", arg);
	a = &c->cmd->pos[c->npos];
	v = json_string(arg);
	if (!v)
		return kvnet_usage_error(c, "%s: not UTF-8", a->meta);
	c->pos[c->npos++] = arg;
	return json_object_set_new(c->args, a->key, v) ? -ENOMEM : 0;
}

static int kvnet_parse_arg(struct kvnet_call *c, int argc, char **argv,
			   int *i)
{
	const char *arg = argv[*i];

	if (!c->dashdash && !strcmp(arg, "--")) {
		c->dashdash = true;
		return 0;
	}
	if (!c->dashdash && arg[0] == '-' && arg[1])
		return kvnet_parse_opt(c, argc, argv, i);
	if (!c->cmd)
		return kvnet_parse_word(c, arg);
	return kvnet_parse_pos(c, arg);
}

/* After argv: a command, all its arguments, required options, defaults. */
static int kvnet_parse_check(struct kvnet_call *c)
{
	const struct kvnet_opt *o;

	if (!c->cmd && c->nwords) {
		fprintf(stderr, "kvnet: '%s' needs a subcommand\n",
			c->words[0]);
		kvnet_usage(stderr, c->words[0]);
		return -EINVAL;
	}
	if (!c->cmd) {
		kvnet_usage_error(c, "no command given");
		return -EINVAL;
	}
	if (c->npos < KVNET_MAX_POS && c->cmd->pos[c->npos].key)
		return kvnet_usage_error(c, "missing %s",
					 c->cmd->pos[c->npos].meta);
	for (o = c->cmd->opts; o && o->name; o++) {
		if (json_object_get(c->args, o->key))
			continue;
		if (o->required)
			return kvnet_usage_error(c, "missing --%s %s",
						 o->name, o->meta);
		if (o->type != KVNET_OPT_STR &&
		    json_object_set_new(c->args, o->key,
					json_boolean(o->type ==
						     KVNET_OPT_CLEAR)))
			return -ENOMEM;
	}
	return 0;
}

static int kvnet_parse(struct kvnet_call *c, int argc, char **argv)
{
	int i, r;

	for (i = 1; i < argc; i++) {
		r = kvnet_parse_arg(c, argc, argv, &i);
		if (r)
			return r;
		if (c->cmd && c->cmd->own) {
			c->rest_argc = argc - i - 1;
			c->rest_argv = argv + i + 1;
			return 0;
		}
	}
	return kvnet_parse_check(c);
}

/* ---- talking to kvnetd ------------------------------------------------- */

static int kvnet_fail(const char *msg);

static void kvnet_sock_path(const struct kvnet_call *c, char *buf,
			    size_t len)
{
	const char *dir = c->run_dir;
	size_t n;

	if (!dir || !*dir)
		dir = getenv(KVNET_RUN_DIR_ENV);
	if (!dir || !*dir)
		dir = KVNET_RUN_DIR_DEFAULT;
	n = strlen(dir);
	snprintf(buf, len, "%s%s" KVNET_SOCK_NAME, dir,
		 n && dir[n - 1] == '/' ? "" : "/");
}

/* Sends the request and reads the reply; prints why on failure. */
static int kvnet_exchange(struct kvnet_call *c, const char *path,
			  json_t **reply)
{
	int fd, r, sent;

	fd = cli_client_connect(path, CLI_CLIENT_TIMEOUT_S);
	if (fd == -ETIMEDOUT) {
		fprintf(stderr, "kvnet: kvnetd is busy (its connection queue at %s stayed "
			"full for %d s); try again later\n", path, CLI_CLIENT_TIMEOUT_S);
		return KVNET_EXIT_UNREACHABLE;
	}
	if (fd < 0) {
		fprintf(stderr,
			"kvnet: cannot reach kvnetd at %s: %s (is kvnetd running?)\n",
			path, strerror(-fd));
		return KVNET_EXIT_UNREACHABLE;
	}
	sent = cli_client_send(fd, c->cmd->rpc, json_incref(c->args));
	/* Even when the daemon stopped reading, it may have said why. */
	r = cli_client_recv(fd, reply);
	close(fd);
	if (r == -ETIMEDOUT)
		fprintf(stderr, "kvnet: kvnetd at %s did not answer within %d s\n",
			path, CLI_CLIENT_TIMEOUT_S);
	else if (r == -EBADMSG)
		fprintf(stderr, "kvnet: kvnetd sent a reply that is not a JSON object\n");
	else if (r == -EMSGSIZE)
		fprintf(stderr, "kvnet: kvnetd's reply is larger than %u MiB\n",
			CLI_CLIENT_MAX_REPLY >> 20);
	else if (r == -ECONNRESET && sent < 0)
		fprintf(stderr, "kvnet: cannot send to kvnetd at %s: %s\n",
			path, strerror(-sent));
	else if (r == -ECONNRESET)
		fprintf(stderr, "kvnet: kvnetd at %s closed the connection without answering\n",
			path);
	else if (r < 0)
		fprintf(stderr, "kvnet: reading from kvnetd at %s: %s\n",
			path, strerror(-r));
	return r < 0 ? KVNET_EXIT_FAIL : KVNET_EXIT_OK;
}

/* The daemon's error as "kvnet: <message>". KVNET_EXIT_FAIL, or
 * KVNET_EXIT_UNREACHABLE when kvnetd was too busy to take the request (it
 * did nothing, and trying again later is safe), or KVNET_EXIT_DENIED when
 * only root may send it. */
static int kvnet_daemon_error(const json_t *reply)
{
	const json_t *err = json_object_get(reply, "error");
	const char *msg = json_string_value(json_object_get(err, "message"));
	const char *code = json_string_value(json_object_get(err, "code"));

	if (!msg || !*msg)
		msg = code;
	if (!msg || !*msg)
		msg = "kvnetd reported an error without a message";
	if (code && !strcmp(code, "busy")) {
		fprintf(stderr, "kvnet: kvnetd is busy (%s); try again later\n", msg);
		return KVNET_EXIT_UNREACHABLE;
	}
	fprintf(stderr, "kvnet: %s\n", msg);
	return code && !strcmp(code, "permission") ? KVNET_EXIT_DENIED : KVNET_EXIT_FAIL;
}

static int kvnet_show(const struct kvnet_call *c, const json_t *reply)
{
	const json_t *ok = json_object_get(reply, "ok");
	int r;

	if (!json_is_boolean(ok)) {
		fprintf(stderr, "kvnet: kvnetd's reply has no \"ok\" member\n");
		return KVNET_EXIT_FAIL;
	}
	if (!json_is_true(ok))
		return kvnet_daemon_error(reply);
	r = c->cmd->show(c, json_object_get(reply, "result"));
	if (r == -EBADMSG)
		fprintf(stderr, "kvnet: unexpected result from kvnetd for '%s'\n",
			c->cmd->words);
	else if (r < 0)
		fprintf(stderr, "kvnet: cannot write output: %s\n",
			strerror(-r));
	return r < 0 ? KVNET_EXIT_FAIL : KVNET_EXIT_OK;
}

/* ---- paged listings ---------------------------------------------------- */

/* The entries and the next cursor of one page's result; a kvnetd that
 * does not page sends the whole list (an array) instead. */
static int kvnet_page_parts(const json_t *res, const json_t **entries, const json_t **next)
{
	if (json_is_array(res)) {
		*entries = res;
		*next = NULL;
		return 0;
	}
	*entries = json_object_get(res, "entries");
	*next = json_object_get(res, "next");
	if (!json_is_array(*entries) || (*next && !json_is_string(*next) && !json_is_null(*next)))
		return -EBADMSG;
	return 0;
}

/* One page into rows; *cursor becomes the next page's (a new reference)
 * or NULL after the last. */
static int kvnet_page(struct kvnet_call *c, const char *path, struct cli_rows *rows,
		      json_t **cursor)
{
	const json_t *entries = NULL, *next = NULL;
	json_t *reply = NULL, *res;
	int r;

	if (json_object_set_new(c->args, "limit", json_integer(KVNET_PAGE_LIMIT)) ||
	    (*cursor && json_object_set(c->args, "cursor", *cursor)))
		return kvnet_fail(strerror(ENOMEM));
	r = kvnet_exchange(c, path, &reply);
	if (r == KVNET_EXIT_OK && !json_is_true(json_object_get(reply, "ok")))
		r = json_is_false(json_object_get(reply, "ok")) ? kvnet_daemon_error(reply)
			: kvnet_fail("kvnetd's reply has no \"ok\" member");
	res = json_object_get(reply, "result");
	if (r == KVNET_EXIT_OK && kvnet_page_parts(res, &entries, &next) < 0) {
		fprintf(stderr, "kvnet: unexpected result from kvnetd for '%s'\n", c->cmd->words);
		r = KVNET_EXIT_FAIL;
	}
	if (r == KVNET_EXIT_OK && (r = cli_rows_add(rows, entries)) < 0) {
		fprintf(stderr, "kvnet: cannot write output: %s\n", strerror(-r));
		r = KVNET_EXIT_FAIL;
	}
	json_decref(*cursor);
	*cursor = r == KVNET_EXIT_OK && json_is_string(next) ? json_incref((json_t *)next) : NULL;
	json_decref(reply);
	return r;
}

/* Page after page, one table (or one JSON array). */
static int kvnet_run_pages(struct kvnet_call *c, const char *path)
{
	struct cli_rows *rows;
	json_t *cursor = NULL;
	int r = cli_rows_begin(&c->out, c->cmd->pages, &rows), w;

	if (r < 0)
		return kvnet_fail(strerror(-r));
	do
		r = kvnet_page(c, path, rows, &cursor);
	while (r == KVNET_EXIT_OK && cursor);
	json_decref(cursor);
	w = cli_rows_end(rows, r == KVNET_EXIT_OK);
	if (r == KVNET_EXIT_OK && w < 0) {
		fprintf(stderr, "kvnet: cannot write output: %s\n", strerror(-w));
		r = KVNET_EXIT_FAIL;
	}
	return r;
}

static int kvnet_run(struct kvnet_call *c)
{
	char path[4096];
	json_t *reply = NULL;
	int r;

	if (c->cmd->prepare && c->cmd->prepare(c) < 0)
		return KVNET_EXIT_FAIL;
	kvnet_sock_path(c, path, sizeof(path));
	if (c->cmd->own)
		return c->cmd->own(path, c->out.json, c->rest_argc, c->rest_argv);
	if (c->cmd->pages)
		return kvnet_run_pages(c, path);
	r = kvnet_exchange(c, path, &reply);
	if (r == KVNET_EXIT_OK)
		r = kvnet_show(c, reply);
	json_decref(reply);
	return r;
}

static int kvnet_fail(const char *msg)
{
	fprintf(stderr, "kvnet: %s\n", msg);
	return KVNET_EXIT_FAIL;
}

int main(int argc, char **argv)
{
	struct kvnet_call c = { .out = { .fp = stdout } };
	int r;

	c.args = json_object();
	if (!c.args)
		return kvnet_fail(strerror(ENOMEM));
	r = kvnet_parse(&c, argc, argv);
	if (r == 0)
		r = kvnet_run(&c);
	else if (r > 0)
		r -= 1; /* KVNET_PARSE_EXIT() */
	else if (r == -EINVAL)
		r = KVNET_EXIT_USAGE;
	else
		r = kvnet_fail(strerror(-r));
	json_decref(c.args);
	return r;
}
