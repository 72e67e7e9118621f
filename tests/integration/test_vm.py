# SPDX-License-Identifier: GPL-2.0-only
"""End to end with real qemu guests (qemu_guest.py: the Debian cloud kernel
and busybox under TCG, virtio-net with its offloads on), each started by
`kvnet vm run NET --name VM -- qemu ...` (qemu_guest.LAUNCH; the older way,
`kvnet port add --tap`, is still there for comparison).

One kvnetd and four guests serve the whole file; NAT2 is a name too long for
an interface, so its tap is kvm-HASH and kvnet shows the name beside it:

  nat1, NAT2 (DHCP) --- n1: nat 192.168.78.0/24 ---+  host up0 198.51.100.1
                                                    +-- upstream 198.51.100.2
  iso1 (DHCP) --------- iso: isolated 10.78.0.0/24     (HTTP server :8000)
  lan1 (DHCP) --------- br: bridged on lan0 ------ lan 192.168.77.1 (dnsmasq)

The host forwards (ip_forward=1) and the upstream has a route back to the
isolated subnet, so only kvnet keeps iso1 in; the upstream has none to
n1's subnet, so nat1 and nat2 get answers only through kvnet's NAT.

Checked: each guest's port and its name (`kvnet port list`); its lease from
kvnet's DHCP (`kvnet leases`: its MAC, address, hostname, port and guest;
the guest's own address, route and resolver) and
from the LAN's dnsmasq in bridged mode (its range, its lease file, nothing
from kvnet); pings between the two NAT guests; HTTP through NAT (the
upstream sees the uplink's address); 20 MiB each way between a guest and
the upstream with the guest's TSO in use, the SHA-256 agreeing on both
ends; a port forward reaching a guest's httpd from the upstream, source
kept; `kvnet trace` of a guest's ping through NAT and its reply, every
stage, the guest's name as its port's name or beside it; an isolated guest that reaches its gateway and nothing beyond
(the switch drops its packets, none arrive upstream); the port gone with
qemu. About 35 s here (the guests boot side by side in about 12 s).
"""

import json
import re
import subprocess
import time

import pytest
from scapy.layers.inet import IP

from kvnet_harness import PYTHON, Capture, poll
from qemu_guest import LAUNCH, QemuGuest, guest_image  # noqa: F401 - fixture
from test_bridge_mode import LAN_IP, RANGE as LAN_RANGE, UPLINK as LAN_UPLINK
from test_bridge_mode import Lan, bridge_xml
from test_trace import blocks, finish, start_trace

UPLINK_IP = "198.51.100.1"
UPSTREAM_IP = "198.51.100.2"
NAT_NET, NAT_PREFIX = "n1", "192.168.78"
NAT_GW = f"{NAT_PREFIX}.1"
NAT_RANGE = (f"{NAT_PREFIX}.100", f"{NAT_PREFIX}.150")
ISO_NET, ISO_PREFIX = "iso", "10.78.0"
ISO_GW = f"{ISO_PREFIX}.1"
BR_NET = "br"
NAT2 = "nat2-with-a-long-name"
HTTP_PORT = 8000
SINK_PORT = 8001
FWD_PORT = 8080
BLOB_SIZE = 20 << 20
# An Ethernet frame without GSO is at most 1514 bytes (1500 MTU + header).
MAX_PLAIN_FRAME = 1514

# The upstream's servers: on HTTP_PORT, GET /hello (a line) and GET /blob
# (BLOB_SIZE bytes from a seeded generator); on SINK_PORT, a TCP sink that
# reads until EOF and answers the SHA-256 and length of what it got (busybox
# wget posts a file only up to its first NUL, so uploads go by nc). One log
# line per request or upload, with the peer's address, in the file named by
# argv[4]; "ready SHA256-OF-BLOB" on stdout once both listen.
SERVER = r"""
import hashlib, http.server, random, socket, sys, threading
port, sink_port, size = map(int, sys.argv[1:4])
log, lock = open(sys.argv[4], "a"), threading.Lock()
blob = random.Random(8000).randbytes(size)
HELLO = b"hello from the upstream\n"

def note(line):
    with lock:
        log.write(line + "\n")
        log.flush()

def sink(c, peer):
    h, n = hashlib.sha256(), 0
    while (d := c.recv(1 << 16)):
        h.update(d)
        n += len(d)
    note(f"SINK {peer[0]} {h.hexdigest()} {n}")
    c.sendall(f"{h.hexdigest()} {n}\n".encode())
    c.close()

def sinks(s):
    while True:
        c, peer = s.accept()
        threading.Thread(target=sink, args=(c, peer), daemon=True).start()

class H(http.server.BaseHTTPRequestHandler):
    def note(self, what):
        note(f"{self.command} {self.path} {self.client_address[0]} {what}")

    def reply(self, body):
        self.send_response(200)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def do_GET(self):
        body = {"/hello": HELLO, "/blob": blob}.get(self.path)
        if body is None:
            self.send_error(404)
            return
        self.reply(body)
        self.note(len(body))

    def log_message(self, *args):
        pass

s = socket.create_server(("0.0.0.0", sink_port))
threading.Thread(target=sinks, args=(s,), daemon=True).start()
srv = http.server.ThreadingHTTPServer(("0.0.0.0", port), H)
print("ready", hashlib.sha256(blob).hexdigest(), flush=True)
srv.serve_forever()
"""


