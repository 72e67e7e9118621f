# SPDX-License-Identifier: GPL-2.0-only
"""Network life cycle: create/start/stop/undefine, and starts that must be
refused without leaving anything behind (subnet colliding with a route in
the host namespace, a NAT uplink that does not exist). Define and undefine
of a network that runs, as libvirt's: a new definition waits for the next
start, an undefined network runs on as a transient one, also across a
restart of kvnetd."""

import signal

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


# ---- define / undefine while a network runs ----------------------------

def xml_file(kvnet, name):
    return (kvnet.state_dir / "networks" / f"{name}.xml").read_text()


def dumpxml(kvnet, name, inactive=False):
    args = ("net", "dumpxml", name) + (("--inactive",) if inactive else ())
    return kvnet.cli(*args).stdout


def readdress(kvnet, g, net, ip):
    """Move guest g to ip (/24) and plug its port into net again (a stop
    detached it)."""
    g.ns.ip("addr", "flush", "dev", "eth0")
    g.ns.ip("addr", "add", f"{ip}/24", "dev", "eth0")
    g.ns.ip("neigh", "flush", "dev", "eth0")
    kvnet.cli("port", "add", net, g.port)


def start_with_guest(kvnet, name, subnet3, guest="a"):
    """Network name on subnet3.0/24, started, with a guest at .50 that
    reaches the gateway .1."""
    kvnet.define_isolated(name, f"{subnet3}.0/24")
    g = kvnet.add_guest(name, guest, f"{subnet3}.50")
    g.ping(f"{subnet3}.1")
    return g


def assert_runs_live(kvnet, name, subnet3, g):
    """name runs on subnet3.0/24: its gateway holds .1 and g reaches it."""
    net = kvnet.net(name)
    assert net["active"] and net["subnet"] == f"{subnet3}.0/24", net
    assert kvnet.host.addrs(f"kvnet-{name}") == [f"{subnet3}.1/24"]
    assert g.port in {p["iface"] for p in kvnet.ports(name)}
    g.ping(f"{subnet3}.1", count=2)
    return net


def test_define_while_active_waits_for_next_start(kvnet):
    g = start_with_guest(kvnet, "td", "10.81.0")
    uuid = kvnet.net("td")["uuid"]
    assert kvnet.net("td")["pending_definition"] is False

    out = kvnet.define_xml(kvnet.isolated_xml("td", "10.82.0.0/24"))
    assert "defined" in out.stdout
    net = assert_runs_live(kvnet, "td", "10.81.0", g)
    assert net["pending_definition"] is True and net["persistent"] is True, net
    assert net["uuid"] == uuid
    show = kvnet.cli("net", "show", "td").stdout
    assert any(l.startswith("Next start:") and "new definition" in l
               for l in show.splitlines()), show
    assert "10.81.0.1" in dumpxml(kvnet, "td")
    assert "10.82.0.1" in dumpxml(kvnet, "td", inactive=True)
    assert "10.82.0.1" in xml_file(kvnet, "td")

    # defining again replaces the pending definition
    kvnet.define_xml(kvnet.isolated_xml("td", "10.83.0.0/24"))
    assert_runs_live(kvnet, "td", "10.81.0", g)
    inactive = dumpxml(kvnet, "td", inactive=True)
    assert "10.83.0.1" in inactive and "10.82.0.1" not in inactive, inactive
    assert "10.83.0.1" in xml_file(kvnet, "td")

    # the stop puts it in effect, and the start runs it
    stopped = kvnet.cli("net", "stop", "td", json=True).json
    assert stopped["subnet"] == "10.83.0.0/24", stopped
    assert stopped["pending_definition"] is False, stopped
    assert dumpxml(kvnet, "td") == dumpxml(kvnet, "td", inactive=True)
    kvnet.cli("net", "start", "td")
    readdress(kvnet, g, "td", "10.83.0.50")
    net = assert_runs_live(kvnet, "td", "10.83.0", g)
    assert net["uuid"] == uuid and net["pending_definition"] is False, net
    assert g.ping("10.81.0.1", count=1, deadline=2, check=False).returncode != 0


