# SPDX-License-Identifier: GPL-2.0-only
"""An isolated network (no <forward>) does not reach the outside, even on a
host that routes (ip_forward=1, as on any host running containers): guests
reach each other and the gateway address, and nothing beyond it (DESIGN.md:
"guests see each other and the gateway IP"). The switch enforces it, so it
holds whatever the host's firewall and forwarding settings say."""

from kvnet_harness import Capture, barrier, ether_marker, tag

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


# ---- a hostile guest: tags and Router Advertisements ----------------------

UDP_PORT = 9999


def _tagged_udp(a, gw_mac, tags, dst, marker, outer=None):
    """A UDP datagram from guest a to dst (IPv4 or IPv6) through the
    gateway MAC, behind `tags` 802.1Q VID-0 tags (and an 802.1ad outer tag
    when outer is set)."""
    from scapy.layers.inet import IP, UDP
    from scapy.layers.inet6 import IPv6
    from scapy.layers.l2 import Dot1AD, Dot1Q, Ether
    from scapy.packet import Raw
    pkt = Ether(src=a.mac, dst=gw_mac)
    if outer:
        pkt = pkt / Dot1AD(vlan=0)
    for _ in range(tags):
        pkt = pkt / Dot1Q(vlan=0)
    l3 = IPv6(src="fd00:77::11", dst=dst) if ":" in dst else IP(src=a.ip, dst=dst)
    return pkt / l3 / UDP(sport=40000, dport=UDP_PORT) / Raw(marker.encode())


def test_stacked_vlan_tags_do_not_leave_the_network(kvnet):
    """Guest datagrams to the upstream, to the host's other address and, in
    IPv6, to the upstream, behind 0 to 3 VID-0 tags or an 802.1ad outer tag,
    on a host that forwards both families: none reaches the host's stack
    (the gateway device) nor the upstream. Every tagged one is counted as
    `vlan`, the untagged ones as `not-routed`."""
    env = kvnet
    env.define_isolated("t0")
    a = env.add_guest("t0", "a", "10.77.0.11")
    up = env.add_upstream()
    gw_mac = env.net("t0")["mac"]
    dests = ("10.201.0.2", "10.201.0.1", "fd00:201::2")
    shapes = [(n, None) for n in range(4)] + [(1, "ad")]
    frames, markers = [], []
    for n, outer in shapes:
        for dst in dests:
            m = tag(f"vlan{n}{outer or ''}")
            markers.append(m)
            frames.append(_tagged_udp(a, gw_mac, n, dst, m, outer))
    before = env.stats("t0")[a.port]["drops"]
    with Capture(env.host, "kvnet-t0") as gw_cap, Capture(up, "eth0") as up_cap:
        a.sendp(*frames)
        barrier(a, [gw_cap])
        leaked = [m for m in markers
                  if gw_cap.matching(ether_marker(m)) or up_cap.matching(ether_marker(m))]
    assert not leaked, f"guest datagrams reached the host or the upstream: {leaked}"
    drops = env.stats("t0")[a.port]["drops"]
    tagged = sum(1 for n, outer in shapes if n or outer) * len(dests)
    assert drops.get("vlan", 0) - before.get("vlan", 0) == tagged, drops
    assert drops.get("not-routed", 0) - before.get("not-routed", 0) == 2, drops
    assert drops.get("ethertype", 0) - before.get("ethertype", 0) == 1, drops


def test_router_advertisement_does_not_configure_the_host(kvnet):
    """A guest's Router Advertisement (with a prefix for SLAAC) reaches the
    other guests, as on any LAN, but not the host: the gateway device has
    IPv6 off, as libvirt does, and the switch keeps IPv6 away from a
    network without it. The host gets no default route and no address."""
    from scapy.layers.inet6 import (ICMPv6ND_RA, ICMPv6NDOptPrefixInfo,
                                    ICMPv6NDOptSrcLLAddr, IPv6)
    from scapy.layers.l2 import Ether
    env = kvnet
    env.define_isolated("t0")
    a = env.add_guest("t0", "a", "10.77.0.11", ipv6=True)
    b = env.add_guest("t0", "b", "10.77.0.12", ipv6=True)
    sysctl = env.host.run(["sysctl", "-n", "net.ipv6.conf.kvnet-t0.disable_ipv6",
                           "net.ipv6.conf.kvnet-t0.accept_ra"]).stdout.split()
    assert sysctl == ["1", "0"], sysctl
    ra = (Ether(src=a.mac, dst="33:33:00:00:00:01")
          / IPv6(src="fe80::5054:ff:fe77:1", dst="ff02::1", hlim=255)
          / ICMPv6ND_RA(routerlifetime=1800)
          / ICMPv6NDOptSrcLLAddr(lladdr=a.mac)
          / ICMPv6NDOptPrefixInfo(prefix="2001:db8:77::", prefixlen=64, L=1, A=1,
                                  validlifetime=86400, preferredlifetime=14400))
    with Capture(env.host, "kvnet-t0") as gw_cap, b.capture() as b_cap:
        a.sendp(ra)
        barrier(a, [gw_cap, b_cap])
        got_ra = b_cap.matching(lambda f: f.haslayer(ICMPv6ND_RA))
        gw_ipv6 = gw_cap.matching(lambda f: f.haslayer(IPv6))
    assert got_ra, "the other guest did not get the RA (the test sent none?)"
    assert not gw_ipv6, f"IPv6 reached the gateway: {gw_ipv6}"
    routes = env.host.ip_json("-6", "route", "show", "dev", "kvnet-t0")
    addrs = env.host.ip_json("-6", "addr", "show", "dev", "kvnet-t0")
    assert not routes, f"the host took routes from a guest: {routes}"
    assert not any(x.get("addr_info") for x in addrs), addrs
