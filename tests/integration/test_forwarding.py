# SPDX-License-Identifier: GPL-2.0-only
"""L2 forwarding: flooding, learning, MAC moves and aging, proven with
captures on every port. A "did not arrive" verdict is only given after a
barrier frame sent later from the same ingress port has arrived."""

import contextlib

from scapy.layers.l2 import ARP, Ether

from kvnet_harness import (
    Capture, HarnessError, barrier, ether_marker, poll, tag, tagged_frame,
)

BCAST = "ff:ff:ff:ff:ff:ff"
UNKNOWN = "02:00:00:99:99:99"   # never sourced by anyone
MOVER = "02:00:00:aa:bb:01"     # a MAC that moves between ports


def captures(env, guests, gw="kvnet-t0"):
    """Started captures (received frames) on every guest and the gateway."""
    stack = contextlib.ExitStack()
    caps = {g.name: stack.enter_context(g.capture()) for g in guests}
    caps["gw"] = stack.enter_context(Capture(env.host, gw, "in"))
    return stack, caps


def count(cap, t):
    return len(cap.matching(ether_marker(t)))


def test_arp_broadcast_reaches_every_port_but_ingress(three_guests):
    env, (a, b, c) = three_guests
    arp = Ether(src=a.mac, dst=BCAST) / ARP(
        op="who-has", hwsrc=a.mac, psrc=a.ip, pdst="10.77.0.99")

    def is_arp(f):
        return (ARP in f and f[ARP].op == 1 and f[ARP].psrc == a.ip
                and f[ARP].pdst == "10.77.0.99")
    stack, caps = captures(env, [a, b, c])
    with stack:
        a.sendp(arp)
        for name in ("b", "c", "gw"):
            caps[name].wait_for(is_arp, 5, f"a's ARP request at {name}")
        # b's broadcast comes back to a: a's own request, if it were ever
        # reflected, would have arrived before it.
        barrier(b, [caps["a"], caps["c"], caps["gw"]])
        assert caps["a"].matching(is_arp) == [], \
            "the broadcast came back out of its ingress port"
        for name in ("b", "c", "gw"):
            n = len(caps[name].matching(is_arp))
            assert n == 1, f"{name} got {n} copies of one broadcast"


def test_unknown_unicast_floods_learned_unicast_does_not(three_guests):
    env, (a, b, c) = three_guests
    stack, caps = captures(env, [a, b, c])
    with stack:
        # Unknown destination: flooded to every port but the ingress.
        t = tag("unknown")
        a.sendp(tagged_frame(a.mac, UNKNOWN, t))
        for name in ("b", "c", "gw"):
            caps[name].wait_for(ether_marker(t), 5, f"unknown unicast at {name}")
        barrier(b, [caps["a"]])
        assert count(caps["a"], t) == 0
        for name in ("b", "c", "gw"):
            assert count(caps[name], t) == 1, name

        # b's MAC is learned on b's port from the barrier it just sent.
        e = poll(lambda: env.fdb_entry("t0", b.mac), 5, "b's MAC in the FDB")
        assert e["port"] == b.port and e["static"] is False, e
        assert env.fdb_entry("t0", UNKNOWN) is None, \
            "a destination MAC must never be learned"

        # Known destination: b only.
        t = tag("known")
        a.sendp(tagged_frame(a.mac, b.mac, t))
        caps["b"].wait_for(ether_marker(t), 5, "learned unicast at b")
        barrier(a, [caps["c"], caps["gw"]])
        assert count(caps["c"], t) == 0, "learned unicast flooded to c"
        assert count(caps["gw"], t) == 0, "learned unicast flooded to gw"
        barrier(c, [caps["a"], caps["b"]])
        assert count(caps["a"], t) == 0
        assert count(caps["b"], t) == 1


