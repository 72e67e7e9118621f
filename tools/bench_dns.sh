# SPDX-License-Identifier: GPL-2.0-only
# shellcheck shell=bash disable=SC2154 # globals of tools/bench.sh, which sources this
# The DNS part of `make bench`, sourced by tools/bench.sh (whose helpers it
# uses: track/untrack, poll, median, calc, newns, log, die, server_cpus).
#
# dnsperf in a guest namespace asks the gateway of its network, kvnet's
# DNS service against dnsmasq configured as libvirt configures it for a
# network (a bridge holding the gateway address with the guest's port
# enslaved; --bind-dynamic on it, --no-resolv with the network's
# forwarder as --server, the guests' names from an --addn-hosts file,
# --local=/lab.test/ --domain=lab.test, a cache of 150 names, libvirt's
# default). Each side has namespaces of its own: guest, host, and an
# upstream namespace whose dnsmasq is "the internet's" resolver for
# *.fwd.test (answers with a TTL of an hour), the forwarder both sides
# name. The servers run on the CPUs other than dnsperf's.
#
# Workloads, each for KVNET_BENCH_DNS_SECS (3) per run, the sides in turn
# run by run: "local" (A queries for 100 of the network's guest names)
# and "forwarded" (A queries for 100 names under fwd.test, after one
# pass that warms both caches: the rate of answers from the cache). The rate is dnsperf's queries per second with
# up to 100 in flight, counting answers only (a lost query costs its
# timeout); the answers are checked: NOERROR on every one. kvnetd runs
# with --dns-rate 0: dnsperf is one client, which the per-guest limit
# (250 queries a second) would otherwise throttle.

dns_secs=${KVNET_BENCH_DNS_SECS:-3}
dns_sides=(kvnet dnsmasq)
dns_loads=(local forwarded)
dns_gw=10.80.0.1
dns_guest=10.80.0.11
dns_uplink_ip=10.81.0.1
dns_up_ip=10.81.0.2
declare -A dns_vals=()
dns_counters=

dns_ns() { echo "$tag-dns-$1-$2"; }
dsinns() { local n; n=$(dns_ns "$1" "$2"); shift 2; ip netns exec "$n" "$@"; }
# For background jobs: $! is the command itself (so cleanup stops it).
dbginns() { local n; n=$(dns_ns "$1" "$2"); shift 2; exec ip netns exec "$n" "$@"; }
kvd() { dsinns kvnet host "$bin/kvnet" --run-dir "$work/dns/run" "$@"; }

# dns_topology SIDE PORT: guest, host, upstream; the guest's veth PORT.
dns_topology() {
	local side=$1 port=$2 g h u
	g=$(dns_ns "$side" g) h=$(dns_ns "$side" host) u=$(dns_ns "$side" up)
	newns "$g"
	newns "$h"
	newns "$u"
	ip -n "$h" link add "$port" type veth peer name eth0 netns "$g"
	ip -n "$g" addr add "$dns_guest/24" dev eth0
	ip -n "$g" link set eth0 up
	ip -n "$h" link set "$port" up
	ip -n "$h" link add up0 type veth peer name eth0 netns "$u"
	ip -n "$h" addr add "$dns_uplink_ip/24" dev up0
	ip -n "$h" link set up0 up
	ip -n "$u" addr add "$dns_up_ip/24" dev eth0
	ip -n "$u" link set eth0 up
	dbginns "$side" up dnsmasq -k --conf-file=/dev/null --no-resolv --no-hosts \
		--user=root --listen-address="$dns_up_ip" --bind-interfaces \
		--address=/fwd.test/192.0.2.7 --local-ttl=3600 --cache-size=0 \
		--pid-file="$work/dns/up-$side.pid" >/dev/null 2>&1 &
	track $!
}

# The guests' names: "address name", h1..h100 at .101-.200.
dns_names() {
	local i
	for ((i = 1; i <= 100; i++)); do echo "10.80.0.$((100 + i)) h$i"; done
}

dns_kvnet_up() {
	local xml=$work/dns/kvnet.xml
	dbginns kvnet host taskset -c "$(server_cpus)" "$bin/kvnetd" \
		--state-dir "$work/dns/state" --run-dir "$work/dns/run" \
		--bpffs "$work/dns/bpffs" --resolv-conf /dev/null --dns-rate 0 \
		>"$work/dns/kvnetd.log" 2>&1 &
	track $!
	poll 100 kvd net list || die "kvnet DNS: kvnetd did not come up"
	{
		echo "<network><name>dn</name><bridge name='kvdns0'/>"
		echo "<domain name='lab.test'/>"
		echo "<dns><forwarder addr='$dns_up_ip'/></dns>"
		echo "<ip address='$dns_gw' prefix='24'><dhcp>"
		dns_names | while read -r ip name; do
			printf "<host mac='52:54:00:80:00:%02x' name='%s' ip='%s'/>\n" \
				"${ip##*.}" "$name" "$ip"
		done
		echo "</dhcp></ip></network>"
	} >"$xml"
	kvd net define "$xml" >/dev/null || die "kvnet DNS: define refused: $(kvd net define "$xml" 2>&1)"
	kvd net start dn >/dev/null
	kvd port add dn kvp1 >/dev/null
}

