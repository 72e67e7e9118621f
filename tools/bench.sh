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
# and the kvnet/bridge ratio; then what tracing costs kvnet's UDP rate,
# here and on the NAT path (tools/bench_trace.sh: a build with no tracing
# code, no trace, a trace that matches nothing, one that takes every
# frame), and what tracing adds to the program's own run per frame, timed
# under the same traffic (the kernel's BPF statistics) and in test runs
# (tools/progprofile.py, tools/bench_trace_cost.py).
# Everything it made is torn down on exit, failure included.
# Takes about 5.5 minutes.
#
# Then DHCP (about 2.5 minutes more): kvnetd's own server against three
# others, each in namespaces of its own, new clients only, full DORA
# exchanges from ISC's perfdhcp posing as a relay agent (through a
# --trusted port on kvnet's side): kea-dhcp4 (memfile, persist on),
# dnsmasq as libvirt configures it (which ICMP-pings every address before
# offering it), and the same dnsmasq with --no-ping; every file they use
# is in the work dir. A ladder of offered rates, each step against a
# freshly started server with an empty lease database and MACs no other
# step used, the servers in turn; a server leaves the ladder at its first
# step that is not clean, then a few steps narrow the gap. The clean rate
# is the highest ACK rate of a step where at most 1% of exchanges failed
# and no address was given twice, with the p50/p99 of each message round
# trip at that step (from perfdhcp's -x t timestamps; tools/bench_dhcp.py
# does the arithmetic), the server's CPU time per exchange, and the
# replies perfdhcp's own socket dropped (steps that failed mostly there
# are perfdhcp's limit, not the server's). After each kvnet step kvnetd is
# killed with SIGKILL and restarted, and every lease perfdhcp saw ACKed
# must be listed by `kvnet leases`.
#
# Then NAT (about 3 minutes more; tools/bench_nat.sh): a guest reaching
# an upstream namespace through the host's uplink address, kvnet's NAT
# network against libvirt's (a bridge, ip_forward, nftables masquerade and
# conntrack), in UDP packets/s over 1024 flows, one TCP stream and new TCP
# connections/s; and kvnet's share of two bare rewrite programs (tc and
# XDP: addresses and checksums only), the ceilings of their hooks.
#
# Then DNS (about a minute more; tools/bench_dns.sh): dnsperf from a guest
# against kvnet's DNS service and dnsmasq as libvirt runs it, for the
# network's own names and for forwarded ones.
#
# Settings (environment): KVNET_BENCH_ONLY (all parts; "switch", "dhcp",
# "nat" or "dns" for one; "trace" for the tracing cost alone, kvnet's
# sides only), KVNET_BENCH_RUNS (5), KVNET_BENCH_PPS_SECS (3),
# KVNET_BENCH_TCP_SECS (4), KVNET_BENCH_CPU (the last CPU: the generator's;
# DHCP servers run on the others).
# NAT: KVNET_BENCH_CONN_SECS (3), KVNET_BENCH_CONN_CLIENTS (64).
# Tracing cost: KVNET_BENCH_PROFILE_ROUNDS (61: tools/progprofile.py's rounds),
# KVNET_BENCH_TIMED_SECS (1.5: each run's window timed by bpf_stats).
# DNS: KVNET_BENCH_DNS_SECS (3: each dnsperf run).
# DHCP: KVNET_BENCH_DHCP_RATES (offered exchanges/s, ascending: "250 500
# 1000 2000 3000 5000 7000 10000 15000 20000 30000 40000"),
# KVNET_BENCH_DHCP_SECS (3: each step's test period, shorter where 3 s
# would take more than 80% of the pool), KVNET_BENCH_DHCP_DROP (1: seconds
# after which perfdhcp counts a message lost), KVNET_BENCH_DHCP_REFINE (2:
# narrowing steps), KVNET_BENCH_DHCP_SERVERS ("kvnet kea dnsmasq-noping
# dnsmasq"), KVNET_BENCH_DHCP_BASE (a kvnetd binary: adds "kvnet-base",
# that build run like kvnet's, to compare two builds in the same run).
# More rows: write a bench_*_rows function that calls `measure` (or `row`)
# and add it to main, as bench_veth_rows and bench_tap_rows do.
set -euo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
bin=$top/build
runs=${KVNET_BENCH_RUNS:-5}
pps_secs=${KVNET_BENCH_PPS_SECS:-3}
timed_secs=${KVNET_BENCH_TIMED_SECS:-1.5}
tcp_secs=${KVNET_BENCH_TCP_SECS:-4}
gen_cpu=${KVNET_BENCH_CPU:-$(($(nproc) - 1))}
# The NAT part's iperf3 client and server pinned (-A), the same on every
# side, as on two machines: left to the scheduler, they and the softirqs
# that carry their stream moved between the CPUs run by run, and NAT's
# runs spread over 2x (5-10 Gbit/s; pinned, 9-13). The switch part's veth
# rows stay unpinned: pinned, they spread as much (5-14 Gbit/s), and the
# placement moved kvnet against the bridge (0.88x pinned, 1.05x unpinned
# the day before), so pinning there would choose a winner, not cut noise.
iperf_cpus="-A 0,$gen_cpu"
only=${KVNET_BENCH_ONLY:-}
dhcp_rates=${KVNET_BENCH_DHCP_RATES:-250 500 1000 2000 3000 5000 7000 10000 15000 20000 30000 40000}
dhcp_secs=${KVNET_BENCH_DHCP_SECS:-3}
dhcp_drop=${KVNET_BENCH_DHCP_DROP:-1}
dhcp_refine=${KVNET_BENCH_DHCP_REFINE:-2}
dhcp_servers=${KVNET_BENCH_DHCP_SERVERS:-kvnet kea dnsmasq-noping dnsmasq}
dhcp_base=${KVNET_BENCH_DHCP_BASE:-}
if [ -n "$dhcp_base" ]; then
	dhcp_servers="kvnet kvnet-base $(for s in $dhcp_servers; do [[ $s == kvnet* ]] || echo "$s"; done)"
