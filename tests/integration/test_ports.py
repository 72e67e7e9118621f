# SPDX-License-Identifier: GPL-2.0-only
"""Ports: detaching by `port del` and by the device vanishing (netlink),
taps that kvnet creates and owns (`port add NET NAME --tap --mac M`), and
ports whose ifindex lies beyond the switch's direct table."""

from kvnet_harness import (barrier, ether_marker, poll, ports_views, tag,
                           tagged_frame)

VM_MAC = "52:54:00:12:34:56"


def entries_on(env, net, port):
    return [e for e in env.fdb(net) if e["port"] == port]


def test_port_del_removes_port_and_its_fdb_entries(three_guests):
    env, (a, b, c) = three_guests
    a.ping(b.ip)
    c.ping(b.ip)
    a.sendp(tagged_frame("02:00:00:00:a0:01", "ff:ff:ff:ff:ff:ff", tag("x")))
    poll(lambda: len(entries_on(env, "t0", a.port)) >= 2, 5,
         "a's two MACs in the FDB")

    env.cli("port", "del", "t0", a.port)
    assert a.port not in {p["iface"] for p in env.ports("t0")}
    assert entries_on(env, "t0", a.port) == [], env.fdb("t0")
    assert env.host.link_exists(a.port), "port del deleted a veth it " \
        "does not own"
    assert env.net("t0")["ports"] == len(env.ports("t0"))
    # a is cut off; b and c still talk.
    assert a.ping(b.ip, count=1, deadline=2, check=False).returncode != 0
    c.ping(b.ip)
    # Frames from b do not leak to the detached port either: once b's
    # broadcast and a later barrier reached c, any copy for a was sent.
    with a.capture() as ca, c.capture() as cc:
        t = tag("after-del")
        b.sendp(tagged_frame(b.mac, "ff:ff:ff:ff:ff:ff", t))
        cc.wait_for(ether_marker(t), 5, "b's broadcast at c")
        barrier(b, [cc])
        assert not ca.matching(ether_marker(t)), "frame reached a deleted port"

    # Re-adding works and forwards again.
    env.cli("port", "add", "t0", a.port)
    a.ping(b.ip)


def test_vanished_device_leaves_the_switch(three_guests):
    env, (a, b, c) = three_guests
    a.ping(b.ip)
    assert entries_on(env, "t0", b.port)
    env.host.ip("link", "del", b.port)
    poll(lambda: b.port not in {p["iface"] for p in env.ports("t0")}, 5,
         f"{b.port} to leave `port list` after its device was deleted")
    assert entries_on(env, "t0", b.port) == [], env.fdb("t0")
    assert env.net("t0")["ports"] == len(env.ports("t0"))
    # The switch carries on with the ports left, and the name can be
    # reused: a new device with the old name is a new port, if added.
    a.ping(c.ip)
    b2 = env.add_guest("t0", "b", "10.77.0.22")
    assert b2.port == b.port
    a.ping(b2.ip)


def test_tap_port_created_owned_and_pinned(kvnet):
    kvnet.define_isolated("t0")
    a = kvnet.add_guest("t0", "a", "10.77.0.11")
    kvnet.cli("port", "add", "t0", "vm1", "--tap", "--mac", VM_MAC)

    info = kvnet.host.ip_json("-d", "link", "show", "dev", "vm1")
    assert info, "tap vm1 not created in the host namespace"
    li = info[0].get("linkinfo", {})
    assert li.get("info_kind") == "tun" and \
        li.get("info_data", {}).get("type") == "tap", li

    p = kvnet.port("t0", "vm1")
    assert p is not None and p["kind"] == "tap" and p["owned"] is True, p
    assert p["ifindex"] == info[0]["ifindex"]
    # The guest's MAC is not the tap's own MAC.
    assert info[0]["address"].lower() != VM_MAC

    e = kvnet.fdb_entry("t0", VM_MAC)
    assert e is not None, kvnet.fdb("t0")
    assert e["port"] == "vm1" and e["static"] is True and e["age_s"] == 0, e

    # The static entry steers traffic: unicast to the VM's MAC is not
    # flooded to other ports even though the VM never sent a frame.
    with a.capture() as ca:
        b = kvnet.add_guest("t0", "b", "10.77.0.12")
        t = tag("to-vm")
        b.sendp(tagged_frame(b.mac, VM_MAC, t))
        barrier(b, [ca])
        assert not ca.matching(ether_marker(t)), \
            "unicast to a static MAC was flooded"
    assert "vm1" in kvnet.stats("t0")

    # Static means pinned: another port sourcing the VM's MAC does not
    # steal it.
    a.sendp(tagged_frame(VM_MAC, "ff:ff:ff:ff:ff:ff", tag("spoof")))
    barrier(a, [])
    poll(lambda: kvnet.stats("t0")[a.port]["rx_packets"] >= 2, 5,
         "a's frames counted")
    e = kvnet.fdb_entry("t0", VM_MAC)
    assert e["port"] == "vm1" and e["static"] is True, e

    # kvnet created it, so kvnet deletes it on port del, with its entry.
    kvnet.cli("port", "del", "t0", "vm1")
    assert not kvnet.host.link_exists("vm1"), "owned tap left behind"
    assert kvnet.fdb_entry("t0", VM_MAC) is None
    assert kvnet.port("t0", "vm1") is None