def test_mac_move_is_relearned(three_guests):
    env, (a, b, c) = three_guests
    a.sendp(tagged_frame(MOVER, BCAST, tag("learn-a")))
    e = poll(lambda: env.fdb_entry("t0", MOVER), 5, "MOVER learned on a")
    assert e["port"] == a.port, e

    b.sendp(tagged_frame(MOVER, BCAST, tag("learn-b")))
    poll(lambda: (env.fdb_entry("t0", MOVER) or {}).get("port") == b.port,
         5, f"MOVER to move to {b.port}")
    entries = [x for x in env.fdb("t0") if x["mac"].lower() == MOVER]
    assert len(entries) == 1, f"MOVER listed more than once: {entries}"

    stack, caps = captures(env, [a, b, c])
    with stack:
        t = tag("to-mover")
        c.sendp(tagged_frame(c.mac, MOVER, t))
        caps["b"].wait_for(ether_marker(t), 5, "unicast to MOVER at b")
        barrier(c, [caps["a"], caps["gw"]])
        assert count(caps["a"], t) == 0, "frame went to MOVER's old port"
        assert count(caps["gw"], t) == 0, "frame to MOVER was flooded"
        assert count(caps["b"], t) == 1


def test_aging_with_short_timer(kvnet):
    kvnet.define_isolated("t0", aging=2)
    a, b, c = (kvnet.add_guest("t0", n, f"10.77.0.{11 + i}")
               for i, n in enumerate("abc"))
    a.sendp(tagged_frame(MOVER, BCAST, tag("learn")))
    e = poll(lambda: kvnet.fdb_entry("t0", MOVER), 5, "MOVER learned")
    assert e["port"] == a.port and e["static"] is False, e
    assert 0 <= e["age_s"] < 2, e

    # Aged out: no longer listed (2 s timer; bound leaves room for a sweep).
    poll(lambda: kvnet.fdb_entry("t0", MOVER) is None, 15,
         "MOVER to age out of `kvnet fdb`")

    # ...and no longer used: unicast to it floods again.
    stack, caps = captures(kvnet, [a, b, c])
    with stack:
        t = tag("after-aging")
        c.sendp(tagged_frame(c.mac, MOVER, t))
        for name in ("a", "b", "gw"):
            caps[name].wait_for(ether_marker(t), 5,
                                f"flooded unicast to aged MAC at {name}")


def test_multicast_floods_like_broadcast(three_guests):
    env, (a, b, c) = three_guests
    stack, caps = captures(env, [a, b, c])
    with stack:
        t = tag("mcast")
        a.sendp(tagged_frame(a.mac, "01:00:5e:01:02:03", t))
        for name in ("b", "c", "gw"):
            caps[name].wait_for(ether_marker(t), 5, f"multicast at {name}")
        barrier(b, [caps["a"], caps["c"], caps["gw"]])
        assert count(caps["a"], t) == 0, "multicast reflected to its sender"
        for name in ("b", "c", "gw"):
            assert count(caps[name], t) == 1, name
    assert env.fdb_entry("t0", "01:00:5e:01:02:03") is None


def test_multicast_source_is_dropped_not_learned(three_guests):
    env, (a, b, c) = three_guests
    bad = "01:00:5e:00:00:42"
    before = env.stats("t0")[a.port]["drops"].get("src-multicast", 0)
    with b.capture() as cb:
        t = tag("src-mcast")
        a.sendp(tagged_frame(bad, BCAST, t))
        barrier(a, [cb])
        assert count(cb, t) == 0, "frame with a multicast source forwarded"
    assert env.fdb_entry("t0", bad) is None, "multicast source MAC learned"
    poll(lambda: env.stats("t0")[a.port]["drops"].get("src-multicast", 0)
         > before, 5, "src-multicast drop counted on a's port")


