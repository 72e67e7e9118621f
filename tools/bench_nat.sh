# SPDX-License-Identifier: GPL-2.0-only
# shellcheck shell=bash disable=SC2154 # globals of tools/bench.sh, which sources this
# The NAT part of `make bench`, sourced by tools/bench.sh (whose helpers it
# uses: track/untrack, poll, median, calc, jget, fmt, newns, log, die).
#
# A guest namespace behind a veth port of a host namespace, whose uplink
# veth leads to an upstream namespace that has no route back to the guest
# subnet: the guest reaches it only through the host's uplink address.
# Sides, each in namespaces of its own, measured in turn run by run:
#   kvnet    kvnetd in the host namespace with a NAT network on the uplink
#            (`kvnet net create --mode nat`); nat_kvnet_up below is all of
#            kvnet's part, and the check that its NAT works at all;
#   libvirt  what libvirt builds for <forward mode='nat'>: a bridge holding
#            the gateway address with the guest's port enslaved, ip_forward
#            on (in that namespace), and libvirt's nftables rules:
#            masquerade of the guest subnet out of the uplink, ports
#            1024-65535, conntrack;
#   bare-tc, bare-xdp  the same frames rewritten by ebpf/bench_rewrite.bpf.c
#            (build/bench_rewrite) on the guest's host-side veth, tcx
#            ingress or XDP, straight to the uplink: addresses and
#            checksums only, no lookup, no state. The ceiling of each hook.
#            For connections/s, bare-tc also undoes the rewrite on the
#            uplink's tcx ingress (a stateless two-way NAT for the one
#            guest); XDP cannot, see ebpf/bench_rewrite.bpf.c;
#   direct   for connections/s only: the guest and the upstream on one
#            veth, nothing between them. What the guest's and the
#            upstream's own TCP work allows, the ceiling of any path.
# Metrics: 64-byte UDP from build/pktgen in the guest over 1024 flows (the
# source port runs over 1024 values), counted and dropped by build/pktsink
# at the upstream's first touch (all four sides); one iperf3 TCP stream
# guest -> upstream; new TCP connections per second guest -> upstream from
# build/connrate (connects in flight, each closed with an RST at once so
# that no TIME_WAIT bounds the guest; tcp_tw_reuse on in the guest too).
#
# Settings: KVNET_BENCH_CONN_SECS (3), KVNET_BENCH_CONN_CLIENTS (64: in
# flight); the UDP and TCP runs use KVNET_BENCH_PPS_SECS and _TCP_SECS.

conn_secs=${KVNET_BENCH_CONN_SECS:-3}
conn_clients=${KVNET_BENCH_CONN_CLIENTS:-64}

nat_sides=(kvnet libvirt)
nat_bare=(bare-tc bare-xdp)
nat_pps_order=(kvnet bare-tc libvirt bare-xdp)
nat_conn_ceiling=direct
nat_net=10.78.0.0/24
nat_gw=10.78.0.1
nat_guest=10.78.0.11 nat_guest_mac=52:54:00:78:00:11
nat_uplink_ip=10.79.0.1 nat_uplink_mac=52:54:00:79:00:01
nat_up_ip=10.79.0.2 nat_up_mac=52:54:00:79:00:02
nat_conn_port=5300
nat_kvnet_why=
# "label<TAB>unit" per row; values per row and side in nat_vals.
nat_rows=()
declare -A nat_vals=()
# The MAC the guest's frames go to, per side.
declare -A nat_gw_mac=()

# The namespaces of a side (bare-tc and bare-xdp share "bare"): g, host, up.
nat_ns() { echo "$tag-nat-${1%%-*}-$2"; }
ninns() { local n; n=$(nat_ns "$1" "$2"); shift 2; ip netns exec "$n" "$@"; }
# For background jobs, as bginns: $! is the command itself.
nbginns() { local n; n=$(nat_ns "$1" "$2"); shift 2; exec ip netns exec "$n" "$@"; }

# The host-side port of the guest on each side.
nat_port() {
	case $1 in
	kvnet) echo kvp1 ;;
	libvirt) echo vnet0 ;;
	*) echo bp1 ;;
	esac
}

