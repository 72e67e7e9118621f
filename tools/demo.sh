#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
# The kvnet demo (`make demo`): the whole mission on one real guest.
#
# kvnetd runs with libvirt's stock default network (NAT, virbr0,
# 192.168.122.0/24, DHCP), defined from the same XML libvirt ships. A real
# qemu guest (TCG; tests/guest/build.sh's Debian cloud kernel and busybox
# initramfs) is started with `kvnet vm run`, leases its address from kvnetd,
# resolves nothing outside (no internet here), and fetches a page from a web
# server standing in for the internet, through kvnet's NAT; `kvnet trace`
# shows that fetch hop by hop. Then the leases, the ports, the translated
# connections and the counters.
#
# Everything runs in network namespaces this script creates: a host
# namespace (kvnetd, the guest's qemu) and an upstream namespace (the web
# server, 203.0.113.80, behind a router at 198.51.100.254 with no route to
# the guests). Nothing leaves the machine and the root namespace is never
# changed. It stays up until Ctrl-C, then removes everything it made.
set -euo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
kvnetd=$top/build/kvnetd
kvnet=$top/build/kvnet
guest_cmd=$top/tools/guest_cmd.py
tag=kvd$$
host=$tag-host
up=$tag-net
web_ip=203.0.113.80
work=$(mktemp -d /tmp/kvnet-demo.XXXXXX)
chmod 755 "$work"
daemon_pid= qemu_pid= web_pid= trace_pid=

if [ -t 1 ]; then
	say() { printf '\n\033[1m== %s\033[0m\n' "$*"; }
else
	say() { printf '\n== %s\n' "$*"; }
fi
die() {
	echo "demo: $*" >&2
	exit 1
}

stop_pid() { # pid: TERM, then KILL after 5 s
	[ -n "$1" ] || return 0
	kill "$1" 2>/dev/null || return 0
	for _ in $(seq 50); do
		kill -0 "$1" 2>/dev/null || return 0
		sleep 0.1
	done
	kill -9 "$1" 2>/dev/null || true
}

cleanup() {
	set +e
	trap - INT TERM
	for pid in "$trace_pid" "$qemu_pid" "$web_pid" "$daemon_pid"; do
		stop_pid "$pid"
	done
	wait 2>/dev/null
	for ns in "$up" "$host"; do
		ip netns del "$ns" 2>/dev/null
	done
	rm -rf "$work"
	echo "demo: cleaned up"
}
trap cleanup EXIT
trap 'exit 0' INT TERM

kv() { ip netns exec "$host" "$kvnet" --run-dir "$work/run" "$@"; }

# wait_for SECONDS WHAT CMD...: poll CMD every 0.1 s, dots on the way
wait_for() {
	local secs=$1 what=$2 i
	shift 2
	printf 'waiting for %s ' "$what"
	for ((i = 0; i < secs * 10; i++)); do
		if "$@" >/dev/null 2>&1; then
			echo " ok"
			return 0
		fi
		((i % 10)) || printf '.'
		sleep 0.1
	done
	echo
	return 1
}

say "the guest: Debian's cloud kernel and a busybox initramfs (downloaded and built once)"
command -v qemu-system-x86_64 >/dev/null || die "qemu-system-x86_64 missing: run make deps"
bash "$top/tests/guest/build.sh" >"$work/guest.env" ||
	die "tests/guest/build.sh failed"
kernel=$(sed -n 's/^KERNEL=//p' "$work/guest.env")
initrd=$(sed -n 's/^INITRD=//p' "$work/guest.env")

say "namespaces: $host (kvnetd, the guest) and $up (the \"internet\")"
ip netns add "$host"
ip netns add "$up"
ip -n "$host" link set lo up
ip -n "$up" link set lo up
ip -n "$host" link add eth0 type veth peer name eth0 netns "$up"
ip -n "$host" addr add 198.51.100.1/24 dev eth0
ip -n "$host" link set eth0 up
ip -n "$host" route add default via 198.51.100.254
ip -n "$up" addr add 198.51.100.254/24 dev eth0
ip -n "$up" addr add "$web_ip/32" dev lo
ip -n "$up" link set eth0 up
mkdir -p "$work/www"
echo "Hello from $web_ip, a web server in namespace $up" >"$work/www/index.html"
ip netns exec "$up" /usr/bin/python3 -m http.server --bind "$web_ip" 80 \
	--directory "$work/www" >"$work/web.log" 2>&1 &
