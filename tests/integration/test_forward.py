# SPDX-License-Identifier: GPL-2.0-only
"""Port forwards of a nat network (issue 14, part 2): `kvnet forward
add|del|list`, <kvnet:forward> in the definition, and the three ways a
forward is reached:

- from outside (the upstream namespace, through the host's uplink
  address): DNAT in the uplink program, the guest sees the real source;
- from the host's own processes (127.0.0.1, the uplink address, the
  gateway address): kvnetd's userspace proxy;
- from guests (hairpin, via the uplink address or the gateway address):
  DNAT + SNAT to the gateway address in the switch program.

Topology: kvnetd's "host" namespace with nat network n1 (192.168.77.0/24)
and a veth uplink to an "upstream" namespace (198.51.100.1 <-> .2, the
host's default route via the upstream); guests g1 (.10, runs the servers)
and g2 (.11) on veth ports.
"""

import json
import os
import signal
import subprocess

import pytest

from kvnet_harness import PYTHON, poll

HOST_UP = "198.51.100.1"
UPSTREAM = "198.51.100.2"
GW = "192.168.77.1"
G1, G2 = "192.168.77.10", "192.168.77.11"

# A TCP server: says who connected, then echoes until EOF. A UDP server:
# answers each datagram with who sent it and the datagram.
SERVER = r"""
import socket, sys, threading
proto, port = sys.argv[1], int(sys.argv[2])
if proto == "tcp":
    s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.bind(("0.0.0.0", port)); s.listen(64)
    def serve(c, a):
        c.sendall(f"peer={a[0]}\n".encode())
        while (d := c.recv(65536)):
            c.sendall(d)
        c.close()
    while True:
        c, a = s.accept()
        threading.Thread(target=serve, args=(c, a), daemon=True).start()
else:
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); s.bind(("0.0.0.0", port))
    while True:
        d, a = s.recvfrom(65536)
        s.sendto(f"peer={a[0]} ".encode() + d, a)
"""

# A client: connect, send, half-close, print what came back (TCP); send
# and print the answer (UDP). Exit 2 on refusal or timeout. Data "@N" is
# N bytes of "x".
CLIENT = r"""
import socket, sys, threading
proto, host, port, data = sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4].encode()
if data.startswith(b"@"):
    data = b"x" * int(data[1:])
def send(s):
    s.sendall(data); s.shutdown(socket.SHUT_WR)
try:
    if proto == "tcp":
        s = socket.create_connection((host, port), timeout=3)
        threading.Thread(target=send, args=(s,), daemon=True).start()
        out = b""
        while (d := s.recv(65536)):
            out += d
    else:
        s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); s.settimeout(3)
        s.sendto(data, (host, port)); out, _ = s.recvfrom(65536)
except OSError as e:
    print(f"error: {e}"); sys.exit(2)
sys.stdout.write(out.decode())
"""

# A client that keeps its connection: sends a line per line of stdin and
# prints the echo, or "reset"/"timeout" if the connection is gone.
HOLD = r"""
import socket, sys
s = socket.create_connection((sys.argv[1], int(sys.argv[2])), timeout=3)
f = s.makefile("rb")
print(f.readline().decode().strip(), flush=True)
for line in sys.stdin:
    try:
        s.sendall(line.encode()); print(f.readline().decode().strip() or "eof", flush=True)
    except ConnectionResetError:
        print("reset", flush=True)
    except socket.timeout:
        print("timeout", flush=True)
"""


def talk(ns, proto, host, port, data="hello", check=True):
    cp = ns.run([PYTHON, "-c", CLIENT, proto, host, port, data], check=False, timeout=20)
    if check and cp.returncode != 0:
        raise AssertionError(f"{proto} {host}:{port} from {ns.name}: {cp.stdout}{cp.stderr}")
    return cp


def listening(ns, proto, port):
    flag = "-ltn" if proto == "tcp" else "-lun"
    return f":{port} " in ns.run(["ss", "-H", flag]).stdout


def start_server(ns, proto, port):
    ns.popen([PYTHON, "-c", SERVER, proto, port], stdout=subprocess.DEVNULL)
    poll(lambda: listening(ns, proto, port), 10, f"{proto} server on :{port}")


