# SPDX-License-Identifier: GPL-2.0-only
"""Tap ports carry a virtio guest's offloaded frames (issue 8).

A qemu guest with virtio-net offloads on hands its tap TCP segments of up to
64 KB with a GSO vnet header. build/tapio stands in for qemu: it opens kvnet's
taps exactly as qemu does (IFF_TAP|IFF_NO_PI|IFF_VNET_HDR, 12-byte header,
TUNSETOFFLOAD csum+TSO) and writes a small segment, a 3000-byte GSO segment
(gso_size 1448, checksum left to offload) and a full-size frame. Every TCP
payload byte must come out at the destination, whole or correctly
segmented; tapio checks each byte against a pattern keyed on the sequence
number, and the checksums. A non-GSO frame bigger than the MTU is dropped
and counted. Bulk TCP (iperf3 and an exact byte-count transfer) runs between
a namespace behind a tap (a `tapio relay`, so its stack sends TSO frames
like a guest) and a veth guest, in both directions.
"""

import json
import os
import re
import secrets
import selectors
import shutil
import subprocess
import threading
import time

import pytest

from kvnet_harness import BUILD, PYTHON, HarnessError, poll, stop_process

TAPIO = BUILD / "tapio"
NET = "t0"
SUBNET = "10.77.0.0/24"
GW_IP = "10.77.0.1"
DPORT = 7777
MAC_A = "52:54:00:8a:00:0a"
MAC_B = "52:54:00:8a:00:0b"
IP_A = "10.77.0.50"
IP_B = "10.77.0.51"
SEQ0 = 1000000
# Payload bytes of --kind small, gso and full (tapio's defaults).
SMALL, GSO, FULL = 64, 3000, 1460
MTU = 1500


def need_tools():
    """The suite never skips: a missing tool is a failed install step."""
    if not os.access(TAPIO, os.X_OK):
        raise HarnessError(f"{TAPIO} is not built: run `make`")
    if shutil.which("iperf3") is None:
        raise HarnessError("iperf3 missing: install Debian package iperf3 "
                           "(tools/deps.sh)")


class Tapio:
    """A running `tapio read|sniff|relay`: waits until its device is open
    (tapio says "ready" on stderr), then collects its JSON lines."""

    def __init__(self, ns, *args, timeout=15):
        self.ns = ns
        self.proc = ns.popen([TAPIO, *args], stdout=subprocess.PIPE,
                             stderr=subprocess.PIPE)
        self._frames, self._err = [], []
        self._lock = threading.Lock()
        self._ready = threading.Event()
        self._threads = [threading.Thread(target=f, daemon=True)
                         for f in (self._read_out, self._read_err)]
        for t in self._threads:
            t.start()
        deadline = time.monotonic() + timeout
        while not self._ready.wait(0.05):
            if self.proc.poll() is not None or time.monotonic() > deadline:
                self.stop()
                raise HarnessError(f"tapio {' '.join(args)} not ready "
                                   f"(exit {self.proc.returncode}): "
                                   f"{self.stderr()}")

    def _read_out(self):
        for line in self.proc.stdout:
            try:
                f = json.loads(line)
            except ValueError:
                continue
            with self._lock:
                self._frames.append(f)

    def _read_err(self):
        for line in self.proc.stderr:
            line = line.decode(errors="replace")
            with self._lock:
                self._err.append(line)
            if "ready" in line:
                self._ready.set()

    def frames(self, pred=lambda f: True):
        with self._lock:
            return [f for f in self._frames if pred(f)]

    def stderr(self):
        with self._lock:
            return "".join(self._err)

    def stop(self):
        rc = stop_process(self.proc)
        for t in self._threads:
            t.join(timeout=5)
        for s in (self.proc.stdout, self.proc.stderr):
            s.close()
        return rc


def tap_write(ns, tap, kinds, src_mac, dst_mac, src_ip, dst_ip, sport,
              seq=SEQ0, flags="PA"):
    """Write frames of the given kinds into tap as one TCP stream."""
    return ns.run([TAPIO, "write", tap, "--src-mac", src_mac, "--dst-mac",
                   dst_mac, "--src-ip", src_ip, "--dst-ip", dst_ip, "--kind",
                   ",".join(kinds), "--sport", sport, "--dport", DPORT,
                   "--seq", seq, "--flags", flags])


def stream(sport):
    """Predicate: TCP frames of the test stream with source port sport."""
    return lambda f: f.get("sport") == sport and f.get("dport") == DPORT


def covered_to(frames, seq0):
    """Highest sequence number up to which payload is contiguous from seq0."""
    pos = seq0
    for a, b in sorted((f["seq"], f["seq"] + f["payload_len"])
                       for f in frames if f.get("payload_len")):
        if a > pos:
            break
        pos = max(pos, b)
    return pos