# nat_topology SIDE: guest, host and upstream namespaces and their veths.
nat_topology() {
	local side=$1 g h u port
	g=$(nat_ns "$side" g) h=$(nat_ns "$side" host) u=$(nat_ns "$side" up)
	port=$(nat_port "$side")
	newns "$g"
	newns "$h"
	newns "$u"
	ip -n "$h" link add "$port" type veth peer name eth0 netns "$g"
	ip -n "$g" link set eth0 address "$nat_guest_mac"
	ip -n "$g" addr add "$nat_guest/24" dev eth0
	ip -n "$g" link set eth0 up
	ip -n "$g" route add default via "$nat_gw"
	ip netns exec "$g" sysctl -qw net.ipv4.tcp_tw_reuse=1
	ip -n "$h" link set "$port" up
	ip -n "$h" link add up0 type veth peer name eth0 netns "$u"
	ip -n "$h" link set up0 address "$nat_uplink_mac"
	ip -n "$h" addr add "$nat_uplink_ip/24" dev up0
	ip -n "$h" link set up0 up
	ip -n "$h" route add default via "$nat_up_ip"
	ip -n "$u" link set eth0 address "$nat_up_mac"
	ip -n "$u" addr add "$nat_up_ip/24" dev eth0
	ip -n "$u" link set eth0 up
	ip netns exec "$u" sysctl -qw net.core.somaxconn=4096
}

# The direct side: guest and upstream namespaces on one veth (the guest
# at .11 of the upstream's subnet).
nat_direct_topology() {
	local g u
	g=$(nat_ns direct g) u=$(nat_ns direct up)
	newns "$g"
	newns "$u"
	ip -n "$g" link add eth0 type veth peer name eth0 netns "$u"
	ip -n "$g" addr add "${nat_up_ip%.*}.11/24" dev eth0
	ip -n "$g" link set eth0 up
	ip netns exec "$g" sysctl -qw net.ipv4.tcp_tw_reuse=1
	ip -n "$u" addr add "$nat_up_ip/24" dev eth0
	ip -n "$u" link set eth0 up
	ip netns exec "$u" sysctl -qw net.core.somaxconn=4096
	poll 50 ninns direct g ping -c 1 -W 1 "$nat_up_ip" ||
		die "direct: the guest cannot reach the upstream on its own veth"
}

# kvnet's CLI against the NAT side's kvnetd.
kvn() { ninns kvnet host "$bin/kvnet" --run-dir "$work/nat/run" "$@"; }

# nat_kvnet_up: kvnetd in the kvnet side's host namespace running a NAT
# network "nb" on the uplink, the guest's veth a port of it. Returns
# non-zero with the reason in $nat_kvnet_why if kvnet refuses; this and
# nat_check are what to run when the NAT datapath changes.
nat_kvnet_up() {
	local h err=$work/nat/kvnet.err
	h=$(nat_ns kvnet host)
	mkdir -p "$work/nat"
	ip netns exec "$h" "$bin/kvnetd" --state-dir "$work/nat/state" \
		--run-dir "$work/nat/run" --bpffs "$work/nat/bpffs" \
		>"$work/nat/kvnetd.log" 2>&1 &
	track $!
	echo $! >"$work/nat/kvnetd.pid" # tools/bench_trace.sh restarts it
	poll 100 kvn net list || die "kvnet NAT: kvnetd did not come up: $(tail -3 "$work/nat/kvnetd.log")"
	if ! kvn net create nb --mode nat --subnet "$nat_net" --uplink up0 >/dev/null 2>"$err" ||
		! kvn net start nb >/dev/null 2>>"$err" ||
		! kvn port add nb "$(nat_port kvnet)" >/dev/null 2>>"$err"; then
		nat_kvnet_why=$(tr '\n' ' ' <"$err")
		return 1
	fi
}

# The libvirt side's rules, as libvirt's nftables backend writes them for
# <forward mode='nat' dev='up0'> on bridge virbr0 with $nat_net: guest
# traffic out of the uplink accepted, replies back in only for tracked
# connections, traffic between guests accepted, anything else to or from
# the bridge rejected; masquerade of the subnet, TCP and UDP to ports
# 1024-65535, except to multicast and broadcast.
nat_libvirt_rules() {
	cat <<-NFT
	table ip libvirt_network {
		chain forward {
			type filter hook forward priority filter; policy accept;
			counter jump guest_cross
			counter jump guest_input
			counter jump guest_output
		}
		chain guest_output {
			ip saddr $nat_net iif "virbr0" oif "up0" counter accept
			iif "virbr0" counter reject
		}
		chain guest_input {
			iif "up0" oif "virbr0" ip daddr $nat_net ct state related,established counter accept
			oif "virbr0" counter reject
		}
		chain guest_cross {
			iif "virbr0" oif "virbr0" counter accept
		}
		chain guest_nat {
			type nat hook postrouting priority srcnat; policy accept;
			ip saddr $nat_net ip daddr 224.0.0.0/24 counter return
			ip saddr $nat_net ip daddr 255.255.255.255 counter return
			meta l4proto tcp ip saddr $nat_net ip daddr != $nat_net oif "up0" counter masquerade to :1024-65535
			meta l4proto udp ip saddr $nat_net ip daddr != $nat_net oif "up0" counter masquerade to :1024-65535
			ip saddr $nat_net ip daddr != $nat_net oif "up0" counter masquerade
		}
	}
	NFT
}