fi
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

# ---- DHCP --------------------------------------------------------------

# Four servers, each in a pair of namespaces of its own: the server's ("s")
# and perfdhcp's ("c"). perfdhcp poses as a relay agent at $d_relay (its
# giaddr) and sends to the server at $d_gw, which answers to giaddr:67.
# kvnet: a kvnetd of its own, perfdhcp's veth a --trusted port of a
# network whose gateway is $d_gw. The others: a Linux bridge holding $d_gw
# in the server namespace (as libvirt's virbr0 does) with perfdhcp's veth
# enslaved to it. The same pool everywhere: 60,000 addresses of a /16.
# Every step starts from an empty lease database (the server restarted,
# its lease file removed: the pool never runs dry and no step inherits
# another's backlog or lease count), with MACs no other step used.
d_gw=10.80.0.1 d_relay=10.80.255.250 d_first=10.80.0.100 d_last=10.80.234.195
d_pool=60000
dhcp_results=
dhcp_clean=
declare -A dhcp_pid=()

dns() { echo "$tag-dhcp-$1-$2"; }
dinns() { local n; n=$(dns "$1" "$2"); shift 2; ip netns exec "$n" "$@"; }
dwork() { echo "$work/dhcp-$1"; }
port67() { dinns "$1" s ss -Hlun 'sport = :67' | grep -q .; }

# The CPUs a server may use: all but perfdhcp's.
server_cpus() {
	python3 -c 'import sys
n, g = int(sys.argv[1]), int(sys.argv[2])
print(",".join(str(c) for c in range(n) if c != g) or str(g))' "$(nproc)" "$gen_cpu"
}

