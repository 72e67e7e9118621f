#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
# Builds the test guest that tests/integration/test_guest.py boots under qemu
# (TCG): the Debian cloud kernel, and a gzipped cpio initramfs holding a
# static busybox, the virtio-net driver modules, iperf3 with the shared
# libraries it needs, and an /init that brings eth0 up with the address on the
# kernel command line (kvnet.ip=A.B.C.D/P, optional kvnet.gw=G) or leased by
# busybox udhcpc (kvnet.ip=dhcp, sending kvnet.name=NAME as its hostname),
# starts `iperf3 -s` (its log in /run/iperf3.log) and a shell on a
# virtio-serial port (kvnet.cmd=NAME), prints the readiness marker on the
# serial console and waits. The tests also
# run busybox's wget, nc, httpd, dd and sha256sum in the guest.
#
# Everything comes from Debian packages: the kernel package that
# linux-image-cloud-amd64 depends on and busybox-static are fetched with
# `apt-get download` and unpacked with `dpkg-deb -x` (never installed);
# iperf3 is the host's (Debian package iperf3). Output goes to
# tests/guest/cache/ (or $KVNET_GUEST_CACHE): vmlinuz, initramfs.gz and
# guest.env. The build is skipped when its inputs (this script, the package
# versions, the host's iperf3 and libraries) are those of the cached build.
# The last lines printed are KERNEL=..., INITRD=... and KERNEL_VERSION=....
#
# Host tools used: apt-get, dpkg-deb, gzip, sha256sum, ldd, chroot, flock
# (all in a base Debian 12), and iperf3. The archive is written by the
# unpacked busybox's own cpio applet, so the cpio package is not needed.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
cache=${KVNET_GUEST_CACHE:-$here/cache}
meta=linux-image-cloud-amd64
# Loaded in this order by /init (each after the modules it depends on).
want_modules=(virtio_ring virtio virtio_pci_modern_dev virtio_pci_legacy_dev
	virtio_pci failover net_failover virtio_net virtio_console)
export DEBIAN_FRONTEND=noninteractive LC_ALL=C

die() {
	echo "guest build: $*" >&2
	exit 1
}
log() { echo "guest build: $*" >&2; }

mkdir -p "$cache"
exec 9>"$cache/.lock"
flock -w 900 9 || die "another build holds $cache/.lock"

# Stale or missing package lists: refresh them once and start over, since
# the versions to build from may change with them.
refresh_and_restart() {
	[ -z "${KVNET_GUEST_REFRESHED:-}" ] || die "$1 (after apt-get update)"
	log "$1: refreshing the package lists (apt-get update)"
	apt-get update -q >&2 || die "apt-get update failed"
	export KVNET_GUEST_REFRESHED=1
	exec 9>&-
	exec bash "$0"
}

# The versioned kernel package the meta package points at, e.g.
# linux-image-6.1.0-56-cloud-amd64, and candidate versions.
kernel_package() {
	{ apt-cache depends "$meta" 2>/dev/null || true; } |
		sed -n 's/^ *Depends: \(linux-image-[0-9][^ ]*\)$/\1/p' | head -n1
}
candidate() {
	{ apt-cache policy "$1" 2>/dev/null || true; } |
		sed -n 's/^ *Candidate: //p' | { grep -vx '(none)' || true; }
}

