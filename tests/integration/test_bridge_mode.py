# SPDX-License-Identifier: GPL-2.0-only
"""Bridged mode (<forward mode='bridge'> with an uplink NIC, issue 14): the
host's NIC (here a veth, lan0, whose peer sits in a "lan" namespace with
dnsmasq serving DHCP) becomes a switch port and keeps the host's address.
Guests lease from the LAN's dnsmasq, reach the LAN and the host (and the
host them, ARP included), and the host stays reachable from the LAN the
whole time: through net start, guests leasing, kill -9 and restart of
kvnetd, and net stop. Bad uplinks are refused with the state unchanged."""

import json
import re
import signal
import subprocess

import pytest

from kvnet_harness import (PYTHON, SENDP_SCRIPT, TCXLS, Capture, ether_marker, poll,
                           stop_process, tag, tagged_frame)

HOST_IP = "192.168.77.2"
LAN_IP = "192.168.77.1"
RANGE = ("192.168.77.100", "192.168.77.150")
UPLINK = "lan0"

UDHCPC_SCRIPT = """#!/bin/sh
case "$1" in
bound|renew) ip addr flush dev "$interface"; ip addr add "$ip/$mask" dev "$interface" ;;
deconfig) ip addr flush dev "$interface" ;;
esac
echo "$1 $ip" >> "$LOG"
"""


def bridge_xml(name="br", uplink=UPLINK, form="interface"):
    fwd = (f"<forward mode='bridge'><interface dev='{uplink}'/></forward>"
           if form == "interface" else f"<forward mode='bridge' dev='{uplink}'/>")
    return f"<network>\n  <name>{name}</name>\n  {fwd}\n</network>\n"


