#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
# `make bench`: kvnet against a Linux bridge, side by side in the same run.
# Builds two identical setups in network namespaces it creates (never the
# root one): a "host" namespace holding the switch (kvnetd with an
# isolated-mode network, or a Linux bridge) and two guest namespaces, each
# joined to it by a veth port. Measures, alternating the two sides run by
# run so that background load hits both alike, 64-byte UDP packets per
# second (build/pktgen in guest 1, build/pktsink counting and dropping at
# guest 2's first touch) and single-stream TCP throughput (iperf3 guest 1 ->
# guest 2), and TCP between a tap port (a virtio-like endpoint through
# `build/tapio relay`) and guest 2, both ways. Prints the median of each
# and the kvnet/bridge ratio. Everything it made is torn down on exit,
# failure included. Takes about 3.5 minutes.
#
# Settings (environment): KVNET_BENCH_RUNS (5), KVNET_BENCH_PPS_SECS (3),
# KVNET_BENCH_TCP_SECS (4), KVNET_BENCH_CPU (the last CPU: the generator's).
# More rows: write a bench_*_rows function that calls `measure` (or `row`)
# and add it to main, as bench_veth_rows and bench_tap_rows do.
set -euo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
bin=$top/build
runs=${KVNET_BENCH_RUNS:-5}
pps_secs=${KVNET_BENCH_PPS_SECS:-3}
tcp_secs=${KVNET_BENCH_TCP_SECS:-4}
gen_cpu=${KVNET_BENCH_CPU:-$(($(nproc) - 1))}
tag=kvb$$
work=$(mktemp -d /tmp/kvnet-bench.XXXXXX)
sides=(kvnet bridge)
namespaces=()
daemon_pid=
# Table rows: "label<TAB>unit<TAB>kvnet values<TAB>bridge values".
rows=()

# Guests are the same on both sides (add_guest reads these indirectly).
subnet=10.77.0
gw_ip=$subnet.1
# shellcheck disable=SC2034
g1_ip=$subnet.11 g1_mac=52:54:00:77:00:11
g2_ip=$subnet.12 g2_mac=52:54:00:77:00:12

log() { printf 'bench: %s\n' "$*" >&2; }
die() { log "$*"; exit 1; }
# Remembers a background job for cleanup (a file, so that jobs started in
# command substitutions are remembered too).
# A job that has been waited for is forgotten, so that its PID, once
# reused by some other process, is never killed.
track() { echo "$1" >>"$work/pids"; }
untrack() { sed -i "/^$1\$/d" "$work/pids"; }