def wait_payload(cap, sport, length, what, seq0=SEQ0, timeout=10):
    """Wait until cap has every payload byte of [seq0, seq0+length)."""
    try:
        poll(lambda: covered_to(cap.frames(stream(sport)), seq0) >= seq0 + length,
             timeout, what)
    except HarnessError as e:
        raise HarnessError(f"{e}\nframes: {cap.frames(stream(sport))}\n"
                           f"tapio: {cap.stderr()}") from None
    return cap.frames(stream(sport))


def check_frames(frames, length, mtu=MTU):
    """Content, checksums and sizes of what arrived: each payload byte
    intact and delivered once; a frame without GSO fits the MTU; a GSO
    frame says how to cut itself up (gso_size no larger than the MSS)."""
    assert sum(f["payload_len"] for f in frames) == length, frames
    for f in frames:
        assert f["pattern_ok"] is not False, f"payload corrupted: {f}"
        assert f["ip_csum_ok"], f"bad IPv4 header checksum: {f}"
        assert f["csum"] in ("ok", "partial-ok"), f"bad TCP checksum: {f}"
        gso = f.get("vnet", {}).get("gso_type", "none")
        if gso == "none":
            assert f["ip_len"] <= mtu, f"frame over the MTU delivered: {f}"
        else:
            assert gso == "tcpv4", f
            assert 0 < f["vnet"]["gso_size"] <= mtu - 40, f


def describe(frames):
    """'whole' if the GSO segment arrived as one frame, else 'N segments'."""
    big = [f for f in frames if f["payload_len"] == GSO]
    return "whole" if big else f"{len(frames)} segments"


@pytest.fixture
def net(kvnet):
    need_tools()
    kvnet.define_isolated(NET, SUBNET)
    return kvnet


def add_tap(env, name, mac):
    env.cli("port", "add", NET, name, "--tap", "--mac", mac)
    poll(lambda: env.host.link_exists(name), 5, f"tap {name}")
    return name


def learn(env, tap, mac, ip, sport):
    """Let the switch learn mac behind tap, as a guest's first frame does."""
    tap_write(env.host, tap, ["small"], mac, "ff:ff:ff:ff:ff:ff", ip,
              "10.77.0.255", sport, seq=1)
    poll(lambda: (e := env.fdb_entry(NET, mac)) and e["port"] == tap, 5,
         f"FDB entry {mac} on {tap}")


def gateway_mac(env):
    gw = env.gateway_name(NET)
    return env.host.ip_json("link", "show", "dev", gw)[0]["address"]


def test_tap_to_tap_small_gso_full(net):
    """All TCP payload written into tA (small, 3000-byte GSO, full-size)
    comes out of tB, opened the qemu way, whole or correctly segmented."""
    env = net
    add_tap(env, "tA", MAC_A)
    add_tap(env, "tB", MAC_B)
    learn(env, "tB", MAC_B, IP_B, 1)
    sport = 20000 + secrets.randbelow(10000)
    rd = Tapio(env.host, "read", "tB", "--timeout", 60, "--port", DPORT,
               "--json")
    try:
        tap_write(env.host, "tA", ["small", "gso", "full"], MAC_A, MAC_B,
                  IP_A, IP_B, sport)
        frames = wait_payload(rd, sport, SMALL + GSO + FULL, "payload on tB")
    finally:
        rd.stop()
    check_frames(frames, SMALL + GSO + FULL)
    print(f"tap->tap GSO segment: {describe(frames)}")


def test_tap_gso_to_veth_guest(net):
    """The 3000-byte GSO segment written into a tap reaches a veth guest."""
    env = net
    g = env.add_guest(NET, "g", "10.77.0.11")
    add_tap(env, "tA", MAC_A)
    # the guest answers from eth0 (learned); the tap's MAC is learned too
    learn(env, "tA", MAC_A, IP_A, 1)
    g.ping(GW_IP, count=1)
    sport = 20000 + secrets.randbelow(10000)
    cap = Tapio(g.ns, "sniff", g.iface, "--direction", "in", "--timeout", 60,
                "--port", DPORT, "--json")
    try:
        tap_write(env.host, "tA", ["gso"], MAC_A, g.mac, IP_A, g.ip, sport)
        frames = wait_payload(cap, sport, GSO, "payload in the veth guest")
    finally:
        cap.stop()
    check_frames(frames, GSO)
    print(f"tap->veth GSO segment: {describe(frames)}")


