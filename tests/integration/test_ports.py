# SPDX-License-Identifier: GPL-2.0-only
"""Ports: detaching by `port del` and by the device vanishing (netlink),
and taps that kvnet creates and owns (`port add NET NAME --tap --mac M`)."""

from kvnet_harness import barrier, ether_marker, poll, tag, tagged_frame

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