web_pid=$!

say "kvnetd, and libvirt's stock default network (kvnet net define default.xml)"
# --resolv-conf /dev/null: names that are not the network's get SERVFAIL
# instead of going to this machine's resolvers
ip netns exec "$host" "$kvnetd" --state-dir "$work/state" --run-dir "$work/run" \
	--resolv-conf /dev/null 2>"$work/kvnetd.log" &
daemon_pid=$!
wait_for 10 kvnetd kv net list || { cat "$work/kvnetd.log" >&2; die "kvnetd did not come up"; }
cat >"$work/default.xml" <<'XML'
<network>
  <name>default</name>
  <bridge name='virbr0'/>
  <forward/>
  <ip address='192.168.122.1' netmask='255.255.255.0'>
    <dhcp>
      <range start='192.168.122.2' end='192.168.122.254'/>
    </dhcp>
  </ip>
</network>
XML
cat "$work/default.xml"
kv net define "$work/default.xml"
kv net start default
kv net show default

say "kvnet vm run default --name demo1 -- qemu-system-x86_64 ..."
ip netns exec "$host" "$kvnet" --run-dir "$work/run" vm run default --name demo1 -- \
	qemu-system-x86_64 -accel tcg -m 256 -smp 1 -nodefaults -no-user-config \
	-display none -no-reboot -kernel "$kernel" -initrd "$initrd" \
	-append "console=ttyS0 panic=-1 kvnet.ip=dhcp kvnet.name=demo1 kvnet.cmd=kvnet.cmd" \
	-serial "file:$work/console.log" -device virtio-serial-pci \
	-chardev "socket,id=cmd,path=$work/cmd.sock,server=on,wait=off" \
	-device virtserialport,chardev=cmd,name=kvnet.cmd \
	>"$work/qemu.log" 2>&1 &
qemu_pid=$!
booted() {
	kill -0 "$qemu_pid" || return 2
	grep -q 'KVNET-GUEST-READY' "$work/console.log"
}
if ! wait_for 120 "the guest to boot and lease an address (TCG: 5-15 s)" booted; then
	cat "$work/qemu.log" >&2
	tail -n 30 "$work/console.log" >&2
	die "the guest did not come up"
fi
cat "$work/qemu.log"
grep -a 'KVNET-GUEST-READY' "$work/console.log" | tr -d '\r'

say "kvnet leases default: the guest's lease, from kvnetd's own DHCP server"
kv leases default
say "kvnet port list default"
kv port list default

guest() { ip netns exec "$host" /usr/bin/python3 "$guest_cmd" "$work/cmd.sock" "$@"; }

say "the guest asks kvnetd's DNS (its lease named 192.168.122.1) for its own name"
echo "guest\$ nslookup demo1"
guest "nslookup demo1" || die "the gateway's DNS did not answer"

say "kvnet trace: the guest runs wget http://$web_ip/; its opening and closing packets, hop by hop"
# four frames: the guest's SYN, the server's SYN-ACK, and a FIN each way
ip netns exec "$host" "$kvnet" --run-dir "$work/run" trace default --count 4 --timeout 60 \
	'tcp port 80 and tcp[tcpflags] & (tcp-syn|tcp-fin) != 0' >"$work/trace.txt" 2>&1 &
trace_pid=$!
wait_for 10 "the trace to attach" grep -q . "$work/trace.txt" ||
	{ cat "$work/trace.txt"; die "kvnet trace did not start"; }
echo "guest\$ wget -q -O - http://$web_ip/"
guest "wget -q -O - http://$web_ip/" || die "the guest could not fetch the page"
wait "$trace_pid" || true
trace_pid=
cat "$work/trace.txt"

say "kvnet conntrack default: the translated connection"
kv conntrack default
say "kvnet stats default"
kv stats default

# the test suite's run (tests/integration/test_demo.py) ends here
[ -z "${KVNET_DEMO_ONCE:-}" ] || exit 0

say "running; the guest pings the web server every second; counters every 10 s. Ctrl-C to stop."
guest "(ping -q $web_ip >/dev/null 2>&1 &)"
while kill -0 "$daemon_pid" 2>/dev/null && kill -0 "$qemu_pid" 2>/dev/null; do
	sleep 10
	kv stats default
done
echo "demo: kvnetd or qemu exited" >&2