@pytest.fixture
def nat(kvnet):
    """n1 running with its uplink, g1 serving tcp/80 and udp/5353, g2."""
    up = kvnet.add_upstream(host_ip=HOST_UP, peer_ip=UPSTREAM, routes=())
    kvnet.host.ip("route", "add", "default", "via", UPSTREAM)
    kvnet.cli("net", "create", "n1", "--mode", "nat", "--subnet", "192.168.77.0/24")
    kvnet.cli("net", "start", "n1")
    g1 = kvnet.add_guest("n1", "g1", G1)
    g2 = kvnet.add_guest("n1", "g2", G2)
    for g in (g1, g2):
        g.ns.ip("route", "add", "default", "via", GW)
    start_server(g1.ns, "tcp", 80)
    start_server(g1.ns, "udp", 5353)
    kvnet.up, kvnet.g1, kvnet.g2 = up, g1, g2
    return kvnet


def fwds(env, net="n1"):
    return env.cli("forward", "list", net, json=True).json


def add(env, proto, port, to, net="n1", check=True):
    return env.cli("forward", "add", net, "--proto", proto, "--host-port", port, "--to", to,
                   check=check)


# ---- reaching a forward ---------------------------------------------------

def test_tcp_from_upstream_keeps_the_source(nat):
    add(nat, "tcp", 8080, f"{G1}:80")
    out = talk(nat.up, "tcp", HOST_UP, 8080, "ping-from-outside").stdout
    assert out == f"peer={UPSTREAM}\nping-from-outside"


def test_tcp_from_the_host_itself(nat):
    add(nat, "tcp", 8080, f"{G1}:80")
    for dst in ("127.0.0.1", HOST_UP, GW):
        out = talk(nat.host, "tcp", dst, 8080, f"via-{dst}").stdout
        # the proxy connects from the gateway's address
        assert out == f"peer={GW}\nvia-{dst}", dst


def test_tcp_hairpin_from_another_guest(nat):
    add(nat, "tcp", 8080, f"{G1}:80")
    for dst in (HOST_UP, GW):
        out = talk(nat.g2.ns, "tcp", dst, 8080, f"hairpin-{dst}").stdout
        assert out == f"peer={GW}\nhairpin-{dst}", dst


def test_tcp_relays_a_large_stream(nat):
    """More than the proxy's buffer, both ways, through the proxy and
    through the datapath."""
    add(nat, "tcp", 8080, f"{G1}:80")
    data = "x" * 1000000
    for ns, dst in ((nat.host, "127.0.0.1"), (nat.up, HOST_UP), (nat.g2.ns, GW)):
        out = talk(ns, "tcp", dst, 8080, "@%d" % len(data)).stdout
        assert out.endswith(data) and len(out.split("\n", 1)[1]) == len(data), dst


def test_udp_from_upstream_and_host(nat):
    add(nat, "udp", 5353, f"{G1}:5353")
    assert talk(nat.up, "udp", HOST_UP, 5353, "q1").stdout == f"peer={UPSTREAM} q1"
    for dst in ("127.0.0.1", HOST_UP, GW):
        assert talk(nat.host, "udp", dst, 5353, "q2").stdout == f"peer={GW} q2", dst


def test_refused_by_the_guest_resets_the_host_client(nat):
    add(nat, "tcp", 8081, f"{G1}:81")  # nothing listens on :81
    cp = talk(nat.host, "tcp", "127.0.0.1", 8081, check=False)
    assert cp.returncode == 2 or cp.stdout == "", cp.stdout


# ---- list, persistence, removal -------------------------------------------

def test_list_text_and_json(nat):
    add(nat, "tcp", 8080, f"{G1}:80")
    add(nat, "udp", 5353, f"{G1}:5353")
    got = fwds(nat)
    assert [(f["proto"], f["host_port"], f["to"], f["active"]) for f in got] == [
        ("tcp", 8080, f"{G1}:80", True), ("udp", 5353, f"{G1}:5353", True)]
    text = nat.cli("forward", "list", "n1").stdout.splitlines()
    assert text[0].split() == ["PROTO", "HOST", "PORT", "TO", "ACTIVE"]
    assert text[1].split() == ["tcp", "8080", f"{G1}:80", "yes"]
    xml = nat.cli("net", "dumpxml", "n1").stdout
    assert f"<kvnet:forward proto='tcp' host-port='8080' to='{G1}:80'/>" in xml