# stop_server SERVER [SIGNAL]: signal it, wait for it (KILL after 10 s).
stop_server() {
	local p=${dhcp_pid[$1]:-} sig=${2:-TERM} i
	[ -n "$p" ] || return 0
	kill -"$sig" "$p" 2>/dev/null || true
	for ((i = 0; i < 100; i++)); do
		kill -0 "$p" 2>/dev/null || break
		sleep 0.1
	done
	kill -KILL "$p" 2>/dev/null || true
	untrack "$p"
	dhcp_pid[$1]=
}

# dhcp_pair SERVER PORT: its namespaces; perfdhcp's eth0 at $d_relay,
# its peer PORT in the server namespace.
dhcp_pair() {
	local s c
	s=$(dns "$1" s) c=$(dns "$1" c)
	newns "$s"
	newns "$c"
	ip -n "$s" link add "$2" type veth peer name eth0 netns "$c"
	ip -n "$c" addr add "$d_relay/16" dev eth0
	ip -n "$c" link set eth0 up
	ip -n "$s" link set "$2" up
	mkdir -p "$(dwork "$1")"
}

# -- kvnet: leases durable before their ACK, as kvnetd always does.
# "kvnet-base" is the same with the kvnetd binary $dhcp_base (to compare
# two builds in one run).

dkv() { local s=$1; shift; dinns "$s" s "$bin/kvnet" --run-dir "$(dwork "$s")/run" "$@"; }

# kvnetd_up SERVER CHECK...: start its kvnetd, wait until CHECK works.
kvnetd_up() {
	local srv=$1 w exe=$bin/kvnetd
	shift
	w=$(dwork "$srv")
	[ "$srv" = kvnet ] || exe=$dhcp_base
	ip netns exec "$(dns "$srv" s)" taskset -c "$(server_cpus)" "$exe" \
		--state-dir "$w/state" --run-dir "$w/run" --bpffs "$w/bpffs" \
		>>"$w/kvnetd.log" 2>&1 &
	dhcp_pid[$srv]=$!
	track $!
	disown $! # no "Killed" from bash after a kill -9
	poll 100 "$@" || die "$srv: kvnetd did not come up: $(tail -3 "$w/kvnetd.log")"
}

setup_dhcp_kvnet() {
	local srv=$1 w
	w=$(dwork "$srv")
	dhcp_pair "$srv" kvpd
	cat >"$w/dh.xml" <<-XML
	<network>
	  <name>dh</name>
	  <bridge name='kvdh0'/>
	  <ip address='$d_gw' netmask='255.255.0.0'>
	    <dhcp><range start='$d_first' end='$d_last'/></dhcp>
	  </ip>
	</network>
	XML
	kvnetd_up "$srv" dkv "$srv" net list
	dkv "$srv" net define "$w/dh.xml" >/dev/null
	dkv "$srv" net start dh >/dev/null
	dkv "$srv" port add dh kvpd --trusted >/dev/null
}

start_kvnet() {
	stop_server "$1"
	rm -f "$(dwork "$1")/state/leases/dh.leases"
	kvnetd_up "$1" dkv "$1" leases dh
}

# after_kvnet SERVER OUT FILE: after a step's load, kill -9, restart,
# and every lease perfdhcp saw ACKed (OUT) must be listed; the comparison
# goes to FILE.
after_kvnet() {
	local srv=$1 w
	w=$(dwork "$srv")
	stop_server "$srv" KILL
	kvnetd_up "$srv" dkv "$srv" leases dh
	dkv "$srv" leases dh --json >"$w/leases.json" || die "$srv: no leases after the restart"
	python3 "$top/tools/bench_dhcp.py" check "$2" "$w/leases.json" >"$3"
}

# -- dnsmasq as libvirt runs it: its --conf-file, from libvirt's
# networkDnsmasqConfContents (libvirt adds --leasefile-ro and its
# leaseshelper as --dhcp-script, a fork+exec per lease event; here the
# leases go to a file in the work dir, and the log too, not to syslog)

