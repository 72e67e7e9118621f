/* SPDX-License-Identifier: GPL-2.0-only */
/* map_versions: ARRAY of KVNET_MAPID_SLOTS __u32, the version of each map
 * this datapath runs with (enum kvnet_map_id, KVNET_MAPVER_*). The program
 * never reads it; the daemon binds it to the program (BPF_PROG_BIND_MAP)
 * so that a restarted daemon finds it among the program's maps and adopts
 * each other map only if it shares its version. Its own layout never
 * changes.
 */
#ifndef KVNET_LIB_VERSIONS_H
#define KVNET_LIB_VERSIONS_H

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, KVNET_MAPID_SLOTS);
	__type(key, __u32);
	__type(value, __u32);
} map_versions SEC(".maps");

#endif /* KVNET_LIB_VERSIONS_H */