def test_tap_gso_to_gateway(net):
    """The GSO segment reaches the host through the gateway port, and the
    host's TCP stack takes all 3000 bytes with a valid checksum: with no
    listener and no ACK flag, it answers RST|ACK acking seq + payload."""
    env = net
    gw = env.gateway_name(NET)
    add_tap(env, "tA", MAC_A)
    learn(env, "tA", MAC_A, IP_A, 1)
    # the RST goes straight back, without an ARP that nobody would answer
    env.host.ip("neigh", "replace", IP_A, "lladdr", MAC_A, "dev", gw)
    sport = 20000 + secrets.randbelow(10000)
    cap = Tapio(env.host, "sniff", gw, "--timeout", 60, "--port", DPORT,
                "--json")
    try:
        tap_write(env.host, "tA", ["gso"], MAC_A, gateway_mac(env), IP_A,
                  GW_IP, sport, flags="P")
        frames = wait_payload(cap, sport, GSO, f"payload on {gw}")
        rst = poll(lambda: [f for f in cap.frames()
                            if f.get("dport") == sport and "R" in f["tcp_flags"]
                            and f["ack"] == SEQ0 + GSO], 10,
                   f"the host's RST acking {GSO} bytes")
    except HarnessError as e:
        raise HarnessError(f"{e}\nall: {cap.frames()}") from None
    finally:
        cap.stop()
    check_frames([f for f in frames if f["dir"] != "outgoing"], GSO)
    assert rst[0]["dir"] == "outgoing"
    print(f"tap->gateway GSO segment: {describe(frames)}")


def port_drops(env, port, reason):
    return env.stats(NET)[port].get("drops", {}).get(reason, 0)


def test_tap_oversize_dropped_and_counted(net):
    """A non-GSO frame bigger than the MTU is dropped and counted as
    too-big, to a known MAC and when flooded, and nothing of it arrives;
    the frame written right after it does."""
    env = net
    g = env.add_guest(NET, "g", "10.77.0.11")
    add_tap(env, "tA", MAC_A)
    add_tap(env, "tB", MAC_B)
    learn(env, "tB", MAC_B, IP_B, 1)
    learn(env, "tA", MAC_A, IP_A, 1)
    gw = env.gateway_name(NET)
    before = port_drops(env, "tA", "too-big")
    caps = {}
    try:
        caps["tB"] = Tapio(env.host, "read", "tB", "--timeout", 60, "--port",
                           DPORT, "--json")
        caps["guest"] = Tapio(g.ns, "sniff", g.iface, "--direction", "in",
                              "--timeout", 60, "--port", DPORT, "--json")
        caps[gw] = Tapio(env.host, "sniff", gw, "--direction", "in",
                         "--timeout", 60, "--port", DPORT, "--json")
        uni, flood = (20000 + secrets.randbelow(10000) for _ in range(2))
        # unicast to tB, then flooded (unknown MAC): oversize, then small
        tap_write(env.host, "tA", ["oversize", "small"], MAC_A, MAC_B, IP_A,
                  IP_B, uni)
        tap_write(env.host, "tA", ["oversize", "small"], MAC_A,
                  "52:54:00:8a:ff:ff", IP_A, IP_B, flood)
        # tapio's stream: the small frame follows the 3000-byte oversize one
        wait_payload(caps["tB"], uni, SMALL, "small frame after oversize",
                     seq0=SEQ0 + 3000)
        for name, c in caps.items():
            if name != gw:
                wait_payload(c, flood, SMALL, "flooded small frame after oversize",
                             seq0=SEQ0 + 3000)
    finally:
        for c in caps.values():
            c.stop()
    # The isolated network's gateway takes no IPv4 for another address,
    # flooded or not.
    assert not caps[gw].frames(lambda f: f.get("sport") == flood), \
        "a flood for a guest's address reached the isolated network's gateway"
    for name, c in caps.items():
        big = c.frames(lambda f: f.get("dport") == DPORT and f["seq"] == SEQ0)
        assert not big, f"oversize frame (or part of it) reached {name}: {big}"
    after = port_drops(env, "tA", "too-big")
    assert after - before >= 2, \
        f"too-big drops on tA: {before} -> {after}: {env.stats(NET)}"


# ---- bulk TCP ---------------------------------------------------------------

def tap_endpoint(env, ip, mac):
    """A namespace whose stack sits behind tap tE, relayed by tapio to the
    kvnet tap port tA: its TCP sends TSO frames into tE as a virtio guest
    with offloads on does."""
    ns = env.new_ns("kvt-")
    ns.sysctl("net.ipv6.conf.all.disable_ipv6=1",
              "net.ipv6.conf.default.disable_ipv6=1")
    ns.ip("tuntap", "add", "mode", "tap", "tE")
    ns.ip("link", "set", "tE", "address", mac)
    ns.ip("addr", "add", f"{ip}/24", "dev", "tE")
    ns.ip("link", "set", "tE", "up")
    add_tap(env, "tA", mac)
    relay = Tapio(env.host, "relay", "tA", "tE", "--netns-b", ns.name)
    return ns, relay


