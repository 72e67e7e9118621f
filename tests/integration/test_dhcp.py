# SPDX-License-Identifier: GPL-2.0-only
"""kvnetd's own DHCP server (issue 13), with real clients (busybox udhcpc,
ISC dhclient, dhcpcd) and crafted packets (scapy): leases, renewals,
releases and restarts; RFC 2131's states and addressing; a rogue server in
a guest; a kill -9 in the middle of a burst of new clients; reservations
changed live; libvirt's status file."""

import json
import os
import signal
import struct
import subprocess

import pytest

from kvnet_harness import PYTHON, Capture, poll, tag

HERE = os.path.dirname(os.path.abspath(__file__))
WIRE = os.path.join(HERE, "dhcp_wire.py")
GW = "10.77.0.1"
BCAST = "ff:ff:ff:ff:ff:ff"
RANGE = ("10.77.0.100", "10.77.0.150")


def dhcp_xml(env, extra_ip="", extra=""):
    return env.isolated_xml("t0", extra=extra).replace(
        f"<ip address='{GW}' prefix='24'/>",
        f"<ip address='{GW}' prefix='24'><dhcp><range start='{RANGE[0]}' "
        f"end='{RANGE[1]}'/>{extra_ip}</dhcp></ip>")


def bare_guest(env, name, mac, trusted=False):
    """A guest namespace with eth0 up and no address, on t0."""
    ns = env.new_ns(f"kvg-{name[:6]}-")
    port = f"kv-{name}"[:15]
    ns.sysctl("net.ipv6.conf.all.disable_ipv6=1", "net.ipv6.conf.default.disable_ipv6=1")
    env.host.ip("link", "add", port, "type", "veth", "peer", "name", "eth0", "netns", ns.name)
    ns.ip("link", "set", "eth0", "address", mac)
    ns.ip("link", "set", "eth0", "up")
    env.host.ip("link", "set", port, "up")
    env.cli("port", "add", "t0", port, *(["--trusted"] if trusted else []))
    ns.mac, ns.port = mac, port
    return ns


@pytest.fixture
def dhcp(kvnet):
    kvnet.define_xml(dhcp_xml(kvnet))
    kvnet.cli("net", "start", "t0")
    return kvnet


SENDP = ("import sys; from scapy.all import Ether, sendp; "
         "sendp(Ether(bytes.fromhex(sys.argv[1])), iface='eth0', verbose=False)")


def leases(env):
    return {x["mac"]: x for x in env.cli("leases", "t0", json=True).json}


# ---- crafted packets ----------------------------------------------------

def dhcp_frame(mac, mtype, xid, dst_ip="255.255.255.255", dst_mac=BCAST, ciaddr="0.0.0.0",
               giaddr="0.0.0.0", chaddr=None, flags=0, src_ip="0.0.0.0", opts=(),
               sport=68):
    from scapy.layers.dhcp import BOOTP, DHCP
    from scapy.layers.inet import IP, UDP
    from scapy.layers.l2 import Ether
    ch = bytes.fromhex((chaddr or mac).replace(":", ""))
    options = [("message-type", mtype)] + list(opts) + ["end"]
    return (Ether(src=mac, dst=dst_mac) / IP(src=src_ip, dst=dst_ip)
            / UDP(sport=sport, dport=67)
            / BOOTP(chaddr=ch, xid=xid, ciaddr=ciaddr, giaddr=giaddr, flags=flags)
            / DHCP(options=options))


def exchange(ns, *steps):
    """Send each (frame, wait, until) from ns; the server messages that
    came back after each, parsed (scapy Ether)."""
    from scapy.layers.l2 import Ether
    todo = [{"frame": bytes(f).hex(), "wait": w, "until": u} for f, w, u in steps]
    out = ns.run([PYTHON, WIRE, "eth0"], input=json.dumps(todo), timeout=60).stdout
    return [[Ether(bytes.fromhex(h)) for h in got] for got in json.loads(out)]


def opt(pkt, name):
    from scapy.layers.dhcp import DHCP
    for o in pkt[DHCP].options:
        if isinstance(o, tuple) and o[0] == name:
            return o[1] if len(o) == 2 else o[1:]
    return None


def mtype(pkt):
    return {2: "offer", 5: "ack", 6: "nak"}.get(opt(pkt, "message-type"))


def yiaddr(pkt):
    from scapy.layers.dhcp import BOOTP
    return pkt[BOOTP].yiaddr


