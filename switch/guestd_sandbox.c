// SPDX-License-Identifier: GPL-2.0-only
/* The sandbox of kvnetd --guestd (see guestd.h), entered once, before
 * the first message is read. Order matters: namespaces and the empty
 * root while still privileged (CAP_SYS_ADMIN, CAP_SYS_CHROOT), then the
 * ids (CAP_SETUID, CAP_SETGID: with them every capability goes), then
 * no_new_privs and seccomp, which forbids all of the above from then on.
 *
 * The seccomp filter (libseccomp) kills the process on any system call
 * not listed: I/O on its socket only (and writes to stderr, its log),
 * memory without PROT_EXEC, the clock, and what abort() and exit need.
 * No open, no socket, no exec: a parser taken over by a guest can
 * write to kvnetd what kvnetd already checks, and nothing else.
 */
#include <errno.h>
#include <sched.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <cap-ng.h>
#include <seccomp.h>

#include "switch/guestd_int.h"

#define GUESTD_FAIL(err, errlen, what) \
	(snprintf(err, errlen, "%s: %s", what, strerror(errno)), -errno)

/* A root that is an empty, read-only tmpfs, in a mount namespace of our
 * own; the host's tree is detached from it (pivot_root). */
static int guestd_empty_root(char *err, size_t errlen)
{
	if (unshare(CLONE_NEWNS | CLONE_NEWNET) < 0)
		return GUESTD_FAIL(err, errlen, "unshare");
	if (mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0)
		return GUESTD_FAIL(err, errlen, "making mounts private");
	if (mount("kvnet-empty", "/tmp", "tmpfs", MS_NOSUID | MS_NODEV | MS_NOEXEC | MS_RDONLY,
		  "size=4k,nr_inodes=1,mode=0555") < 0)
		return GUESTD_FAIL(err, errlen, "mounting an empty tmpfs");
	if (chdir("/tmp") < 0)
		return GUESTD_FAIL(err, errlen, "chdir to the empty root");
	if (syscall(SYS_pivot_root, ".", ".") < 0)
		return GUESTD_FAIL(err, errlen, "pivot_root");
	if (umount2(".", MNT_DETACH) < 0)
		return GUESTD_FAIL(err, errlen, "detaching the host's tree");
	if (chdir("/") < 0)
		return GUESTD_FAIL(err, errlen, "chdir /");
	return 0;
}

/* setgroups(0), setgid, setuid; then check that no capability is left
 * in any set, and that it cannot be had back. */
static int guestd_ids(uid_t uid, gid_t gid, char *err, size_t errlen)
{
	int flags = CAPNG_DROP_SUPP_GRP;

	capng_get_caps_process();
	if (capng_have_capability(CAPNG_EFFECTIVE, CAP_SETPCAP))
		flags |= CAPNG_CLEAR_BOUNDING;
	capng_clear(CAPNG_SELECT_BOTH);
	if (capng_change_id((int)uid, (int)gid, flags) < 0)
		return snprintf(err, errlen, "cannot become uid %u gid %u", (unsigned)uid,
				(unsigned)gid), -EPERM;
	capng_get_caps_process();
	if (capng_have_capabilities(CAPNG_SELECT_CAPS) != CAPNG_NONE)
		return snprintf(err, errlen, "capabilities left after setuid"), -EPERM;
	if (getuid() != uid || geteuid() != uid || getgid() != gid || getegid() != gid ||
	    setuid(0) == 0)
		return snprintf(err, errlen, "ids not all changed"), -EPERM;
	return 0;
}

static int guestd_allow(scmp_filter_ctx f, int nr)
{
	return seccomp_rule_add(f, SCMP_ACT_ALLOW, nr, 0);
}

/* nr, on fd only. */
static int guestd_allow_fd(scmp_filter_ctx f, int nr, int fd)
{
	return seccomp_rule_add(f, SCMP_ACT_ALLOW, nr, 1, SCMP_A0(SCMP_CMP_EQ, (scmp_datum_t)fd));
}

/* nr, without PROT_EXEC in argument prot_arg. */
static int guestd_allow_noexec(scmp_filter_ctx f, int nr, unsigned prot_arg)
{
	struct scmp_arg_cmp c = { prot_arg, SCMP_CMP_MASKED_EQ, PROT_EXEC, 0 };

	return seccomp_rule_add_array(f, SCMP_ACT_ALLOW, nr, 1, &c);
}

static int guestd_rules(scmp_filter_ctx f, int fd)
{
	static const int plain[] = {
		SCMP_SYS(exit), SCMP_SYS(exit_group), SCMP_SYS(brk), SCMP_SYS(munmap),
		SCMP_SYS(mremap), SCMP_SYS(madvise), SCMP_SYS(clock_gettime),
		SCMP_SYS(gettimeofday), SCMP_SYS(rt_sigreturn), SCMP_SYS(rt_sigprocmask),
		/* abort(): raise(SIGABRT) */
		SCMP_SYS(getpid), SCMP_SYS(gettid), SCMP_SYS(tgkill), SCMP_SYS(getrandom),
	};
	static const int on_fd[] = {
		SCMP_SYS(read), SCMP_SYS(recvfrom), SCMP_SYS(recvmsg), SCMP_SYS(sendto),
		SCMP_SYS(sendmsg), SCMP_SYS(write),
	};
	int ret = 0;

	for (size_t i = 0; !ret && i < sizeof(plain) / sizeof(*plain); i++)
		ret = guestd_allow(f, plain[i]);
	for (size_t i = 0; !ret && i < sizeof(on_fd) / sizeof(*on_fd); i++)
		ret = guestd_allow_fd(f, on_fd[i], fd);
	if (!ret) /* the log */
		ret = guestd_allow_fd(f, SCMP_SYS(write), STDERR_FILENO);
	if (!ret)
		ret = guestd_allow_noexec(f, SCMP_SYS(mmap), 2);
	if (!ret)
		ret = guestd_allow_noexec(f, SCMP_SYS(mprotect), 2);
	return ret;
}

static int guestd_seccomp(int fd, char *err, size_t errlen)
{
	scmp_filter_ctx f = seccomp_init(SCMP_ACT_KILL_PROCESS);
	int ret;

	if (!f)
		return snprintf(err, errlen, "seccomp_init failed"), -ENOMEM;
	ret = guestd_rules(f, fd);
	if (!ret)
		ret = seccomp_load(f);
	seccomp_release(f);
	if (ret < 0)
		return snprintf(err, errlen, "seccomp: %s", strerror(-ret)), ret;
	return 0;
}

int guestd_sandbox(int fd, uid_t uid, gid_t gid, char *err, size_t errlen)
{
	int ret = guestd_empty_root(err, errlen);

	if (!ret)
		ret = guestd_ids(uid, gid, err, errlen);
	if (!ret && prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
		ret = GUESTD_FAIL(err, errlen, "no_new_privs");
	if (!ret)
		ret = guestd_seccomp(fd, err, errlen);
	return ret;
}
