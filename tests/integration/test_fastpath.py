# SPDX-License-Identifier: GPL-2.0-only
"""The established-flow path (ebpf/lib/fastpath.h): a guest's packets of a
masqueraded flow its own port opened are translated before the switch's
stages run. They must be checked as the whole way checks them: a forged
MAC, another port sending the flow's tuple, and the flow's address after
the port's binding moved, are each dropped and counted as spoofing, while
the flow's own packets take the path (the uplinks row of `kvnet stats`
counts them) and arrive translated. The same holds for a guest with no
binding whose address another port is given while its flow streams."""

import json
import re
import signal
import subprocess
import time

from scapy.layers.inet import IP, UDP
from scapy.layers.l2 import Ether
from scapy.packet import Raw

from kvnet_harness import KVNETD_FAULTS, Capture, ether_marker, poll, stop_process, tag
from test_nat import SUBNET, UPLINK_IP, UPSTREAM_IP, Nat

PY = "/usr/bin/python3"
SPORT, DPORT = 40009, 9


# argv: interface, a frame in hex whose last 4 bytes are replaced by a
# sequence number, seconds: send one every 5 ms, print "seq time" for each
STREAM = """
import socket, sys, time
s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW)
s.bind((sys.argv[1], 0))
frame = bytes.fromhex(sys.argv[2])
end = time.monotonic() + float(sys.argv[3])
seq, out = 0, []
while time.monotonic() < end:
    s.send(frame[:-4] + b"%04d" % (seq % 10000))
    out.append("%04d %f" % (seq % 10000, time.monotonic()))
    seq += 1
    time.sleep(0.005)
print("\\n".join(out))
"""


def fast_translated(env):
    """Packets translated on the established-flow path (`kvnet stats`,
    the uplinks row)."""
    return env.stats("n1")["(uplinks)"]["fastpath_packets"]


def gateway_mac(g):
    g.ping(f"{SUBNET}.1", count=1)
    neigh = json.loads(g.ns.run(["ip", "-j", "neigh", "show", f"{SUBNET}.1",
                                 "dev", "eth0"]).stdout)
    return neigh[0]["lladdr"]


def frame(src_mac, gw_mac, src_ip, marker):
    """A packet of the flow; its last 4 bytes a sequence number."""
    return (Ether(src=src_mac, dst=gw_mac) / IP(src=src_ip, dst=UPSTREAM_IP)
            / UDP(sport=SPORT, dport=DPORT) / Raw(marker.encode() + b"0000"))


def test_established_flow_path_keeps_antispoofing(kvnet):
    env = kvnet
    nat = Nat(env, guests=0)
    g = env.add_guest("n1", "g", f"{SUBNET}.19", attach=False)
    env.cli("port", "add", "n1", g.port, "--mac", g.mac)
    env.cli("port", "addr", "add", "n1", g.port, g.ip)
    g.ns.ip("route", "add", "default", "via", f"{SUBNET}.1")
    h = nat.add_guest("h", f"{SUBNET}.20")
    gw = gateway_mac(g)
    h_gw = gateway_mac(h)

    def drops(guest, reason):
        return nat.drops(guest.port).get(reason, 0)

    g.ping(UPSTREAM_IP, count=1)   # the host resolves the next hop
    with Capture(nat.up, "eth0") as up:
        # the flow's own packets: the first learns (the whole way), the
        # rest take the path
        legit = [tag("own") for _ in range(20)]
        before = fast_translated(env)
        g.sendp(*[frame(g.mac, gw, g.ip, m) for m in legit])
        for m in legit:
            got = up.wait_for(ether_marker(m), 5, f"flow packet {m}")[0]
            assert got[IP].src == UPLINK_IP, got.summary()
        assert fast_translated(env) - before >= len(legit) // 2, "the path was not taken"

        # a forged MAC on the flow, right after a packet that warmed the
        # port's learn cache
        forged = tag("mac")
        last = tag("after-mac")
        g.sendp(frame(g.mac, gw, g.ip, tag("warm")), frame("52:54:00:66:66:66", gw, g.ip, forged),
                frame(g.mac, gw, g.ip, last))
        up.wait_for(ether_marker(last), 5, "the packet after the forged MAC")
        assert not up.matching(ether_marker(forged)), "a forged MAC crossed NAT"
        assert drops(g, "spoof-mac") >= 1

        # another port sending the flow's tuple, its own cache warm
        theft = tag("theft")
        h.sendp(Ether(src=h.mac, dst=h_gw) / IP(src=h.ip, dst=UPSTREAM_IP) /
                UDP(sport=SPORT + 1, dport=DPORT) / Raw(b"warm"),
                frame(h.mac, h_gw, g.ip, theft))
        poll(lambda: drops(h, "spoof-ip") >= 1, 5, "the stolen tuple's drop")
        assert not up.matching(ether_marker(theft)), "another port's packet joined the flow"

        # the binding moves to another address while the flow streams on
        # the path: from the move on, the flow's address is not the
        # port's, and not one packet of it may cross
        def move():
            env.cli("port", "addr", "add", "n1", g.port, f"{SUBNET}.21")
            env.cli("port", "addr", "del", "n1", g.port, g.ip)
        moved = tag("moved")
        stream_across_change(env, nat, up, g, moved, frame(g.mac, gw, g.ip, moved), move)


