/* SPDX-License-Identifier: GPL-2.0-only */
/* Internals of the sandboxed child (guestd_child.c, guestd_sandbox.c). */
#ifndef KVNET_GUESTD_INT_H
#define KVNET_GUESTD_INT_H

#include <stddef.h>
#include <sys/types.h>

/* Enter the sandbox: an empty mount namespace and a network namespace of
 * its own, uid/gid (no supplementary groups, no capability: verified),
 * no_new_privs, the seccomp allow-list for talking over fd. -errno with
 * what failed in err. */
int guestd_sandbox(int fd, uid_t uid, gid_t gid, char *err, size_t errlen);

#endif /* KVNET_GUESTD_INT_H */
