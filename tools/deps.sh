#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
# Installs every Debian 12 package kvnet needs to build, test and benchmark.
# Idempotent: packages already present are left alone, so this is safe to run
# before every build (apt is asked only when something is missing).
set -euo pipefail

pkgs=(
	# build
	make gcc clang llvm pkg-config bpftool libbpf-dev libelf-dev zlib1g-dev
	libnl-3-dev libnl-route-3-dev libpcap-dev libxml2-dev libjansson-dev
	# DNS: ldns for the wire format of the guests' queries
	libldns-dev
	# kvnetd drops the capabilities it does not need (switch/caps.c)
	libcap-ng-dev
	# privilege separation: the sandboxed parser of guests' bytes
	libseccomp-dev
	# unit tests, checks
	libcmocka-dev cppcheck clang-tidy libclang-rt-14-dev
	# integration tests and benchmarks
	iproute2 iputils-ping ethtool tcpdump iperf3 procps qemu-system-x86
	# NAT: the host firewall in the tests; libvirt's masquerade rules, the
	# baseline make bench compares against
	nftables
	# kvnet trace --svg draws with graphviz's dot
	graphviz
	python3 python3-pytest python3-scapy
	# DHCP: real clients in the tests; perfdhcp (kea-admin), Kea and
	# dnsmasq only as the baselines make bench compares against
	busybox isc-dhcp-client dhcpcd-base kea-admin kea-dhcp4-server dnsmasq-base
	# DNS: dig in the tests, dnsperf for make bench (dnsmasq its baseline)
	bind9-dnsutils dnsperf
	# the NSS module's tests: getent and ssh, and unshare and setpriv to
	# run them with a test nsswitch.conf and as an ordinary user
	libc-bin util-linux openssh-client
	# make install's test: systemd-analyze verify of the unit, and man for
	# the unit's Documentation= pages
	systemd man-db
	# libvirt's own qemu driver and virsh, run by the tests as root, isolated
	# in a test namespace and a private mount namespace (test_libvirt.py): the monolithic
	# libvirtd, none of whose packages has a service or starts one. Never
	# libvirt-daemon-system (a system libvirtd) or libvirt-daemon-config-
	# network (its 'default' network, virbr0 in the root namespace).
	libvirt-daemon libvirt-daemon-driver-qemu libvirt-clients
	# kvnet lab: its report's plots (matplotlib, SVG), and headless
	# Chromium, in which the suite opens that report
	python3-matplotlib chromium
)

missing=()
for p in "${pkgs[@]}"; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' ||
		missing+=("$p")
done
if [ ${#missing[@]} -eq 0 ]; then
	echo "deps: all ${#pkgs[@]} packages present"
	exit 0
fi
echo "deps: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
apt-get update -q
apt-get install -y -q --no-install-recommends "${missing[@]}"