def nat_xml():
    return (f"<network><name>{NAT_NET}</name><forward mode='nat'/>"
            f"<ip address='{NAT_GW}' prefix='24'><dhcp>"
            f"<range start='{NAT_RANGE[0]}' end='{NAT_RANGE[1]}'/>"
            f"</dhcp></ip></network>")


def iso_xml():
    return (f"<network><name>{ISO_NET}</name>"
            f"<ip address='{ISO_GW}' prefix='24'><dhcp>"
            f"<range start='{ISO_PREFIX}.100' end='{ISO_PREFIX}.150'/>"
            f"</dhcp></ip></network>")


class World:
    """The topology of the module's comment, with its guests booted."""

    def __init__(self, env, image):
        self.env = env
        self.up = env.add_upstream(host_ip=UPLINK_IP, peer_ip=UPSTREAM_IP,
                                   routes=(f"{ISO_PREFIX}.0/24",))
        env.host.ip("route", "add", "default", "via", UPSTREAM_IP)
        self.lan = Lan(env).start_dhcp()
        self.lan_leases = env.tmp / "lan.leases"
        for xml in (nat_xml(), iso_xml(), bridge_xml(BR_NET, form="dev")):
            env.define_xml(xml)
        for net in (NAT_NET, ISO_NET, BR_NET):
            env.cli("net", "start", net)
        self.http_log = env.tmp / "http.log"
        self.http = self.up.popen(
            [PYTHON, "-c", SERVER, HTTP_PORT, SINK_PORT, BLOB_SIZE,
             self.http_log],
            stdout=subprocess.PIPE, text=True)
        words = self.http.stdout.readline().split()
        assert words[:1] == ["ready"], f"HTTP server: {words}"
        self.blob_sha = words[1]
        self.vms = []
        t0 = time.monotonic()
        # all four boot side by side; the NAT guests' MACs are kvnet's or
        # name_mac()'s, the others' chosen here
        for net, name, mac in ((NAT_NET, "nat1", None),
                               (NAT_NET, NAT2, None),
                               (ISO_NET, "iso1", "52:54:00:78:00:03"),
                               (BR_NET, "lan1", "52:54:00:78:00:04")):
            self.vms.append(QemuGuest(env, image, net, name, mac=mac))
        for vm in self.vms:
            vm.boot_line = vm.wait_ready()
        self.boot_seconds = time.monotonic() - t0
        self.nat1, self.nat2, self.iso1, self.lan1 = self.vms

    def http_log_lines(self):
        try:
            return self.http_log.read_text().splitlines()
        except OSError:
            return []

    def stop(self):
        for vm in self.vms:
            vm.stop()


@pytest.fixture(scope="module")
def world(kvnet_module, guest_image):
    w = World(kvnet_module, guest_image)
    print(f"4 guests up in {w.boot_seconds:.1f}s ({LAUNCH})")
    try:
        yield w
    finally:
        w.stop()


def leases(env, net):
    return env.cli("leases", net, json=True).json


def guest_addrs(vm):
    out = vm.run("ip -4 -o addr show dev eth0")
    return [w for line in out.splitlines() for w in line.split()
            if "/" in w and w[0].isdigit()]


def guest_ping(vm, dst, count=2, check=True):
    out = vm.run(f"ping -c {count} -i 0.2 -W 2 -w 10 {dst}", timeout=20,
                 check=False)
    if check:
        assert f"{count} packets received" in out, \
            f"{vm.name} ({vm.ip}) cannot ping {dst}:\n{out}" \
            f"{vm.env.diagnostics(vm.net)}"
    return out


