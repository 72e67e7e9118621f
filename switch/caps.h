/* SPDX-License-Identifier: GPL-2.0-only */
/* The capabilities kvnetd keeps once it is set up (docs/hardening.md):
 * those its requests need at any time (netlink and tcx, BPF maps,
 * programs and tracing, raw sockets, ports 53 and 67, other network
 * namespaces) and those its sandboxed child needs to confine itself
 * (a mount namespace, chroot, an unprivileged user). Everything else goes,
 * from the bounding set too, so no program kvnetd ever runs gets it back. */
#ifndef KVNET_CAPS_H
#define KVNET_CAPS_H

#include "switch/error.h"

/* Drop every capability but the kept ones from the effective, permitted,
 * inheritable and ambient sets, and (when kvnetd may: CAP_SETPCAP) from
 * the bounding set; logs what it kept. Returns 0, or -errno with e set. */
int caps_drop(struct kv_error *e);

#endif /* KVNET_CAPS_H */
