#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
# The kvnet demo (`make demo`). Starts kvnetd with an embedded network shaped
# like libvirt's default.xml (its own name, gateway port and subnet), attaches
# two guest namespaces on veth ports, pings between them and the gateway, asks
# the gateway's DNS for a guest's name, and
# shows the FDB and per-port counters. Everything lives in network namespaces
# this script creates: the machine's root namespace is never changed. It
# stays up until Ctrl-C, then removes everything it made.
set -euo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
kvnetd=$top/build/kvnetd
kvnet=$top/build/kvnet
tag=kvd$$
host=$tag-host
work=$(mktemp -d /tmp/kvnet-demo.XXXXXX)
daemon_pid=
guests=()

if [ -t 1 ]; then
	say() { printf '\n\033[1m== %s\033[0m\n' "$*"; }
else
	say() { printf '\n== %s\n' "$*"; }
fi

cleanup() {
	set +e
	if [ -n "$daemon_pid" ]; then
		kill "$daemon_pid" 2>/dev/null
		wait "$daemon_pid" 2>/dev/null
	fi
	for ns in "${guests[@]}" "$host"; do
		ip netns del "$ns" 2>/dev/null
	done
	rm -rf "$work"
	echo "demo: cleaned up"
}
trap cleanup EXIT
trap 'exit 0' INT TERM

kv() { ip netns exec "$host" "$kvnet" --run-dir "$work/run" "$@"; }

wait_for_daemon() {
	for _ in $(seq 100); do
		kv net list >/dev/null 2>&1 && return 0
		kill -0 "$daemon_pid" 2>/dev/null || break
		sleep 0.1
	done
	echo "demo: kvnetd did not come up; its log:" >&2
	cat "$work/kvnetd.log" >&2
	exit 1
}

# Like libvirt's default network, minus <forward mode='nat'> (NAT lands with
# its own issue): gateway kvdemo0 at 10.213.0.1/24, DHCP range declared.
cat >"$work/kvdemo.xml" <<'XML'
<network>
  <name>kvdemo</name>
  <bridge name='kvdemo0' stp='on' delay='0'/>
  <mac address='52:54:00:6b:76:01'/>
  <ip address='10.213.0.1' netmask='255.255.255.0'>
    <dhcp>
      <range start='10.213.0.2' end='10.213.0.254'/>
      <host mac='52:54:00:00:00:11' name='g1' ip='10.213.0.11'/>
      <host mac='52:54:00:00:00:12' name='g2' ip='10.213.0.12'/>
    </dhcp>
  </ip>
</network>
XML

say "host namespace $host; kvnetd state in $work"
ip netns add "$host"
ip -n "$host" link set lo up
# --resolv-conf /dev/null: names that are not the network's get SERVFAIL
# instead of going to this machine's resolvers
ip netns exec "$host" "$kvnetd" --state-dir "$work/state" --run-dir "$work/run" \
	--resolv-conf /dev/null 2>"$work/kvnetd.log" &
daemon_pid=$!
wait_for_daemon

say "kvnet net define kvdemo.xml && kvnet net start kvdemo"
kv net define "$work/kvdemo.xml"
kv net start kvdemo
kv net show kvdemo

add_guest() { # name ip mac
	local ns=$tag-$1 port=$tag-$1
	ip netns add "$ns"
	guests+=("$ns")
	ip -n "$ns" link set lo up
	ip -n "$host" link add "$port" type veth peer name eth0 netns "$ns"
	ip -n "$ns" link set eth0 address "$3"
	ip -n "$ns" addr add "$2/24" dev eth0
	ip -n "$ns" link set eth0 up
	kv port add kvdemo "$port" --mac "$3" # pinned: its reservation binds it
}

say "two guests on veth ports"
add_guest g1 10.213.0.11 52:54:00:00:00:11
add_guest g2 10.213.0.12 52:54:00:00:00:12
kv port list kvdemo

say "g1 -> g2, g1 -> gateway, host -> g2"
ip netns exec "$tag-g1" ping -c 3 -i 0.2 -W 2 10.213.0.12
ip netns exec "$tag-g1" ping -c 3 -i 0.2 -W 2 10.213.0.1
ip netns exec "$host" ping -c 3 -i 0.2 -W 2 10.213.0.12

say "g1 asks the gateway's DNS (kvnetd) for g2, and who 10.213.0.11 is"
ip netns exec "$tag-g1" dig +short @10.213.0.1 g2
ip netns exec "$tag-g1" dig +short @10.213.0.1 -x 10.213.0.11

say "the subnet check: a network on the host's LAN subnet is refused"
# a stand-in for the host's LAN, inside the demo's host namespace
ip -n "$host" link add lan0 type veth peer name lan0-peer
ip -n "$host" addr add 10.250.0.5/24 dev lan0
ip -n "$host" link set lan0 up
kv net create clash --mode isolated --subnet 10.250.0.0/24 >/dev/null
kv net start clash || true
kv net undefine clash >/dev/null

say "kvnet fdb kvdemo"
kv fdb kvdemo
say "kvnet stats kvdemo"
kv stats kvdemo

say "running; a ping g1 -> g2 every second; counters every 5 s. Ctrl-C to stop."
ip netns exec "$tag-g1" ping -q -i 1 10.213.0.12 >/dev/null &
while kill -0 "$daemon_pid" 2>/dev/null; do
	sleep 5
	kv stats kvdemo
done