def tap_offloads(env, tap):
    out = env.host.run(["ethtool", "-k", tap]).stdout
    return dict(line.split(": ", 1)[0:2] for line in out.splitlines()
                if ": " in line and not line.startswith("Features"))


def big_frames(env, tap, direction="in"):
    """A capture of the frames larger than an MTU-sized one on the guest's
    tap: sent by the guest ("in") or handed to it ("out")."""
    return Capture(env.host, tap, direction,
                   f"greater {MAX_PLAIN_FRAME + 1}", snaplen=64)


def guest_counters(vm):
    names = ("tx_packets", "tx_bytes", "rx_packets", "rx_bytes")
    out = vm.run("cd /sys/class/net/eth0/statistics && cat "
                 + " ".join(names))
    return dict(zip(names, map(int, out.split())))


# --- tests, in the order they run --------------------------------------------

@pytest.mark.kvnet_timeout(60)
def test_nat_guests_lease_and_ping(world):
    env = world.env
    got = {lease["mac"].lower(): lease for lease in leases(env, NAT_NET)}
    ports = {p["iface"]: p for p in env.ports(NAT_NET)}
    for vm in (world.nat1, world.nat2):
        # the port: named after the guest (kvm-HASH for a long name), its
        # name shown, the guest's MAC (52:54:00 and kvnet's hash of the
        # name) pinned
        port = ports.get(vm.port)
        assert port and port["kind"] == "tap", ports
        assert port.get("guest", port["iface"]) == vm.name, port
        if LAUNCH == "vm-run":
            assert port["guest"] == vm.name, port
        assert vm.mac.startswith("52:54:00:"), vm
        assert port["guest_mac"].lower() == vm.mac, port
        # the lease: from the range, the guest's hostname (DHCP option 12)
        # and its port
        assert NAT_RANGE[0] <= vm.ip <= NAT_RANGE[1] and vm.prefix == 24, \
            vm.boot_line
        lease = got.get(vm.mac)
        assert lease, f"no lease for {vm}: {got}"
        assert (lease["ip"], lease["hostname"], lease["port"]) == \
            (vm.ip, vm.name, vm.port), lease
        if LAUNCH == "vm-run":
            assert lease["guest"] == vm.name, lease
        # the guest's side: the leased address, kvnet's gateway as its
        # router and (kvnet serves DNS) its resolver
        assert guest_addrs(vm) == [f"{vm.ip}/24"], vm.run("ip addr")
        assert f"default via {NAT_GW} " in vm.run("ip route"), vm.name
        assert f"nameserver {NAT_GW}" in vm.run("cat /etc/resolv.conf")
        assert vm.run("hostname").strip() == vm.name
    assert world.nat1.port == "nat1", ports
    assert re.fullmatch(r"kvm-[0-9a-f]{8}", world.nat2.port), ports
    assert world.nat1.ip != world.nat2.ip and world.nat1.mac != world.nat2.mac
    guest_ping(world.nat1, world.nat2.ip)
    guest_ping(world.nat2, world.nat1.ip)
    guest_ping(world.nat1, NAT_GW)
    for vm in (world.nat1, world.nat2):
        fdb = env.fdb_entry(NAT_NET, vm.mac)
        assert fdb and fdb["port"] == vm.port, fdb


@pytest.mark.kvnet_timeout(60)
def test_http_through_nat(world):
    for vm in (world.nat1, world.nat2):
        n = len(world.http_log_lines())
        out = vm.run(f"wget -q -O - http://{UPSTREAM_IP}:{HTTP_PORT}/hello",
                     timeout=20)
        assert out == "hello from the upstream\n", f"{vm.name}: {out!r}"
        # the upstream saw the host's uplink address, not the guest's
        assert world.http_log_lines()[n:] == \
            [f"GET /hello {UPLINK_IP} 24"], world.http_log_lines()
    flows = world.env.cli("conntrack", NAT_NET, json=True).json
    for vm in (world.nat1, world.nat2):
        mine = [f for f in flows if f["proto"] == "tcp" and
                f["src"].startswith(f"{vm.ip}:") and
                f["dst"] == f"{UPSTREAM_IP}:{HTTP_PORT}"]
        assert mine and all(f["nat"] == "snat" and
                            f["xlate_src"].startswith(f"{UPLINK_IP}:")
                            for f in mine), flows


