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
is measured). For bridged mode libvirt makes nothing itself: its
<forward mode='bridge'> names a host bridge the admin made (br0), which
holds the NIC, and the host's address moves from the NIC to the bridge;
the guests' taps join it and lease from the LAN's DHCP server. The
baseline builds that.
"""

import subprocess

from lab_topo import DHCP_MAC, Actor, Lab

MODES = ("isolated", "nat", "route", "open", "bridge")
BRIDGE = "virbr0"
HOST_BRIDGE = "br0"  # bridged mode: the admin's bridge, holding the NIC
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
        if self.mode == "bridge":
            return self._build_bridged(nguests)
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

    def _build_bridged(self, nguests):
        """The host bridge br0 holding the NIC (lan0) and the host's
        address, the guests on it leasing from the LAN's dnsmasq, and the
        outside as kvnet's bridged column has it (lab_topo)."""
        from types import SimpleNamespace

        from test_bridge_mode import HOST_IP, LAN_IP, UPLINK, Lan, lease
        env, host = self.env, self.env.host
        lan = Lan(env).start_dhcp()
        host.ip("link", "add", HOST_BRIDGE, "type", "bridge")
        host.ip("addr", "del", f"{HOST_IP}/24", "dev", UPLINK)
        host.ip("link", "set", UPLINK, "master", HOST_BRIDGE)
        host.ip("addr", "add", f"{HOST_IP}/24", "dev", HOST_BRIDGE)
        host.ip("link", "set", HOST_BRIDGE, "up")
        self.net, self.facts = HOST_BRIDGE, {"lan_dhcp": LAN_IP}
        self.host_ip = HOST_IP
        self.xml = (f"(libvirt-like: <forward mode='bridge'/> on host bridge {HOST_BRIDGE}, "
                    f"{UPLINK} enslaved, the host's {HOST_IP} moved to it)\n")
        guests = []
        for i in range(1, nguests + 1):
            ns = self._bare_guest(f"g{i}", f"52:54:00:b1:00:{i:02x}", HOST_BRIDGE)
            guests.append(Actor(f"g{i}", ns, lease(env, ns), ns.port))
        topo = SimpleNamespace(out=Actor("lan", lan.ns, LAN_IP, UPLINK), host_ip=HOST_IP,
                               g1=guests[0], g2=guests[1])
        self._build_bridge_outside(topo)
        for g in guests[2:]:
            g.ns.ip("route", "add", "default", "via", LAN_IP)
        self.guests = guests
        self.host = Actor("host", host, self.host_ip)
        self.dhcp_ns = self._bare_guest("dh", DHCP_MAC, HOST_BRIDGE)
        return self

    def _guest(self, name, ip):
        g = self.env.add_guest(BRIDGE, name, ip, attach=False)
        self.env.host.ip("link", "set", g.port, "master", BRIDGE)
        g.ns.ip("route", "add", "default", "via", self.gateway_ip)
        return Actor(name, g.ns, g.ip, g.port)

    def _bare_guest(self, name="dh", mac=DHCP_MAC, bridge=BRIDGE):
        """A guest namespace with eth0 up and no address, on bridge."""
        ns = self.env.new_ns(f"kvg-{name}-")
        ns.sysctl("net.ipv6.conf.all.disable_ipv6=1", "net.ipv6.conf.default.disable_ipv6=1")
        port = f"kv-{name}"
        self.env.host.ip("link", "add", port, "type", "veth", "peer", "name", "eth0",
                         "netns", ns.name)
        ns.ip("link", "set", "eth0", "address", mac)
        ns.ip("link", "set", "eth0", "up")
        self.env.host.ip("link", "set", port, "master", bridge, "up")
        ns.port, ns.mac = port, mac
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
