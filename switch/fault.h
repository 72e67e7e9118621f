/* SPDX-License-Identifier: GPL-2.0-only */
/* Fault points for the fault-injection test (tests/integration/
 * test_faults.py). Every step of a request that touches the kernel or a
 * file passes one. They exist only in build/kvnetd-faults, which is built
 * with -DKVNET_FAULTS; in kvnetd they compile to nothing. build/kvnet-faults
 * is the CLI built so, its points the steps of `kvnet vm run`
 * (tests/integration/test_vm_run.py), counted from its start.
 *
 * KVNET_FAULT selects what a point does, counting only the points passed
 * while a control request is being handled (so link events and timers,
 * whose timing varies, never shift the count):
 *   list:FILE  append each point's name to FILE;
 *   kill:N     SIGKILL the daemon at the N-th point (1 is the first);
 *   fail:NAME  make every point NAME that can fail return -EIO.
 */
#ifndef KVNET_FAULT_H
#define KVNET_FAULT_H

#include <stdbool.h>

#ifdef KVNET_FAULTS
/* A step is about to happen. Returns -EIO if it must fail, else 0. */
int fault_point(const char *name);
/* Count points from now (true) or not (false). */
void fault_arm(bool on);
#define FAULT(name) fault_point(name)
#else
static inline int fault_point(const char *name)
{
	(void)name;
	return 0;
}
static inline void fault_arm(bool on)
{
	(void)on;
}
#define FAULT(name) fault_point(name)
#endif

#endif /* KVNET_FAULT_H */