kpkg=$(kernel_package)
[ -n "$kpkg" ] || refresh_and_restart "no kernel package behind $meta"
kver=$(candidate "$kpkg")
[ -n "$kver" ] || refresh_and_restart "no candidate version of $kpkg"
bver=$(candidate busybox-static)
[ -n "$bver" ] || refresh_and_restart "no candidate version of busybox-static"
krel=${kpkg#linux-image-}

iperf3=$(command -v iperf3) ||
	die "iperf3 missing: install Debian package iperf3"
iperf3=$(readlink -f "$iperf3")
# The shared libraries iperf3 needs, and the loader (their paths).
libs=$(ldd "$iperf3" | awk '
	$2 == "=>" && $3 ~ /^\// { print $3 }
	$1 ~ /^\// { print $1 }')
[ -n "$libs" ] || die "ldd found no libraries for $iperf3"

key=$({
	sha256sum "$0" | cut -d' ' -f1
	echo "$kpkg=$kver busybox-static=$bver"
	for f in "$iperf3" $libs; do
		echo "$f $(sha256sum "$(readlink -f "$f")" | cut -d' ' -f1)"
	done
} | sha256sum | cut -d' ' -f1)

report() {
	echo "KERNEL=$cache/vmlinuz"
	echo "INITRD=$cache/initramfs.gz"
	echo "KERNEL_VERSION=$krel"
}

if [ -f "$cache/stamp" ] && [ "$(cat "$cache/stamp")" = "$key" ] &&
	[ -s "$cache/vmlinuz" ] && [ -s "$cache/initramfs.gz" ]; then
	log "cached guest is up to date ($kpkg $kver, busybox $bver)"
	report
	exit 0
fi

# --- the two packages, kept in the cache and checked against the SHA256
# the package lists give for that version ---
debs=$cache/debs
mkdir -p "$debs"
fetch() { # package version: $debs/package.deb, verified
	local pkg=$1 ver=$2 sum deb=$debs/$1.deb dl
	sum=$(apt-cache show "$pkg=$ver" 2>/dev/null |
		sed -n 's/^SHA256: //p' | head -n1)
	[ -n "$sum" ] || die "the package lists give no SHA256 for $pkg=$ver"
	if ! echo "$sum  $deb" | sha256sum -c --status 2>/dev/null; then
		log "downloading $pkg=$ver"
		dl=$(mktemp -d "$debs/dl.XXXXXX")
		if ! (cd "$dl" && apt-get -q -o Acquire::Retries=3 \
			-o APT::Sandbox::User=root download "$pkg=$ver" >&2); then
			rm -rf "$dl"
			# the lists may name a version the mirror no longer has
			refresh_and_restart "apt-get download $pkg=$ver failed"
		fi
		mv "$dl"/*.deb "$deb"
		rm -rf "$dl"
		echo "$sum  $deb" | sha256sum -c --status ||
			die "$pkg=$ver: downloaded file does not match its SHA256"
	fi
}
fetch "$kpkg" "$kver"
fetch busybox-static "$bver"
kdeb=$debs/$kpkg.deb
bdeb=$debs/busybox-static.deb

work=$(mktemp -d "$cache/build.XXXXXX")
trap 'rm -rf "$work"' EXIT
log "building from $kpkg $kver, busybox-static $bver, $iperf3"

dpkg-deb -x "$kdeb" "$work/kernel"
dpkg-deb -x "$bdeb" "$work/busybox"
vmlinuz=$work/kernel/boot/vmlinuz-$krel
[ -s "$vmlinuz" ] || die "$kdeb has no boot/vmlinuz-$krel"
bb=$work/busybox/bin/busybox
[ -x "$bb" ] || die "$bdeb has no bin/busybox"
moddir=$work/kernel/lib/modules/$krel

# --- the initramfs tree ---
root=$work/root
mkdir -p "$root"/{bin,sbin,dev,proc,sys,tmp,etc,usr/bin,lib/modules}
chmod 1777 "$root/tmp"
cp "$bb" "$root/bin/busybox"
ln -s busybox "$root/bin/sh"

: >"$root/etc/modules"
for m in "${want_modules[@]}"; do
	src=$(find "$moddir/kernel" \( -name "$m.ko" -o -name "$m.ko.xz" \) |
		head -n1)
	[ -n "$src" ] || die "module $m not in $kpkg"
	case $src in
	*.ko.xz) "$bb" unxz -c "$src" >"$root/lib/modules/$m.ko" ;;
	*) cp "$src" "$root/lib/modules/$m.ko" ;;
	esac
	# each dependency must come earlier in the list
	deps=$(tr '\0' '\n' <"$root/lib/modules/$m.ko" |
		sed -n 's/^depends=//p' | tr ',' ' ')
	for d in $deps; do
		grep -qx "$d" "$root/etc/modules" || die "module $m needs $d first"
	done
	echo "$m" >>"$root/etc/modules"
done

# udhcpc's event script (kvnet.ip=dhcp): the lease's address, router and
# name servers on eth0, and the lease itself in /run/lease for /init
mkdir -p "$root/etc/udhcpc" "$root/run"
cat >"$root/etc/udhcpc/default.script" <<'EOF'
#!/bin/sh
# busybox udhcpc's event script: $1 is the event; $interface, $ip, $mask
# (the prefix length), $router, $dns and $domain come from the lease.
case $1 in
deconfig)
	ip addr flush dev "$interface"
	ip link set "$interface" up
	;;
bound | renew)
	ip addr flush dev "$interface"
	ip addr add "$ip/$mask" dev "$interface"
	for r in $router; do
		ip route replace default via "$r" dev "$interface"
		break
	done
	: >/etc/resolv.conf
	[ -z "$domain" ] || echo "search $domain" >>/etc/resolv.conf
	for d in $dns; do
		echo "nameserver $d" >>/etc/resolv.conf
	done
	echo "ip=$ip/$mask router=${router%% *} dns=${dns%% *}" >/run/lease
	;;
esac
exit 0
EOF
chmod 755 "$root/etc/udhcpc/default.script"

cp "$iperf3" "$root/usr/bin/iperf3"
for f in $libs; do
	mkdir -p "$root$(dirname "$f")"
	cp -L "$f" "$root$f"
done

cat >"$root/init" <<'EOF'
#!/bin/sh
# kvnet test guest. Kernel command line: kvnet.ip=A.B.C.D/P or
# kvnet.ip=dhcp (required), kvnet.gw=G (static only: a lease names its
# router), kvnet.name=NAME (the hostname, sent in DHCP option 12),
# kvnet.cmd=NAME (a virtio-serial port by that name carries a shell for the
# test harness). Brings eth0 up, starts iperf3 -s and the shell, then prints
# KVNET-GUEST-READY ip=A.B.C.D/P mac=... on the console; a failure prints
# KVNET-GUEST-FAILED and powers off.
export PATH=/bin:/sbin:/usr/bin
/bin/busybox --install -s /bin
mount -t proc proc /proc
mount -t sysfs sys /sys
mount -t devtmpfs dev /dev
exec </dev/console >/dev/console 2>&1

fail() {
	echo "KVNET-GUEST-FAILED: $*"
	poweroff -f
}
for m in $(cat /etc/modules); do
	insmod "/lib/modules/$m.ko" || fail "insmod $m"
done

ip= gw= cmd= name=
for arg in $(cat /proc/cmdline); do
	case $arg in
	kvnet.ip=*) ip=${arg#kvnet.ip=} ;;
	kvnet.gw=*) gw=${arg#kvnet.gw=} ;;
	kvnet.cmd=*) cmd=${arg#kvnet.cmd=} ;;
	kvnet.name=*) name=${arg#kvnet.name=} ;;
	esac
done
[ -n "$ip" ] || fail "no kvnet.ip= on the kernel command line"
[ -z "$name" ] || hostname "$name"

i=0
while [ ! -e /sys/class/net/eth0 ]; do
	i=$((i + 1))
	[ $i -le 200 ] || fail "no eth0"
	usleep 50000
done
# IPv4 only, as the harness's veth guests: no DAD/RS/MLD chatter
echo 1 >/proc/sys/net/ipv6/conf/all/disable_ipv6
echo 1 >/proc/sys/net/ipv6/conf/default/disable_ipv6
echo 1 >/proc/sys/net/ipv6/conf/eth0/disable_ipv6
# (this runs inside the qemu guest, whose network is its own)
guest_ip() { busybox ip "$@"; }
guest_ip link set lo up
if [ "$ip" != dhcp ]; then
	guest_ip addr add "$ip" dev eth0 || fail "cannot add address $ip to eth0"
fi
guest_ip link set eth0 up || fail "eth0 up"
[ -z "$gw" ] || guest_ip route add default via "$gw" || fail "route via $gw"
# ready means frames go out: until virtio-net reports the link up, the
# device's queue discards what is sent
i=0
until [ "$(cat /sys/class/net/eth0/carrier 2>/dev/null)" = 1 ]; do
	i=$((i + 1))
	[ $i -le 200 ] || fail "eth0 has no carrier"
	usleep 50000
done
if [ "$ip" = dhcp ]; then
	# a DISCOVER a second for 30 s, then give up (-n); exit once bound
	# (-q), the lease staying on eth0
	set -- -i eth0 -t 30 -T 1 -n -q
	[ -z "$name" ] || set -- "$@" -x "hostname:$name"
	udhcpc "$@" || fail "udhcpc got no lease on eth0"
	ip=$(sed -n 's/^ip=\([^ ]*\).*/\1/p' /run/lease 2>/dev/null)
	[ -n "$ip" ] || fail "udhcpc's script left no lease in /run/lease"
fi

iperf3 -s -V >/run/iperf3.log 2>&1 &
i=0
until netstat -ltn | grep -q ':5201 '; do
	i=$((i + 1))
	[ $i -le 400 ] || fail "iperf3 -s is not listening"
	usleep 50000
done

# The command port: one open of the device (a virtio port takes only one),
# read by cat into a non-interactive sh whose output goes back to it.
if [ -n "$cmd" ]; then
	i=0 port=
	while [ -z "$port" ]; do
		for n in /sys/class/virtio-ports/*/name; do
			[ "$(cat "$n" 2>/dev/null)" = "$cmd" ] || continue
			d=${n%/name}
			[ -e "/dev/${d##*/}" ] && port=/dev/${d##*/}
		done
		i=$((i + 1))
		[ -n "$port" ] || [ $i -le 200 ] || fail "no virtio port $cmd"
		[ -n "$port" ] || usleep 50000
	done
	(
		exec 3<>"$port"
		while :; do
			cat <&3 | sh >&3 2>&3
			sleep 1 # the harness closed the port
		done
	) &
fi
mac=$(cat /sys/class/net/eth0/address)
echo "KVNET-GUEST-READY ip=$ip mac=$mac kernel=$(uname -r)"
while :; do
	sleep 3600
done
EOF
chmod 755 "$root/init"

# the guest's programs must at least start (same architecture as the host)
chroot "$root" /bin/busybox true || die "busybox does not run"
# the applets /init and the tests run in the guest
applets=$(chroot "$root" /bin/busybox --list)
for a in udhcpc ip sed hostname netstat wget nc httpd dd sha256sum md5sum; do
	grep -qx "$a" <<<"$applets" || die "busybox-static $bver has no $a applet"
done
chroot "$root" /usr/bin/iperf3 --version >/dev/null ||
	die "iperf3 does not run with the copied libraries"

(cd "$root" && find . -mindepth 1 | LC_ALL=C sort |
	"$bb" cpio -o -H newc -R 0:0) | gzip -9n >"$work/initramfs.gz"
[ -s "$work/initramfs.gz" ] || die "empty initramfs"

cp "$vmlinuz" "$work/vmlinuz"
cat >"$work/guest.env" <<EOF
KERNEL_PACKAGE=$kpkg
KERNEL_PACKAGE_VERSION=$kver
KERNEL_VERSION=$krel
BUSYBOX_VERSION=$bver
IPERF3=$($iperf3 --version | head -n1)
EOF
rm -f "$cache/stamp"
mv -f "$work/vmlinuz" "$cache/vmlinuz"
mv -f "$work/initramfs.gz" "$cache/initramfs.gz"
mv -f "$work/guest.env" "$cache/guest.env"
echo "$key" >"$cache/stamp"
log "built $(du -h "$cache/initramfs.gz" | cut -f1) initramfs, kernel $krel"
report