def stream_across_change(env, nat, up, g, marker, pkt, change):
    """Stream pkt (a flow's packet: marker, then a sequence number in its
    last 4 bytes) from g on the established-flow path, and call change()
    halfway: from then on, not one packet may cross, and each is counted
    as IP spoofing."""
    base = fast_translated(env)
    drops_before = nat.drops(g.port).get("spoof-ip", 0)
    sender = g.ns.popen([PY, "-c", STREAM, g.iface, bytes(pkt).hex(), "3"],
                        stdout=subprocess.PIPE, text=True)
    try:
        up.wait_for(ether_marker(marker), 5, "the streamed flow", count=20)
        streaming = fast_translated(env)
        change()
        changed_at = time.monotonic()
        sent, _ = sender.communicate(timeout=20)
    finally:
        stop_process(sender)
    after = [seq for seq, t in map(str.split, sent.split("\n")[:-1]) if float(t) > changed_at]
    assert len(after) > 50, sent[-200:]
    crossed = {re.search(marker.encode() + rb"(\d{4})", bytes(f)).group(1).decode()
               for f in up.matching(ether_marker(marker))}
    assert streaming - base >= 10, "the stream did not take the path"
    assert not crossed & set(after), f"sent after the change, crossed: {sorted(crossed & set(after))}"
    assert nat.drops(g.port).get("spoof-ip", 0) - drops_before >= len(after) // 2


def test_established_flow_of_an_unbound_guest_stops_when_another_binds_its_address(kvnet):
    """A guest nobody told kvnet about may send from any address no port
    holds; the flow's packets take the path with no check of their own
    (the flow was checked under the network's anti-spoofing generation).
    The moment another port is given the address, not one more crosses."""
    env = kvnet
    nat = Nat(env, guests=0)
    g = nat.add_guest("g", f"{SUBNET}.22")
    h = nat.add_guest("h", f"{SUBNET}.23")
    gw = gateway_mac(g)
    g.ping(UPSTREAM_IP, count=1)
    with Capture(nat.up, "eth0") as up:
        warm = [tag("unbound") for _ in range(5)]
        g.sendp(*[frame(g.mac, gw, g.ip, m) for m in warm])
        for m in warm:
            up.wait_for(ether_marker(m), 5, f"flow packet {m}")
        taken = tag("taken")
        stream_across_change(env, nat, up, g, taken, frame(g.mac, gw, g.ip, taken),
                             lambda: env.cli("port", "addr", "add", "n1", h.port, g.ip))


def test_binding_moved_by_a_kvnetd_killed_before_its_new_generation(kvnet):
    """kvnetd killed after it wrote a moved binding and before it gave the
    network a new anti-spoofing generation (fault point dp.bind_gen), with
    the flow on the path and stamped: the next kvnetd adopts maps and
    config as they are, and the flow's packets from the address the port
    no longer has are dropped as spoofing, while its new address works.
    What closes the window is the next kvnetd's new generation as it
    configures the adopted network, or before that the flow's next hop
    (1 s) or the port's learn cache (0.5 s) going stale, which send a
    packet the whole way: a restart here takes about as long, so this
    checks where the kill leaves things, not which of them closed it."""
    env = kvnet
    nat = Nat(env, guests=0)
    g = env.add_guest("n1", "g", f"{SUBNET}.24", attach=False)
    env.cli("port", "add", "n1", g.port)
    env.cli("port", "addr", "add", "n1", g.port, g.ip)
    g.ns.ip("route", "add", "default", "via", f"{SUBNET}.1")
    gw = gateway_mac(g)
    g.ping(UPSTREAM_IP, count=1)
    move = [("port", "addr", "add", "n1", g.port, f"{SUBNET}.25"),
            ("port", "addr", "del", "n1", g.port, g.ip)]

    # where the move's last generation is given, by a kvnetd that lists
    # its fault points; then the binding back as it was
    points = env.tmp / "points"
    env.kill_daemon(signal.SIGTERM)
    env.start_daemon(binary=KVNETD_FAULTS, extra_env={"KVNET_FAULT": f"list:{points}"})
    for step in move:
        env.cli(*step)
    listed = [line.split() for line in points.read_text().splitlines()]  # "N name"
    k = max((int(n) for n, name in listed if name == "dp.bind_gen"), default=None)
    assert k, listed
    env.kill_daemon(signal.SIGTERM)
    env.start_daemon()
    env.cli("port", "addr", "add", "n1", g.port, g.ip)
    env.cli("port", "addr", "del", "n1", g.port, f"{SUBNET}.25")

    with Capture(nat.up, "eth0") as up:
        env.kill_daemon(signal.SIGTERM)
        env.start_daemon(binary=KVNETD_FAULTS, extra_env={"KVNET_FAULT": f"kill:{k}"})
        env.cli(*move[0])
        # the flow on the path, stamped with the generation of the move's
        # first step
        before = fast_translated(env)
        warm = [tag("warm") for _ in range(20)]
        g.sendp(*[frame(g.mac, gw, g.ip, m) for m in warm])
        for m in warm:
            up.wait_for(ether_marker(m), 5, f"flow packet {m}")
        assert fast_translated(env) - before >= len(warm) // 2, "the path was not taken"
        assert env.cli(*move[1], check=False).returncode != 0
        poll(lambda: not env.daemon_alive(), 10, "kvnetd's death at dp.bind_gen")
        env.expect_alive = False
        env.start_daemon()
        assert g.ip not in env.port("n1", g.port)["addrs"], env.port("n1", g.port)

        # each packet of the flow right after one from the port's new
        # address, which keeps the port's learn cache fresh
        drops = nat.drops(g.port).get("spoof-ip", 0)
        after = [tag("after") for _ in range(20)]
        new = [tag("new") for _ in after]
        g.sendp(*[f for n, m in zip(new, after)
                  for f in (frame(g.mac, gw, f"{SUBNET}.25", n), frame(g.mac, gw, g.ip, m))])
        up.wait_for(ether_marker(new[-1]), 5, "the new address's last packet")
        assert not [m for m in after if up.matching(ether_marker(m))], \
            "packets from the address the port no longer has crossed"
        assert nat.drops(g.port).get("spoof-ip", 0) - drops >= len(after)