def iperf3(client_ns, server, reverse, seconds=3):
    srv = server.ns.popen(["iperf3", "-s", "-1", "-B", server.ip],
                          stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        poll(lambda: ":5201 " in server.ns.run(["ss", "-Hltn"]).stdout, 10,
             "iperf3 server listening")
        args = ["iperf3", "-c", server.ip, "-t", seconds, "-J"]
        cp = client_ns.run(args + (["-R"] if reverse else []),
                           timeout=seconds + 30, check=False)
        assert cp.returncode == 0, f"iperf3 failed:\n{cp.stdout}\n{cp.stderr}"
        end = json.loads(cp.stdout)["end"]
        return (end["sum_sent"]["bytes"], end["sum_received"]["bytes"],
                end["sum_received"]["bits_per_second"])
    finally:
        stop_process(srv)


# Receiver: counts and hashes what arrives until EOF, prints both.
SINK = """
import hashlib, socket, sys
s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind((sys.argv[1], int(sys.argv[2]))); s.listen(1)
print("listening", flush=True)
c, _ = s.accept(); h = hashlib.sha256(); n = 0
while True:
    b = c.recv(1 << 20)
    if not b:
        break
    h.update(b); n += len(b)
print(n, h.hexdigest(), flush=True)
"""
# Sender: n bytes of a pattern, prints the count and hash it sent.
SOURCE = """
import hashlib, socket, sys
n = int(sys.argv[3]); blk = bytes(range(251)) * 4177; h = hashlib.sha256()
s = socket.create_connection((sys.argv[1], int(sys.argv[2])), timeout=30)
left = n
while left:
    b = blk[:min(left, len(blk))]; s.sendall(b); h.update(b); left -= len(b)
s.close(); print(n, h.hexdigest(), flush=True)
"""


def exact_transfer(src_ns, dst_ns, dst_ip, nbytes, port=5301):
    """nbytes over one TCP connection; what arrives must equal what left."""
    sink = dst_ns.popen([PYTHON, "-c", SINK, dst_ip, port],
                        stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                        text=True)
    try:
        sel = selectors.DefaultSelector()
        sel.register(sink.stdout, selectors.EVENT_READ)
        ready = sel.select(timeout=10)
        sel.close()
        assert ready and sink.stdout.readline().strip() == "listening", \
            "byte-count sink did not start"
        sent = src_ns.run([PYTHON, "-c", SOURCE, dst_ip, port, nbytes],
                          timeout=60).stdout.split()
        out, err = sink.communicate(timeout=30)
    finally:
        stop_process(sink)
    assert out.split() == sent, f"sent {sent}, received {out!r} {err}"


@pytest.mark.kvnet_timeout(180)
def test_bulk_tcp_tap_endpoint_veth_guest(net):
    """iperf3 both ways between a tap-side endpoint with offloads on and a
    veth guest: sane throughput, nothing lost; an exact transfer each way
    proves every byte arrives."""
    env = net
    g = env.add_guest(NET, "g", "10.77.0.11")
    ns, relay = tap_endpoint(env, "10.77.0.20", MAC_A)
    try:
        ns.run(["ping", "-n", "-c", "1", "-w", "10", g.ip], timeout=20)
        results = {}
        for reverse in (False, True):
            sent, rcvd, bps = iperf3(ns, g, reverse)
            name = "veth->tap" if reverse else "tap->veth"
            results[name] = bps
            assert bps > 50e6, f"{name}: {bps / 1e6:.1f} Mbit/s"
            # iperf3 stops counting at the end of the test while the last
            # bytes are in flight; the exact transfers below close that gap.
            assert rcvd >= 0.99 * sent, f"{name}: sent {sent}, got {rcvd}"
        exact_transfer(ns, g.ns, g.ip, 64 << 20)
        exact_transfer(g.ns, ns, "10.77.0.20", 64 << 20)
    finally:
        relay.stop()
    err = relay.stderr()
    print("throughput: " + ", ".join(f"{k} {v / 1e9:.2f} Gbit/s"
                                       for k, v in results.items()))
    print(err)
    # the endpoint's stack really sent TSO frames through the tap port
    gso = re.search(r"b->a: \d+ frames, \d+ bytes, (\d+) gso", err)
    assert gso and int(gso.group(1)) > 0, f"no GSO frames from the endpoint: {err}"