setup_dhcp_bridge() {
	local s
	s=$(dns "$1" s)
	dhcp_pair "$1" port0
	ip -n "$s" link add virbr type bridge
	ip -n "$s" addr add "$d_gw/16" dev virbr
	ip -n "$s" link set virbr up
	ip -n "$s" link set port0 master virbr
}

setup_dhcp_dnsmasq() {
	local w
	w=$(dwork "$1")
	setup_dhcp_bridge "$1"
	: >"$w/dnsmasq.hostsfile"
	: >"$w/dnsmasq.addnhosts"
	cat >"$w/dnsmasq.conf" <<-CONF
	strict-order
	pid-file=$w/dnsmasq.pid
	except-interface=lo
	bind-dynamic
	interface=virbr
	dhcp-range=$d_first,$d_last,255.255.0.0
	dhcp-no-override
	dhcp-authoritative
	dhcp-lease-max=$d_pool
	dhcp-hostsfile=$w/dnsmasq.hostsfile
	addn-hosts=$w/dnsmasq.addnhosts
	dhcp-leasefile=$w/dnsmasq.leases
	log-facility=$w/dnsmasq.log
	CONF
}

# start_dnsmasq SERVER [ARGS...]
start_dnsmasq() {
	local srv=$1 w
	shift
	w=$(dwork "$srv")
	stop_server "$srv"
	rm -f "$w/dnsmasq.leases" "$w/dnsmasq.log"
	ip netns exec "$(dns "$srv" s)" taskset -c "$(server_cpus)" dnsmasq \
		--conf-file="$w/dnsmasq.conf" --keep-in-foreground "$@" >>"$w/out" 2>&1 &
	dhcp_pid[$srv]=$!
	track $!
	disown $!
	poll 100 port67 "$srv" || die "$srv did not listen: $(tail -3 "$w/out")"
}

# -- Kea: memfile leases persisted in the work dir, no lease file cleanup
# (lfc-interval 0, so no kea-lfc), no control socket, lock and pid files
# in the work dir (KEA_LOCKFILE_DIR, KEA_PIDFILE_DIR); otherwise Kea's
# defaults (one thread, raw sockets).

setup_dhcp_kea() {
	local w
	w=$(dwork kea)
	setup_dhcp_bridge kea
	cat >"$w/kea.json" <<-JSON
	{ "Dhcp4": {
	    "interfaces-config": { "interfaces": [ "virbr" ] },
	    "lease-database": { "type": "memfile", "persist": true,
	                        "name": "$w/leases4.csv", "lfc-interval": 0 },
	    "valid-lifetime": 3600,
	    "subnet4": [ { "id": 1, "subnet": "10.80.0.0/16",
	                   "pools": [ { "pool": "$d_first - $d_last" } ] } ],
	    "loggers": [ { "name": "kea-dhcp4", "severity": "WARN",
	                   "output_options": [ { "output": "stdout" } ] } ]
	} }
	JSON
}

start_kea() {
	local w
	w=$(dwork kea)
	stop_server kea
	rm -f "$w"/leases4.csv*
	env KEA_LOCKFILE_DIR="$w" KEA_PIDFILE_DIR="$w" \
		ip netns exec "$(dns kea s)" taskset -c "$(server_cpus)" \
		kea-dhcp4 -c "$w/kea.json" >>"$w/kea.log" 2>&1 &
	dhcp_pid[kea]=$!
	track $!
	disown $!
	poll 100 port67 kea || die "kea did not listen: $(tail -3 "$w/kea.log")"
}

dhcp_setup() {
	case $1 in
	kvnet | kvnet-base) setup_dhcp_kvnet "$1" ;;
	kea) setup_dhcp_kea ;;
	dnsmasq | dnsmasq-noping) setup_dhcp_dnsmasq "$1" ;;
	esac
}