@pytest.mark.kvnet_timeout(150)
def test_bulk_tcp_both_ways_through_nat(world):
    """20 MiB down (the upstream's blob, checked against its SHA-256) and
    20 MiB up (random bytes made in the guest, the upstream's SHA-256 of
    what it received against the guest's), with virtio-net's offloads on:
    the tap takes TSO frames and the guest sends them."""
    env, vm = world.env, world.nat1
    offl = tap_offloads(env, vm.port)
    assert offl.get("tcp-segmentation-offload") == "on", offl
    csum0 = vm.snmp_counters()["TcpInCsumErrors"]
    t0 = time.monotonic()
    with big_frames(env, vm.port, "out") as big_down:
        out = vm.run(f"wget -q -O - http://{UPSTREAM_IP}:{HTTP_PORT}/blob | "
                     "sha256sum", timeout=120)
    down = time.monotonic() - t0
    assert out.split()[0] == world.blob_sha, \
        f"{vm.name} got a blob with SHA-256 {out.strip()}, sent " \
        f"{world.blob_sha}{env.diagnostics(NAT_NET)}"
    assert world.http_log_lines()[-1] == \
        f"GET /blob {UPLINK_IP} {BLOB_SIZE}", world.http_log_lines()

    vm.run(f"dd if=/dev/urandom of=/tmp/up bs=65536 count={BLOB_SIZE >> 16}"
           " 2>/dev/null", timeout=60)
    mine = vm.run("sha256sum /tmp/up").split()[0]
    before = guest_counters(vm)
    t0 = time.monotonic()
    with big_frames(env, vm.port) as big:
        out = vm.run(f"nc {UPSTREAM_IP} {SINK_PORT} </tmp/up", timeout=120)
    up = time.monotonic() - t0
    after = guest_counters(vm)
    vm.run("rm /tmp/up")
    assert out.split() == [mine, str(BLOB_SIZE)], \
        f"the upstream got {out.strip()!r} from {vm.name}, which sent " \
        f"{mine} {BLOB_SIZE}{env.diagnostics(NAT_NET)}"
    assert world.http_log_lines()[-1] == \
        f"SINK {UPLINK_IP} {mine} {BLOB_SIZE}", world.http_log_lines()
    tx = {k: after[k] - before[k] for k in after}
    print(f"20 MiB down in {down:.1f}s ({len(big_down.raw())} frames over "
          f"{MAX_PLAIN_FRAME} B to the guest), up in {up:.1f}s ("
          f"{len(big.raw())} such frames from the guest, of "
          f"{tx['tx_packets']} frames in all)")
    # the upstream's TSO frames reached the guest whole (through NAT, the
    # tap's TSO on), and the guest's own entered the switch whole
    assert len(big_down.raw()) >= 20, \
        f"{vm.name}: {len(big_down.raw())} frames > {MAX_PLAIN_FRAME} B " \
        "in the download"
    assert len(big.raw()) >= 20, \
        f"{vm.name}: {len(big.raw())} frames > {MAX_PLAIN_FRAME} B in the " \
        f"upload (eth0 counters {tx})"
    # and its TCP stack saw no bad checksum
    assert vm.snmp_counters()["TcpInCsumErrors"] == csum0, \
        f"{vm.name}'s TCP saw bad checksums"


def guest_httpd(vm, port, body):
    """busybox httpd on port in the guest, serving /index.html (body) and
    /cgi-bin/peer (the client's address)."""
    vm.run("mkdir -p /www/cgi-bin && "
           f"echo {body} >/www/index.html && "
           "printf '%s\\n' '#!/bin/sh' 'echo Content-Type: text/plain' echo "
           "'echo peer=$REMOTE_ADDR' >/www/cgi-bin/peer && "
           "chmod 755 /www/cgi-bin/peer && "
           f"httpd -p 0.0.0.0:{port} -h /www >/dev/null 2>&1")
    poll(lambda: f":{port} " in vm.run("netstat -ltn"), 10,
         f"httpd on {vm.name}:{port}")


def upstream_get(world, url, timeout=10):
    cp = world.up.run([PYTHON, "-c",
                       "import sys, urllib.request; sys.stdout.write("
                       "urllib.request.urlopen(sys.argv[1], timeout=5)"
                       ".read().decode())", url], check=False,
                      timeout=timeout)
    return cp


