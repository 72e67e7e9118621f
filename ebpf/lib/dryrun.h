/* SPDX-License-Identifier: GPL-2.0-only */
/* Dry runs (`kvnet trace --inject`, switch/dp_ebpf_inject.c): kvnetd
 * loads this same program a second time, with kvnet_dry_run set, over
 * copies of the network's maps, and runs it on a crafted frame with
 * BPF_PROG_TEST_RUN. Such a copy follows every frame it is given (a trace
 * of its own, slot KVNET_TRACE_DRY), and sends no clone anywhere: a
 * redirect is only a verdict under BPF_PROG_TEST_RUN, but a clone would
 * leave at once. Its map writes land in the copies, so the network's
 * state is untouched.
 *
 * The flag is read-only data, frozen when the program loads: the verifier
 * drops the branches of the other value, so the running datapath carries
 * none of this.
 */
#ifndef KVNET_LIB_DRYRUN_H
#define KVNET_LIB_DRYRUN_H

const volatile __u32 kvnet_dry_run = 0;

#endif /* KVNET_LIB_DRYRUN_H */
