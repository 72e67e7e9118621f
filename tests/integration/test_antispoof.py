# SPDX-License-Identifier: GPL-2.0-only
"""Anti-spoofing (issue 14, part 5; ebpf/lib/spoof.h): a guest sends from
its own MAC and addresses only. A port's binding is its pinned MAC, what
kvnet's DHCP server leased on it, a reservation for its MAC and the
addresses `kvnet port addr add` gave it; a port with no IPv4 binding may
use any address no other port or reservation owns. Forged frames (scapy)
are dropped and counted under spoof-mac, spoof-ip or spoof-arp, and the
victim's traffic goes on. Also: isolated ports (<port isolated='yes'/>)
under attack."""

import os
import signal

from kvnet_harness import BCAST, barrier, ether_marker, poll, tag

GW = "10.77.0.1"
RANGE = ("10.77.0.100", "10.77.0.150")
HERE = os.path.dirname(os.path.abspath(__file__))

UDHCPC_SCRIPT = """#!/bin/sh
case "$1" in
bound|renew) ip addr flush dev "$interface"; ip addr add "$ip/$mask" dev "$interface" ;;
deconfig) ip addr flush dev "$interface" ;;
esac
"""


def dhcp_net(env, extra_ip="", extra=""):
    xml = env.isolated_xml("t0", extra=extra).replace(
        f"<ip address='{GW}' prefix='24'/>",
        f"<ip address='{GW}' prefix='24'><dhcp><range start='{RANGE[0]}' "
        f"end='{RANGE[1]}'/>{extra_ip}</dhcp></ip>")
    env.define_xml(xml)
    env.cli("net", "start", "t0")


def guest(env, name, ip, pin=False, trusted=False):
    """A veth guest on t0 with ip (None: no address); pin: added with
    --mac (its MAC pinned), trusted: with --trusted."""
    g = env.add_guest("t0", name, ip or "192.0.2.1", attach=False)
    if not ip:
        g.ns.ip("addr", "flush", "dev", "eth0")
    args = ["port", "add", "t0", g.port]
    args += ["--mac", g.mac] if pin else []
    args += ["--trusted"] if trusted else []
    env.cli(*args)
    return g


def drops(env, g, reason):
    return env.stats("t0")[g.port]["drops"].get(reason, 0)


def udp(src_mac, src_ip, dst_mac, dst_ip, marker):
    from scapy.layers.inet import IP, UDP
    from scapy.layers.l2 import Ether
    from scapy.packet import Raw
    return (Ether(src=src_mac, dst=dst_mac) / IP(src=src_ip, dst=dst_ip)
            / UDP(sport=5555, dport=7777) / Raw(marker.encode()))


def garp(mac, ip, marker=""):
    """A gratuitous ARP reply: "ip is at mac", to everyone."""
    from scapy.layers.l2 import ARP, Ether
    from scapy.packet import Raw
    return (Ether(src=mac, dst=BCAST) / ARP(op=2, hwsrc=mac, psrc=ip, hwdst=BCAST,
                                            pdst=ip) / Raw(marker.encode()))


def guard(env, g):
    return env.port("t0", g.port)


def run_udhcpc(env, g):
    """udhcpc in g until it has a lease; returns its Popen (stop by PID)."""
    script = env.tmp / f"udhcpc-{g.name}.sh"
    script.write_text(UDHCPC_SCRIPT)
    script.chmod(0o755)
    proc = g.ns.popen(["busybox", "udhcpc", "-f", "-i", "eth0", "-s", script, "-t", "20",
                       "-T", "1", "-R"])
    env.dhcp_procs = getattr(env, "dhcp_procs", []) + [proc]
    addr = poll(lambda: next((a for a in g.ns.addrs("eth0") if a.startswith("10.77.0.")),
                             None), 30, f"a lease for {g.name}")
    g.ip = addr.split("/")[0]
    return proc


def stop_dhcp(env):
    from kvnet_harness import stop_process
    for p in getattr(env, "dhcp_procs", []):
        stop_process(p)


def leased(env, g):
    return any(x["ip"] == g.ip for x in env.cli("leases", "t0", json=True).json)


# ---- forged MAC -------------------------------------------------------------

