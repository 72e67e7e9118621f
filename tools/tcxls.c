// SPDX-License-Identifier: GPL-2.0-only
/* tcxls: list the programs attached at the tcx ingress ("progs") and
 * egress ("egress") of every link of the current network namespace, one
 * JSON object a line:
 *   {"ifindex": 4, "name": "kv-a",
 *    "progs": [{"id": 77, "name": "kvnet_ingress", "xlated": 61024,
 *               "run_time_ns": 0, "run_cnt": 0}],
 *    "egress": []}
 * (run_time_ns and run_cnt count only while BPF statistics are on:
 * tools/bpf_stats_on.py).
 * A test tool: Debian 12's bpftool predates tcx and shows none of them,
 * and the fault-injection test checks what runs independently of kvnetd.
 */
#include <errno.h>
#include <net/if.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <bpf/bpf.h>

#define TCXLS_INGRESS ((enum bpf_attach_type)46) /* BPF_TCX_INGRESS */
#define TCXLS_EGRESS ((enum bpf_attach_type)47)  /* BPF_TCX_EGRESS */
#define TCXLS_MAX 64

static void tcxls_prog(__u32 id, int first)
{
	struct bpf_prog_info info = { 0 };
	__u32 len = sizeof(info);
	int fd = bpf_prog_get_fd_by_id(id);

	if (fd >= 0 && bpf_obj_get_info_by_fd(fd, &info, &len) == 0)
		printf("%s{\"id\": %u, \"name\": \"%s\", \"xlated\": %u, "
		       "\"run_time_ns\": %llu, \"run_cnt\": %llu}", first ? "" : ", ",
		       id, info.name, info.xlated_prog_len,
		       (unsigned long long)info.run_time_ns, (unsigned long long)info.run_cnt);
	else
		printf("%s{\"id\": %u, \"name\": \"\"}", first ? "" : ", ", id);
	if (fd >= 0)
		close(fd);
}

static void tcxls_hook(unsigned ifindex, enum bpf_attach_type type)
{
	__u32 ids[TCXLS_MAX];
	LIBBPF_OPTS(bpf_prog_query_opts, q, .prog_ids = ids, .prog_cnt = TCXLS_MAX);

	if (bpf_prog_query_opts((int)ifindex, type, &q) == 0)
		for (__u32 i = 0; i < q.prog_cnt && i < TCXLS_MAX; i++)
			tcxls_prog(ids[i], i == 0);
}

static void tcxls_link(unsigned ifindex, const char *name)
{
	printf("{\"ifindex\": %u, \"name\": \"%s\", \"progs\": [", ifindex, name);
	tcxls_hook(ifindex, TCXLS_INGRESS);
	printf("], \"egress\": [");
	tcxls_hook(ifindex, TCXLS_EGRESS);
	printf("]}\n");
}

int main(void)
{
	struct if_nameindex *ifs = if_nameindex();

	if (!ifs) {
		perror("tcxls: if_nameindex");
		return 1;
	}
	for (struct if_nameindex *i = ifs; i->if_index; i++)
		tcxls_link(i->if_index, i->if_name);
	if_freenameindex(ifs);
	return 0;
}
