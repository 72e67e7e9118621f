# SPDX-License-Identifier: GPL-2.0-only
"""--baseline: what libvirt builds for the same mode, as one more column,
measured in the same run with the same guests, addresses and traffic.

libvirt's network driver makes a Linux bridge (virbr0) holding the
gateway address, runs one dnsmasq on it for DHCP, turns on ip_forward and
writes nftables rules (its nftables backend, as tools/bench_nat.sh has
them): isolated rejects all forwarding to and from the bridge; nat
accepts guest traffic out of the uplink, lets back in only tracked
replies and masquerades the subnet (ports 1024-65535); route accepts both
ways without translation; open writes no rule. This builds exactly that
in namespaces of its own (no libvirtd: its rules and processes are what
is measured). Bridged mode has no baseline column (libvirt does not make
that network; the host's own bridge is kvnet's comparison there).
"""

import subprocess

from lab_topo import DHCP_MAC, Actor, Lab

MODES = ("isolated", "nat", "route", "open")
BRIDGE = "virbr0"
UPLINK = "up0"
# mode -> (subnet, the host's uplink address, the upstream's address)
ADDRS = {"isolated": ("10.77.0", "10.201.0.1", "10.201.0.2"),
         **{m: ("192.168.77", "198.51.100.1", "198.51.100.2")
            for m in ("nat", "route", "open")}}

def nft_rules(mode, subnet):
    """libvirt's nftables ruleset for mode (an empty string for open)."""
    net, br, up = f"{subnet}.0/24", BRIDGE, UPLINK
    if mode == "open":
        return ""
    out_rule = f'ip saddr {net} iif "{br}" oif "{up}" counter accept'
    in_rule = {"nat": f'iif "{up}" oif "{br}" ip daddr {net} ct state related,established '
                      "counter accept",
               "route": f'iif "{up}" oif "{br}" ip daddr {net} counter accept'}.get(mode, "")
    if mode == "isolated":
        out_rule = ""
    masq = ""
    if mode == "nat":
        masq = f"""
    chain guest_nat {{
        type nat hook postrouting priority srcnat; policy accept;
        ip saddr {net} ip daddr 224.0.0.0/24 counter return
        ip saddr {net} ip daddr 255.255.255.255 counter return
        meta l4proto tcp ip saddr {net} ip daddr != {net} oif "{up}" counter masquerade to :1024-65535
        meta l4proto udp ip saddr {net} ip daddr != {net} oif "{up}" counter masquerade to :1024-65535
        ip saddr {net} ip daddr != {net} oif "{up}" counter masquerade
    }}"""
    return f"""table ip libvirt_network {{
    chain forward {{
        type filter hook forward priority filter; policy accept;
        counter jump guest_cross
        counter jump guest_input
        counter jump guest_output
    }}
    chain guest_output {{
        {out_rule}
        iif "{br}" counter reject
    }}
    chain guest_input {{
        {in_rule}
        oif "{br}" counter reject
    }}
    chain guest_cross {{
        iif "{br}" oif "{br}" counter accept
    }}{masq}
}}
"""


class LibvirtLab(Lab):
    """A Lab whose network is libvirt's build, not kvnet's."""

    impl = "libvirt"
    traceable = False  # no kvnet datapath to report the path

    def build(self, nguests, vm=False):
        if vm:
            raise SystemExit("kvnet lab: --vm has no libvirt baseline (no --baseline with --vm)")
        subnet, uplink_ip, up_ip = ADDRS[self.mode]
        env, host = self.env, self.env.host
        self.net, self.facts = BRIDGE, {"uplink_ip": uplink_ip}
        host.ip("link", "add", BRIDGE, "type", "bridge")
        host.ip("addr", "add", f"{subnet}.1/24", "dev", BRIDGE)
        host.ip("link", "set", BRIDGE, "up")
        up = env.add_upstream(host_ip=uplink_ip, peer_ip=up_ip, routes=())
        if self.mode in ("route", "open"):  # the upstream routes back
            up.ip("route", "add", f"{subnet}.0/24", "via", uplink_ip)
        self.upstream = Actor("upstream", up, up_ip)
        self.gateway_ip = self.host_ip = f"{subnet}.1"
        self.host_outside_ip = uplink_ip
        rules = nft_rules(self.mode, subnet)
        if rules:
            host.run(["nft", "-f", "-"], input=rules)
        self.xml = f"(libvirt-like: bridge {BRIDGE}, dnsmasq, nftables)\n{rules}"
        self.guests = [self._guest(f"g{i}", f"{subnet}.{10 + i}")
                       for i in range(1, nguests + 1)]
        self.host = Actor("host", host, self.host_ip)
        self._dnsmasq(subnet)
        self.dhcp_ns = self._bare_guest()
        return self

    def _guest(self, name, ip):
        g = self.env.add_guest(BRIDGE, name, ip, attach=False)
        self.env.host.ip("link", "set", g.port, "master", BRIDGE)
        g.ns.ip("route", "add", "default", "via", self.gateway_ip)
        return Actor(name, g.ns, g.ip, g.port)

    def _bare_guest(self):
        ns = self.env.new_ns("kvg-dh-")
        ns.sysctl("net.ipv6.conf.all.disable_ipv6=1", "net.ipv6.conf.default.disable_ipv6=1")
        self.env.host.ip("link", "add", "kv-dh", "type", "veth", "peer", "name", "eth0",
                         "netns", ns.name)
        ns.ip("link", "set", "eth0", "address", DHCP_MAC)
        ns.ip("link", "set", "eth0", "up")
        self.env.host.ip("link", "set", "kv-dh", "master", BRIDGE, "up")
        ns.port = "kv-dh"
        return ns

    def _dnsmasq(self, subnet):
        """dnsmasq for DHCP as libvirt starts it (it also pings an address
        before offering it); DNS off, the lab measures DHCP only."""
        tmp = self.env.tmp
        self.env.host.popen(
            ["dnsmasq", "-k", "--conf-file=/dev/null", "--port=0", "--user=root",
             "--strict-order", "--bind-dynamic", f"--interface={BRIDGE}",
             "--except-interface=lo", "--dhcp-authoritative", "--dhcp-no-override",
             f"--dhcp-range={subnet}.100,{subnet}.150,255.255.255.0",
             f"--dhcp-leasefile={tmp / 'libvirt.leases'}",
             f"--pid-file={tmp / 'libvirt-dnsmasq.pid'}"],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
