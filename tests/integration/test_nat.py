# SPDX-License-Identifier: GPL-2.0-only
"""NAT, route and open modes: guests reach an upstream through kvnet's own
datapath, past the host's netfilter, with kvnet's connection tracking.

Topology (all namespaces this test creates):

  guest g1 (192.168.77.11) --+
  guest g2 (192.168.77.12) --+-- kvnet n1 [host: up0 198.51.100.1] --
      upstream (198.51.100.2, a router) -- far (203.0.113.2)

The host namespace forwards nothing itself (ip_forward stays 0); the
upstream is a router with no route back to the guests' subnet unless a
test adds one. The far host is the second hop traceroute and path-MTU
discovery need.
"""

import json
import re
import signal
import subprocess
import time
from pathlib import Path

import pytest
from scapy.layers.inet import UDP  # also binds IP/UDP for parsed captures

from conftest import HarnessError, poll

PEER = str(Path(__file__).resolve().parent / "netpeer.py")
PY = "/usr/bin/python3"
SUBNET = "192.168.77"
UPLINK_IP = "198.51.100.1"
UPSTREAM_IP = "198.51.100.2"
FAR_IP = "203.0.113.2"


class Nat:
    """The topology above, on a kvnet env."""

    def __init__(self, env, mode="nat", forward_extra="", net_extra="",
                 guests=2, kv_extra=""):
        self.env = env
        self.up = env.new_ns("kvup-")
        self.far = env.new_ns("kvfar-")
        host = env.host
        host.ip("link", "add", "up0", "type", "veth", "peer", "name", "eth0",
                "netns", self.up.name)
        host.ip("addr", "add", f"{UPLINK_IP}/24", "dev", "up0")
        host.ip("link", "set", "up0", "up")
        host.ip("route", "add", "default", "via", UPSTREAM_IP)
        self.up.ip("addr", "add", f"{UPSTREAM_IP}/24", "dev", "eth0")
        self.up.ip("link", "set", "eth0", "up")
        self.up.ip("link", "add", "far0", "type", "veth", "peer", "name",
                   "eth0", "netns", self.far.name)
        self.up.ip("addr", "add", "203.0.113.1/24", "dev", "far0")
        self.up.ip("link", "set", "far0", "up")
        self.up.sysctl("net.ipv4.ip_forward=1")
        self.far.ip("addr", "add", f"{FAR_IP}/24", "dev", "eth0")
        self.far.ip("link", "set", "eth0", "up")
        self.far.ip("route", "add", "default", "via", "203.0.113.1")
        self.mode = mode
        env.define_xml(self.xml(mode, forward_extra, net_extra, kv_extra))
        env.cli("net", "start", "n1")
        self.guests = [self.add_guest(f"g{i + 1}", f"{SUBNET}.{11 + i}")
                       for i in range(guests)]

    @staticmethod
    def xml(mode, forward_extra="", net_extra="", kv_extra=""):
        fwd = f"<forward mode='{mode}'{forward_extra}"
        fwd += "/>" if "<nat>" not in net_extra else f">{net_extra}</forward>"
        ns = " xmlns:kvnet='https://kvnet.dev/xmlns/network/1'" if kv_extra else ""
        return (f"<network{ns}><name>n1</name>{fwd}"
                f"<ip address='{SUBNET}.1' prefix='24'>"
                f"<dhcp><range start='{SUBNET}.100' end='{SUBNET}.150'/></dhcp>"
                f"</ip>{kv_extra}</network>")

    def add_guest(self, name, ip):
        g = self.env.add_guest("n1", name, ip)
        g.ns.ip("route", "add", "default", "via", f"{SUBNET}.1")
        return g

    def server(self, ns, kind, port):
        """A netpeer server in ns, ready when this returns."""
        p = ns.popen([PY, PEER, f"{kind}-server", port],
                     stdout=subprocess.PIPE, text=True)
        line = p.stdout.readline()
        assert line.strip() == "ready", f"{kind} server on {port}: {line!r}"
        return p

    def client(self, ns, kind, host, port, sport=0, timeout=3, check=True):
        cmd = [PY, PEER, f"{kind}-client", host, port, "--timeout", timeout]
        if sport:
            cmd += ["--sport", sport]
        cp = ns.run(cmd, check=False, timeout=timeout + 10)
        out = cp.stdout.strip()
        if check and cp.returncode != 0:
            raise HarnessError(f"{kind} {host}:{port} from {ns}: {out}\n"
                               f"{cp.stderr}{self.env.diagnostics('n1')}")
        return out

    def flows(self):
        return self.env.cli("conntrack", "n1", json=True).json

    def drops(self, port):
        return self.env.stats("n1")[port]["drops"]


