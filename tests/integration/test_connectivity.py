# SPDX-License-Identifier: GPL-2.0-only
"""L3 reachability through an isolated network: guests reach each other and
the gateway, the host namespace reaches the guests through the gateway
port, and the frames are switched by kvnet (no Linux bridge, counters
move)."""

import itertools

GW = "10.77.0.1"


def test_three_guests_ping_each_other_and_gateway(three_guests):
    env, guests = three_guests
    for src, dst in itertools.permutations(guests, 2):
        cp = src.ping(dst.ip)
        assert "DUP" not in cp.stdout, f"{src.name}->{dst.name}: duplicates"
    for g in guests:
        cp = g.ping(GW)
        assert "DUP" not in cp.stdout
    for g in guests:
        cp = env.host.run(["ping", "-n", "-c", 3, "-i", 0.2, "-w", 10, g.ip])
        assert "DUP" not in cp.stdout
    # Full-size frames (1500-byte IP packets, DF set) pass too.
    guests[0].ns.run(["ping", "-n", "-c", 2, "-i", 0.2, "-w", 10,
                      "-s", 1472, "-M", "do", guests[1].ip])
    env.host.run(["ping", "-n", "-c", 2, "-i", 0.2, "-w", 10,
                  "-s", 1472, "-M", "do", guests[2].ip])

    # The switching is kvnet's: no kernel bridge in the host namespace, no
    # port enslaved to one, and every guest port counted traffic both ways.
    assert env.host.ip_json("link", "show", "type", "bridge") == []
    for g in guests:
        link = env.host.ip_json("link", "show", "dev", g.port)[0]
        assert "master" not in link, f"{g.port} is enslaved: {link}"
    stats = env.stats("t0")
    for g in guests:
        s = stats.get(g.port)
        assert s is not None, f"no stats for port {g.port}: {stats}"
        assert s["rx_packets"] >= 9 and s["tx_packets"] >= 9, s
        assert s["rx_bytes"] > 0 and s["tx_bytes"] > 0, s


def test_gateway_port_holds_the_gateway_address(kvnet):
    kvnet.define_isolated("t0")
    assert kvnet.host.addrs("kvnet-t0") == ["10.77.0.1/24"]
    ports = kvnet.ports("t0")
    gws = [p for p in ports if p["kind"] == "gateway"]
    assert [p["iface"] for p in gws] == ["kvnet-t0"], ports
    net = kvnet.net("t0")
    assert net["bridge"] == "kvnet-t0" and net["active"] is True, net
    assert net["ip"] == "10.77.0.1" and net["prefix"] == 24, net
    assert net["subnet"] == "10.77.0.0/24", net
    # The gateway port's MAC is the network's MAC.
    link = kvnet.host.ip_json("link", "show", "dev", "kvnet-t0")[0]
    assert link["address"].lower() == net["mac"].lower()
    assert "UP" in link["flags"]


def test_gateway_port_named_by_bridge_element(kvnet):
    kvnet.define_isolated("t0", subnet="10.77.0.0/24", bridge="kvbr7")
    assert kvnet.host.addrs("kvbr7") == ["10.77.0.1/24"]
    assert not kvnet.host.link_exists("kvnet-t0")
    assert kvnet.net("t0")["bridge"] == "kvbr7"
    g = kvnet.add_guest("t0", "a", "10.77.0.11")
    g.ping("10.77.0.1")
    kvnet.host.run(["ping", "-n", "-c", 2, "-i", 0.2, "-w", 10, g.ip])
