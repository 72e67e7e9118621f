# SPDX-License-Identifier: GPL-2.0-only
"""Self-checks of the harness itself (no kvnetd): namespaces are made and
removed, captures are ready before traffic and see exactly what arrives,
and guests are plumbed as the tests assume. If these fail, the other
tests' verdicts mean nothing."""

import os

import pytest

from kvnet_harness import (
    Guest, HarnessError, KvnetEnv, Netns, barrier, ether_marker, poll, tag,
    tagged_frame,
)


def test_netns_lifecycle():
    ns = Netns.create("kvt-")
    try:
        assert os.path.exists(f"/run/netns/{ns.name}")
        lo = ns.ip_json("link", "show", "dev", "lo")[0]
        assert "UP" in lo["flags"]
        assert ns.run(["true"]).returncode == 0
        assert ns.run("exit 3", check=False).returncode == 3
        with pytest.raises(HarnessError):
            ns.run(["false"])
        p = ns.popen(["cat"])
        assert p.poll() is None
    finally:
        ns.delete()
    assert p.poll() is not None, "delete() must stop processes it started"
    assert not os.path.exists(f"/run/netns/{ns.name}")
    ns.delete()  # idempotent


def test_poll_is_bounded():
    with pytest.raises(HarnessError, match="the impossible"):
        poll(lambda: False, 0.2, "the impossible")
    assert poll(lambda: 42, 1, "a value") == 42


def test_capture_and_guest_plumbing():
    """Two guests joined by a plain veth pair made in env.host (kvnetd is
    not started): frames sent with sendp arrive; direction 'in' excludes a
    guest's own transmissions; barrier() orders "did not arrive" checks."""
    env = KvnetEnv()
    try:
        a = env.add_guest("none", "ha", "10.66.0.1", attach=False)
        b = env.add_guest("none", "hb", "10.66.0.2", attach=False)
        assert env.host.link_exists(a.port) and env.host.link_exists(b.port)
        assert a.ns.ip_json("link", "show", "dev", "eth0")[0]["address"] \
            == a.mac
        assert a.ns.addrs("eth0") == ["10.66.0.1/24"]
        # Two namespaces joined directly by one veth pair (no switch).
        x, y = env.new_ns("kvt-x-"), env.new_ns("kvt-y-")
        x.ip("link", "add", "eth0", "type", "veth", "peer", "name", "eth0",
             "netns", y.name)
        for ns in (x, y):
            ns.ip("link", "set", "eth0", "up")
        gx = Guest(env, "none", "x", x, "10.66.1.1", "02:00:00:00:00:01",
                   None, 24)
        gy = Guest(env, "none", "y", y, "10.66.1.2", "02:00:00:00:00:02",
                   None, 24)
        t = tag("selfcheck")
        with gx.capture() as cx, gy.capture() as cy:
            gx.sendp(tagged_frame(gx.mac, "02:00:00:00:00:99", t))
            cy.wait_for(ether_marker(t), 5, "tagged frame")
            barrier(gy, [cx])
            assert not cx.matching(ether_marker(t)), \
                "direction 'in' must not show a guest's own frames"
        frames = cy.frames()
        assert [f.src for f in frames if ether_marker(t)(f)] == [gx.mac]
    finally:
        env.close()
    assert not env.tmp.exists()
    for ns in env.namespaces:
        assert not os.path.exists(f"/run/netns/{ns.name}")


@pytest.mark.parametrize("learning", ["on", "off"])
def test_capture_barrier_detects_flooding(learning):
    """The "learned unicast reaches one port only" method, run against a
    Linux bridge as the reference switch: with learning on the third port
    must see nothing; with learning off (every unicast floods) it must see
    the frame. Proves the captures and barrier can tell the two apart."""
    env = KvnetEnv()
    try:
        a, b, c = (env.add_guest("none", n, f"10.66.0.{i + 1}", attach=False)
                   for i, n in enumerate("abc"))
        env.host.ip("link", "add", "br0", "type", "bridge")
        env.host.ip("link", "set", "br0", "up")
        for g in (a, b, c):
            env.host.ip("link", "set", g.port, "master", "br0")
            env.host.run(["bridge", "link", "set", "dev", g.port,
                          "learning", learning])
        poll(lambda: all(
            env.host.ip_json("link", "show", "dev", g.port)[0]
            .get("operstate") == "UP" for g in (a, b, c)), 5, "ports up")
        # br0 starts in forwarding at once (no STP); wait for it anyway.
        poll(lambda: env.host.ip_json("-d", "link", "show", "dev", a.port)[0]
             ["linkinfo"]["info_slave_data"]["state"] == "forwarding", 10,
             "bridge ports forwarding")
        with a.capture() as ca, b.capture() as cb, c.capture() as cc:
            barrier(b, [ca, cc])        # b's MAC learned (if learning)
            barrier(a, [cb, cc])
            t = tag("uni")
            a.sendp(tagged_frame(a.mac, b.mac, t))
            cb.wait_for(ether_marker(t), 5, "unicast at b")
            barrier(a, [cc])
            seen = bool(cc.matching(ether_marker(t)))
        assert seen == (learning == "off")
    finally:
        env.close()
