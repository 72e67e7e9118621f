# SPDX-License-Identifier: GPL-2.0-only
"""An isolated network (no <forward>) does not reach the outside, even on a
host that routes (ip_forward=1, as on any host running containers): guests
reach each other and the gateway address, and nothing beyond it (DESIGN.md:
"guests see each other and the gateway IP"). The switch enforces it, so it
holds whatever the host's firewall and forwarding settings say."""

UPSTREAM_HOST = "10.201.0.1"     # the host's end of the "upstream" link
UPSTREAM_PEER = "10.201.0.2"     # a machine on the upstream side


def test_isolated_network_does_not_route(kvnet):
    env = kvnet
    env.define_isolated("t0")
    a = env.add_guest("t0", "a", "10.77.0.11")
    b = env.add_guest("t0", "b", "10.77.0.12")
    up = env.new_ns("kvup-")
    env.host.ip("link", "add", "up0", "type", "veth", "peer", "name", "eth0",
                "netns", up.name)
    env.host.ip("addr", "add", f"{UPSTREAM_HOST}/24", "dev", "up0")
    env.host.ip("link", "set", "up0", "up")
    up.ip("addr", "add", f"{UPSTREAM_PEER}/24", "dev", "eth0")
    up.ip("link", "set", "eth0", "up")
    up.ip("route", "add", "10.77.0.0/24", "via", UPSTREAM_HOST)
    env.host.sysctl("net.ipv4.ip_forward=1")
    a.ns.ip("route", "add", "default", "via", "10.77.0.1")

    a.ping(b.ip, count=2)
    a.ping("10.77.0.1", count=2)
    env.host.run(["ping", "-c", "1", "-W", "2", UPSTREAM_PEER])  # upstream is up
    for dst in (UPSTREAM_PEER, UPSTREAM_HOST):
        cp = a.ping(dst, count=2, deadline=2, check=False)
        assert cp.returncode != 0, f"an isolated guest reached {dst}"
    # ... and the upstream cannot reach into the network either.
    cp = up.run(["ping", "-c", "2", "-W", "1", a.ip], check=False)
    assert cp.returncode != 0, "the upstream reached an isolated guest"
    drops = {p: s["drops"] for p, s in env.stats("t0").items()}
    assert drops["kvnet-t0"].get("not-routed", 0) >= 2, drops   # host -> guest
    assert drops[a.port].get("not-routed", 0) >= 4, drops       # guest -> out


def test_gateway_has_no_ipv6_and_no_forwarding(kvnet):
    env = kvnet
    env.define_isolated("t0")
    fwd = env.host.run(["sysctl", "-n", "net.ipv4.conf.kvnet-t0.forwarding"])
    assert fwd.stdout.strip() == "0"
    addrs = env.host.ip_json("-6", "addr", "show", "dev", "kvnet-t0")
    assert not any(a.get("addr_info") for a in addrs), addrs