def udp_ok(pkt):
    """The reply's UDP checksum is right (guests drop it otherwise)."""
    from scapy.layers.inet import IP, UDP
    raw = bytes(pkt[IP])
    ihl = (raw[0] & 0xF) * 4
    udp = raw[ihl:]
    pseudo = raw[12:20] + struct.pack("!BBH", 0, 17, len(udp))
    data = pseudo + udp + (b"\0" if len(udp) % 2 else b"")
    s = sum(struct.unpack(f"!{len(data) // 2}H", data))
    while s >> 16:
        s = (s & 0xFFFF) + (s >> 16)
    return pkt[UDP].chksum != 0 and s == 0xFFFF


# ---- real clients ---------------------------------------------------------

# The clients run (g.popen) inside the guest namespace the test made, and
# so do these scripts: the addresses they set are on that namespace's eth0.

UDHCPC_SCRIPT = """#!/bin/sh
case "$1" in
bound|renew) ip addr flush dev "$interface"; ip addr add "$ip/$mask" dev "$interface" ;;
deconfig) ip addr flush dev "$interface" ;;
esac
echo "$1 $ip" >> "$LOG"
"""

DHCLIENT_SCRIPT = """#!/bin/sh
# dhclient runs its script with a clean environment: the log path is
# written in below
LOG=@LOG@
case "$reason" in
BOUND|RENEW|REBIND|REBOOT)
  ip addr flush dev "$interface"
  ip addr add "$new_ip_address/$new_subnet_mask" dev "$interface" ;;
RELEASE|EXPIRE|FAIL|STOP) ip addr flush dev "$interface" ;;
esac
echo "$reason $new_ip_address" >> "$LOG"
"""


def write_script(env, name, text):
    path = env.tmp / name
    path.write_text(text)
    path.chmod(0o755)
    return path


def events(path):
    return path.read_text().split("\n") if path.exists() else []