@pytest.fixture
def nat(kvnet):
    return Nat(kvnet)


def _csum_errors(ns):
    out = ns.run(["nstat", "-az", "TcpInCsumErrors", "UdpInCsumErrors"]).stdout
    return sum(int(line.split()[1]) for line in out.splitlines()[1:] if line.strip())


def test_nat_masquerades_ping_tcp_udp(nat, kvnet):
    g1 = nat.guests[0]
    g1.ping(UPSTREAM_IP)
    g1.ping(FAR_IP)
    nat.server(nat.far, "tcp", 7000)
    nat.server(nat.far, "udp", 7001)
    # the far host sees the host's uplink address, never the guest's
    assert nat.client(g1.ns, "tcp", FAR_IP, 7000).startswith(f"{UPLINK_IP}:")
    assert nat.client(g1.ns, "udp", FAR_IP, 7001).startswith(f"{UPLINK_IP}:")
    flows = nat.flows()
    by_proto = {f["proto"]: f for f in flows}
    assert {"tcp", "udp", "icmp"} <= set(by_proto), flows
    for f in flows:
        assert f["src"].startswith(f"{SUBNET}.11"), f
        assert f["xlate_src"].startswith(UPLINK_IP), f
        assert f["nat"] == "snat", f
    assert by_proto["udp"]["state"] == "replied"
    assert by_proto["udp"]["reply_packets"] >= 1
    # bulk TCP both ways, offloads on: no checksum errors anywhere
    before = _csum_errors(nat.far) + _csum_errors(g1.ns)
    srv = nat.far.popen(["iperf3", "-s", "-p", "5201"],
                        stdout=subprocess.DEVNULL)
    try:
        for extra in ([], ["-R"], ["-u", "-b", "200M"]):
            poll(lambda: g1.ns.run(["iperf3", "-c", FAR_IP, "-p", "5201", "-t",
                                    "1", *extra], check=False,
                                   timeout=20).returncode == 0,
                 30, f"iperf3 {extra} through NAT")
    finally:
        srv.terminate()
    assert _csum_errors(nat.far) + _csum_errors(g1.ns) == before
    # kvnet forwards; the host's own stack never did
    assert kvnet.host.run(["sysctl", "-n", "net.ipv4.ip_forward"]).stdout.strip() == "0"
    assert kvnet.host.run(["sysctl", "-n", "net.ipv4.conf.up0.forwarding"]
                          ).stdout.strip() == "0"
    assert kvnet.host.run(["sysctl", "-n", "net.ipv4.conf.kvnet-n1.forwarding"]
                          ).stdout.strip() == "1"


def test_nat_independent_of_host_firewall(nat, kvnet):
    """Docker's FORWARD policy DROP (here in nftables) breaks libvirt's
    networks; kvnet's guest traffic never crosses that hook, and DHCP on
    the gateway keeps working too."""
    kvnet.host.run(["nft", "-f", "-"], input="""
table inet hostfw {
  chain forward { type filter hook forward priority 0; policy drop; }
}
""")
    g1 = nat.guests[0]
    g1.ping(FAR_IP)
    nat.server(nat.far, "tcp", 7000)
    assert nat.client(g1.ns, "tcp", FAR_IP, 7000).startswith(f"{UPLINK_IP}:")
    # a guest that gets its address from kvnet's DHCP, behind the same host
    g3 = kvnet.add_guest("n1", "g3", "0.0.0.0", prefix=32)
    g3.ns.ip("addr", "flush", "dev", "eth0")
    cp = g3.ns.run(["busybox", "udhcpc", "-i", "eth0", "-n", "-q", "-t", "5",
                    "-T", "1", "-s", "/bin/true"], check=False, timeout=30)
    assert cp.returncode == 0, cp.stdout + cp.stderr
    leases = kvnet.cli("leases", "n1", json=True).json
    assert any(lease["mac"] == g3.mac for lease in leases), leases
    counters = kvnet.host.run(["nft", "list", "chain", "inet", "hostfw", "forward"]).stdout
    assert "policy drop" in counters


