# SPDX-License-Identifier: GPL-2.0-only
"""Who reaches whom, and which points a packet crosses, in one mode.

reachability(): a TCP listener (tests/integration/netpeer.py) in every
actor (g1, g2, host, upstream, and the LAN in bridged mode) and a connect
from every actor to every other, all at once; each cell is "open",
"refused" or "timeout".

trace_paths(): one ping and one TCP SYN from g1 to the upstream under
`kvnet trace --json --svg`: the datapath's own stage events (NAT before
and after included) and graphviz's diagram of the path.
"""

import signal
import subprocess
import tempfile
from pathlib import Path

import lab_vm
import paths
from kvnet_harness import KVNET, poll, stop_process
from lab_measure import MATRIX_PORT, PEER, PY, listening

CONNECT_TIMEOUT = 1.0
TRACE_TIMEOUT = 10
# the traced commands have finished when the trace is ended: a packet
# still to come has had its milliseconds (paths.py waits 2 s)
paths.SETTLE = 0.5


def ping_argv(ip):
    return ["ping", "-n", "-c", "1", "-W", "1", ip]


# a connect-only probe: the handshake is the answer (no data awaited)
PROBE = """
import socket, sys
try:
    socket.create_connection((sys.argv[1], int(sys.argv[2])), timeout=float(sys.argv[3]))
    print("open")
except ConnectionRefusedError:
    print("refused")
except (socket.timeout, TimeoutError):
    print("timeout")
except OSError:
    print("unreachable")
"""


def listen_port(actor):
    return lab_vm.IPERF_PORT if lab_vm.is_vm(actor) else MATRIX_PORT


def reachability(lab):
    """{src: {dst: "open" | "refused" | "timeout" | "unreachable"}} over
    lab.actors(). A qemu guest's listener is its own iperf3 -s."""
    actors = lab.actors()
    servers = [a.ns.popen([PY, PEER, "tcp-server", MATRIX_PORT],
                          stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
               for a in actors.values() if not lab_vm.is_vm(a)]
    try:
        for a in actors.values():
            if not lab_vm.is_vm(a):
                poll(lambda a=a: listening(a.ns, MATRIX_PORT), 10,
                     f"the matrix listener in {a.name}")
        return _connect_all(lab, actors)
    finally:
        for s in servers:
            stop_process(s)


def _connect_all(lab, actors):
    procs, out = {}, {s: {} for s in actors}
    for s in actors.values():
        for d in actors.values():
            if s is d:
                continue
            ip, port = lab.address_of(d, s), listen_port(d)
            if lab_vm.is_vm(s):  # one at a time, through the guest's shell
                cp = s.ns.run(lab_vm.connect_argv(ip, port), check=False, timeout=10)
                out[s.name][d.name] = lab_vm.connect_word(cp)
                continue
            argv = [PY, "-c", PROBE, ip, port, CONNECT_TIMEOUT]
            procs[(s.name, d.name)] = s.ns.popen(argv, stdout=subprocess.PIPE,
                                                 stderr=subprocess.DEVNULL, text=True)
    for (s, d), p in procs.items():
        text, _ = p.communicate(timeout=CONNECT_TIMEOUT + 20)
        out[s][d] = text.strip() or "error"
    return out


def _trace(lab, key, filt, argv, svg):
    """argv in g1 under `kvnet trace`; returns the events (JSON lines)."""
    from test_trace import start_trace
    env, g1 = lab.env, lab.guests[0]
    p = start_trace(env, lab.net, "--json", "--count", 2, "--timeout",
                    TRACE_TIMEOUT, "--svg", svg, *filt.split())
    try:
        cp = g1.ns.run(argv, check=False, timeout=30)
        events = paths.finish_trace(p)
    finally:
        stop_process(p, signal.SIGINT)
    return {"key": key, "filter": filt, "rc": cp.returncode,
            "commands": [f"kvnet trace {lab.net} --json --count 2 --svg FILE {filt}",
                         f"g1: {argv if isinstance(argv, str) else ' '.join(map(str, argv))}"],
            "events": events}


def syn_argv(src, ip):
    if lab_vm.is_vm(src):
        return lab_vm.connect_argv(ip, MATRIX_PORT)
    return [PY, "-c", PROBE, ip, MATRIX_PORT, 1]


def trace_paths(lab):
    """{"ping": scenario, "syn": scenario}, each with its SVG diagram."""
    up = lab.upstream
    srv = up.ns.popen([PY, PEER, "tcp-server", MATRIX_PORT],
                      stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    out = {}
    try:
        poll(lambda: listening(up.ns, MATRIX_PORT), 10, "the SYN's listener")
        lab.guests[0].ns.run(ping_argv(up.ip), check=False)  # neighbours
        with tempfile.TemporaryDirectory(prefix="kvnet-lab-") as tmp:
            for key, filt, argv in (
                    ("ping", f"icmp and host {up.ip}", ping_argv(up.ip)),
                    ("syn", f"tcp and host {up.ip} and port {MATRIX_PORT}",
                     syn_argv(lab.guests[0], up.ip))):
                svg = Path(tmp) / f"{key}.svg"
                sc = _trace(lab, key, filt, argv, svg)
                sc["svg"] = svg.read_text() if svg.exists() else None
                out[key] = sc
    finally:
        stop_process(srv)
    return out


def mac_names(lab):
    """MAC -> name for the report (the host's links, the actors' eth0)."""
    names = {link["address"]: link["ifname"]
             for link in lab.env.host.ip_json("link") if link.get("address")}
    for a in [*lab.guests, lab.upstream] + ([lab.lan] if lab.lan else []):
        link = a.ns.ip_json("link", "show", "dev", "eth0")
        if link:
            names[link[0]["address"]] = a.name
    return names


def _has(pkt, stage):
    return any(e.get("stage") == stage for e in pkt)


def hops(scenario):
    """Per traced packet: its stages in order, e.g. ["ingress", "route",
    "conntrack", "nat", "redirect"] (what the report's table lists)."""
    return [[paths_step(e) for e in pkt]
            for pkt in paths.paths_render.packets(scenario["events"])]


def paths_step(e):
    return paths.paths_render.step(e)


def has_nat_hop(scenario):
    return any(_has(pkt, "nat") for pkt in
               paths.paths_render.packets(scenario["events"]))