def test_redefining_the_live_definition_clears_the_pending_one(kvnet):
    g = start_with_guest(kvnet, "tl", "10.81.0")
    live = dumpxml(kvnet, "tl")
    kvnet.define_xml(kvnet.isolated_xml("tl", "10.82.0.0/24"))
    assert kvnet.net("tl")["pending_definition"] is True
    kvnet.define_xml(live)
    assert kvnet.net("tl")["pending_definition"] is False
    assert "10.81.0.1" in xml_file(kvnet, "tl")
    kvnet.cli("net", "stop", "tl")
    kvnet.cli("net", "start", "tl")
    kvnet.cli("port", "add", "tl", g.port)
    assert_runs_live(kvnet, "tl", "10.81.0", g)


def snapshot(kvnet, name):
    """Everything a refused define must leave as it was."""
    net = kvnet.net(name)
    for volatile in ("dns_counters", "notes"):
        net.pop(volatile, None)
    return (net, dumpxml(kvnet, name), dumpxml(kvnet, name, inactive=True),
            xml_file(kvnet, name), [p["iface"] for p in kvnet.ports(name)])


def test_bad_definition_while_active_changes_nothing(kvnet):
    g = start_with_guest(kvnet, "ta", "10.84.0")
    start_with_guest(kvnet, "tb", "10.85.0", guest="b")
    # a valid pending definition first: a refused one must not lose it
    kvnet.define_xml(kvnet.isolated_xml("ta", "10.86.0.0/24"))
    before = snapshot(kvnet, "ta")
    assert before[0]["pending_definition"] is True
    other = kvnet.isolated_xml("ta", "10.87.0.0/24")
    bad = [
        ("<network><name>ta</name><ip address='10.84.0.1'", (("xml", "parse"),)),
        (kvnet.isolated_xml("ta", "10.85.0.0/24"), ("tb", "overlap")),
        (kvnet.isolated_xml("ta", "10.85.0.128/25"), ("tb", "overlap")),
        (kvnet.isolated_xml("ta", "10.87.0.0/24", bridge="kvnet-tb"),
         ("kvnet-tb", "tb")),
        (other.replace("<name>ta</name>", "<name>ta</name>\n  <uuid>"
                       "11111111-2222-3333-4444-555555555555</uuid>"),
         ("uuid",)),
    ]
    for xml, needles in bad:
        cp = kvnet.define_xml(xml, check=False)
        assert_one_line_error(cp, *needles)
        assert snapshot(kvnet, "ta") == before, xml
    assert_runs_live(kvnet, "ta", "10.84.0", g)
    assert "10.86.0.1" in dumpxml(kvnet, "ta", inactive=True)


def test_live_edits_refused_while_a_definition_is_pending(kvnet):
    """`dhcp host add` stores the live definition: with a new one pending
    it would overwrite it, so it is refused and nothing changes."""
    start_with_guest(kvnet, "te", "10.81.0")
    kvnet.define_xml(kvnet.isolated_xml("te", "10.82.0.0/24"))
    before = snapshot(kvnet, "te")
    cp = kvnet.cli("dhcp", "host", "add", "te", "--mac", "52:54:00:00:00:99",
                   "--ip", "10.81.0.99", check=False)
    assert_one_line_error(cp, "pending")
    assert snapshot(kvnet, "te") == before


def test_undefine_while_active_runs_on_transient(kvnet):
    g = start_with_guest(kvnet, "tu", "10.88.0")
    kvnet.cli("net", "autostart", "tu")
    assert (kvnet.state_dir / "networks" / "autostart" / "tu").exists()
    kvnet.cli("net", "undefine", "tu")
    net = assert_runs_live(kvnet, "tu", "10.88.0", g)
    assert net["persistent"] is False and net["autostart"] is False, net
    assert net["pending_definition"] is False, net
    assert not (kvnet.state_dir / "networks" / "tu.xml").exists()
    assert not (kvnet.state_dir / "networks" / "autostart" / "tu").exists()
    assert [n["name"] for n in kvnet.nets()] == ["tu"]
    assert "10.88.0.1" in dumpxml(kvnet, "tu")
    # nothing to undefine or autostart any more
    assert_one_line_error(kvnet.cli("net", "undefine", "tu", check=False),
                          "transient")
    assert_one_line_error(kvnet.cli("net", "autostart", "tu", check=False),
                          "transient")

    stopped = kvnet.cli("net", "stop", "tu", json=True).json
    assert stopped["active"] is False and stopped["persistent"] is False
    assert kvnet.nets() == []
    assert_one_line_error(kvnet.cli("net", "show", "tu", check=False), "tu")
    assert not kvnet.host.link_exists("kvnet-tu")
    assert not (kvnet.run_dir / "networks" / "tu.json").exists()