nat_libvirt_up() {
	local h
	h=$(nat_ns libvirt host)
	ip -n "$h" link add virbr0 type bridge
	ip -n "$h" addr add "$nat_gw/24" dev virbr0
	ip -n "$h" link set virbr0 up
	ip -n "$h" link set vnet0 master virbr0
	ip netns exec "$h" sysctl -qw net.ipv4.ip_forward=1
	nat_libvirt_rules >"$work/nat/libvirt.nft"
	ip netns exec "$h" nft -f "$work/nat/libvirt.nft"
}

# nat_check SIDE: the guest reaches the upstream (which has no route back
# to the guest subnet, so the replies prove the source was translated),
# and the MAC it sends to is noted for the generator.
nat_check() {
	local side=$1
	poll 50 ninns "$side" g ping -c 1 -W 1 "$nat_up_ip" ||
		die "$side: the guest cannot reach the upstream through NAT"
	nat_gw_mac[$side]=$(ninns "$side" g ip neigh show "$nat_gw" dev eth0 |
		awk '{ for (i = 1; i < NF; i++) if ($i == "lladdr") print $(i + 1) }')
	[ -n "${nat_gw_mac[$side]}" ] || die "$side: the guest has no MAC for $nat_gw"
}

# The upstream's connection listener, one per side, up for the whole part.
nat_listener() {
	local side=$1
	nbginns "$side" up "$bin/connrate" --listen "$nat_up_ip:$nat_conn_port" \
		>"$work/nat/listen-$side.out" 2>&1 &
	track $!
	poll 100 nat_listening "$side" up "$nat_conn_port" ||
		die "$side: connrate did not listen"
}

# nat_listening SIDE NS PORT
nat_listening() { ninns "$1" "$2" ss -Hltn "sport = :$3" | grep -q .; }

nat_setup() {
	local s
	mkdir -p "$work/nat"
	nat_topology kvnet
	nat_topology libvirt
	nat_topology bare
	if ! nat_kvnet_up; then
		log "kvnet NAT: not available in this build ($nat_kvnet_why)"
		nat_sides=(libvirt)
		nat_pps_order=(libvirt bare-tc bare-xdp)
	fi
	nat_libvirt_up
	for s in "${nat_sides[@]}"; do
		nat_check "$s"
		nat_listener "$s"
	done
	nat_direct_topology
	nat_listener "$nat_conn_ceiling"
	# The bare sides' frames go to the host-side port, whatever its MAC.
	nat_gw_mac[bare-tc]=$(ip -n "$(nat_ns bare host)" -br link show bp1 | awk '{ print $3 }')
	nat_gw_mac[bare-xdp]=${nat_gw_mac[bare-tc]}
	# For bare-tc's connections: the guest's gateway is bp1 itself.
	ninns bare g ip neigh replace "$nat_gw" lladdr "${nat_gw_mac[bare-tc]}" dev eth0 nud permanent
	nat_listener bare-tc
}

# ---- measurements ------------------------------------------------------

# nat_sink_hook SIDE: where pktsink counts: skbs on the tc hook,
# xdp_frames on XDP (a veth takes redirected xdp_frames only with an XDP
# program on). kvnet's hook is the one nat_kvnet_probe found its frames on.
nat_kvnet_hook=tc
nat_sink_hook() {
	case $1 in
	libvirt | bare-tc) echo tc ;;
	bare-xdp) echo xdp ;;
	kvnet) echo "$nat_kvnet_hook" ;;
	esac
}