dhcp_start() {
	case $1 in
	kvnet | kvnet-base) start_kvnet "$1" ;;
	kea) start_kea ;;
	dnsmasq) start_dnsmasq dnsmasq ;;
	dnsmasq-noping) start_dnsmasq dnsmasq-noping --no-ping ;;
	esac
}

# udp_rcvbuf_errors SERVER s|c: datagrams a full socket buffer dropped in
# that namespace (to tell losses at perfdhcp's socket from the server's).
udp_rcvbuf_errors() {
	# shellcheck disable=SC2016 # awk's own $
	dinns "$1" "$2" awk '$1 == "Udp:" && $6 ~ /^[0-9]+$/ { print $6 }' /proc/net/snmp
}

# cpu_ticks SERVER: CPU time its process has used (user + system, all
# threads), in clock ticks.
cpu_ticks() {
	awk '{ print $14 + $15 }' "/proc/${dhcp_pid[$1]}/stat"
}

# dhcp_step SERVER RATE: one ladder step against a freshly started
# server; appends its figures to $dhcp_results, sets $dhcp_clean.
dhcp_step_n=0
dhcp_step() {
	local srv=$1 rate=$2 w out rc=0 mac r secs c0 c1 s0 s1 t0 t1
	w=$(dwork "$srv")
	# at most 80% of the pool a step, so that it never runs dry
	secs=$(calc "min($dhcp_secs, int(8.0 * $d_pool / $rate) / 10.0)")
	out=$w/step-$rate.out
	dhcp_step_n=$((dhcp_step_n + 1))
	# clients 02:SS:SS:00:00:00 + n, SS the step's number
	mac=$(printf '02:%02x:%02x:00:00:00' $((dhcp_step_n >> 8 & 255)) $((dhcp_step_n & 255)))
	dhcp_start "$srv"
	c0=$(udp_rcvbuf_errors "$srv" c) s0=$(udp_rcvbuf_errors "$srv" s)
	t0=$(cpu_ticks "$srv")
	dinns "$srv" c taskset -c "$gen_cpu" perfdhcp -4 -g single -l "$d_relay" \
		-r "$rate" -R 10000000 -b "mac=$mac" -p "$secs" -d "$dhcp_drop" \
		-W "$(calc "max($dhcp_drop, 1) * 1e6" %d)" -u -x lt "$d_gw" \
		>"$out" 2>&1 || rc=$?
	# 3: some exchanges did not complete
	[ $rc = 0 ] || [ $rc = 3 ] ||
		die "$srv: perfdhcp failed ($rc): $(grep -m3 -i error "$out")"
	c1=$(udp_rcvbuf_errors "$srv" c) s1=$(udp_rcvbuf_errors "$srv" s)
	t1=$(cpu_ticks "$srv")
	python3 "$top/tools/bench_dhcp.py" step "$out" "$secs" "$rate" >"$w/step.json"
	if [[ $srv == kvnet* ]]; then
		after_kvnet "$srv" "$out" "$w/check.json"
	else
		echo null >"$w/check.json"
	fi
	r=$(python3 -c 'import json, sys
r = json.load(open(sys.argv[1])); c = json.load(open(sys.argv[2]))
r["server"] = sys.argv[3]
r["gen_rcvbuf"], r["srv_rcvbuf"] = int(sys.argv[4]), int(sys.argv[5])
r["srv_cpu_s"] = int(sys.argv[6]) / int(sys.argv[7])
if c is not None: r["lease_check"] = c
print(json.dumps(r))' "$w/step.json" "$w/check.json" "$srv" $((c1 - c0)) $((s1 - s0)) \
		$((t1 - t0)) "$(getconf CLK_TCK)")
	echo "$r" >>"$dhcp_results"
	log "dhcp: $srv at $rate/s: $(python3 -c 'import json, sys
r = json.loads(sys.argv[1])
s = "%.0f ACK/s, %.2f%% failed, %d dup" % (r["ack_rate"], r["drops_pct"], r["nonunique"])
c = r.get("lease_check")
if c: s += "; after kill -9 %d of %d ACKed listed" % (c["acked"] - c["missing"], c["acked"])
print(s + ("" if r["clean"] else " (not clean)"))' "$r")"
	dhcp_clean=no
	case $r in *'"clean": true'*) dhcp_clean=yes ;; esac
}