class Lan:
    """The "lan" namespace behind the host's uplink: eth0 with LAN_IP and a
    dnsmasq serving DHCP on it."""

    def __init__(self, env):
        self.env = env
        self.ns = env.new_ns("kvlan-")
        env.host.ip("link", "add", UPLINK, "type", "veth", "peer", "name", "eth0",
                    "netns", self.ns.name)
        env.host.ip("addr", "add", f"{HOST_IP}/24", "dev", UPLINK)
        env.host.ip("link", "set", UPLINK, "up")
        self.ns.sysctl("net.ipv6.conf.all.disable_ipv6=1",
                       "net.ipv6.conf.default.disable_ipv6=1")
        self.ns.ip("addr", "add", f"{LAN_IP}/24", "dev", "eth0")
        self.ns.ip("link", "set", "eth0", "up")
        self.host_mac = env.host.ip_json("link", "show", "dev", UPLINK)[0]["address"]
        self.dnsmasq = None

    def start_dhcp(self):
        leases = self.env.tmp / "lan.leases"
        self.dnsmasq = self.ns.popen(
            ["dnsmasq", "-k", "--conf-file=/dev/null", "--port=0", "--user=root",
             "--interface=eth0", "--bind-interfaces", "--dhcp-authoritative",
             f"--dhcp-range={RANGE[0]},{RANGE[1]},255.255.255.0,1h",
             f"--dhcp-leasefile={leases}", f"--pid-file={self.env.tmp / 'dnsmasq.pid'}"],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        return self


class Pinger:
    """ping that runs in the background; lost() says which requests went
    unanswered between the first and the last answered one."""

    def __init__(self, ns, dst, log, interval="0.05"):
        self.log = log
        self.f = open(log, "w")
        self.proc = ns.popen(["ping", "-n", "-i", interval, dst], stdout=self.f,
                             stderr=subprocess.STDOUT)

    def seqs(self):
        return [int(m) for m in re.findall(r"icmp_seq=(\d+) ttl", self.log.read_text())]

    def wait_replies(self, n, timeout=10):
        poll(lambda: len(self.seqs()) >= n, timeout, f"{n} ping replies")

    def stop(self):
        stop_process(self.proc, signal.SIGINT)
        self.f.close()
        got = self.seqs()
        assert got, "no reply at all:\n" + self.log.read_text()
        missing = sorted(set(range(got[0], got[-1] + 1)) - set(got))
        return got, missing


@pytest.fixture
def lan(kvnet):
    return Lan(kvnet).start_dhcp()


def bare_guest(env, net, name, mac):
    """A guest namespace with eth0 up and no address, on net."""
    ns = env.new_ns(f"kvg-{name[:6]}-")
    port = f"kv-{name}"[:15]
    ns.sysctl("net.ipv6.conf.all.disable_ipv6=1", "net.ipv6.conf.default.disable_ipv6=1")
    env.host.ip("link", "add", port, "type", "veth", "peer", "name", "eth0", "netns", ns.name)
    ns.ip("link", "set", "eth0", "address", mac)
    ns.ip("link", "set", "eth0", "up")
    env.host.ip("link", "set", port, "up")
    env.cli("port", "add", net, port)
    ns.mac, ns.port = mac, port
    return ns


def lease(env, g):
    """Run busybox udhcpc in guest g until it is bound; returns its IP."""
    log = env.tmp / f"udhcpc-{g.port}.log"
    script = env.tmp / "udhcpc.sh"
    script.write_text(UDHCPC_SCRIPT)
    script.chmod(0o755)
    g.popen(["env", f"LOG={log}", "busybox", "udhcpc", "-f", "-i", "eth0", "-s", script,
             "-t", "10", "-T", "1"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)

    def bound():
        lines = log.read_text().split("\n") if log.exists() else []
        return next((ln.split()[1] for ln in lines if ln.startswith("bound ")), None)
    ip = poll(bound, 20, f"udhcpc in {g.name} bound by the LAN's dnsmasq")
    poll(lambda: f"{ip}/24" in g.addrs("eth0"), 5, "the leased address on eth0")
    return ip


def ping(ns, dst, count=3):
    ns.run(["ping", "-n", "-c", count, "-i", "0.2", "-w", "10", dst], timeout=20)


def tcx(env, ifname):
    for line in env.host.run([TCXLS]).stdout.splitlines():
        o = json.loads(line)
        if o["name"] == ifname:
            return [p["name"] for p in o["progs"]], [p["name"] for p in o["egress"]]
    raise AssertionError(f"{ifname} not found")


def test_bridge_guests_lan_host_and_no_loss(kvnet, lan):
    """The whole story, with a ping from the LAN to the host's address on
    the NIC running from before net start to after net stop: not one
    request may go unanswered."""
    env = kvnet
    pinger = Pinger(lan.ns, HOST_IP, env.tmp / "lan-ping.log")
    pinger.wait_replies(10)
    env.define_xml(bridge_xml())
    env.cli("net", "start", "br")
    ports = {p["iface"]: p for p in env.ports("br")}
    assert ports[UPLINK]["kind"] == "uplink"
    assert tcx(env, UPLINK) == (["kvnet_ingress"], ["kvnet_egress"])
    assert f"{HOST_IP}/24" in env.host.addrs(UPLINK), "the host lost its address"
    g1 = bare_guest(env, "br", "g1", "52:54:00:b1:00:01")
    g2 = bare_guest(env, "br", "g2", "52:54:00:b1:00:02")
    ip1, ip2 = lease(env, g1), lease(env, g2)
    assert RANGE[0] <= ip1 <= RANGE[1] and RANGE[0] <= ip2 <= RANGE[1] and ip1 != ip2
    ping(g1, LAN_IP)
    ping(lan.ns, ip1)
    ping(g1, HOST_IP)
    # its last frames went up the uplink's ingress: still learned on its port
    assert env.fdb_entry("br", g1.mac)["port"] == g1.port
    ping(env.host, ip2)
    ping(g1, ip2)
    # the FDB: LAN MACs learned behind the uplink, the host's pinned there,
    # guests on their own ports (a guest's frames sent up to the host never
    # move its MAC behind the uplink)
    fdb = {e["mac"].lower(): e for e in env.fdb("br")}
    assert fdb[lan.host_mac.lower()]["port"] == UPLINK
    assert fdb[g1.mac]["port"] == g1.port and fdb[g2.mac]["port"] == g2.port
    lan_mac = lan.ns.ip_json("link", "show", "dev", "eth0")[0]["address"]
    assert fdb[lan_mac.lower()]["port"] == UPLINK
    env.cli("net", "stop", "br")
    assert tcx(env, UPLINK) == ([], [])
    assert f"{HOST_IP}/24" in env.host.addrs(UPLINK)
    n = len(pinger.seqs())
    pinger.wait_replies(n + 10)
    got, missing = pinger.stop()
    assert not missing, f"the LAN lost pings to the host: {missing} of {len(got)}"
    assert len(got) >= 50


def test_bridge_host_arp_reaches_guests(kvnet, lan):
    """The host's own ARP request for a guest reaches the guest (a copy at
    the NIC's egress) and the LAN (the original, once); the guest's reply
    reaches the host; the host's ICMP to the guest never goes on the wire."""
    env = kvnet
    env.define_xml(bridge_xml(form="dev"))
    env.cli("net", "start", "br")
    g = bare_guest(env, "br", "ga", "52:54:00:b1:00:0a")
    g.ip("addr", "add", "192.168.77.50/24", "dev", "eth0")
    env.host.ip("neigh", "flush", "dev", UPLINK)
    arp_in_guest = Capture(g, "eth0", "in", "arp").start()
    on_wire = Capture(lan.ns, "eth0", "in", "arp or icmp").start()
    try:
        ping(env.host, "192.168.77.50", count=2)
        reqs = arp_in_guest.wait_for(
            lambda f: f.src.lower() == lan.host_mac.lower() and f.dst == "ff:ff:ff:ff:ff:ff",
            5, "the host's ARP request in the guest")
        assert reqs
        neigh = env.host.ip_json("neigh", "show", "192.168.77.50", "dev", UPLINK)
        assert neigh and neigh[0]["lladdr"].lower() == g.mac
        ping(lan.ns, "192.168.77.50", count=1)   # an order point for the wire
        wire = on_wire.frames()
    finally:
        arp_in_guest.stop()
        on_wire.stop()
    from scapy.layers.inet import ICMP, IP
    from scapy.layers.l2 import ARP
    host_reqs = [f for f in wire if ARP in f and f[ARP].op == 1 and f.src.lower() ==
                 lan.host_mac.lower() and f[ARP].pdst == "192.168.77.50"]
    assert len(host_reqs) == 1, f"the host's ARP request on the wire {len(host_reqs)} times"
    host_icmp = [f for f in wire if IP in f and ICMP in f and f[IP].src == HOST_IP and
                 f[IP].dst == "192.168.77.50"]
    assert not host_icmp, "the host's frames for a guest went out on the wire"


def test_bridge_survives_kill9_and_adopts(kvnet, lan):
    """kill -9: the programs keep running, guests keep the LAN and the host,
    the LAN keeps the host; a new kvnetd adopts the uplink as the uplink;
    net stop then lets it go."""
    env = kvnet
    env.define_xml(bridge_xml())
    env.cli("net", "start", "br")
    g = bare_guest(env, "br", "gk", "52:54:00:b1:00:0b")
    ip = lease(env, g)
    pinger = Pinger(lan.ns, HOST_IP, env.tmp / "lan-ping.log")
    pinger.wait_replies(5)
    env.kill_daemon()
    assert tcx(env, UPLINK) == (["kvnet_ingress"], ["kvnet_egress"])
    ping(g, LAN_IP)
    ping(g, HOST_IP)
    ping(env.host, ip)
    env.start_daemon()
    poll(lambda: (env.port("br", UPLINK) or {}).get("kind") == "uplink", 10,
         "the uplink adopted as the uplink")
    ping(lan.ns, ip)
    ping(g, HOST_IP)
    assert tcx(env, UPLINK) == (["kvnet_ingress"], ["kvnet_egress"])
    env.cli("net", "stop", "br")
    assert tcx(env, UPLINK) == ([], [])
    promisc = "PROMISC" in env.host.ip_json("link", "show", "dev", UPLINK)[0]["flags"]
    assert not promisc, "promiscuous mode left on"
    n = len(pinger.seqs())
    pinger.wait_replies(n + 10)
    got, missing = pinger.stop()
    assert not missing, f"the LAN lost pings to the host: {missing} of {len(got)}"


def test_bridge_guest_broadcast_once_everywhere(kvnet, lan):
    """A guest's broadcast reaches the other guest, the LAN and the host's
    stack once each, and never comes back to the guest (the frame the
    switch sends out of the uplink passes its egress program untouched)."""
    env = kvnet
    env.define_xml(bridge_xml())
    env.cli("net", "start", "br")
    g1 = bare_guest(env, "br", "gb1", "52:54:00:b1:00:21")
    g2 = bare_guest(env, "br", "gb2", "52:54:00:b1:00:22")
    t = tag("bcast")
    caps = [Capture(g1, "eth0", "in"), Capture(g2, "eth0", "in"),
            Capture(lan.ns, "eth0", "in"), Capture(env.host, UPLINK, "in")]
    for c in caps:
        c.start()
    try:
        frame = tagged_frame(g1.mac, "ff:ff:ff:ff:ff:ff", t)
        g1.run([PYTHON, "-c", SENDP_SCRIPT, "eth0"], input=bytes(frame).hex())
        for c in caps[1:]:
            c.wait_for(ether_marker(t), 5, "the guest's broadcast")
        # order point: the LAN's own broadcast reaches both guests after it
        t2 = tag("lan")
        lan.ns.run([PYTHON, "-c", SENDP_SCRIPT, "eth0"],
                   input=bytes(tagged_frame("52:54:00:b1:00:99", "ff:ff:ff:ff:ff:ff",
                                            t2)).hex())
        for c in caps[:2]:
            c.wait_for(ether_marker(t2), 5, "the LAN's broadcast")
    finally:
        for c in caps:
            c.stop()
    counts = [len(c.matching(ether_marker(t))) for c in caps]
    assert counts == [0, 1, 1, 1], f"guest, guest, LAN, host: {counts}"


def fails(env, *args):
    cp = env.cli(*args, check=False)
    assert cp.returncode != 0, f"`kvnet {' '.join(args)}` succeeded"
    return cp.stderr


def test_bridge_bad_uplinks_refused(kvnet, lan):
    env = kvnet
    # no such device
    env.define_xml(bridge_xml("b1", uplink="nosuch0"))
    err = fails(env, "net", "start", "b1")
    assert "uplink 'nosuch0'" in err and "does not exist" in err
    assert not env.net("b1")["active"]
    # a port of another network, a kvnet gateway, a kvnet tap
    env.define_isolated("t0")
    g = env.add_guest("t0", "ga", "10.77.0.11")
    env.cli("port", "add", "t0", "kvtap0", "--tap")
    for dev in (g.port, "kvnet-t0", "kvtap0"):
        env.define_xml(bridge_xml("b1", uplink=dev))
        err = fails(env, "net", "start", "b1")
        assert f"'{dev}'" in err and ("already a port" in err or "kvnet made" in err), err
        assert not env.net("b1")["active"]
    assert {p["iface"] for p in env.ports("t0")} >= {g.port, "kvtap0"}
    g.ping("10.77.0.1")
    # the uplink of one network is not the uplink (or a port) of another
    env.cli("net", "create", "b2", "--mode", "bridge", "--uplink", UPLINK)
    env.cli("net", "start", "b2")
    env.define_xml(bridge_xml("b1"))
    err = fails(env, "net", "start", "b1")
    assert "already a port of network 'b2'" in err
    err = fails(env, "port", "add", "t0", UPLINK)
    assert "already a port of network 'b2'" in err
    err = fails(env, "port", "del", "b2", UPLINK)
    assert "is the uplink of network 'b2'" in err
    assert env.port("b2", UPLINK)["kind"] == "uplink"
    # a mode change on an active network: kept for its next start, as
    # libvirt does; what runs stays as it is
    env.cli("net", "define", env.write_xml(bridge_xml("t0")))
    net = env.net("t0")
    assert net["active"] and net["mode"] == "isolated", net
    assert net["pending_definition"], net
    ping(lan.ns, HOST_IP, count=1)
