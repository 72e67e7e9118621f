/* SPDX-License-Identifier: GPL-2.0-only */
/* Internals of the daemon-wide NAT datapath (dp_nat*.c): the handle. */
#ifndef KVNET_DP_NAT_INT_H
#define KVNET_DP_NAT_INT_H

#include <limits.h>
#include <stdbool.h>

#include "switch/dp_nat.h"

struct uplink_bpf;

struct dp_nat {
	struct uplink_bpf *skel;
	int prog_fd;
	int fd[DPN_COUNT];
	char pin_dir[PATH_MAX]; /* "" when pinning is not possible */
	bool adopted;		/* took over the maps of a kvnetd that ran */
	/* the ageing sweep's place: the next key to read */
	struct kvnet_ct_key gc_next;
	bool gc_resume;
};

#endif /* KVNET_DP_NAT_INT_H */
