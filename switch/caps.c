// SPDX-License-Identifier: GPL-2.0-only
/* kvnetd gives up what it does not need (see caps.h): once its sockets
 * are open and bpffs is mounted, it keeps only the capabilities listed in
 * caps_kept[], each with the reason it stays, through libcap-ng. The list
 * and docs/hardening.md (and the unit's CapabilityBoundingSet=) go
 * together. */
#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <cap-ng.h>
#include <linux/capability.h>

#include "switch/caps.h"
#include "switch/log.h"

static const unsigned caps_kept[] = {
	/* links, addresses, routes over netlink; tcx attach; tap devices
	 * (TUNSETIFF); a gateway's /proc/sys/net/ipv6 knobs */
	CAP_NET_ADMIN,
	/* AF_PACKET sockets: punted frames, DHCP's ARP probe, injection;
	 * SO_BINDTODEVICE for DHCP and DNS */
	CAP_NET_RAW,
	/* DNS on port 53 and DHCP on 67 of each network started */
	CAP_NET_BIND_SERVICE,
	/* BPF maps and programs of every network started */
	CAP_BPF,
	/* `kvnet trace`: tp_btf programs, reading kernel memory */
	CAP_PERFMON,
	/* setns() into another network namespace (a port that moved there);
	 * and, by agreement, the sandboxed child's unshare(CLONE_NEWNS) and
	 * mounts in it */
	CAP_SYS_ADMIN,
	/* opening /proc/PID/ns/net of a process with more capabilities than
	 * kvnetd's (ptrace access mode), to find the namespace a port moved to */
	CAP_SYS_PTRACE,
	/* the sandboxed child, by agreement: it chroots and becomes an
	 * unprivileged user and group */
	CAP_SYS_CHROOT,
	CAP_SETUID,
	CAP_SETGID,
	/* killing the sandboxed child, which runs as another user, when it
	 * sends what it must not or stops answering (a parser that loops) */
	CAP_KILL,
};

#define CAPS_NKEPT (sizeof(caps_kept) / sizeof(*caps_kept))

/* The kept set, in effective and permitted (and bounding, if bounds). */
static int caps_build(bool bounds)
{
	capng_type_t type = CAPNG_EFFECTIVE | CAPNG_PERMITTED;

	capng_clear(bounds ? CAPNG_SELECT_ALL : CAPNG_SELECT_CAPS);
	if (bounds)
		type |= CAPNG_BOUNDING_SET;
	for (size_t i = 0; i < CAPS_NKEPT; i++)
		if (capng_update(CAPNG_ADD, type, caps_kept[i]) < 0)
			return -EINVAL;
	return 0;
}

static void caps_log(bool bounds)
{
	char *text;

	capng_get_caps_process();
	text = capng_print_caps_text(CAPNG_PRINT_BUFFER, CAPNG_EFFECTIVE);
	log_info("capabilities kept: %s%s", text ? text : "?",
		 bounds ? "" : " (bounding set unchanged: no CAP_SETPCAP)");
	free(text);
}

int caps_drop(struct kv_error *e)
{
	bool bounds;
	int ret;

	if (capng_get_caps_process() < 0)
		return kv_fail(e, KV_ERR_SYSTEM, -EIO, "cannot read kvnetd's capabilities");
	/* dropping from the bounding set needs CAP_SETPCAP, which goes too;
	 * without it (not started as root) the rest is still dropped */
	bounds = capng_have_capability(CAPNG_EFFECTIVE, CAP_SETPCAP);
	ret = caps_build(bounds);
	if (ret == 0)
		ret = capng_apply(bounds ? CAPNG_SELECT_ALL : CAPNG_SELECT_CAPS);
	if (ret < 0)
		return kv_fail(e, KV_ERR_SYSTEM, -EPERM,
			       "cannot drop capabilities (libcap-ng error %d)", ret);
	caps_log(bounds);
	return 0;
}