# nat_kvnet_probe: a short burst through kvnet's NAT counted on the tc hook
# alone. An XDP program on a veth sees skbs too, so it cannot tell what
# kvnet hands over; without one, the veth drops xdp_frames. So kvnet is
# measured on tc if the burst arrived, else on XDP.
nat_kvnet_probe() {
	local out=$work/nat/probe.json ready=$work/nat/probe.ready sp
	rm -f "$ready"
	nbginns kvnet up "$bin/pktsink" --dev eth0 --hook tc --wait 3 --warmup 0 \
		--duration 0.5 --ready-file "$ready" --json >"$out" 2>/dev/null &
	sp=$!
	track "$sp"
	poll 100 test -e "$ready" || die "kvnet: pktsink did not attach"
	ninns kvnet g "$bin/pktgen" --dev eth0 --dst-mac "${nat_gw_mac[kvnet]}" \
		--dst-ip "$nat_up_ip" --sport 10000 --flows 1024 --duration 1 >/dev/null
	wait "$sp" || nat_kvnet_hook=xdp
	untrack "$sp"
	log "kvnet NAT: its frames reach the upstream as $([ $nat_kvnet_hook = xdp ] &&
		echo xdp_frames || echo skbs)"
}

# nat_rewrite_start SIDE [ARGS]: for a bare side, its program on bp1 (with
# bench_rewrite's extra ARGS); prints the loader's PID.
nat_rewrite_start() {
	local side=$1 ready=$work/nat/rw.ready p
	shift
	rm -f "$ready"
	nbginns "$side" host "$bin/bench_rewrite" --dev bp1 --to up0 --hook "${side#bare-}" \
		--dst-mac "$nat_up_mac" --ready-file "$ready" "$@" >"$work/nat/rw.out" 2>&1 &
	p=$!
	track "$p"
	poll 100 test -e "$ready" || die "$side: bench_rewrite did not attach: $(cat "$work/nat/rw.out")"
	echo "$p"
}

# nat_pps_once SIDE: one generator run; prints the sink's packets per second.
nat_pps_once() {
	local side=$1 ready=$work/nat/sink.ready out=$work/nat/sink.json sp rp=
	case $side in bare-*) rp=$(nat_rewrite_start "$side") ;; esac
	rm -f "$ready"
	nbginns "$side" up "$bin/pktsink" --dev eth0 --hook "$(nat_sink_hook "$side")" \
		--wait 10 --warmup 0.5 --duration "$pps_secs" --ready-file "$ready" \
		--json >"$out" &
	sp=$!
	track "$sp"
	poll 100 test -e "$ready" || die "$side: pktsink did not attach"
	ninns "$side" g "$bin/pktgen" --dev eth0 --dst-mac "${nat_gw_mac[$side]}" \
		--dst-ip "$nat_up_ip" --sport 10000 --flows 1024 --cpu "$gen_cpu" \
		--duration "$(calc "$pps_secs + 1.5")" --json >"$work/nat/gen.json"
	wait "$sp" || die "$side: pktsink failed (no NATed frame reached the upstream?)"
	untrack "$sp"
	[ -z "$rp" ] || nat_rewrite_stop "$rp"
	jget "$out" "j['pps']"
}

# nat_tcp_once SIDE: one iperf3 run guest -> upstream; prints bit/s.
nat_tcp_once() {
	local side=$1 sp
	nbginns "$side" up iperf3 -s -1 -B "$nat_up_ip" >/dev/null 2>&1 &
	sp=$!
	track "$sp"
	poll 100 nat_listening "$side" up 5201 || die "$side: iperf3 server did not listen"
	# shellcheck disable=SC2086 # two words
	ninns "$side" g timeout $((tcp_secs + 30)) iperf3 -c "$nat_up_ip" -t "$tcp_secs" -O 1 -J \
		$iperf_cpus >"$work/nat/iperf.json" || die "$side: iperf3 through NAT failed"
	wait "$sp" || true
	untrack "$sp"
	jget "$work/nat/iperf.json" "j['end']['sum_received']['bits_per_second']"
}

# nat_rewrite_stop PID: stops a bare side's loader.
nat_rewrite_stop() {
	kill "$1"
	wait "$1" 2>/dev/null || true
	untrack "$1"
}

# nat_conn_once SIDE: one connrate run guest -> upstream; prints conn/s.
nat_conn_once() {
	local side=$1 rp=
	if [ "$side" = bare-tc ]; then
		rp=$(nat_rewrite_start "$side" --guest-ip "$nat_guest" --guest-mac "$nat_guest_mac")
	fi
	nat_conn_run "$side"
	[ -z "$rp" ] || nat_rewrite_stop "$rp"
}