def test_nat_unsolicited_refused(nat, kvnet):
    """The upstream cannot open a connection to a guest, even with a route
    to the subnet, and even on a host that forwards (ip_forward=1)."""
    kvnet.host.sysctl("net.ipv4.ip_forward=1")
    nat.up.ip("route", "add", f"{SUBNET}.0/24", "via", UPLINK_IP)
    g1 = nat.guests[0]
    nat.server(g1.ns, "tcp", 8000)
    assert nat.client(nat.up, "tcp", g1.ip, 8000, timeout=2, check=False) == "timeout"
    cp = nat.up.run(["ping", "-c", "2", "-W", "1", g1.ip], check=False)
    assert cp.returncode != 0
    assert nat.drops("(uplinks)").get("nat-unsolicited", 0) >= 3
    # and the guest's own connections still come back
    g1.ping(UPSTREAM_IP)


def test_nat_traceroute_and_icmp_errors(nat):
    """TTL exceeded from the host (first hop) and from the upstream router
    (second hop, an ICMP error about a translated packet, RFC 5508), and a
    port unreachable from the far host, all reach the guest."""
    g1 = nat.guests[0]
    g1.ping(FAR_IP)
    cp = g1.ns.run(["busybox", "traceroute", "-n", "-q", "1", "-w", "2", "-m",
                    "5", FAR_IP], check=False, timeout=60)
    hops = re.findall(r"^\s*(\d+)\s+(\S+)", cp.stdout, re.M)
    assert [h[1] for h in hops[:3]] == [f"{SUBNET}.1", UPSTREAM_IP, FAR_IP], cp.stdout
    # a UDP datagram to a closed port: the far host's port unreachable
    assert nat.client(g1.ns, "udp", FAR_IP, 9, check=False) == "refused"
    assert nat.drops("(uplinks)").get("rewrite", 0) == 0


def test_nat_path_mtu(nat, kvnet):
    """Path-MTU discovery from a guest: fragmentation needed from the far
    link's router (translated back), and from the host itself when the
    uplink is narrower than the network."""
    g1 = nat.guests[0]
    nat.up.ip("link", "set", "far0", "mtu", "1280")
    nat.far.ip("link", "set", "eth0", "mtu", "1280")
    cp = g1.ns.run(["ping", "-n", "-M", "do", "-s", "1400", "-c", "2", "-W", "1",
                    FAR_IP], check=False)
    assert "mtu = 1280" in cp.stdout or "mtu=1280" in cp.stdout + cp.stderr, cp.stdout
    poll(lambda: "mtu 1280" in g1.ns.run(["ip", "route", "get", FAR_IP]).stdout,
         5, "the guest to learn the path MTU")
    # the host's own uplink narrower than the guests' link
    kvnet.host.ip("link", "set", "up0", "mtu", "1400")
    nat.up.ip("link", "set", "eth0", "mtu", "1400")
    cp = g1.ns.run(["ping", "-n", "-M", "do", "-s", "1380", "-c", "2", "-W", "1",
                    UPSTREAM_IP], check=False)
    assert "mtu = 1400" in cp.stdout or "mtu=1400" in cp.stdout + cp.stderr, cp.stdout
    g1.ping(UPSTREAM_IP)  # small packets still pass


def test_nat_timeouts(kvnet):
    kvnet.daemon_args = ["--conntrack-timeouts", "udp=2,udp-stream=2,icmp=2"]
    kvnet.restart_daemon()
    nat = Nat(kvnet, guests=1)
    g1 = nat.guests[0]
    nat.server(nat.far, "udp", 7001)
    nat.client(g1.ns, "udp", FAR_IP, 7001)
    flows = [f for f in nat.flows() if f["proto"] == "udp"]
    assert flows and flows[0]["expires_in"] <= 2, flows
    poll(lambda: not [f for f in nat.flows() if f["proto"] == "udp"], 10,
         "the UDP flow to time out")
    # a bad option is refused with a message
    cp = kvnet.host.run([str(kvnet_binary()), "--conntrack-timeouts", "bogus=1"],
                        check=False)
    assert cp.returncode != 0 and "unknown conntrack timeout 'bogus=1'" in cp.stderr