@pytest.mark.kvnet_timeout(60)
def test_port_forward_reaches_guest_from_upstream(world):
    env, vm = world.env, world.nat2
    guest_httpd(vm, 80, f"served-by-{vm.name}")
    env.cli("forward", "add", NAT_NET, "--proto", "tcp", "--host-port",
            FWD_PORT, "--to", f"{vm.ip}:80")
    fw = env.cli("forward", "list", NAT_NET, json=True).json
    assert [(f["host_port"], f["to"], f["active"]) for f in fw] == \
        [(FWD_PORT, f"{vm.ip}:80", True)], fw
    cp = upstream_get(world, f"http://{UPLINK_IP}:{FWD_PORT}/index.html")
    assert cp.returncode == 0 and cp.stdout == f"served-by-{vm.name}\n", \
        f"{cp.stdout}{cp.stderr}{env.diagnostics(NAT_NET)}"
    # the guest sees the upstream's own address (DNAT only)
    cp = upstream_get(world, f"http://{UPLINK_IP}:{FWD_PORT}/cgi-bin/peer")
    assert cp.returncode == 0 and cp.stdout == f"peer={UPSTREAM_IP}\n", \
        f"{cp.stdout}{cp.stderr}"
    # nothing listens on the host's port without the forward
    env.cli("forward", "del", NAT_NET, "--proto", "tcp", "--host-port",
            FWD_PORT)
    cp = upstream_get(world, f"http://{UPLINK_IP}:{FWD_PORT}/index.html")
    assert cp.returncode != 0, cp.stdout


@pytest.mark.kvnet_timeout(90)
def test_trace_guest_ping_through_nat(world):
    """Every stage of a guest's ping to the upstream and of its reply, in
    JSON; the guest's port is its name. Then, as text, the long-named
    guest's ping: its kvm-HASH port with its name beside it."""
    env, vm = world.env, world.nat1
    guest_ping(vm, UPSTREAM_IP, count=1)  # neighbours known: a plain ping
    p = start_trace(env, "--json", NAT_NET, "--count", 2, "--timeout", 30,
                    "icmp", "and", "host", vm.ip)
    guest_ping(vm, UPSTREAM_IP, count=1)
    rc, out, err = finish(p, timeout=40)
    assert rc == 0, err
    evs = [json.loads(line) for line in out.splitlines()]
    req = [e for e in evs if e["packet"] == 1]
    rep = [e for e in evs if e["packet"] == 2]
    stages = [e["stage"] for e in req]
    # in at the guest's tap, the port named after the guest
    assert req[0]["in"] == vm.name == vm.port, out
    assert stages == ["ingress", "spoof-check", "route", "conntrack", "nat",
                      "redirect"], out
    assert req[2]["detail"] == "forward" and req[2]["out"] == "up0", out
    assert req[3]["detail"] in ("new", "original"), out
    n = req[4]["nat"]
    assert (n["before"]["src"], n["before"]["dst"]) == (vm.ip, UPSTREAM_IP)
    assert (n["after"]["src"], n["after"]["dst"]) == (UPLINK_IP, UPSTREAM_IP)
    assert n["before"]["proto"] == 1, out
    # out of the uplink
    assert stages[-1] == "redirect" and req[-1]["out"] == "up0", out
    # the reply: into the uplink, NAT back, through the gateway to the
    # guest's port
    assert [e["stage"] for e in rep] == ["ingress", "conntrack", "nat",
                                         "redirect", "ingress", "fdb",
                                         "redirect"], out
    assert rep[0]["in"] == "up0" and rep[1]["detail"] == "reply", out
    back = rep[2]["nat"]
    assert (back["before"]["dst"], back["after"]["dst"]) == \
        (UPLINK_IP, vm.ip), out
    assert back["before"]["src"] == back["after"]["src"] == UPSTREAM_IP, out
    assert rep[-1]["out"] == vm.name, out
    assert {e["reply_to"] for e in rep} == {1}, out

    # the text form, for the guest whose name is no interface name
    vm = world.nat2
    guest_ping(vm, UPSTREAM_IP, count=1)
    p = start_trace(env, NAT_NET, "--count", 2, "--timeout", 30, "icmp",
                    "and", "host", vm.ip)
    guest_ping(vm, UPSTREAM_IP, count=1)
    rc, out, err = finish(p, timeout=40)
    assert rc == 0, err
    (head, req), (rhead, rep) = blocks(out)
    assert f"IPv4 {vm.ip} > {UPSTREAM_IP}: ICMP echo request" in head, out
    assert rhead.endswith("(reply to #1)"), out
    named = f"{vm.port} ({vm.name})"
    assert req[0][1:] == ("ingress", named), out
    assert [s[1] for s in req][-1] == "redirect" and \
        req[-1][2] == "-> up0", out
    nat = next(s[2] for s in req if s[1] == "nat")
    assert nat.startswith(f"{vm.ip}") and f"-> {UPLINK_IP}" in nat, out
    assert rep[-1][1:] == ("redirect", f"-> {named}"), out