# nat_conn_run SIDE: connrate itself, for nat_conn_once.
nat_conn_run() {
	local side=$1 out=$work/nat/conn.json
	ninns "$side" g timeout $((conn_secs + 30)) "$bin/connrate" \
		--connect "$nat_up_ip:$nat_conn_port" --clients "$conn_clients" \
		--duration "$conn_secs" --json >"$out" || die "$side: connrate failed"
	jget "$out" "j['rate']"
	[ "$(jget "$out" "int(j['failed'] > j['connections'] / 100)")" = 0 ] ||
		log "$side: $(jget "$out" "'%d of %d connects failed (%s)' % (j['failed'], j['failed'] + j['connections'], j['last_error'])")"
}

# nat_measure FN LABEL UNIT SIDE...: FN for each side in turn, $runs times.
nat_measure() {
	local fn=$1 label=$2 unit=$3 i side v
	shift 3
	nat_rows+=("$label	$unit")
	for ((i = 1; i <= runs; i++)); do
		for side in "$@"; do
			v=$("$fn" "$side")
			nat_vals[$label|$side]+="$v "
		done
		log "nat: $label: run $i/$runs done"
	done
}

bench_nat() {
	local p
	nat_setup
	# The generator's xdp_frames enter the host-side ports as skbs only
	# with GRO on (veth.c): on at every side's port alike, for UDP only.
	for p in kvnet libvirt bare; do
		ninns "$p" host ethtool -K "$(nat_port "$p")" gro on >/dev/null
	done
	if [ "${nat_sides[0]}" = kvnet ]; then nat_kvnet_probe; fi
	# kvnet and the bare rewrite on its hook back to back in every run:
	# this machine's speed moves by a third from one minute to the next,
	# and a share is only as good as the moment its two rates share
	nat_measure nat_pps_once "UDP 64B, 1024 flows" pps "${nat_pps_order[@]}"
	for p in kvnet libvirt bare; do
		ninns "$p" host ethtool -K "$(nat_port "$p")" gro off >/dev/null
	done
	nat_measure nat_tcp_once "TCP, 1 stream" bit/s "${nat_sides[@]}"
	nat_measure nat_conn_once "TCP connections" conn/s "${nat_sides[@]}" bare-tc \
		"$nat_conn_ceiling"
}

# ---- output ------------------------------------------------------------

# nat_med LABEL SIDE: the median, or empty if the side was not measured.
nat_med() {
	local v=${nat_vals[$1|$2]:-}
	if [ -n "$v" ]; then echo "$v" | median; fi
}

# nat_ratio A B: A / B, or n/a.
nat_ratio() { if [ -n "$1" ] && [ -n "$2" ]; then calc "$1 / $2" %.2f; else echo n/a; fi; }
# nat_pct A B: A as a percentage of B, or n/a.
nat_pct() { if [ -n "$1" ] && [ -n "$2" ]; then calc "100.0 * $1 / $2" %.1f%%; else echo n/a; fi; }