def test_persists_across_a_restart(nat):
    add(nat, "tcp", 8080, f"{G1}:80")
    nat.kill_daemon(signal.SIGTERM)
    # kvnetd is down: the datapath still forwards from outside
    assert talk(nat.up, "tcp", HOST_UP, 8080, "while-down").stdout.endswith("while-down")
    nat.start_daemon()
    poll(lambda: fwds(nat)[0]["active"], 10, "the forward to be active after the restart")
    assert talk(nat.up, "tcp", HOST_UP, 8080, "after").stdout == f"peer={UPSTREAM}\nafter"
    assert talk(nat.host, "tcp", "127.0.0.1", 8080, "after").stdout == f"peer={GW}\nafter"
    # and once more after a stop and start of the network
    nat.cli("net", "stop", "n1")
    nat.cli("net", "start", "n1")
    nat.cli("port", "add", "n1", nat.g1.port)
    assert talk(nat.up, "tcp", HOST_UP, 8080, "again").stdout == f"peer={UPSTREAM}\nagain"


def test_del_stops_it_and_forgets_its_flows(nat):
    add(nat, "tcp", 8080, f"{G1}:80")
    hold = nat.up.popen([PYTHON, "-c", HOLD, HOST_UP, 8080], stdin=subprocess.PIPE,
                        stdout=subprocess.PIPE, text=True)
    assert hold.stdout.readline().strip() == f"peer={UPSTREAM}"
    hold.stdin.write("one\n")
    hold.stdin.flush()
    assert hold.stdout.readline().strip() == "one"
    nat.cli("forward", "del", "n1", "--proto", "tcp", "--host-port", 8080)
    assert fwds(nat) == []
    # the open connection's flow is gone: its next segment reaches the
    # host's stack, which has no socket for it
    hold.stdin.write("two\n")
    hold.stdin.flush()
    assert hold.stdout.readline().strip() in ("reset", "timeout", "eof")
    hold.stdin.close()
    hold.wait(timeout=10)
    for ns, dst in ((nat.up, HOST_UP), (nat.host, "127.0.0.1"), (nat.g2.ns, HOST_UP)):
        cp = talk(ns, "tcp", dst, 8080, check=False)
        assert cp.returncode == 2, (dst, cp.stdout)
    assert "kvnet:forward" not in nat.cli("net", "dumpxml", "n1").stdout


# ---- the definition --------------------------------------------------------

def fwd_xml(name, subnet_gw, extra, mode="nat"):
    fwd = "<forward mode='nat'/>" if mode == "nat" else ""
    return (f"<network xmlns:kvnet='https://kvnet.dev/xmlns/network/1'><name>{name}</name>"
            f"{fwd}<ip address='{subnet_gw}' prefix='24'/>{extra}</network>\n")


def test_defined_in_xml_and_started_later(nat):
    xml = fwd_xml("n2", "192.168.78.1",
                  "<kvnet:forward proto='tcp' host-port='8082' to='192.168.78.5:80'/>")
    nat.define_xml(xml)
    got = fwds(nat, "n2")
    assert [(f["to"], f["active"]) for f in got] == [("192.168.78.5:80", False)]
    nat.cli("net", "start", "n2")
    assert fwds(nat, "n2")[0]["active"] is True
    nat.cli("net", "stop", "n2")
    assert fwds(nat, "n2")[0]["active"] is False
    bad = fwd_xml("n3", "192.168.79.1",
                  "<kvnet:forward proto='tcp' host-port='8083' to='10.0.0.5:80'/>")
    cp = nat.define_xml(bad, check=False)
    assert cp.returncode == 1 and "not a host address" in cp.stderr


def test_port_taken_at_start_is_noted_then_retried(nat):
    xml = fwd_xml("n2", "192.168.78.1",
                  "<kvnet:forward proto='tcp' host-port='8090' to='192.168.78.5:80'/>")
    nat.define_xml(xml)
    squat = nat.host.popen([PYTHON, "-c", SERVER, "tcp", 8090], stdout=subprocess.DEVNULL)
    poll(lambda: listening(nat.host, "tcp", 8090), 10, "the squatter")
    nat.cli("net", "start", "n2")
    assert fwds(nat, "n2")[0]["active"] is False
    notes = " ".join(nat.net("n2").get("notes", []))
    assert "8090" in notes and "already in use" in notes, notes
    squat.send_signal(signal.SIGTERM)
    squat.wait(timeout=10)
    poll(lambda: fwds(nat, "n2")[0]["active"], 15, "the forward to take the freed port")


# ---- refusals, each leaving everything as it was ---------------------------