# ifindexes around KVNET_PORTS_DIRECT (ebpf/kvnet_shared.h): frames find a
# port below it in ports_direct, one at or above it in ports alone.
DIRECT = 16384


def direct_agrees(env, port, present, absent=()):
    """ports (the gateway's port besides) holds present and not absent, and
    ports_direct exactly its ports below DIRECT, as it has them."""
    ports, direct = ports_views(env.host, port)
    assert set(present) <= set(ports) and not set(absent) & set(ports), \
        (ports, present, absent)
    assert len(ports) == len(present) + 1, ports
    assert direct == {k: v for k, v in ports.items() if k < DIRECT}, (ports, direct)


def test_ports_on_both_sides_of_the_direct_table(kvnet):
    """Ports of ifindex DIRECT - 1, DIRECT and far above switch with each
    other and a low one; a deleted one is gone from both tables and cut
    off; and a daemon killed and started again runs the same tables."""
    env = kvnet
    env.define_isolated("t0")
    lo = env.add_guest("t0", "lo", "10.77.0.11")
    edge = env.add_guest("t0", "edge", "10.77.0.12", ifindex=DIRECT - 1)
    at = env.add_guest("t0", "at", "10.77.0.13", ifindex=DIRECT)
    hi = env.add_guest("t0", "hi", "10.77.0.14", ifindex=60001)
    idx = {g.name: env.host.ifindex(g.port) for g in (lo, edge, at, hi)}
    assert idx["hi"] == 60001 and idx["at"] == DIRECT, idx
    for a, b in ((lo, hi), (hi, at), (at, edge), (edge, lo), (hi, edge)):
        a.ping(b.ip, count=1)
    direct_agrees(env, lo.port, idx.values())

    env.cli("port", "del", "t0", hi.port)
    env.cli("port", "del", "t0", edge.port)
    direct_agrees(env, lo.port, [idx["lo"], idx["at"]], [idx["hi"], idx["edge"]])
    for gone in (hi, edge):
        assert gone.ping(lo.ip, count=1, deadline=2, check=False).returncode != 0
    lo.ping(at.ip, count=1)

    env.cli("port", "add", "t0", edge.port)
    env.kill_daemon()
    env.start_daemon()
    direct_agrees(env, lo.port, [idx["lo"], idx["at"], idx["edge"]], [idx["hi"]])
    edge.ping(at.ip, count=1)


def test_isolated_ports_beyond_the_direct_table(kvnet):
    """<port isolated='yes'/> holds between a port the switch finds in
    ports_direct and one it finds in ports alone, both ways."""
    env = kvnet
    env.define_xml(env.isolated_xml("t0", extra="  <port isolated='yes'/>"))
    env.cli("net", "start", "t0")
    i1 = env.add_guest("t0", "i1", "10.77.0.91")
    i2 = env.add_guest("t0", "i2", "10.77.0.92", ifindex=DIRECT + 7)
    for g in (i1, i2):
        g.ping("10.77.0.1", count=1)   # the FDB learns both
    for a, b in ((i1, i2), (i2, i1)):
        with b.capture() as cb:
            t = tag(f"{a.name}-to-{b.name}")
            a.sendp(tagged_frame(a.mac, b.mac, t))
            # counted where the switch dropped it: it went nowhere else
            poll(lambda: env.stats("t0")[a.port]["drops"].get("isolated", 0) >= 1, 5,
                 f"{a.port}'s frame to {b.port} dropped as isolated")
            assert not cb.matching(ether_marker(t)), f"{a.name} reached {b.name}"
