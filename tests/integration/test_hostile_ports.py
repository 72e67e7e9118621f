# SPDX-License-Identifier: GPL-2.0-only
"""Ports and frames a guest controls: a guest that fills the FDB with
random source MACs, a veth peer that wanders between namespaces, and
devices that must never become ports (a host's bridge or NIC, the other end
of a port's own veth)."""

import random

from kvnet_harness import BCAST, Capture, ether_marker, poll, tag, tagged_frame


def test_one_guest_cannot_exhaust_the_fdb(kvnet):
    """3,000 random source MACs from one guest: the port learns at most its
    cap (1,024), the rest is counted as learn-limit, the other guests' MACs
    stay learned, a new guest MAC can still be pinned, and after a kill -9
    and restart the gateway's MAC is pinned again."""
    env = kvnet
    env.define_isolated("t0")
    a = env.add_guest("t0", "a", "10.77.0.11")
    b = env.add_guest("t0", "b", "10.77.0.12")
    c = env.add_guest("t0", "c", "10.77.0.13")
    b.ping(c.ip)
    rnd = random.Random(11)
    macs = {"02:%02x:%02x:%02x:%02x:%02x" % tuple(rnd.randrange(256) for _ in range(5))
            for _ in range(3000)}
    rx0 = env.stats("t0")[a.port]["rx_packets"]
    a.sendp(*(tagged_frame(m, BCAST, "fill") for m in macs))
    poll(lambda: env.stats("t0")[a.port]["rx_packets"] >= rx0 + len(macs), 30,
         "the random-MAC frames counted")
    fdb = env.fdb("t0")
    on_a = [e for e in fdb if e["port"] == a.port]
    assert 1000 <= len(on_a) <= 1025, len(on_a)
    limited = env.stats("t0")[a.port]["drops"].get("learn-limit", 0)
    assert limited >= len(macs) - 1025, env.stats("t0")[a.port]
    assert env.fdb_entry("t0", b.mac) and env.fdb_entry("t0", c.mac)
    env.cli("port", "add", "t0", "vm1", "--tap", "--mac", "52:54:00:99:00:01")
    assert env.fdb_entry("t0", "52:54:00:99:00:01")["static"]
    env.kill_daemon()
    env.start_daemon()
    gw = env.fdb_entry("t0", env.net("t0")["mac"])
    assert gw and gw["static"], gw
    b.ping(c.ip)
    a.ping(b.ip)


def test_veth_peer_moving_into_kvnetd_namespace(kvnet):
    """A guest's veth end moved into kvnetd's own namespace is delivered to
    with bpf_redirect (bpf_redirect_peer refuses a peer in the same
    namespace and would drop every known-unicast frame), and moved out
    again it is delivered to with bpf_redirect_peer: the port follows its
    peer's events."""
    env = kvnet
    env.define_isolated("t0")
    a = env.add_guest("t0", "a", "10.77.0.11")
    g = env.add_guest("t0", "g", "10.77.0.12")
    a.ping(g.ip)
    g.ns.ip("link", "set", "eth0", "netns", env.host.name)
    env.host.ip("link", "set", "eth0", "up")
    t = tag("to-moved")
    with Capture(env.host, "eth0") as cap:
        def sent():
            a.sendp(tagged_frame(a.mac, g.mac, t))
            return cap.matching(ether_marker(t))
        poll(sent, 10, "known unicast delivered to the moved veth end",
             interval=0.5)
    assert env.fdb_entry("t0", g.mac)["port"] == g.port
    g2 = env.new_ns("kvg-g2-")
    env.host.ip("link", "set", "eth0", "netns", g2.name)
    g2.ip("addr", "add", "10.77.0.12/24", "dev", "eth0")
    g2.ip("link", "set", "eth0", "up")
    g2.ip("link", "set", "lo", "up")
    poll(lambda: a.ping(g.ip, count=1, deadline=2, check=False).returncode == 0, 15,
         "ping to the peer moved out again")
    assert "is now in ours" in env.log_text()
    assert "is now in another namespace" in env.log_text()


def test_only_veths_and_taps_become_ports(kvnet):
    """A bridge of the host (and so any other Ethernet device, the uplink
    NIC among them) is refused: it would be taken from the host and
    bridged onto the network. Nothing is left behind."""
    env = kvnet
    env.define_isolated("t0")
    env.host.ip("link", "add", "br9", "type", "bridge")
    cp = env.cli("port", "add", "t0", "br9", check=False)
    assert cp.returncode == 1
    assert "'br9' is a bridge device, not a veth or a tap" in cp.stderr, cp.stderr
    assert [p["iface"] for p in env.ports("t0")] == ["kvnet-t0"]


def test_both_ends_of_one_veth_refused(kvnet):
    """Both ends of one veth pair on one network would send every flood
    back into it (1.4 M frames in 3 s): the second end is refused."""
    env = kvnet
    env.define_isolated("t0")
    env.host.ip("link", "add", "pa", "type", "veth", "peer", "name", "pb")
    env.host.ip("link", "set", "pa", "up")
    env.host.ip("link", "set", "pb", "up")
    env.cli("port", "add", "t0", "pa")
    cp = env.cli("port", "add", "t0", "pb", check=False)
    assert cp.returncode == 1
    assert "the other end of veth 'pb' is already a port of network 't0'" in cp.stderr, \
        cp.stderr
    assert sorted(p["iface"] for p in env.ports("t0")) == ["kvnet-t0", "pa"]