def test_bad_input_changes_nothing(nat):
    add(nat, "tcp", 8080, f"{G1}:80")
    nat.cli("net", "create", "n2", "--mode", "nat", "--subnet", "192.168.78.0/24")
    nat.cli("forward", "add", "n2", "--proto", "udp", "--host-port", 6000,
            "--to", "192.168.78.5:53")
    nat.cli("net", "create", "iso", "--mode", "isolated", "--subnet", "10.9.0.0/24")
    nat.cli("net", "create", "rt", "--mode", "route", "--subnet", "10.8.0.0/24")
    nat.host.popen([PYTHON, "-c", SERVER, "tcp", 9090], stdout=subprocess.DEVNULL)
    poll(lambda: listening(nat.host, "tcp", 9090), 10, "a host service on :9090")
    before = {n: (fwds(nat, n), nat.cli("net", "dumpxml", n).stdout) for n in ("n1", "n2")}
    cases = [
        (("n1", "tcp", 8080, f"{G2}:80"), "already forwards"),
        (("n1", "udp", 6000, f"{G2}:80"), "network 'n2'"),
        (("n1", "tcp", 9090, f"{G2}:80"), "already in use"),
        (("n1", "tcp", 8085, "10.0.0.5:80"), "not a host address"),
        (("n1", "tcp", 8085, f"{GW}:80"), "gateway"),
        (("n1", "tcp", 8085, "192.168.77.255:80"), "not a host address"),
        (("n1", "tcp", 8085, "192.168.77.0:80"), "not a host address"),
        (("n1", "tcp", 0, f"{G2}:80"), "1-65535"),
        (("n1", "tcp", 65536, f"{G2}:80"), "1-65535"),
        (("n1", "tcp", "80a", f"{G2}:80"), "1-65535"),
        (("n1", "tcp", 8085, f"{G2}:0"), "IPv4:PORT"),
        (("n1", "tcp", 8085, f"{G2}:70000"), "IPv4:PORT"),
        (("n1", "tcp", 8085, G2), "IPv4:PORT"),
        (("n1", "icmp", 8085, f"{G2}:80"), "tcp or udp"),
        (("iso", "tcp", 8085, "10.9.0.5:80"), "nat network"),
        (("rt", "tcp", 8085, "10.8.0.5:80"), "nat network"),
        (("nope", "tcp", 8085, f"{G2}:80"), "not defined"),
    ]
    for (net, proto, port, to), why in cases:
        cp = add(nat, proto, port, to, net=net, check=False)
        assert cp.returncode == 1 and why in cp.stderr, (net, proto, port, to, cp.stderr)
    for args, why in (((8080, "udp"), "no port forward"), ((8081, "tcp"), "no port forward"),
                      ((0, "tcp"), "1-65535")):
        cp = nat.cli("forward", "del", "n1", "--proto", args[1], "--host-port", args[0],
                     check=False)
        assert cp.returncode == 1 and why in cp.stderr, (args, cp.stderr)
    cp = nat.cli("forward", "list", "nope", check=False)
    assert cp.returncode == 1 and "not defined" in cp.stderr
    after = {n: (fwds(nat, n), nat.cli("net", "dumpxml", n).stdout) for n in ("n1", "n2")}
    assert after == before
    assert talk(nat.up, "tcp", HOST_UP, 8080, "still").stdout == f"peer={UPSTREAM}\nstill"


def test_cap_per_network(nat):
    for i in range(64):
        add(nat, "udp", 20000 + i, f"{G1}:{1000 + i}")
    cp = add(nat, "udp", 30000, f"{G1}:80", check=False)
    assert cp.returncode == 1 and "maximum of 64" in cp.stderr
    assert len(fwds(nat)) == 64 and all(f["active"] for f in fwds(nat))
    assert json.dumps(fwds(nat)).count("20063") == 1


def test_proxy_closes_what_it_opens(nat):
    """Connections through the proxy, finished, refused or cut, leave no
    descriptor behind in kvnetd."""
    add(nat, "tcp", 8080, f"{G1}:80")
    add(nat, "tcp", 8081, f"{G1}:81")  # refused by the guest
    fds = f"/proc/{nat.daemon.pid}/fd"
    before = len(os.listdir(fds))
    for i in range(10):
        talk(nat.host, "tcp", "127.0.0.1", 8080, f"n{i}")
        talk(nat.host, "tcp", "127.0.0.1", 8081, check=False)
    cut = nat.host.popen([PYTHON, "-c", HOLD, "127.0.0.1", 8080], stdin=subprocess.PIPE,
                         stdout=subprocess.PIPE, text=True)
    assert cut.stdout.readline().strip() == f"peer={GW}"
    cut.kill()
    cut.wait(timeout=10)
    poll(lambda: len(os.listdir(fds)) == before, 10,
         f"kvnetd's descriptors back to {before}")