def test_udhcpc_lease_renew_release_restart(dhcp):
    env = dhcp
    g = bare_guest(env, "u", "52:54:00:d0:00:01")
    log = env.tmp / "udhcpc.log"
    script = write_script(env, "udhcpc.sh", UDHCPC_SCRIPT)
    p = g.popen(["env", f"LOG={log}", "busybox", "udhcpc", "-f", "-i", "eth0", "-s", script,
                 "-t", "5", "-T", "1"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    poll(lambda: any(e.startswith("bound ") for e in events(log)), 15, "udhcpc bound")
    ip = next(e for e in events(log) if e.startswith("bound ")).split()[1]
    assert RANGE[0] <= ip <= RANGE[1] and leases(env)[g.mac]["ip"] == ip
    os.kill(p.pid, signal.SIGUSR1)      # renew: a unicast REQUEST to the server
    poll(lambda: f"renew {ip}" in events(log), 10, "udhcpc renewed")
    env.kill_daemon()
    env.start_daemon()
    assert leases(env)[g.mac]["ip"] == ip, "the lease did not survive kill -9"
    n = events(log).count(f"renew {ip}")
    os.kill(p.pid, signal.SIGUSR1)
    poll(lambda: events(log).count(f"renew {ip}") > n, 10, "renewed after the restart")
    os.kill(p.pid, signal.SIGUSR2)      # release
    poll(lambda: g.mac not in leases(env), 10, "the lease released")
    os.kill(p.pid, signal.SIGUSR1)      # and again: the same address back
    poll(lambda: events(log).count(f"bound {ip}") >= 2, 15, "the same address again")


def test_dhclient_release_and_reboot(dhcp):
    env = dhcp
    g = bare_guest(env, "c", "52:54:00:d0:00:02")
    log = env.tmp / "dhclient.log"
    script = write_script(env, "dhclient.sh", DHCLIENT_SCRIPT.replace("@LOG@", str(log)))
    args = ["-4", "-sf", script, "-lf", env.tmp / "dhclient.leases",
            "-pf", env.tmp / "dhclient.pid", "eth0"]
    g.run(["dhclient", "-1", *args], timeout=60)
    ip = leases(env)[g.mac]["ip"]
    assert f"BOUND {ip}" in events(log)
    g.run(["dhclient", "-r", *args], timeout=60)
    poll(lambda: g.mac not in leases(env), 10, "released")
    g.run(["dhclient", "-1", *args], timeout=60)
    assert leases(env)[g.mac]["ip"] == ip
    g.run(["dhclient", "-x", *args], timeout=60)
    env.kill_daemon()
    env.start_daemon()
    g.run(["dhclient", "-1", *args], timeout=60)
    assert f"REBOOT {ip}" in events(log) or events(log).count(f"BOUND {ip}") >= 3
    assert leases(env)[g.mac]["ip"] == ip
    g.run(["dhclient", "-x", *args], timeout=60)


def test_dhcpcd_lease_and_reboot(dhcp):
    env = dhcp
    g = bare_guest(env, "p", "52:54:00:d0:00:03")
    for d in ("lib", "run"):
        (env.tmp / f"dhcpcd-{d}").mkdir()
    cmd = (f"mount --bind {env.tmp}/dhcpcd-lib /var/lib/dhcpcd && "
           f"mount --bind {env.tmp}/dhcpcd-run /run/dhcpcd && "
           "dhcpcd -4 -1 -w -t 20 -C resolv.conf -C timesyncd -C hostname eth0")
    for d in ("/var/lib/dhcpcd", "/run/dhcpcd"):
        os.makedirs(d, exist_ok=True)
    g.run(["unshare", "-m", "sh", "-c", cmd], timeout=60)
    ip = leases(env)[g.mac]["ip"]
    assert [f"{ip}/24"] == g.addrs("eth0")
    g.ip("addr", "flush", "dev", "eth0")
    env.kill_daemon()
    env.start_daemon()
    g.run(["unshare", "-m", "sh", "-c", cmd], timeout=60)
    assert leases(env)[g.mac]["ip"] == ip
    assert [f"{ip}/24"] == g.addrs("eth0")


# ---- the protocol, packet by packet ------------------------------------------

def test_discover_offer_request_ack(dhcp):
    """DISCOVER -> OFFER (server id, padded to 300 bytes, UDP checksum),
    REQUEST (SELECTING) -> ACK; RENEWING (unicast) and REBINDING
    (broadcast) -> ACK; INFORM -> ACK without a lease time; no router on
    an isolated network."""
    env = dhcp
    g = bare_guest(env, "a", "52:54:00:d0:00:10")
    (off,), = exchange(g, (dhcp_frame(g.mac, "discover", 1), 3, 1))
    ip = yiaddr(off)
    assert mtype(off) == "offer" and opt(off, "server_id") == GW
    assert len(bytes(off)) >= 14 + 20 + 8 + 300 and udp_ok(off)
    assert opt(off, "router") is None, "a router on an isolated network"
    req = dhcp_frame(g.mac, "request", 2, opts=[("server_id", GW), ("requested_addr", ip)])
    (ack,), = exchange(g, (req, 3, 1))
    assert mtype(ack) == "ack" and yiaddr(ack) == ip and opt(ack, "lease_time") == 3600
    renew = dhcp_frame(g.mac, "request", 3, dst_ip=GW, dst_mac=env.net("t0")["mac"],
                       ciaddr=ip, src_ip=ip)
    rebind = dhcp_frame(g.mac, "request", 4, ciaddr=ip, src_ip=ip)
    inform = dhcp_frame(g.mac, "inform", 5, ciaddr=ip, src_ip=ip)
    (r1,), (r2,), (r3,) = exchange(g, (renew, 3, 1), (rebind, 3, 1), (inform, 3, 1))
    assert mtype(r1) == "ack" and mtype(r2) == "ack" and yiaddr(r2) == ip
    assert mtype(r3) == "ack" and opt(r3, "lease_time") is None and yiaddr(r3) == "0.0.0.0"
    assert leases(env)[g.mac]["ip"] == ip


def test_naks_and_silences(dhcp):
    """Another server's id: no reply, and the offer is freed; INIT-REBOOT
    for a foreign address: NAK, broadcast; renewing an unknown lease: NAK;
    a chaddr that is not the frame's MAC: nothing; a relayed request on an
    untrusted port: nothing."""
    env = dhcp
    g = bare_guest(env, "b", "52:54:00:d0:00:11")
    (off,), = exchange(g, (dhcp_frame(g.mac, "discover", 1), 3, 1))
    ip = yiaddr(off)
    other = dhcp_frame(g.mac, "request", 2, opts=[("server_id", "10.77.0.254"),
                                                     ("requested_addr", ip)])
    reboot = dhcp_frame(g.mac, "request", 3, opts=[("requested_addr", "10.99.0.5")])
    unknown = dhcp_frame(g.mac, "request", 4, ciaddr="10.77.0.140", src_ip="10.77.0.140")
    spoof = dhcp_frame(g.mac, "discover", 5, chaddr="52:54:00:d0:99:99")
    relayed = dhcp_frame(g.mac, "discover", 6, giaddr="10.77.0.9", sport=67,
                         dst_ip=GW, dst_mac=env.net("t0")["mac"])
    r = exchange(g, (other, 2, 0), (reboot, 3, 1), (unknown, 3, 1), (spoof, 2, 0),
                 (relayed, 2, 0))
    assert r[0] == [], r[0]
    assert [mtype(p) for p in r[1]] == ["nak"] and r[1][0].dst == BCAST
    assert [mtype(p) for p in r[2]] == ["nak"]
    assert r[3] == [] and r[4] == []


def test_decline_quarantines(dhcp):
    env = dhcp
    g = bare_guest(env, "d", "52:54:00:d0:00:12")
    (off,), = exchange(g, (dhcp_frame(g.mac, "discover", 1), 3, 1))
    ip = yiaddr(off)
    req = dhcp_frame(g.mac, "request", 2, opts=[("server_id", GW), ("requested_addr", ip)])
    decline = dhcp_frame(g.mac, "decline", 3, opts=[("server_id", GW), ("requested_addr", ip)])
    again = dhcp_frame(g.mac, "discover", 4)
    r = exchange(g, (req, 3, 1), (decline, 1, 0), (again, 3, 1))
    assert mtype(r[0][0]) == "ack"
    assert yiaddr(r[2][0]) != ip, "the declined address was offered again"


def test_relayed_request_from_a_trusted_port(dhcp):
    """A relay agent (giaddr set) on a trusted port is served, and the
    reply goes to giaddr:67 (RFC 2131 4.1)."""
    env = dhcp
    r = bare_guest(env, "r", "52:54:00:d0:00:13", trusted=True)
    r.ip("addr", "add", "10.77.0.9/24", "dev", "eth0")
    disc = dhcp_frame(r.mac, "discover", 7, giaddr="10.77.0.9", sport=67, dst_ip=GW,
                      dst_mac=env.net("t0")["mac"], src_ip="10.77.0.9",
                      chaddr="52:54:00:d0:77:01")
    (off,), = exchange(r, (disc, 3, 1))
    from scapy.layers.inet import IP, UDP
    assert mtype(off) == "offer" and off[IP].dst == "10.77.0.9" and off[UDP].dport == 67
    assert off.dst == r.mac


def test_empty_pool_is_silent_and_logged_once(kvnet):
    env = kvnet
    xml = dhcp_xml(env).replace(f"end='{RANGE[1]}'", f"end='{RANGE[0]}'")
    env.define_xml(xml)
    env.cli("net", "start", "t0")
    a = bare_guest(env, "e1", "52:54:00:d0:00:21")
    b = bare_guest(env, "e2", "52:54:00:d0:00:22")
    (off,), = exchange(a, (dhcp_frame(a.mac, "discover", 1), 3, 1))
    req = dhcp_frame(a.mac, "request", 2, opts=[("server_id", GW),
                                                   ("requested_addr", yiaddr(off))])
    exchange(a, (req, 3, 1))
    r = exchange(b, (dhcp_frame(b.mac, "discover", 3), 2, 0),
                 (dhcp_frame(b.mac, "discover", 4), 2, 0))
    assert r == [[], []]
    assert env.log_text().count("DHCP pool exhausted") == 1, env.log_tail()


def test_rogue_server_in_a_guest_hands_out_nothing(dhcp):
    """A guest running its own DHCP server (busybox udhcpd) never even
    sees the clients' messages (they go to kvnetd alone), and what it
    sends unasked, an OFFER to everyone, is dropped (dhcp-server): a
    client's lease comes from kvnet."""
    from scapy.layers.dhcp import BOOTP
    env = dhcp
    rogue = bare_guest(env, "rg", "52:54:00:d0:00:31")
    rogue.ip("addr", "add", "10.77.0.9/24", "dev", "eth0")
    conf = env.tmp / "udhcpd.conf"
    conf.write_text(f"start 10.77.0.200\nend 10.77.0.210\ninterface eth0\n"
                    f"lease_file {env.tmp}/udhcpd.leases\noption router 10.77.0.9\n")
    (env.tmp / "udhcpd.leases").touch()
    rogue.popen(["busybox", "udhcpd", "-f", conf], stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL)
    c = bare_guest(env, "cl", "52:54:00:d0:00:32")
    t = tag("rogue")
    offer = dhcp_frame(rogue.mac, "offer", 99, sport=67, src_ip="10.77.0.9")
    offer[BOOTP].op = 2
    offer[BOOTP].yiaddr = "10.77.0.205"
    offer[BOOTP].sname = t.encode()
    offer["UDP"].dport = 68
    with Capture(c, "eth0") as cap:
        rogue.run([PYTHON, "-c", SENDP, bytes(offer).hex()])
        r = exchange(c, (dhcp_frame(c.mac, "discover", 9), 3, 2))
        poll(lambda: env.stats("t0")[rogue.port]["drops"].get("dhcp-server", 0) == 1, 5,
             "the rogue's offer counted as dhcp-server")
        assert not cap.matching(lambda f: t.encode() in bytes(f))
    assert r[0] and all(opt(p, "server_id") == GW for p in r[0]), \
        [opt(p, "server_id") for p in r[0]]


CLIENTS = r"""
import json, socket, struct, sys, time, random
from scapy.layers.dhcp import BOOTP, DHCP
from scapy.layers.inet import IP, UDP
from scapy.layers.l2 import Ether
s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, socket.htons(3))
s.bind(("eth0", 0)); s.settimeout(0.5)
me = open("/sys/class/net/eth0/address").read().strip()
def xchg(pkt, xid, want):
    s.send(bytes(pkt))
    end = time.monotonic() + 1.5
    while time.monotonic() < end:
        try: f = s.recv(2048)
        except socket.timeout: continue
        p = Ether(f)
        if p.haslayer(BOOTP) and p[BOOTP].xid == xid and p[BOOTP].op == 2:
            t = [o[1] for o in p[DHCP].options if isinstance(o, tuple) and o[0] == "message-type"]
            if t and t[0] == want: return p[BOOTP].yiaddr
    return None
for i in range(int(sys.argv[1])):
    mac = "02:de:%02x:%02x:00:%02x" % (i >> 8, i & 255, random.randrange(256))
    ch = bytes.fromhex(mac.replace(":", ""))
    base = Ether(src=me, dst="ff:ff:ff:ff:ff:ff") / IP(src="0.0.0.0", dst="255.255.255.255") / UDP(sport=68, dport=67)
    ip = xchg(base / BOOTP(chaddr=ch, xid=2 * i + 1) / DHCP(options=[("message-type", "discover"), "end"]), 2 * i + 1, 2)
    if not ip: continue
    r = base / BOOTP(chaddr=ch, xid=2 * i + 2) / DHCP(options=[("message-type", "request"), ("server_id", sys.argv[2]), ("requested_addr", ip), "end"])
    if xchg(r, 2 * i + 2, 5) == ip:
        print(json.dumps([mac, ip]), flush=True)
"""


@pytest.mark.kvnet_timeout(180)
def test_kill9_during_a_burst_loses_no_acked_lease(kvnet):
    """New clients one after another from a trusted port; kvnetd killed
    after 20 ACKs: every ACKed lease is listed after the restart (each was
    on disk before its ACK left)."""
    env = kvnet
    env.define_xml(dhcp_xml(env).replace(f"end='{RANGE[1]}'", "end='10.77.0.250'"))
    env.cli("net", "start", "t0")
    g = bare_guest(env, "bu", "52:54:00:d0:00:41", trusted=True)
    script = env.tmp / "clients.py"
    script.write_text(CLIENTS)
    p = g.popen([PYTHON, script, "120", GW], stdout=subprocess.PIPE, text=True,
                stderr=subprocess.DEVNULL)
    acked = []
    for line in p.stdout:
        acked.append(json.loads(line))
        if len(acked) == 20:
            env.kill_daemon()
            break
    p.kill()
    p.wait(timeout=10)
    env.start_daemon()
    have = {(k, v["ip"]) for k, v in leases(env).items()}
    missing = [a for a in acked if tuple(a) not in have]
    assert len(acked) == 20 and not missing, f"ACKed but lost: {missing}"


def test_reservation_added_live(dhcp):
    """`dhcp host add` for the address another client holds: stored in the
    definition, the holder is NAKed at its next renewal, and the reserved
    MAC gets the address."""
    env = dhcp
    a = bare_guest(env, "h1", "52:54:00:d0:00:51")
    (off,), = exchange(a, (dhcp_frame(a.mac, "discover", 1), 3, 1))
    ip = yiaddr(off)
    req = dhcp_frame(a.mac, "request", 2, opts=[("server_id", GW), ("requested_addr", ip)])
    exchange(a, (req, 3, 1))
    env.cli("dhcp", "host", "add", "t0", "--mac", "52:54:00:d0:00:52", "--ip", ip,
            "--name", "vm52")
    assert "52:54:00:d0:00:52" in env.cli("net", "dumpxml", "t0").stdout
    renew = dhcp_frame(a.mac, "request", 3, ciaddr=ip, src_ip=ip)
    (nak,), = exchange(a, (renew, 3, 1))
    assert mtype(nak) == "nak"
    b = bare_guest(env, "h2", "52:54:00:d0:00:52")
    (off2,), = exchange(b, (dhcp_frame(b.mac, "discover", 4), 3, 1))
    assert yiaddr(off2) == ip and opt(off2, "hostname") == b"vm52"
    cp = env.cli("dhcp", "host", "add", "t0", "--mac", "52:54:00:d0:00:53", "--ip",
                 "10.88.0.5", check=False)
    assert cp.returncode == 1 and "10.88.0.5" in cp.stderr, cp.stderr
    env.cli("dhcp", "host", "del", "t0", "--mac", "52:54:00:d0:00:52", "--ip", ip)
    assert "52:54:00:d0:00:52" not in env.cli("net", "dumpxml", "t0").stdout


def test_libvirt_status_file(dhcp):
    env = dhcp
    g = bare_guest(env, "s", "52:54:00:d0:00:61")
    (off,), = exchange(g, (dhcp_frame(g.mac, "discover", 1), 3, 1))
    ip = yiaddr(off)
    req = dhcp_frame(g.mac, "request", 2, opts=[("server_id", GW), ("requested_addr", ip),
                                                   ("hostname", b"guest-s")])
    exchange(g, (req, 3, 1))
    path = env.state_dir / "status" / "kvnet-t0.status"

    def entry():
        try:
            return next((x for x in json.loads(path.read_text())
                         if x["mac-address"] == g.mac), None)
        except (OSError, ValueError):
            return None
    e = poll(entry, 5, "the lease in kvnet-t0.status")
    assert e["ip-address"] == ip and e["hostname"] == "guest-s" and e["expiry-time"] > 0


def test_lease_cap_per_port(kvnet):
    """One untrusted port, 70 clients (client identifiers) behind it: the
    first 64 are offered an address, the others get nothing."""
    env = kvnet
    env.define_xml(dhcp_xml(env).replace(f"end='{RANGE[1]}'", "end='10.77.0.250'"))
    env.cli("net", "start", "t0")
    g = bare_guest(env, "cap", "52:54:00:d0:00:71")
    steps = [(dhcp_frame(g.mac, "discover", 100 + i,
                         opts=[("client_id", b"\x00cap-%d" % i)]), 0.5, 1)
             for i in range(70)]
    got = exchange(g, *steps)
    assert sum(1 for r in got if r) == 64, [i for i, r in enumerate(got) if not r]
    assert all(got[:64]) and not any(got[64:])


def test_request_rate_limit_per_port(dhcp):
    """400 DISCOVERs at once from one port: the port's DHCP guard drops
    what exceeds 100 a second after a burst of 200 (dhcp-rate), and the
    server keeps serving the other guests."""
    env = dhcp
    flood = bare_guest(env, "fl", "52:54:00:d0:00:81")
    frames = [dhcp_frame(flood.mac, "discover", 1000 + i) for i in range(400)]
    flood.run([PYTHON, "-c", "import sys; from scapy.all import Ether, sendp; "
               "sendp([Ether(bytes.fromhex(h)) for h in sys.stdin.read().split()], "
               "iface='eth0', verbose=False)"],
              input="\n".join(bytes(f).hex() for f in frames), timeout=60)
    poll(lambda: env.stats("t0")[flood.port]["drops"].get("dhcp-rate", 0) >= 100, 5,
         "dhcp-rate drops")
    other = bare_guest(env, "ok", "52:54:00:d0:00:82")
    (off,), = exchange(other, (dhcp_frame(other.mac, "discover", 7), 3, 1))
    assert mtype(off) == "offer"
