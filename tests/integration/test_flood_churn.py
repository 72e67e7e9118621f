# SPDX-License-Identifier: GPL-2.0-only
"""The flood list changes atomically for frames (issue 14, part 7): while
ports are added and removed in a loop, a broadcast stream from one guest
reaches every port that stays exactly once per frame, none missed, none
twice (sequence numbers in the payload). kvnetd writes the copy of the
list no frame walks and flips a selector (ebpf/lib/flood.h)."""

import threading

from kvnet_harness import BCAST, PYTHON, ether_marker, poll, tag

ETHERTYPE = 0x88B5  # IEEE local experimental: no stack in the way
COUNT = 4000

SENDER = """
import socket, struct, sys, time
mac = bytes.fromhex(sys.argv[1].replace(':', ''))
marker, count, pps = sys.argv[2].encode(), int(sys.argv[3]), int(sys.argv[4])
s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW)
s.bind(('eth0', 0))
hdr = b'\\xff' * 6 + mac + struct.pack('!H', 0x88B5)
t0 = time.monotonic()
for i in range(count):
    s.send(hdr + marker + b':%08d:' % i + b'.' * 20)
    while time.monotonic() < t0 + (i + 1) / pps:   # pacing, not waiting
        pass
"""


def churn(env, ns, names, stop, done):
    """Add and remove the ports in names, round and round, until stop."""
    while not stop.is_set():
        for n in names:
            env.cli("port", "add", "t0", n)
        for n in names:
            env.cli("port", "del", "t0", n)
        done[0] += 1


def seqs(cap, marker):
    out = []
    for f in cap.matching(ether_marker(marker)):
        raw = bytes(f)
        i = raw.index(marker.encode()) + len(marker) + 1
        out.append(int(raw[i:i + 8]))
    return out


def test_flood_while_ports_come_and_go(kvnet):
    env = kvnet
    env.define_isolated("t0")
    s = env.add_guest("t0", "s", "10.77.0.11")
    stable = [env.add_guest("t0", f"r{i}", f"10.77.0.{21 + i}") for i in range(3)]
    cns = env.new_ns("kvc-")
    names = [f"kvc{i}" for i in range(4)]
    for n in names:
        env.host.ip("link", "add", n, "type", "veth", "peer", "name", n, "netns", cns.name)
        env.host.ip("link", "set", n, "up")
        cns.ip("link", "set", n, "up")
    marker = tag("seq")
    stop, done = threading.Event(), [0]
    caps = [r.capture(bpf_filter=f"ether proto {ETHERTYPE:#x}") for r in stable]
    for c in caps:
        c.start()
    t = threading.Thread(target=churn, args=(env, cns, names, stop, done), daemon=True)
    try:
        t.start()
        poll(lambda: done[0] >= 1, 30, "a first round of port churn")
        s.ns.run([PYTHON, "-c", SENDER, s.mac, marker, COUNT, 2000], timeout=60)
        stop.set()
        t.join(timeout=60)
        assert not t.is_alive(), "the churn loop did not stop"
        end = tag("end")
        s.sendp(bytes.fromhex(BCAST.replace(":", "") + s.mac.replace(":", "") + "88b5")
                + end.encode().ljust(46, b"."))
        for c in caps:
            c.wait_for(ether_marker(end), 10, "the stream's end")
    finally:
        stop.set()
        for c in caps:
            c.stop()
    assert done[0] >= 2, f"only {done[0]} rounds of churn ran during the stream"
    for r, c in zip(stable, caps):
        got = seqs(c, marker)
        dup = len(got) - len(set(got))
        missing = sorted(set(range(COUNT)) - set(got))
        assert dup == 0, f"{r.name}: {dup} frames arrived twice"
        assert not missing, f"{r.name}: {len(missing)} frames missed, e.g. {missing[:10]}"
    d = env.stats("t0")[s.port]["drops"]
    assert not d.get("flood-limit") and not d.get("redirect"), d
    # the list is whole afterwards: a last broadcast reaches every stable port
    last = tag("last")
    with stable[0].capture(bpf_filter=f"ether proto {ETHERTYPE:#x}") as c0:
        s.sendp(bytes.fromhex("ff" * 6 + s.mac.replace(":", "") + "88b5")
                + last.encode().ljust(46, b"."))
        c0.wait_for(ether_marker(last), 5, "a broadcast after the churn")