def test_forged_mac_is_dropped(kvnet):
    """A guest on a port with a pinned MAC sends with the victim's MAC:
    dropped (spoof-mac) before it is learned; the victim keeps its FDB
    entry and its traffic."""
    env = kvnet
    dhcp_net(env)
    v = guest(env, "v", "10.77.0.21", pin=True)
    a = guest(env, "a", "10.77.0.22", pin=True)
    w = guest(env, "w", "10.77.0.23")
    v.ping(w.ip, count=1)
    m = tag("fmac")
    with w.capture() as cw:
        a.sendp(*[udp(v.mac, a.ip, BCAST, "10.77.0.255", m) for _ in range(5)])
        barrier(v, [cw])
        assert not cw.matching(ether_marker(m)), "a frame with a forged MAC arrived"
    assert drops(env, a, "spoof-mac") >= 5
    assert env.fdb_entry("t0", v.mac)["port"] == v.port
    v.ping(w.ip, count=2)
    assert guard(env, a)["guard"] == "mac"


# ---- forged IPv4 and ARP ----------------------------------------------------

def test_forged_ip_and_arp_are_dropped(kvnet):
    """The victim has a lease (udhcpc). A bound attacker (static address)
    and an unbound one (nothing told kvnet) send IPv4 from the victim's
    address and gratuitous ARP claiming it: dropped, spoof-ip and
    spoof-arp. A random address: refused to the bound attacker, allowed to
    the unbound one (nobody owns it). The victim goes on talking, and the
    host still reaches it at its MAC."""
    env = kvnet
    dhcp_net(env)
    try:
        v = guest(env, "v", None, pin=True)
        run_udhcpc(env, v)
        poll(lambda: guard(env, v)["addrs"] == [v.ip], 10, "the victim's binding")
        a = guest(env, "a", "10.77.0.31")
        env.cli("port", "addr", "add", "t0", a.port, a.ip)
        u = guest(env, "u", "10.77.0.32")
        w = guest(env, "w", "10.77.0.33")
        assert guard(env, a)["guard"] == "bound" and guard(env, u)["guard"] == "unbound"
        v.ping(GW, count=1)
        v.ping(w.ip, count=1)
        forged = {}
        with w.capture() as cw:
            for g in (a, u):
                forged[g.name] = [tag(f"ip-{g.name}"), tag(f"arp-{g.name}"),
                                  tag(f"rnd-{g.name}")]
                mi, ma, mr = forged[g.name]
                g.sendp(udp(g.mac, v.ip, BCAST, "10.77.0.255", mi),
                        garp(g.mac, v.ip, ma),
                        udp(g.mac, "10.77.0.99", BCAST, "10.77.0.255", mr))
            barrier(v, [cw])
            for name in ("a", "u"):
                mi, ma, mr = forged[name]
                assert not cw.matching(ether_marker(mi)), f"{name}: forged IP arrived"
                assert not cw.matching(ether_marker(ma)), f"{name}: forged ARP arrived"
            assert not cw.matching(ether_marker(forged["a"][2])), "bound: random IP arrived"
            assert cw.matching(ether_marker(forged["u"][2])), "unbound: own IP refused"
        for g in (a, u):
            assert drops(env, g, "spoof-ip") >= 1 and drops(env, g, "spoof-arp") >= 1
        assert drops(env, a, "spoof-ip") >= 2  # its random address too
        neigh = env.host.run(["ip", "neigh", "show", v.ip, "dev", "kvnet-t0"]).stdout
        assert a.mac not in neigh and u.mac not in neigh, neigh
        v.ping(GW, count=2)
        v.ping(w.ip, count=2)
        a.ping(w.ip, count=1)
        assert drops(env, v, "spoof-ip") == 0 and drops(env, v, "spoof-arp") == 0
    finally:
        stop_dhcp(env)


def test_arp_sender_mac_must_be_the_source(kvnet):
    """An ARP whose sender MAC is not the frame's source (poisoning with
    another guest's MAC) is spoof-arp, even from an unbound port."""
    env = kvnet
    dhcp_net(env)
    a = guest(env, "a", "10.77.0.41")
    w = guest(env, "w", "10.77.0.42")
    from scapy.layers.l2 import ARP, Ether
    m = tag("sha")
    from scapy.packet import Raw
    frame = Ether(src=a.mac, dst=BCAST) / ARP(op=2, hwsrc=w.mac, psrc=a.ip, pdst=a.ip) \
        / Raw(m.encode())
    with w.capture() as cw:
        a.sendp(frame)
        barrier(a, [cw])
        assert not cw.matching(ether_marker(m))
    assert drops(env, a, "spoof-arp") == 1