dns_dnsmasq_up() {
	local h hosts=$work/dns/addn-hosts
	h=$(dns_ns dnsmasq host)
	ip -n "$h" link add virbr0 type bridge
	ip -n "$h" addr add "$dns_gw/24" dev virbr0
	ip -n "$h" link set virbr0 up
	ip -n "$h" link set vnet0 master virbr0
	dns_names >"$hosts"
	dbginns dnsmasq host taskset -c "$(server_cpus)" dnsmasq -k \
		--conf-file=/dev/null --strict-order --bind-dynamic --interface=virbr0 \
		--except-interface=lo --no-resolv --server="$dns_up_ip" --no-hosts \
		--addn-hosts="$hosts" --domain=lab.test --local=/lab.test/ --user=root \
		--pid-file="$work/dns/dnsmasq.pid" >/dev/null 2>&1 &
	track $!
}

# dns_queries LOAD: dnsperf's input for a workload.
dns_queries() {
	local i f=$work/dns/q-$1
	for ((i = 1; i <= 100; i++)); do
		if [ "$1" = local ]; then echo "h$i A"; else echo "w$i.fwd.test A"; fi
	done >"$f"
	echo "$f"
}

# dns_perf SIDE LOAD SECS: queries per second answered, or "fail".
dns_perf() {
	local out
	out=$(dsinns "$1" g taskset -c "$gen_cpu" dnsperf -s "$dns_gw" -d "$(dns_queries "$2")" \
		-l "$3" -c 4 -q 100 -t 2 2>&1) || { echo fail; return; }
	if ! grep -q 'NOERROR [0-9]' <<<"$out" || grep -qE '(NXDOMAIN|SERVFAIL|REFUSED) [0-9]' <<<"$out"; then
		log "DNS $1/$2: answers not all NOERROR: $(grep -E 'Response codes' <<<"$out")"
		echo fail
		return
	fi
	awk '/Queries per second:/ {print $4}' <<<"$out"
}

dns_check() {
	local side=$1 a
	a=$(dsinns "$side" g dig +short +time=2 +tries=2 "@$dns_gw" h7 || true)
	[ "$a" = 10.80.0.107 ] || die "DNS $side: h7 is '$a', not 10.80.0.107"
	a=$(dsinns "$side" g dig +short +time=2 +tries=2 "@$dns_gw" w1.fwd.test || true)
	[ "$a" = 192.0.2.7 ] || die "DNS $side: w1.fwd.test is '$a', not 192.0.2.7"
}

bench_dns() {
	local r side load v
	mkdir -p "$work/dns"
	log "DNS: dnsperf against kvnet's DNS and libvirt's dnsmasq, ${dns_secs} s a run"
	dns_topology kvnet kvp1
	dns_topology dnsmasq vnet0
	dns_kvnet_up
	dns_dnsmasq_up
	for side in "${dns_sides[@]}"; do
		poll 100 dns_check "$side" 2>/dev/null || dns_check "$side"
		dns_perf "$side" forwarded 1 >/dev/null # warms the cache
	done
	for ((r = 1; r <= runs; r++)); do
		for load in "${dns_loads[@]}"; do
			for side in "${dns_sides[@]}"; do
				v=$(dns_perf "$side" "$load" "$dns_secs")
				dns_vals[$load,$side]+="$v "
			done
		done
	done
	dns_counters=$(kvd --json net show dn | python3 -c 'import json,sys
c = json.load(sys.stdin).get("dns_counters", {})
print(" ".join("%s=%d" % kv for kv in c.items()))')
}

print_dns_table() {
	local load kv dm
	printf '\nDNS, dnsperf in a guest -> the gateway: median of %s runs, queries/s\n' "$runs"
	printf '%-22s %14s %14s %15s %8s\n' "" kvnet "dnsmasq" "kvnet/dnsmasq" target
	for load in "${dns_loads[@]}"; do
		kv=$(echo "${dns_vals[$load,kvnet]}" | tr ' ' '\n' | grep -v fail | median)
		dm=$(echo "${dns_vals[$load,dnsmasq]}" | tr ' ' '\n' | grep -v fail | median)
		printf '%-22s %14.0f %14.0f %15s %8s\n' "$load names" "$kv" "$dm" \
			"$(calc "$kv / $dm" %.2f)" ">= 1.00"
	done
	printf 'per run: kvnet local %s; dnsmasq local %s\n' "${dns_vals[local,kvnet]}" \
		"${dns_vals[local,dnsmasq]}"
	printf '         kvnet forwarded %s; dnsmasq forwarded %s\n' \
		"${dns_vals[forwarded,kvnet]}" "${dns_vals[forwarded,dnsmasq]}"
	printf 'forwarded: both answer from their caches, warmed by one pass first.\n'
	printf 'kvnet DNS counters at the end: %s\n' "$dns_counters"
}