def kvnet_binary():
    from kvnet_harness import KVNETD
    return KVNETD


def test_nat_port_range_collision_and_exhaustion(kvnet):
    """<nat><port start end>: a guest keeps its own port when free, a
    second guest with the same port gets the other one, and a third flow
    finds none: it is dropped and counted, never sent with a port another
    flow owns."""
    nat = Nat(kvnet, net_extra="<nat><port start='20000' end='20001'/></nat>")
    g1, g2 = nat.guests
    nat.server(nat.far, "udp", 7001)
    cap = kvnet_capture(nat.far)
    try:
        assert nat.client(g1.ns, "udp", FAR_IP, 7001, sport=20000) == f"{UPLINK_IP}:20000"
        assert nat.client(g2.ns, "udp", FAR_IP, 7001, sport=20000) == f"{UPLINK_IP}:20001"
        assert nat.client(g1.ns, "udp", FAR_IP, 7001, sport=30000, timeout=1,
                          check=False) == "timeout"
    finally:
        frames = cap.stop_frames()
    assert nat.drops(g1.port).get("nat-no-port", 0) >= 1
    assert frames, cap.cap.stderr
    sports = {f[UDP].sport for f in frames if UDP in f and f[UDP].dport == 7001}
    assert sports == {20000, 20001}, sports


def _udp_burst(ns, host, ports):
    """One UDP datagram from ns to each of host's ports, from one socket."""
    ns.run([PY, "-c", "import socket, sys\n"
            "s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)\n"
            "for p in sys.argv[2:]:\n"
            "    s.sendto(b'x', (sys.argv[1], int(p)))\n",
            host] + [str(p) for p in ports])


def test_nat_flows_per_port_cap(kvnet):
    """<kvnet:conntrack port-max>: a guest opening flows as fast as it can
    holds at most port-max of them in the table every network shares; the
    rest are dropped and counted (nat-flow-limit), never let in to push
    other guests' flows out. Another guest still opens its own, and the
    first opens new ones once its old ones have timed out."""
    kvnet.daemon_args = ["--conntrack-timeouts", "udp=2,udp-stream=2,icmp=2"]
    kvnet.restart_daemon()
    nat = Nat(kvnet, kv_extra="<kvnet:conntrack port-max='5'/>")
    g1, g2 = nat.guests
    assert "<kvnet:conntrack port-max='5'/>" in nat.env.cli("net", "dumpxml", "n1").stdout

    def g1_flows():
        return [f for f in nat.flows() if f["src"].startswith(f"{SUBNET}.11:")]

    _udp_burst(g1.ns, FAR_IP, range(7101, 7121))
    assert len(g1_flows()) == 5, nat.flows()
    assert nat.drops(g1.port).get("nat-flow-limit", 0) == 15, nat.drops(g1.port)
    nat.server(nat.far, "udp", 7001)
    assert nat.client(g2.ns, "udp", FAR_IP, 7001).startswith(f"{UPLINK_IP}:")
    # the sweep recounts once g1's flows time out: it may open flows again
    poll(lambda: not g1_flows(), 15, "g1's flows to time out")
    poll(lambda: nat.client(g1.ns, "udp", FAR_IP, 7001, timeout=1, check=False)
         .startswith(f"{UPLINK_IP}:"), 15, "g1 to open a flow again")
    # only nat networks translate: elsewhere the element is refused
    bad = Nat.xml("route", kv_extra="<kvnet:conntrack port-max='5'/>").replace("n1", "n2")
    cp = kvnet.define_xml(bad, check=False)
    assert cp.returncode != 0 and "only nat networks translate flows" in cp.stderr, cp.stderr