# nat_run_shares LABEL A B: A as a percentage of B in each run, and the
# median of those.
nat_run_shares() {
	local -a a b
	local i pct all=""
	read -r -a a <<<"${nat_vals[$1|$2]:-}"
	read -r -a b <<<"${nat_vals[$1|$3]:-}"
	for ((i = 0; i < ${#a[@]} && i < ${#b[@]}; i++)); do
		pct=$(calc "100.0 * ${a[i]} / ${b[i]}" %.1f)
		all+="$pct "
		printf '%s%% ' "$pct"
	done
	[ -z "$all" ] || printf '(median %s%%)' "$(calc "$(echo "$all" | median)" %.1f)"
}

nat_fmt() { if [ -n "$2" ]; then fmt "$1" "$2"; else echo n/a; fi; }

print_nat_table() {
	local r label unit kv lv target side b
	local -A targets=([pps]=">= 3.00" [bit/s]=">= 1.00" [conn/s]=">= 1.50")
	printf '\nNAT, guest -> upstream through the host: median of %s runs\n' "$runs"
	printf '%-22s %14s %14s %15s %8s\n' "" kvnet libvirt-like kvnet/libvirt target
	for r in "${nat_rows[@]}"; do
		IFS=$'\t' read -r label unit <<<"$r"
		kv=$(nat_med "$label" kvnet)
		lv=$(nat_med "$label" libvirt)
		target=${targets[$unit]}
		printf '%-22s %14s %14s %15s %8s\n' "$label" "$(nat_fmt "$unit" "$kv")" \
			"$(nat_fmt "$unit" "$lv")" "$(nat_ratio "$kv" "$lv")" "$target"
	done
	label="UDP 64B, 1024 flows"
	kv=$(nat_med "$label" kvnet)
	lv=$(nat_med "$label" libvirt)
	printf '\nbare rewrite (no lookup, no state), %s:\n' "$label"
	printf '%-22s %14s %14s %15s\n' "" rate "kvnet share" "libvirt share"
	for side in "${nat_bare[@]}"; do
		b=$(nat_med "$label" "$side")
		printf '%-22s %14s %14s %15s\n' "  ${side#bare-} ceiling" "$(nat_fmt pps "$b")" \
			"$(nat_pct "$kv" "$b")" "$(nat_pct "$lv" "$b")"
	done
	printf 'kvnet share of the tc ceiling in each run (measured back to back):\n  %s\n' \
		"$(nat_run_shares "$label" kvnet bare-tc)"
	print_nat_conn_ceiling
	print_nat_details
}

# The connections/s ceilings: the bare two-way rewrite on tc (the hook's),
# and guest and upstream on one veth (any path's).
print_nat_conn_ceiling() {
	local label="TCP connections" kv lv b c
	kv=$(nat_med "$label" kvnet)
	lv=$(nat_med "$label" libvirt)
	b=$(nat_med "$label" bare-tc)
	c=$(nat_med "$label" "$nat_conn_ceiling")
	printf '\n%s, ceilings:\n' "$label"
	printf '%-22s %14s %14s %15s %15s\n' "" rate "kvnet share" "libvirt share" \
		"x libvirt"
	printf '%-22s %14s %14s %15s %15s\n' "  tc ceiling" "$(nat_fmt conn/s "$b")" \
		"$(nat_pct "$kv" "$b")" "$(nat_pct "$lv" "$b")" "$(nat_ratio "$b" "$lv")"
	printf '%-22s %14s %14s %15s %15s\n' "  direct" "$(nat_fmt conn/s "$c")" \
		"$(nat_pct "$kv" "$c")" "$(nat_pct "$lv" "$c")" "$(nat_ratio "$c" "$lv")"
	printf 'tc ceiling: the bare rewrite both ways on tcx, no lookup, no state;\n'
	printf 'direct: guest and upstream on one veth, the most any path could reach.\n'
}

print_nat_details() {
	local r label unit side
	printf '\nper run (UDP runs alternate %s; the others %s):\n' \
		"$(echo "${nat_pps_order[@]}" | sed 's/ /, /g')" \
		"$(echo "${nat_sides[@]}" bare-tc "$nat_conn_ceiling" | sed 's/ /, /g')"
	for r in "${nat_rows[@]}"; do
		IFS=$'\t' read -r label unit <<<"$r"
		printf '  %s\n' "$label"
		for side in "${nat_sides[@]}" "${nat_bare[@]}" "$nat_conn_ceiling"; do
			[ -n "${nat_vals[$label|$side]:-}" ] || continue
			# shellcheck disable=SC2086 # one value a run
			printf '    %-9s %s\n' "$side:" "$(fmt "$unit" ${nat_vals[$label|$side]})"
		done
	done
	[ -z "$nat_kvnet_why" ] ||
		printf '\nkvnet NAT: not available in this build (%s)\n' "$nat_kvnet_why"
	printf '\nTargets: kvnet at least 3x the libvirt-like path in UDP packets/s and\n'
	printf 'at least 80%% of the bare rewrite on the hook its NAT runs on (tcx,\n'
	printf 'DESIGN.md); TCP throughput at least 1.0x; connections/s at least 1.5x.\n'
	printf 'UDP: build/pktgen (XDP live frames, source ports 10000-11023) in the\n'
	printf 'guest, build/pktsink counting and dropping at the upstream: on tc for\n'
	printf 'libvirt-like and bare tc, on XDP for bare XDP'
	if [ -z "$nat_kvnet_why" ]; then
		printf ', on %s for kvnet (where\nits frames came)' "$nat_kvnet_hook"
	fi
	printf '; GRO on at the host-side port so that\n'
	printf 'veth takes the xdp_frames. TCP: iperf3, one stream, %s s, client and\n' "$tcp_secs"
	printf 'server pinned (%s). Connections:\n' "$iperf_cpus"
	printf 'build/connrate, %s connects in flight for %s s, each closed with an\n' \
		"$conn_clients" "$conn_secs"
	printf 'RST (no TIME_WAIT).\n'
}
