# SPDX-License-Identifier: GPL-2.0-only
"""Network life cycle: create/start/stop/undefine, and starts that must be
refused without leaving anything behind (subnet colliding with a route in
the host namespace, a NAT uplink that does not exist)."""

import pytest

from kvnet_harness import poll


def host_l3(env):
    """The host namespace's links, addresses and routes (for "nothing
    changed" checks); volatile counters are left out."""
    links = sorted((l["ifname"], l.get("address")) for l in
                   env.host.ip_json("link", "show"))
    addrs = sorted((l["ifname"], a["local"], a["prefixlen"])
                   for l in env.host.ip_json("-4", "addr", "show")
                   for a in l.get("addr_info", []))
    routes = sorted(str(sorted(r.items())) for r in
                    env.host.ip_json("-4", "route", "show", "table", "all"))
    return links, addrs, routes


def assert_one_line_error(cp, *needles):
    assert cp.returncode != 0, f"expected failure: {cp.args}"
    lines = [l for l in cp.stderr.splitlines() if l.strip()]
    assert len(lines) == 1, f"want one error line, got: {cp.stderr!r}"
    assert lines[0].startswith("kvnet: "), lines[0]
    low = lines[0].lower()
    for n in needles:
        alts = n if isinstance(n, tuple) else (n,)
        assert any(x.lower() in low for x in alts), \
            f"error {lines[0]!r} does not mention {' or '.join(alts)}"
    return lines[0]


def test_create_start_stop_undefine(kvnet):
    net = kvnet.cli("net", "create", "t3", "--mode", "isolated",
                    "--subnet", "10.78.0.0/24", json=True).json
    assert net["name"] == "t3" and net["mode"] == "isolated", net
    assert net["subnet"] == "10.78.0.0/24" and net["prefix"] == 24, net
    assert net["active"] is False, net
    assert net["bridge"] == "kvnet-t3"
    gw = net["ip"]
    assert gw.startswith("10.78.0.") and gw != "10.78.0.0", net
    assert [n["name"] for n in kvnet.nets()] == ["t3"]
    assert (kvnet.state_dir / "networks" / "t3.xml").exists(), \
        sorted(str(p) for p in kvnet.state_dir.rglob("*"))
    assert not kvnet.host.link_exists("kvnet-t3")

    kvnet.cli("net", "start", "t3")
    assert kvnet.net("t3")["active"] is True
    assert kvnet.host.addrs("kvnet-t3") == [f"{gw}/24"]
    g = kvnet.add_guest("t3", "a", "10.78.0.50")
    g.ping(gw)
    cp = kvnet.cli("net", "start", "t3", check=False)
    assert_one_line_error(cp, ("active", "running", "started"))
    cp = kvnet.cli("net", "undefine", "t3", check=False)
    assert_one_line_error(cp, ("active", "running", "stop"))

    kvnet.cli("net", "stop", "t3")
    assert kvnet.net("t3")["active"] is False
    assert not kvnet.host.link_exists("kvnet-t3"), "gateway left after stop"
    # The guest's veth is not kvnet's: stopping detaches it, never deletes.
    assert kvnet.host.link_exists(g.port)
    assert g.ping(gw, count=1, deadline=2, check=False).returncode != 0

    # Restart works after a stop (nothing stale left pinned or named).
    kvnet.cli("net", "start", "t3")
    assert kvnet.host.addrs("kvnet-t3") == [f"{gw}/24"]
    kvnet.cli("net", "stop", "t3")

    kvnet.cli("net", "undefine", "t3")
    assert kvnet.nets() == []
    assert not (kvnet.state_dir / "networks" / "t3.xml").exists()
    cp = kvnet.cli("net", "show", "t3", check=False)
    assert_one_line_error(cp, "t3")
    kvnet.restart_daemon()
    assert kvnet.nets() == [], "undefined network came back after restart"


def collide_setup(env):
    """A veth pair in the host namespace: col0 holds 10.99.0.1/24 (so
    10.99.0.0/24 is a connected route), and 10.98.0.0/24 is routed via
    10.99.0.2."""
    env.host.ip("link", "add", "col0", "type", "veth", "peer", "name", "col1")
    env.host.ip("addr", "add", "10.99.0.1/24", "dev", "col0")
    env.host.ip("link", "set", "col0", "up")
    env.host.ip("link", "set", "col1", "up")
    env.host.ip("route", "add", "10.98.0.0/24", "via", "10.99.0.2")
    poll(lambda: env.host.ip_json("-4", "route", "show", "10.99.0.0/24"),
         5, "connected route 10.99.0.0/24")


@pytest.mark.parametrize("subnet", ["10.99.0.0/24", "10.99.0.128/25",
                                    "10.99.0.0/16", "10.98.0.0/24"])
def test_start_refuses_subnet_colliding_with_route(kvnet, subnet):
    collide_setup(kvnet)
    kvnet.define_isolated("tc", subnet=subnet, start=False)
    before = host_l3(kvnet)
    nets_before = kvnet.nets()
    cp = kvnet.cli("net", "start", "tc", check=False)
    msg = assert_one_line_error(cp, subnet.split("/")[0].rsplit(".", 1)[0],
                                ("route", "collid", "overlap", "conflict",
                                 "in use"))
    assert cp.returncode == 1, msg
    assert not kvnet.host.link_exists("kvnet-tc"), "gateway left behind"
    assert host_l3(kvnet) == before, "host namespace changed by a refused start"
    assert kvnet.nets() == nets_before
    # A non-colliding network still starts next to it.
    kvnet.define_isolated("ok", subnet="10.77.0.0/24")


def test_refused_nat_start_leaves_nothing(kvnet):
    """A NAT network whose <forward dev=> uplink does not exist is refused
    at start, by name, with nothing left behind."""
    xml = kvnet.isolated_xml("tn", "10.88.0.0/24",
                             extra="  <forward mode='nat' dev='nosuch0'/>")
    kvnet.define_xml(xml)
    assert kvnet.net("tn")["mode"] == "nat"
    before = host_l3(kvnet)
    cp = kvnet.cli("net", "start", "tn", check=False)
    assert_one_line_error(cp, "nosuch0")
    assert not kvnet.host.link_exists("kvnet-tn"), "gateway left behind"
    assert host_l3(kvnet) == before
    assert kvnet.net("tn")["active"] is False
    # Nothing half-applied inside kvnet either: an isolated network on the
    # same subnet and gateway name starts cleanly afterwards.
    kvnet.cli("net", "undefine", "tn")
    kvnet.define_isolated("tn", "10.88.0.0/24")
    assert kvnet.host.addrs("kvnet-tn") == ["10.88.0.1/24"]