cleanup() {
	local rc=$? p ns i
	set +e
	# Background jobs, some started inside $(...) subshells: by PID.
	if [ -s "$work/pids" ]; then
		while read -r p; do kill "$p" 2>/dev/null; done <"$work/pids"
		while read -r p; do
			for ((i = 0; i < 50; i++)); do
				kill -0 "$p" 2>/dev/null || break
				sleep 0.1
			done
		done <"$work/pids"
	fi
	if [ -n "$daemon_pid" ]; then
		kill "$daemon_pid" 2>/dev/null
		wait "$daemon_pid" 2>/dev/null
	fi
	for ns in "${namespaces[@]}"; do ip netns del "$ns" 2>/dev/null; done
	if [ $rc -ne 0 ] && [ -s "$work/kvnetd.log" ]; then
		log "kvnetd log (last lines):"
		tail -n 20 "$work/kvnetd.log" >&2
	fi
	rm -rf "$work"
	exit $rc
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# Namespace names of one side: host, g1, g2.
ns() { echo "$tag-$1-$2"; }
inns() { local n; n=$(ns "$1" "$2"); shift 2; ip netns exec "$n" "$@"; }
# The same for a background job: `bginns SIDE NS CMD... &`. The exec makes
# $! the command's own PID (a backgrounded function otherwise runs in a
# subshell, and killing that would leave the command running).
bginns() { local n; n=$(ns "$1" "$2"); shift 2; exec ip netns exec "$n" "$@"; }
newns() { ip netns add "$1"; namespaces+=("$1"); ip -n "$1" link set lo up; }
kv() { inns kvnet host "$bin/kvnet" --run-dir "$work/run" "$@"; }

# Polls `cmd...` until it succeeds, at most $1 tenths of a second.
poll() {
	local n=$1 i
	shift
	for ((i = 0; i < n; i++)); do
		"$@" >/dev/null 2>&1 && return 0
		sleep 0.1
	done
	return 1
}

# Median of the numbers on stdin.
median() {
	python3 -c 'import sys, statistics as s
v = [float(x) for x in sys.stdin.read().split()]
print(s.median(v) if v else "nan")'
}

# calc EXPR [FORMAT]: arithmetic on floats.
calc() { python3 -c "print('${2:-%g}' % ($1))"; }

# jget FILE EXPR: a value from a JSON file, EXPR indexing `j`.
jget() { python3 -c "import json,sys; j=json.load(open(sys.argv[1])); print($2)" "$1"; }

# ---- setup -------------------------------------------------------------

# add_guest SIDE N PORT: guest namespace gN behind host-side veth PORT.
add_guest() {
	local side=$1 n=$2 port=$3 g ip mac
	g=$(ns "$side" "g$n")
	ip=g${n}_ip mac=g${n}_mac
	newns "$g"
	ip -n "$(ns "$side" host)" link add "$port" type veth peer name eth0 netns "$g"
	ip -n "$g" link set eth0 address "${!mac}"
	ip -n "$g" addr add "${!ip}/24" dev eth0
	ip -n "$g" link set eth0 up
	ip -n "$(ns "$side" host)" link set "$port" up
}

setup_kvnet() {
	newns "$(ns kvnet host)"
	bginns kvnet host "$bin/kvnetd" --state-dir "$work/state" --run-dir "$work/run" \
		--bpffs "$work/bpffs" >"$work/kvnetd.log" 2>&1 &
	daemon_pid=$!
	poll 100 kv net list || die "kvnetd did not come up"
	cat >"$work/bench.xml" <<-XML
	<network>
	  <name>bench</name>
	  <bridge name='kvbench0'/>
	  <ip address='$gw_ip' netmask='255.255.255.0'/>
	</network>
	XML
	kv net define "$work/bench.xml" >/dev/null
	kv net start bench >/dev/null
	add_guest kvnet 1 kvp1
	add_guest kvnet 2 kvp2
	kv port add bench kvp1 >/dev/null
	kv port add bench kvp2 >/dev/null
}

setup_bridge() {
	local h
	h=$(ns bridge host)
	newns "$h"
	ip -n "$h" link add br0 type bridge
	ip -n "$h" addr add "$gw_ip/24" dev br0
	ip -n "$h" link set br0 up
	add_guest bridge 1 brp1
	add_guest bridge 2 brp2
	ip -n "$h" link set brp1 master br0
	ip -n "$h" link set brp2 master br0
}

# The host-side port of guest 1 on each side.
port1() { [ "$1" = kvnet ] && echo kvp1 || echo brp1; }

# Both guests speak once, so both switches have learnt both MACs before
# anything is measured (no flooding of the generator's frames).
check_side() {
	poll 50 inns "$1" g1 ping -c 1 -W 1 "$g2_ip" || die "$1: g1 cannot reach g2"
	inns "$1" g2 ping -c 1 -W 1 "$g1_ip" >/dev/null || die "$1: g2 cannot reach g1"
}

# ---- measurements ------------------------------------------------------

# pps_once SIDE: one generator run; prints the sink's packets per second.
pps_once() {
	local side=$1 ready=$work/ready hook=tc sp out=$work/sink.json
	# kvnet may deliver xdp_frames (an XDP datapath) or skbs (tc): count
	# at whichever comes first. A bridge only ever hands over skbs.
	[ "$side" = kvnet ] && hook=both
	rm -f "$ready"
	bginns "$side" g2 "$bin/pktsink" --dev eth0 --hook "$hook" --wait 10 \
		--warmup 0.5 --duration "$pps_secs" --ready-file "$ready" --json >"$out" &
	sp=$!
	track "$sp"
	poll 100 test -e "$ready" || die "$side: pktsink did not attach"
	inns "$side" g1 "$bin/pktgen" --dev eth0 --dst-mac "$g2_mac" --dst-ip "$g2_ip" \
		--flows 16 --cpu "$gen_cpu" --duration "$(calc "$pps_secs + 1.5")" \
		--json >"$work/gen.json"
	wait "$sp" || die "$side: pktsink failed"
	untrack "$sp"
	jget "$out" "j['pps']"
}

listening() { inns "$1" g2 ss -Hltn 'sport = :5201' | grep -q .; }

# tcp_once SIDE: one iperf3 run g1 -> g2; prints bits per second received.
tcp_once() {
	local side=$1 sp
	bginns "$side" g2 iperf3 -s -1 -B "$g2_ip" >/dev/null 2>&1 &
	sp=$!
	track "$sp"
	poll 100 listening "$side" || die "$side: iperf3 server did not listen"
	inns "$side" g1 timeout $((tcp_secs + 30)) iperf3 -c "$g2_ip" -t "$tcp_secs" -O 1 -J \
		>"$work/iperf.json" ||
		die "$side: iperf3 failed"
	wait "$sp" || true
	untrack "$sp"
	jget "$work/iperf.json" "j['end']['sum_received']['bits_per_second']"
}

# measure FN LABEL UNIT: runs FN for each side, alternating, $runs times,
# and adds a table row.
measure() {
	local fn=$1 label=$2 unit=$3 i side v
	local -A vals=([kvnet]="" [bridge]="")
	for ((i = 1; i <= runs; i++)); do
		for side in "${sides[@]}"; do
			v=$("$fn" "$side")
			vals[$side]+="$v "
		done
		log "$label: run $i/$runs done"
	done
	row "$label" "$unit" "${vals[kvnet]}" "${vals[bridge]}"
}

# row LABEL UNIT KVNET_VALUES BRIDGE_VALUES: one table line (values are
# raw per-run numbers, whitespace separated).
row() { rows+=("$1	$2	$3	$4"); }

bench_veth_rows() {
	local s
	# The generator's frames are xdp_frames, which a veth accepts only
	# with XDP or GRO on (veth.c); turn GRO on at guest 1's host-side
	# port on both sides alike.
	for s in "${sides[@]}"; do
		inns "$s" host ethtool -K "$(port1 "$s")" gro on >/dev/null
	done
	measure pps_once "veth UDP 64B" pps
	for s in "${sides[@]}"; do
		inns "$s" host ethtool -K "$(port1 "$s")" gro off >/dev/null
	done
	measure tcp_once "veth TCP 1 stream" bit/s
}

# Tap rows: TCP between a tap port and guest 2's veth. The tap's far end
# behaves like a virtio guest with offloads on: namespace t1's stack sits
# behind its own tap tE, and `build/tapio relay` (opening both taps the way
# qemu does, TSO on) moves frames with their vnet headers between tE and
# the switch's tap port, so 64 KB TSO segments enter the switch as a guest
# hands them over.
t1_ip=$subnet.21 t1_mac=52:54:00:77:00:21

# add_tap_endpoint SIDE HOSTTAP: namespace t1 relayed to HOSTTAP.
add_tap_endpoint() {
	local side=$1 tap=$2 t log=$work/relay-$1.log
	t=$(ns "$side" t1)
	newns "$t"
	ip -n "$t" tuntap add mode tap tE
	ip -n "$t" link set tE address "$t1_mac"
	ip -n "$t" addr add "$t1_ip/24" dev tE
	ip -n "$t" link set tE up
	# not through inns: a backgrounded shell function's $! is a subshell,
	# and killing that would leave the relay running
	ip netns exec "$(ns "$side" host)" "$bin/tapio" relay "$tap" tE --netns-b "$t" 2>"$log" &
	track $!
	poll 100 grep -q "relay ready" "$log" || die "$side: tapio relay did not start: $(cat "$log")"
	poll 50 inns "$side" t1 ping -c 1 -W 1 "$g2_ip" || die "$side: t1 cannot reach g2"
}

# tap_tcp_once SIDE [-R]: one iperf3 run t1 -> g2 (-R: g2 -> t1); prints
# bits per second received.
tap_tcp_once() {
	local side=$1 sp
	shift
	bginns "$side" g2 iperf3 -s -1 -B "$g2_ip" >/dev/null 2>&1 &
	sp=$!
	track "$sp"
	poll 100 listening "$side" || die "$side: iperf3 server did not listen"
	inns "$side" t1 timeout $((tcp_secs + 30)) iperf3 -c "$g2_ip" -t "$tcp_secs" -O 1 -J "$@" \
		>"$work/iperf.json" ||
		die "$side: iperf3 (tap) failed"
	wait "$sp" || true
	untrack "$sp"
	jget "$work/iperf.json" "j['end']['sum_received']['bits_per_second']"
}
tap_tcp_to_veth() { tap_tcp_once "$1"; }
tap_tcp_from_veth() { tap_tcp_once "$1" -R; }

bench_tap_rows() {
	local h
	kv port add bench kvt1 --tap --mac "$t1_mac" >/dev/null
	add_tap_endpoint kvnet kvt1
	h=$(ns bridge host)
	ip -n "$h" tuntap add mode tap brt1
	ip -n "$h" link set brt1 master br0 up
	add_tap_endpoint bridge brt1
	measure tap_tcp_to_veth "tap->veth TCP 1 stream" bit/s
	measure tap_tcp_from_veth "veth->tap TCP 1 stream" bit/s
}

# ---- output ------------------------------------------------------------

# fmt UNIT VALUE...: values for people (Mpps, Gbit/s, two decimals).
fmt() {
	python3 -c 'import sys
u = sys.argv[1]
def f(v):
    v = float(v)
    if u == "pps": return "%.2f Mpps" % (v / 1e6)
    if u == "bit/s": return "%.2f Gbit/s" % (v / 1e9)
    return "%g %s" % (v, u)
print(" ".join(f(v) for v in sys.argv[2:]))' "$@"
}

print_table() {
	local r label unit kvv brv kvm brm
	printf '\n%-24s %14s %14s %13s\n' "median of $runs runs" kvnet bridge kvnet/bridge
	for r in "${rows[@]}"; do
		IFS=$'\t' read -r label unit kvv brv <<<"$r"
		kvm=$(echo "$kvv" | median)
		brm=$(echo "$brv" | median)
		printf '%-24s %14s %14s %13s\n' "$label" "$(fmt "$unit" "$kvm")" \
			"$(fmt "$unit" "$brm")" "$(calc "$kvm / $brm" %.2f)"
	done
	printf '\nper run (runs alternate kvnet, bridge):\n'
	for r in "${rows[@]}"; do
		IFS=$'\t' read -r label unit kvv brv <<<"$r"
		# shellcheck disable=SC2086 # word splitting wanted: one value a run
		printf '  %s\n    kvnet:  %s\n    bridge: %s\n' "$label" \
			"$(fmt "$unit" $kvv)" "$(fmt "$unit" $brv)"
	done
	printf '\nUDP: build/pktgen (XDP live frames, 16 flows) in g1, build/pktsink\n'
	printf 'counting and dropping at g2; GRO on at g1'"'"'s host-side port on both sides\n'
	printf 'so veth accepts the xdp_frames. TCP: iperf3, one stream, %s s.\n' "$tcp_secs"
}

main() {
	[ "$(id -u)" = 0 ] || die "needs root (network namespaces)"
	[[ $runs =~ ^[1-9][0-9]*$ && $tcp_secs =~ ^[1-9][0-9]*$ &&
		$pps_secs =~ ^[0-9]+(\.[0-9]+)?$ && $gen_cpu =~ ^[0-9]+$ ]] ||
		die "KVNET_BENCH_RUNS, _TCP_SECS must be positive integers, _PPS_SECS a number, _CPU a CPU"
	for t in kvnetd kvnet pktgen pktsink tapio; do
		[ -x "$bin/$t" ] || die "$bin/$t missing: run make"
	done
	command -v iperf3 >/dev/null || die "iperf3 missing: run make deps"
	log "setting up (namespaces $tag-*, work dir $work)"
	setup_kvnet
	setup_bridge
	for s in "${sides[@]}"; do check_side "$s"; done
	bench_veth_rows
	bench_tap_rows
	print_table
}

main "$@"