@pytest.mark.kvnet_timeout(60)
def test_isolated_guest_reaches_nothing_beyond_gateway(world):
    env, vm = world.env, world.iso1
    assert vm.ip.startswith(f"{ISO_PREFIX}.")
    lease = next((x for x in leases(env, ISO_NET) if x["mac"] == vm.mac), None)
    assert lease and lease["ip"] == vm.ip and lease["port"] == vm.port, lease
    guest_ping(vm, ISO_GW)
    # whatever the lease says, send everything to the gateway
    vm.run(f"ip route replace default via {ISO_GW}")
    drops0 = env.stats(ISO_NET)[vm.port]["drops"].get("not-routed", 0)
    with Capture(world.up, "eth0", "in", f"host {vm.ip}") as cap:
        out = guest_ping(vm, UPSTREAM_IP, count=2, check=False)
        assert " 0 packets received" in out, out
        out = vm.run(f"timeout 5 wget -q -O - "
                     f"http://{UPSTREAM_IP}:{HTTP_PORT}/hello", check=False,
                     timeout=20)
        assert vm.rc != 0 and "hello" not in out, out
        # the upstream cannot reach in either, though it has a route
        cp = world.up.run(["ping", "-c", "2", "-W", "1", vm.ip], check=False)
        assert cp.returncode != 0, cp.stdout
    # the switch dropped the guest's packets: 2 pings and at least one SYN
    drops = env.stats(ISO_NET)[vm.port]["drops"].get("not-routed", 0)
    assert drops - drops0 >= 3, env.stats(ISO_NET)[vm.port]
    assert not [f for f in cap.frames() if IP in f and f[IP].src == vm.ip], \
        f"{vm.name}'s packets reached the upstream"
    assert not [x for x in world.http_log_lines() if "/hello " + vm.ip in x]


@pytest.mark.kvnet_timeout(60)
def test_bridged_guest_leases_from_lan_dnsmasq(world):
    env, vm = world.env, world.lan1
    assert LAN_RANGE[0] <= vm.ip <= LAN_RANGE[1], vm.boot_line
    lines = world.lan_leases.read_text().splitlines()
    mine = [ln.split() for ln in lines if vm.mac in ln.lower()]
    assert mine and mine[0][2] == vm.ip and mine[0][3] == vm.name, lines
    # kvnet serves no DHCP on a bridged network: the lease is the LAN's
    cp = env.cli("leases", BR_NET, json=True, check=False)
    assert cp.returncode != 0 or not [
        x for x in cp.json if x["mac"].lower() == vm.mac], cp.stdout
    guest_ping(vm, LAN_IP)
    world.lan.ns.run(["ping", "-n", "-c", "2", "-i", "0.2", "-w", "10",
                      vm.ip], timeout=20)
    fdb = env.fdb_entry(BR_NET, vm.mac)
    assert fdb and fdb["port"] == vm.port, fdb
    assert env.port(BR_NET, LAN_UPLINK)["kind"] == "uplink"
    if LAUNCH == "vm-run":  # no lease: the name is vm run's
        assert env.port(BR_NET, vm.port).get("guest") == vm.name


@pytest.mark.kvnet_timeout(60)
def test_port_goes_with_qemu(world):
    """qemu's exit takes its port and tap away (vm run's contract; with
    port add, QemuGuest.stop() deletes it)."""
    env, vm = world.env, world.lan1
    assert env.port(BR_NET, vm.port) is not None
    vm.stop()
    poll(lambda: env.port(BR_NET, vm.port) is None, 10,
         f"port {vm.port} gone from {BR_NET}")
    poll(lambda: not env.host.link_exists(vm.port), 10,
         f"tap {vm.port} gone")
    # the other guests are still there
    guest_ping(world.nat1, world.nat2.ip, count=1)