# The ladder: each rate for every server still clean, the servers in
# turn so that background load hits them alike; then $dhcp_refine steps
# that halve (geometrically) the gap between each server's last clean and
# first unclean rate.
bench_dhcp() {
	local srv rate lo hi m i
	local -A good=() bad=()
	dhcp_results=$work/dhcp-results.jsonl
	: >"$dhcp_results"
	for srv in $dhcp_servers; do
		dhcp_setup "$srv"
		good[$srv]=0
	done
	for rate in $dhcp_rates; do
		for srv in $dhcp_servers; do
			[ -z "${bad[$srv]:-}" ] || continue
			dhcp_step "$srv" "$rate"
			if [ "$dhcp_clean" = yes ]; then good[$srv]=$rate; else bad[$srv]=$rate; fi
		done
	done
	for ((i = 0; i < dhcp_refine; i++)); do
		for srv in $dhcp_servers; do
			lo=${good[$srv]} hi=${bad[$srv]:-}
			if [ "$lo" = 0 ] || [ -z "$hi" ]; then continue; fi
			m=$(python3 "$top/tools/bench_dhcp.py" mid "$lo" "$hi")
			if [ "$m" -le "$lo" ] || [ "$m" -ge "$hi" ]; then continue; fi
			dhcp_step "$srv" "$m"
			if [ "$dhcp_clean" = yes ]; then good[$srv]=$m; else bad[$srv]=$m; fi
		done
	done
	for srv in $dhcp_servers; do stop_server "$srv"; done
}

print_dhcp_table() {
	local rc=0
	python3 "$top/tools/bench_dhcp.py" table "$dhcp_results" kvnet || rc=$?
	printf '\nperfdhcp -4 -g single -R 10000000 -r RATE -p %s -d %s -W %s -u -x lt\n' \
		"$dhcp_secs" "$dhcp_drop" "$(calc "max($dhcp_drop, 1) * 1e6" %d)"
	printf '(-p shorter at high rates: at most 80%% of the %s-address pool a step),\n' "$d_pool"
	printf 'pinned to CPU %s; servers on CPU(s) %s. An exchange fails when its OFFER or\n' \
		"$gen_cpu" "$(server_cpus)"
	printf 'its ACK does not come within %s s.\n' "$dhcp_drop"
	return $rc
}

# ---- NAT ---------------------------------------------------------------

# shellcheck source=tools/bench_nat.sh
. "$top/tools/bench_nat.sh"
# shellcheck source=tools/bench_trace.sh
. "$top/tools/bench_trace.sh"
# shellcheck source=tools/bench_dns.sh
. "$top/tools/bench_dns.sh"

# ---- output ------------------------------------------------------------