def test_undefine_then_define_while_active(kvnet):
    g = start_with_guest(kvnet, "tv", "10.88.0")
    kvnet.cli("net", "undefine", "tv")
    kvnet.define_xml(kvnet.isolated_xml("tv", "10.89.0.0/24"))
    net = assert_runs_live(kvnet, "tv", "10.88.0", g)
    assert net["persistent"] is True and net["pending_definition"] is True, net
    kvnet.cli("net", "stop", "tv")
    assert [n["name"] for n in kvnet.nets()] == ["tv"]
    kvnet.cli("net", "start", "tv")
    readdress(kvnet, g, "tv", "10.89.0.50")
    assert_runs_live(kvnet, "tv", "10.89.0", g)


RESTARTS = [pytest.param(signal.SIGTERM, id="sigterm"),
            pytest.param(signal.SIGKILL, id="kill9")]


@pytest.mark.parametrize("sig", RESTARTS)
def test_pending_definition_survives_restart(kvnet, sig):
    g = start_with_guest(kvnet, "tp", "10.90.0")
    kvnet.define_xml(kvnet.isolated_xml("tp", "10.91.0.0/24"))
    kvnet.kill_daemon(sig)
    g.ping("10.90.0.1", count=1)  # it runs on without kvnetd
    kvnet.start_daemon()
    net = assert_runs_live(kvnet, "tp", "10.90.0", g)
    assert net["pending_definition"] is True and net["persistent"], net
    assert "10.90.0.1" in dumpxml(kvnet, "tp")
    assert "10.91.0.1" in dumpxml(kvnet, "tp", inactive=True)
    # and a second restart does not take the pending one for the live one
    kvnet.restart_daemon()
    assert_runs_live(kvnet, "tp", "10.90.0", g)
    assert kvnet.net("tp")["pending_definition"] is True
    kvnet.cli("net", "stop", "tp")
    kvnet.cli("net", "start", "tp")
    readdress(kvnet, g, "tp", "10.91.0.50")
    net = assert_runs_live(kvnet, "tp", "10.91.0", g)
    assert net["pending_definition"] is False, net


@pytest.mark.parametrize("sig", RESTARTS)
def test_transient_network_survives_restart(kvnet, sig):
    g = start_with_guest(kvnet, "tt", "10.92.0")
    kvnet.cli("net", "undefine", "tt")
    kvnet.kill_daemon(sig)
    kvnet.start_daemon()
    net = assert_runs_live(kvnet, "tt", "10.92.0", g)
    assert net["persistent"] is False and net["pending_definition"] is False, net
    kvnet.cli("net", "stop", "tt")
    assert kvnet.nets() == []
    kvnet.restart_daemon()
    assert kvnet.nets() == [], "a stopped transient network came back"
    assert not kvnet.host.link_exists("kvnet-tt")


def test_transient_network_stopped_while_kvnetd_was_down_is_gone(kvnet):
    """Its gateway (its only port) deleted behind kvnetd's back while it
    was down: nothing of it runs, and without a definition it is gone."""
    kvnet.define_isolated("tg", "10.93.0.0/24")
    kvnet.cli("net", "undefine", "tg")
    kvnet.kill_daemon(signal.SIGKILL)
    kvnet.host.ip("link", "del", "kvnet-tg")
    kvnet.start_daemon()
    assert kvnet.nets() == []
    assert not (kvnet.run_dir / "networks" / "tg.json").exists()