class kvnet_capture:
    """Capture UDP to port 7001 on the far host (harness Capture)."""

    def __init__(self, ns):
        from kvnet_harness import Capture
        self.cap = Capture(ns, "eth0", "in", "udp and dst port 7001")
        self.cap.start()

    def stop_frames(self):
        return self.cap.stop()


@pytest.mark.kvnet_timeout(90)
def test_nat_flow_survives_kill9(nat, kvnet):
    """A long TCP transfer through NAT goes on while kvnetd is killed and
    restarted; the restarted daemon adopts the flow."""
    g1 = nat.guests[0]
    g1.ping(FAR_IP)
    srv = nat.far.popen(["iperf3", "-s", "-1", "-p", "5202"],
                        stdout=subprocess.DEVNULL)
    poll(lambda: ":5202 " in nat.far.run(["ss", "-Hltn"]).stdout, 10,
         "iperf3 server listening")
    cli = g1.ns.popen(["iperf3", "-c", FAR_IP, "-p", "5202", "-t", "6", "-J"],
                      stdout=subprocess.PIPE, text=True)
    poll(lambda: any(f["proto"] == "tcp" and f["dst"] == f"{FAR_IP}:5202"
                     for f in nat.flows()), 10, "the transfer's flow")
    kvnet.kill_daemon(signal.SIGKILL)
    time.sleep(1)  # the transfer runs with no daemon at all for a while
    kvnet.start_daemon()
    assert any(f["proto"] == "tcp" and f["dst"] == f"{FAR_IP}:5202"
               and f["state"] == "established" for f in nat.flows()), nat.flows()
    out, _ = cli.communicate(timeout=30)
    srv.wait(timeout=10)
    assert cli.returncode == 0, out[-2000:]
    res = json.loads(out)
    assert res["end"]["sum_received"]["bytes"] > 10_000_000
    assert "error" not in res


def test_route_mode(kvnet):
    """route: no translation; the upstream (with a route to the subnet)
    reaches guests, as libvirt's rules let it; a guest may only send from
    the subnet's addresses."""
    nat = Nat(kvnet, mode="route", guests=1)
    nat.up.ip("route", "add", f"{SUBNET}.0/24", "via", UPLINK_IP)
    g1 = nat.guests[0]
    g1.ping(FAR_IP)
    nat.server(nat.far, "tcp", 7000)
    assert nat.client(g1.ns, "tcp", FAR_IP, 7000).startswith(f"{g1.ip}:")
    nat.server(g1.ns, "tcp", 8000)
    assert nat.client(nat.far, "tcp", g1.ip, 8000).startswith(f"{FAR_IP}:")
    assert nat.flows() == []
    # a source outside the subnet is refused
    g1.ns.ip("addr", "add", "10.9.9.9/32", "dev", "eth0")
    cp = g1.ns.run(["ping", "-c", "2", "-W", "1", "-I", "10.9.9.9", FAR_IP], check=False)
    assert cp.returncode != 0
    assert nat.drops(g1.port).get("not-routed", 0) >= 2


def test_open_mode_filters_nothing(kvnet):
    nat = Nat(kvnet, mode="open", guests=1)
    g1 = nat.guests[0]
    g1.ns.ip("addr", "add", "10.9.9.9/32", "dev", "eth0")
    from kvnet_harness import Capture
    with Capture(nat.far, "eth0", "in", "icmp and src 10.9.9.9") as cap:
        g1.ns.run(["ping", "-c", "2", "-W", "1", "-I", "10.9.9.9", FAR_IP], check=False)
        cap.wait_for(lambda f: True, timeout=5, what="the open network's packet")
    assert nat.drops(g1.port).get("not-routed", 0) == 0