# ---- exemptions --------------------------------------------------------------

def test_trusted_port_is_exempt(kvnet):
    """A --trusted port (a router, a relay) sends from any MAC and address."""
    env = kvnet
    dhcp_net(env, extra_ip="<host mac='52:54:00:aa:00:01' ip='10.77.0.51'/>")
    t = guest(env, "t", "10.77.0.52", trusted=True)
    w = guest(env, "w", "10.77.0.53")
    m1, m2 = tag("tr-ip"), tag("tr-arp")
    with w.capture() as cw:
        t.sendp(udp("52:54:00:aa:00:01", "10.77.0.51", BCAST, "10.77.0.255", m1),
                garp(t.mac, GW, m2))
        cw.wait_for(ether_marker(m1), 5, "the trusted port's frame")
        cw.wait_for(ether_marker(m2), 5, "the trusted port's ARP")
    d = env.stats("t0")[t.port]["drops"]
    assert not any(k.startswith("spoof") for k in d), d
    assert guard(env, t)["guard"] == "exempt"


def test_no_guest_poses_as_the_gateway_or_a_reservation(kvnet):
    """Reserved addresses and the gateway's are owned: an unbound guest
    cannot send from them; the reservation's own guest (its MAC pinned)
    is bound to it from the start, before any DHCP."""
    env = kvnet
    dhcp_net(env, extra_ip="<host mac='52:54:00:aa:00:02' ip='10.77.0.61'/>")
    u = guest(env, "u", "10.77.0.62")
    w = guest(env, "w", "10.77.0.63")
    u.sendp(udp(u.mac, GW, w.mac, w.ip, tag("gw")), garp(u.mac, GW),
            udp(u.mac, "10.77.0.61", w.mac, w.ip, tag("res")))
    poll(lambda: drops(env, u, "spoof-ip") >= 2 and drops(env, u, "spoof-arp") >= 1, 5,
         "spoof drops")
    r = env.add_guest("t0", "r", "10.77.0.61", mac="52:54:00:aa:00:02", attach=False)
    env.cli("port", "add", "t0", r.port, "--mac", r.mac)
    p = guard(env, r)
    assert p["guard"] == "bound" and p["addrs"] == ["10.77.0.61"], p
    r.ping(w.ip, count=2)
    env.cli("dhcp", "host", "del", "t0", "--mac", r.mac, "--ip", "10.77.0.61")
    assert guard(env, r)["guard"] == "mac"


# ---- statically configured guests -------------------------------------------

def test_static_guest_works_after_addr_add(kvnet):
    """A bound guest sends from an address it was not given: spoof-ip until
    `kvnet port addr add`, which persists (listed, survives a restart)
    and `port addr del` undoes."""
    env = kvnet
    dhcp_net(env)
    s = guest(env, "s", "10.77.0.71", pin=True)
    w = guest(env, "w", "10.77.0.72")
    env.cli("port", "addr", "add", "t0", s.port, "10.77.0.71")
    s.ns.ip("addr", "add", "10.77.0.79/24", "dev", "eth0")
    cp = s.ns.run(["ping", "-n", "-c", "1", "-W", "1", "-I", "10.77.0.79", w.ip], check=False)
    assert cp.returncode != 0
    assert drops(env, s, "spoof-ip") + drops(env, s, "spoof-arp") >= 1
    out = env.cli("port", "addr", "add", "t0", s.port, "10.77.0.79").stdout
    assert "10.77.0.79" in out
    s.ns.run(["ping", "-n", "-c", "2", "-I", "10.77.0.79", w.ip])
    p = guard(env, s)
    assert sorted(p["static_addrs"]) == ["10.77.0.71", "10.77.0.79"], p
    assert "10.77.0.79" in env.cli("port", "list", "t0").stdout
    # refused: another port's address, the gateway's, garbage
    for ip in ("10.77.0.79", GW, "10.77.0.300", "224.0.0.1"):
        assert env.cli("port", "addr", "add", "t0", w.port, ip, check=False).returncode != 0
    env.restart_daemon()
    assert sorted(guard(env, s)["static_addrs"]) == ["10.77.0.71", "10.77.0.79"]
    s.ns.run(["ping", "-n", "-c", "1", "-I", "10.77.0.79", w.ip])
    env.cli("port", "addr", "del", "t0", s.port, "10.77.0.79")
    s.ns.run(["ip", "neigh", "flush", "dev", "eth0"])
    cp = s.ns.run(["ping", "-n", "-c", "1", "-W", "1", "-I", "10.77.0.79", w.ip], check=False)
    assert cp.returncode != 0
    s.ping(w.ip, count=1)