def test_frame_for_mac_behind_ingress_port_is_not_reflected(three_guests):
    """A frame whose destination was learned on its own ingress port (a
    host behind a guest) is dropped, neither sent back nor flooded."""
    env, (a, b, c) = three_guests
    a.sendp(tagged_frame(MOVER, BCAST, tag("learn")))
    poll(lambda: (env.fdb_entry("t0", MOVER) or {}).get("port") == a.port, 5,
         "MOVER learned on a")
    stack, caps = captures(env, [a, b, c])
    with stack:
        t = tag("hairpin")
        a.sendp(tagged_frame(a.mac, MOVER, t))
        barrier(a, [caps["b"], caps["c"], caps["gw"]])
        barrier(b, [caps["a"]])
        for name in ("a", "b", "c", "gw"):
            assert count(caps[name], t) == 0, f"frame for a's own side at {name}"
    assert env.stats("t0")[a.port]["drops"].get("same-port", 0) >= 1


def test_fdb_size_is_capped(kvnet):
    """<kvnet:fdb max='16'/>: the learned FDB is an LRU map of 16 entries.
    40 source MACs from one guest do not grow it past 16, and the guests
    that talk stay reachable (evicted entries are relearned)."""
    xml = kvnet.isolated_xml("t0").replace(
        "<name>t0</name>", "<name>t0</name>\n  <kvnet:fdb max='16'/>")
    kvnet.define_xml(xml)
    kvnet.cli("net", "start", "t0")
    a = kvnet.add_guest("t0", "a", "10.77.0.11")
    b = kvnet.add_guest("t0", "b", "10.77.0.12")
    a.ping(b.ip)
    rx0 = kvnet.stats("t0")[a.port]["rx_packets"]
    a.sendp(*(tagged_frame(f"02:00:00:00:10:{i:02x}", BCAST, tag("fill"))
              for i in range(40)))
    poll(lambda: kvnet.stats("t0")[a.port]["rx_packets"] >= rx0 + 40, 5,
         "the 40 frames counted")
    learned = [e for e in kvnet.fdb("t0") if not e["static"]]
    assert len(learned) <= 16, kvnet.fdb("t0")
    c = kvnet.add_guest("t0", "c", "10.77.0.13")
    c.ping(a.ip)
    a.ping(b.ip)


def test_flood_reaches_many_ports_exactly_once(kvnet):
    """40 more ports (veth pairs inside env.host, silent: no IPv6, no
    address): three broadcasts from a guest raise every other port's tx
    counter by 3, not 0 (port missing from the flood list) and not dozens
    (port listed many times)."""
    kvnet.define_isolated("t0")
    a = kvnet.add_guest("t0", "a", "10.77.0.11")
    n = 40
    ports = [f"fl{i}" for i in range(n)]
    for i, p in enumerate(ports):
        kvnet.host.ip("link", "add", p, "type", "veth", "peer", "name",
                      f"fq{i}")
        kvnet.host.sysctl(f"net.ipv6.conf.{p}.disable_ipv6=1",
                          f"net.ipv6.conf.fq{i}.disable_ipv6=1")
        kvnet.host.ip("link", "set", f"fq{i}", "up")
        kvnet.host.ip("link", "set", p, "up")
        kvnet.cli("port", "add", "t0", p)
    listed = {p["iface"] for p in kvnet.ports("t0")}
    assert listed == set(ports) | {a.port, "kvnet-t0"}, listed
    before = kvnet.stats("t0")
    a.sendp(*(tagged_frame(a.mac, BCAST, tag(f"many{i}")) for i in range(3)))
    want = set(ports) | {"kvnet-t0"}

    def delta(s, p):
        return s[p]["tx_packets"] - before[p]["tx_packets"]
    try:
        poll(lambda: all(delta(s, p) >= 3 for s in [kvnet.stats("t0")]
                         for p in want), 5,
             "3 broadcasts counted on every port", interval=0.2)
    except HarnessError:
        pass   # reported below, with every port's count
    s = kvnet.stats("t0")
    # The gateway's own stack may add a frame or two; copies are a bug.
    bad = {p: delta(s, p) for p in want if not 3 <= delta(s, p) <= 8}
    assert not bad, f"tx increments per port for 3 broadcasts: {bad}"