# fmt UNIT VALUE...: values for people (Mpps, Gbit/s, two decimals).
fmt() {
	python3 -c 'import sys
u = sys.argv[1]
def f(v):
    v = float(v)
    if u == "pps": return "%.2f Mpps" % (v / 1e6)
    if u == "bit/s": return "%.2f Gbit/s" % (v / 1e9)
    if u == "conn/s": return "%.0f/s" % v
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

check_settings() {
	local s r
	[[ $only =~ ^(|switch|dhcp|nat|dns|trace)$ ]] ||
		die "KVNET_BENCH_ONLY must be switch, dhcp, nat, dns or trace"
	[[ $dns_secs =~ ^[1-9][0-9]*$ ]] || die "KVNET_BENCH_DNS_SECS must be a positive integer"
	[[ $timed_secs =~ ^[0-9]+(\.[0-9]+)?$ ]] || die "KVNET_BENCH_TIMED_SECS must be a number"
	[[ $runs =~ ^[1-9][0-9]*$ && $tcp_secs =~ ^[1-9][0-9]*$ &&
		$pps_secs =~ ^[0-9]+(\.[0-9]+)?$ && $gen_cpu =~ ^[0-9]+$ ]] ||
		die "KVNET_BENCH_RUNS, _TCP_SECS must be positive integers, _PPS_SECS a number, _CPU a CPU"
	[[ $dhcp_secs =~ ^[1-9][0-9]*$ && $dhcp_drop =~ ^[0-9]+(\.[0-9]+)?$ &&
		$dhcp_refine =~ ^[0-9]+$ ]] ||
		die "KVNET_BENCH_DHCP_SECS must be a positive integer, _DROP a number, _REFINE an integer"
	for r in $dhcp_rates; do
		[[ $r =~ ^[1-9][0-9]*$ ]] || die "KVNET_BENCH_DHCP_RATES: '$r' is not a rate"
	done
	[[ $conn_secs =~ ^[0-9]+(\.[0-9]+)?$ && $conn_clients =~ ^[1-9][0-9]*$ ]] ||
		die "KVNET_BENCH_CONN_SECS must be a number, _CLIENTS a positive integer"
	[ -z "$dhcp_base" ] || [ -x "$dhcp_base" ] ||
		die "KVNET_BENCH_DHCP_BASE: $dhcp_base is not an executable"
	for s in $dhcp_servers; do
		[[ $s =~ ^(kvnet|kvnet-base|kea|dnsmasq|dnsmasq-noping)$ ]] ||
			die "KVNET_BENCH_DHCP_SERVERS: unknown server '$s'"
	done
}

# part NAME: is that part of the bench to run?
part() { [ -z "$only" ] || [ "$only" = "$1" ]; }

main() {
	local t
	[ "$(id -u)" = 0 ] || die "needs root (network namespaces)"
	check_settings
	for t in kvnetd kvnetd-notrace kvnet pktgen pktsink tapio connrate bench_rewrite; do
		[ -x "$bin/$t" ] || die "$bin/$t missing: run make"
	done
	if part switch || part nat; then
		command -v iperf3 >/dev/null || die "iperf3 missing: run make deps"
	fi
	if part nat; then
		command -v nft >/dev/null || die "nft missing: run make deps"
	fi
	if part dns; then
		for t in dnsperf dnsmasq dig taskset; do
			command -v "$t" >/dev/null || die "$t missing: run make deps"
		done
	fi
	if part dhcp; then
		for t in perfdhcp kea-dhcp4 dnsmasq taskset; do
			command -v "$t" >/dev/null || die "$t missing: run make deps"
		done
	fi
	log "setting up (namespaces $tag-*, work dir $work)"
	# first, while nothing else of the bench runs: the test runs' times
	# move by tens of ns with the parts' daemons and namespaces up
	if part switch || part nat || [ "$only" = trace ]; then bench_trace_programs; fi
	if part switch; then
		setup_kvnet
		setup_bridge
		for s in "${sides[@]}"; do check_side "$s"; done
		bench_veth_rows
		bench_tap_rows
		bench_trace_switch
	fi
	if part dhcp; then bench_dhcp; fi
	if part nat; then
		bench_nat
		if [ "${nat_sides[0]}" = kvnet ]; then bench_trace_nat; fi
	fi
	if [ "$only" = trace ]; then bench_trace_only; fi
	if part dns; then bench_dns; fi
	if part switch; then print_table; fi
	if part dhcp; then print_dhcp_table; fi
	if part nat; then print_nat_table; fi
	if part dns; then print_dns_table; fi
	if part switch || part nat || [ "$only" = trace ]; then
		print_trace_table switch "switch, kvnet veth UDP 64B"
		print_trace_table nat "NAT, guest -> upstream UDP 64B, 1024 flows"
		print_trace_costs
		print_trace_targets
	fi
}

main "$@"