# ---- DHCP guests --------------------------------------------------------------

def test_dhcp_guest_before_and_after_its_lease(kvnet):
    """Without a lease the guest's DHCP (from 0.0.0.0) and ARP probes pass;
    with it, it is bound to the leased address (and still probes); a
    restart keeps the binding; the binding enforces while kvnetd is down."""
    env = kvnet
    dhcp_net(env)
    try:
        d = guest(env, "d", None)
        w = guest(env, "w", "10.77.0.81")
        assert guard(env, d)["guard"] == "unbound"
        run_udhcpc(env, d)
        poll(lambda: guard(env, d)["addrs"] == [d.ip], 10, "the lease's binding")
        assert guard(env, d)["guard"] == "bound" and leased(env, d)
        d.ping(GW, count=2)
        d.ping(w.ip, count=2)
        from scapy.layers.l2 import ARP, Ether
        m = tag("probe")
        from scapy.packet import Raw
        with w.capture() as cw:
            d.sendp(Ether(src=d.mac, dst=BCAST) / ARP(op=1, hwsrc=d.mac, psrc="0.0.0.0",
                                                      pdst="10.77.0.140") / Raw(m.encode()))
            cw.wait_for(ether_marker(m), 5, "an ARP probe")
        assert drops(env, d, "spoof-arp") == 0 and drops(env, d, "spoof-ip") == 0
        env.kill_daemon(signal.SIGKILL)
        d.sendp(udp(d.mac, "10.77.0.88", BCAST, "10.77.0.255", tag("down")))
        env.start_daemon()
        poll(lambda: drops(env, d, "spoof-ip") >= 1, 10, "the drop made while kvnetd was down")
        poll(lambda: guard(env, d)["addrs"] == [d.ip], 10, "the binding after a restart")
        d.ping(w.ip, count=2)
    finally:
        stop_dhcp(env)


# ---- isolated ports -------------------------------------------------------------

def test_isolated_ports_cannot_reach_each_other(kvnet):
    """<port isolated='yes'/>: unicast to the other's MAC, broadcast and
    unknown unicast from one isolated guest never reach the other; both
    reach the gateway."""
    env = kvnet
    env.define_xml(env.isolated_xml("t0", extra="  <port isolated='yes'/>"))
    env.cli("net", "start", "t0")
    i1 = env.add_guest("t0", "i1", "10.77.0.91")
    i2 = env.add_guest("t0", "i2", "10.77.0.92")
    i1.ping(GW, count=1)
    i2.ping(GW, count=1)
    m = {k: tag(k) for k in ("uni", "bcast", "unknown", "arp")}
    with i2.capture() as c2:
        i1.sendp(udp(i1.mac, i1.ip, i2.mac, i2.ip, m["uni"]),
                 udp(i1.mac, i1.ip, BCAST, "10.77.0.255", m["bcast"]),
                 udp(i1.mac, i1.ip, "52:54:00:ee:ee:ee", i2.ip, m["unknown"]),
                 garp(i1.mac, i1.ip, m["arp"]))
        # a barrier through the gateway: the host's ARP for i2 arrives after
        env.host.run(["ping", "-n", "-c", "1", "-W", "2", i2.ip])
        for k, v in m.items():
            assert not c2.matching(ether_marker(v)), f"{k} crossed isolated ports"
    assert env.stats("t0")[i1.port]["drops"].get("isolated", 0) >= 1
    assert i1.ping(i2.ip, count=1, deadline=2, check=False).returncode != 0
    i1.ping(GW, count=2)
    i2.ping(GW, count=2)
