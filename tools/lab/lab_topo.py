# SPDX-License-Identifier: GPL-2.0-only
"""One mode's lab topology, in network namespaces kvnet lab creates.

The base of each mode is tools/paths.py's (which reuses the integration
tests' classes): a host namespace running kvnetd, two guests, and the
outside (an upstream router for isolated/nat/route/open; for bridge, a
LAN with its own dnsmasq). This adds what the lab needs on top: more
guests (--guests N), an upstream behind the LAN's router in bridged mode
(so every mode has an "internet"), and a bare guest that only asks for
leases (the DHCP measure). Lab.close() tears all of it down.
"""

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
for sub in ("tests/integration", "tools"):
    if str(ROOT / sub) not in sys.path:
        sys.path.insert(0, str(ROOT / sub))

import paths  # noqa: E402  (tools/paths.py: the modes' topologies)
from kvnet_harness import KvnetEnv, poll  # noqa: E402

MODES = ("isolated", "nat", "route", "open", "bridge")
DHCP_MAC = "52:54:00:b1:00:d0"
INET_NET = "203.0.113"      # bridged mode: the LAN router's upstream link


class Actor(paths.Actor):
    """A namespace the report names (g1, host, upstream, lan), the address
    it is reached at, and its MAC on eth0 where it has one."""


class Lab:
    """Everything one mode's experiments need, and its teardown."""

    impl = "kvnet"
    traceable = True   # kvnet trace can follow its packets

    def __init__(self, mode, xml=None):
        self.mode = mode
        self.env = KvnetEnv()
        if xml:  # the SPEC's network in place of the built-in one
            self.env.define_xml = lambda _, check=True: KvnetEnv.define_xml(
                self.env, xml, check)
        self.guests = []
        self.upstream = self.lan = None
        self.gateway_ip = self.host_ip = self.host_outside_ip = None
        self.dhcp_ns = None
        self.facts = {}
        self.reached = {}  # (src, ip) -> bool, for lab_measure.reaches()
        self.vms = []      # qemu guests (--vm), stopped by close()

    # host_ip: the host as guests reach it; host_outside_ip: as the
    # upstream (and the LAN) reach it.
    def build(self, nguests, vm=False):
        self.env.start_daemon()
        topo = paths.build(self.env, self.mode)
        self.net, self.facts = topo.net, dict(topo.facts)
        self.guests = [topo.g1, topo.g2]
        self.host_ip = topo.host_ip
        if self.mode == "bridge":
            self._build_bridge_outside(topo)
        else:
            self.upstream = Actor("upstream", topo.out.ns, topo.out.ip)
            self.gateway_ip = topo.host_ip
            self.host_outside_ip = ("10.201.0.1" if self.mode == "isolated"
                                    else self.facts["uplink_ip"])
        for i in range(3, nguests + 1):
            self.guests.append(self._extra_guest(f"g{i}", i))
        self.host = Actor("host", self.env.host, self.host_ip)
        self.dhcp_ns = self._bare("dh", DHCP_MAC)
        self.xml = self.env.cli("net", "dumpxml", self.net).stdout
        if vm:  # qemu guests measured; the namespace guests stay, idle
            import lab_vm
            self.guests = lab_vm.boot_guests(self, nguests)
            self.facts["guests"] = "qemu (TCG, kvnet vm run)"
        return self

    def _build_bridge_outside(self, topo):
        """Bridged mode: the LAN namespace (dnsmasq, 192.168.77.1) becomes
        the LAN's router, with the upstream behind it; guests and the host
        route through it, as on a real LAN."""
        lan = topo.out.ns
        self.lan = Actor("lan", lan, topo.out.ip)
        up = self.env.new_ns("kvinet-")
        lan.ip("link", "add", "inet0", "type", "veth", "peer", "name", "eth0",
               "netns", up.name)
        lan.ip("addr", "add", f"{INET_NET}.1/24", "dev", "inet0")
        lan.ip("link", "set", "inet0", "up")
        lan.sysctl("net.ipv4.ip_forward=1")
        up.ip("addr", "add", f"{INET_NET}.2/24", "dev", "eth0")
        up.ip("link", "set", "eth0", "up")
        up.ip("route", "add", "default", "via", f"{INET_NET}.1")
        self.upstream = Actor("upstream", up, f"{INET_NET}.2")
        self.gateway_ip = self.lan.ip
        self.host_outside_ip = topo.host_ip
        self.env.host.ip("route", "add", "default", "via", self.lan.ip)
        for g in (topo.g1, topo.g2):
            g.ns.ip("route", "add", "default", "via", self.lan.ip)

    def _bare(self, name, mac):
        from test_bridge_mode import bare_guest
        return bare_guest(self.env, self.net, name, mac)

    def _extra_guest(self, name, i):
        if self.mode == "bridge":
            from test_bridge_mode import lease
            ns = self._bare(name, f"52:54:00:b1:01:{i:02x}")
            g = Actor(name, ns, lease(self.env, ns), ns.port)
        else:
            base = self.gateway_ip.rsplit(".", 1)[0]
            hg = self.env.add_guest(self.net, name, f"{base}.{10 + i}")
            g = Actor(name, hg.ns, hg.ip, hg.port)
        g.ns.ip("route", "add", "default", "via", self.gateway_ip)
        return g

    # ---- what the measures ask -------------------------------------------
    def actors(self):
        """Every endpoint of the reachability matrix, by name."""
        out = {g.name: g for g in self.guests[:2]}  # g1, g2 (namespaces or qemu)
        out["host"] = self.host
        out["upstream"] = self.upstream
        if self.lan:
            out["lan"] = self.lan
        return out

    def address_of(self, dst, src):
        """The address src uses for dst (the host has one per side)."""
        if dst.name == "host" and src.name in ("upstream", "lan"):
            return self.host_outside_ip
        return dst.ip

    def mac_of(self, ns, ip):
        """The MAC ns has resolved for ip (ping it first)."""
        def lookup():
            for n in ns.ip_json("neigh", "show", ip):
                if n.get("lladdr") and n.get("state") != ["FAILED"]:
                    return n["lladdr"]
            ns.run(["ping", "-n", "-c", "1", "-W", "1", ip], check=False)
            return None
        return poll(lookup, 10, f"{ns.name}'s neighbour entry for {ip}")

    def close(self):
        if self.vms:
            import lab_vm
            lab_vm.stop_guests(self)
        return self.env.close()