def test_forward_dev_restricts_the_uplink(kvnet):
    """<forward dev=>: only routes through that device; traffic the host
    would route elsewhere is dropped (no-route), as libvirt's -o rules
    do."""
    kvnet.host.ip("link", "add", "side0", "type", "veth", "peer", "name", "side1")
    nat = Nat(kvnet, forward_extra=" dev='side0'", guests=1)
    g1 = nat.guests[0]
    cp = g1.ns.run(["ping", "-c", "2", "-W", "1", FAR_IP], check=False)
    assert cp.returncode != 0
    assert nat.drops(g1.port).get("no-route", 0) >= 2
    kvnet.cli("net", "stop", "n1")
    kvnet.cli("net", "undefine", "n1")
    kvnet.define_xml(Nat.xml("nat", " dev='up0'"))
    kvnet.cli("net", "start", "n1")
    kvnet.cli("port", "add", "n1", g1.port)
    g1.ns.ip("neigh", "flush", "dev", "eth0")  # a new network, a new gateway MAC
    g1.ping(FAR_IP)
    # a missing uplink is refused at start, with its name
    kvnet.cli("net", "stop", "n1")
    kvnet.cli("net", "undefine", "n1")
    kvnet.define_xml(Nat.xml("nat", " dev='nosuch0'"))
    cp = kvnet.cli("net", "start", "n1", check=False)
    assert cp.returncode != 0 and "uplink 'nosuch0'" in cp.stderr


def test_nat_address_range(kvnet):
    """<nat><address start end>: flows take an address of the range (the
    host holds it), not the one the route prefers."""
    nat = Nat(kvnet, net_extra="<nat><address start='198.51.100.9' "
              "end='198.51.100.9'/></nat>", guests=1)
    kvnet.host.ip("addr", "add", "198.51.100.9/24", "dev", "up0")
    g1 = nat.guests[0]
    nat.server(nat.far, "tcp", 7000)
    assert nat.client(g1.ns, "tcp", FAR_IP, 7000).startswith("198.51.100.9:")
    assert all(f["xlate_src"].startswith("198.51.100.9") for f in nat.flows())
    xml = kvnet.cli("net", "dumpxml", "n1").stdout
    assert "<address start='198.51.100.9' end='198.51.100.9'/>" in xml, xml


@pytest.mark.kvnet_timeout(180)
@pytest.mark.parametrize("mode", ["nat", "route"])
def test_tap_tso_frames_cross_whole(kvnet, mode):
    """A tap guest with offloads on (tapio relaying a namespace's stack, as
    qemu relays a virtio guest's) sends 64 KB TSO frames: they cross NAT
    (or routing) whole, both ways, and every byte arrives (hash-checked)."""
    from test_tap_gso import Tapio, exact_transfer
    nat = Nat(kvnet, mode=mode, guests=0)
    if mode == "route":
        nat.up.ip("route", "add", f"{SUBNET}.0/24", "via", UPLINK_IP)
    mac = "52:54:00:8a:77:20"
    ns = kvnet.new_ns("kvt-")
    ns.sysctl("net.ipv6.conf.all.disable_ipv6=1",
              "net.ipv6.conf.default.disable_ipv6=1")
    ns.ip("tuntap", "add", "mode", "tap", "tE")
    ns.ip("link", "set", "tE", "address", mac)
    ns.ip("addr", "add", f"{SUBNET}.20/24", "dev", "tE")
    ns.ip("link", "set", "tE", "up")
    ns.ip("route", "add", "default", "via", f"{SUBNET}.1")
    kvnet.cli("port", "add", "n1", "tA", "--tap", "--mac", mac)
    poll(lambda: kvnet.host.link_exists("tA"), 5, "tap tA")
    relay = Tapio(kvnet.host, "relay", "tA", "tE", "--netns-b", ns.name)
    try:
        ns.run(["ping", "-n", "-c", "1", "-w", "10", FAR_IP], timeout=20)
        exact_transfer(ns, nat.far, FAR_IP, 20 << 20)
        download(nat.far, ns, 20 << 20)
    finally:
        relay.stop()
    err = relay.stderr()
    gso = re.search(r"b->a: \d+ frames, \d+ bytes, (\d+) gso", err)
    assert gso and int(gso.group(1)) > 0, f"no GSO frames from the tap guest: {err}"
    assert nat.drops("tA") == {} or "too-big" not in nat.drops("tA"), nat.drops("tA")


# Serves n bytes of a pattern to the first client, prints count and hash.
SERVE = """
import hashlib, socket, sys
n = int(sys.argv[1]); blk = bytes(range(251)) * 4177; h = hashlib.sha256()
s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("0.0.0.0", 5303)); s.listen(1); print("listening", flush=True)
c, _ = s.accept(); left = n
while left:
    b = blk[:min(left, len(blk))]; c.sendall(b); h.update(b); left -= len(b)
c.close(); print(n, h.hexdigest(), flush=True)
"""
# Downloads until EOF, prints count and hash.
FETCH = """
import hashlib, socket, sys
s = socket.create_connection((sys.argv[1], 5303), timeout=30); h = hashlib.sha256(); n = 0
while True:
    b = s.recv(1 << 20)
    if not b:
        break
    h.update(b); n += len(b)
print(n, h.hexdigest(), flush=True)
"""


def download(server_ns, client_ns, nbytes):
    """The client (behind NAT) fetches nbytes from the server; what
    arrives must equal what left."""
    srv = server_ns.popen([PY, "-c", SERVE, nbytes], stdout=subprocess.PIPE, text=True)
    try:
        assert srv.stdout.readline().strip() == "listening"
        got = client_ns.run([PY, "-c", FETCH, FAR_IP], timeout=60).stdout.split()
        out, _ = srv.communicate(timeout=30)
    finally:
        srv.terminate()
    assert got == out.split(), f"server sent {out!r}, client got {got}"


def test_libvirt_default_xml_starts_and_routes(kvnet):
    """libvirt's own stock default.xml (a NAT network) simply works."""
    nat = Nat.__new__(Nat)
    nat.env = kvnet
    data = Path(__file__).resolve().parents[1] / "data" / "libvirt-default.xml"
    kvnet.cli("net", "define", data)
    kvnet.cli("net", "start", "default")
    kvnet.host.ip("link", "add", "up0", "type", "veth", "peer", "name", "up1")
    kvnet.host.ip("addr", "add", f"{UPLINK_IP}/24", "dev", "up0")
    up = kvnet.new_ns("kvup-")
    kvnet.host.ip("link", "set", "up1", "netns", up.name)
    up.ip("addr", "add", f"{UPSTREAM_IP}/24", "dev", "up1")
    up.ip("link", "set", "up1", "up")
    kvnet.host.ip("link", "set", "up0", "up")
    g = kvnet.add_guest("default", "g", "192.168.122.11")
    g.ns.ip("route", "add", "default", "via", "192.168.122.1")
    g.ping(UPSTREAM_IP)
    flows = kvnet.cli("conntrack", "default", json=True).json
    assert any(f["xlate_src"].startswith(UPLINK_IP) for f in flows), flows


@pytest.mark.kvnet_timeout(120)
@pytest.mark.parametrize("mode", ["nat", "route", "open"])
def test_each_mode_ping_iperf3_traceroute(kvnet, mode):
    """The same guest and traffic in each forwarding mode: ping, iperf3 TCP
    both ways and UDP, and traceroute's three hops to the far host."""
    nat = Nat(kvnet, mode=mode, guests=1)
    if mode != "nat":  # the upstream routes to the guests, as route mode needs
        nat.up.ip("route", "add", f"{SUBNET}.0/24", "via", UPLINK_IP)
    g1 = nat.guests[0]
    g1.ping(FAR_IP)
    srv = nat.far.popen(["iperf3", "-s", "-p", "5201"], stdout=subprocess.DEVNULL)
    poll(lambda: ":5201 " in nat.far.run(["ss", "-Hltn"]).stdout, 10,
         "iperf3 server listening")
    try:
        for extra in ([], ["-R"], ["-u", "-b", "100M"]):
            poll(lambda: g1.ns.run(["iperf3", "-c", FAR_IP, "-p", "5201", "-t", "1",
                                    *extra], check=False, timeout=20).returncode == 0,
                 30, f"iperf3 {extra} in {mode} mode")
    finally:
        srv.terminate()
    cp = g1.ns.run(["busybox", "traceroute", "-n", "-q", "1", "-w", "2", "-m", "5",
                    FAR_IP], check=False, timeout=60)
    hops = re.findall(r"^\s*(\d+)\s+(\S+)", cp.stdout, re.M)
    assert [h[1] for h in hops[:3]] == [f"{SUBNET}.1", UPSTREAM_IP, FAR_IP], cp.stdout
