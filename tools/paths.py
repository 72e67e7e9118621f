#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0-only
"""Generate docs/paths.md from real packet-path traces (issue 15).

For each network mode (isolated, nat, route, open, bridge) this builds the
integration tests' topology in network namespaces (the harness classes of
tests/integration, reused, never the root namespace), sends one guest
packet per path (guest to guest, guest to host, guest to the outside, a
DHCP exchange) under `kvnet trace --json`, and writes what the datapath
reported, with the commands that produced it, as markdown. The prose
around the tables is generated from the same events, so the page says only
what the traces show; rerun `make paths` when the datapath changes.

  tools/paths.py [--out docs/paths.md] [--save-json F] [--from-json F]

Runs as root (namespaces); --from-json re-renders saved traces without."""

import argparse
import json
import signal
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests" / "integration"))
sys.path.insert(0, str(ROOT / "tools"))

import paths_render  # noqa: E402

TRACE_TIMEOUT = 10   # seconds a `kvnet trace` may run at most
SETTLE = 2           # seconds to wait for a packet that may still come
GUEST_MACS = {"g1": "52:54:00:b1:00:01", "g2": "52:54:00:b1:00:02",
              "g3": "52:54:00:b1:00:03"}


class Actor:
    """A namespace the page names by a stable name (the namespaces'
    own names are random), with the address it is reached at."""

    def __init__(self, name, ns, ip=None, port=None):
        self.name, self.ns, self.ip, self.port = name, ns, ip, port


class Topo:
    """What one mode's scenarios need: the network, two addressed guests,
    the host's address as a guest sees it, the outside peer, and a way to
    add a bare guest for DHCP."""

    def __init__(self, mode, net, g1, g2, host_ip, out):
        self.mode, self.net, self.g1, self.g2 = mode, net, g1, g2
        self.host_ip, self.out = host_ip, out
        self.facts = {}
        self.extra = []  # actors added by the scenarios


# ---- topologies (the tests' own classes) ------------------------------

def topo_isolated(env):
    from test_dhcp import GW, dhcp_xml
    env.define_xml(dhcp_xml(env))
    env.cli("net", "start", "t0")
    up = env.add_upstream()
    gs = []
    for i, name in enumerate(("g1", "g2")):
        g = env.add_guest("t0", name, f"10.77.0.{11 + i}")
        g.ns.ip("route", "add", "default", "via", GW)
        gs.append(Actor(name, g.ns, g.ip, g.port))
    out = Actor("upstream", up, "10.201.0.2", "up0")
    return Topo("isolated", "t0", *gs, GW, out)


def topo_l3(env, mode):
    from test_nat import SUBNET, UPLINK_IP, UPSTREAM_IP, Nat
    nat = Nat(env, mode=mode)
    if mode != "nat":  # the upstream routes the guests' subnet back
        nat.up.ip("route", "add", f"{SUBNET}.0/24", "via", UPLINK_IP)
    g1, g2 = (Actor(g.name, g.ns, g.ip, g.port) for g in nat.guests)
    t = Topo(mode, "n1", g1, g2, f"{SUBNET}.1",
             Actor("upstream", nat.up, UPSTREAM_IP, "up0"))
    t.facts["uplink_ip"] = UPLINK_IP
    return t


def topo_bridge(env):
    from test_bridge_mode import (HOST_IP, LAN_IP, UPLINK, Lan, bare_guest,
                                  bridge_xml, lease)
    lan = Lan(env).start_dhcp()
    env.define_xml(bridge_xml())
    env.cli("net", "start", "br")
    gs = []
    for name in ("g1", "g2"):
        ns = bare_guest(env, "br", name, GUEST_MACS[name])
        gs.append(Actor(name, ns, lease(env, ns), ns.port))
    t = Topo("bridge", "br", *gs, HOST_IP, Actor("lan", lan.ns, LAN_IP, UPLINK))
    t.facts["lan_dhcp"] = LAN_IP
    return t


def build(env, mode):
    if mode == "isolated":
        return topo_isolated(env)
    if mode == "bridge":
        return topo_bridge(env)
    return topo_l3(env, mode)


# ---- tracing ------------------------------------------------------------

def shown(args):
    return " ".join(str(a) for a in args)


def finish_trace(p):
    """The trace's JSON events: it ends by itself once its packets are
    out; a packet that never comes is waited for SETTLE seconds."""
    from kvnet_harness import HarnessError, poll, stop_process
    try:
        poll(lambda: p.poll() is not None, SETTLE, "the trace's last packet")
    except HarnessError:
        stop_process(p, signal.SIGINT)
    out, err = p.communicate(timeout=10)
    if p.returncode != 0:
        raise RuntimeError(f"kvnet trace exited {p.returncode}: {err}")
    return [json.loads(line) for line in out.splitlines() if line.strip()]


def traced(env, topo, key, title, actor, argv, count, filt):
    """Run argv in actor's namespace under a trace of filt; returns the
    scenario: its commands, the traffic's exit status and the events."""
    from kvnet_harness import stop_process
    from test_trace import start_trace
    targs = [topo.net, "--json", "--count", count, "--timeout", TRACE_TIMEOUT,
             *filt.split()]
    p = start_trace(env, *targs)
    try:
        cp = actor.ns.run(argv, check=False, timeout=30)
        events = finish_trace(p)
    finally:
        stop_process(p, signal.SIGINT)
    return {"key": key, "title": title, "filter": filt, "rc": cp.returncode,
            "output": (cp.stdout + cp.stderr).strip().splitlines(),
            "commands": [f"kvnet --run-dir $RUN trace {shown(targs)}",
                         f"ip netns exec {actor.name} {shown(argv)}"],
            "events": events}


def ping_argv(dst):
    return ["ping", "-n", "-c", "1", "-W", "2", dst]


def ping_scenario(env, topo, key, title, dst, warm=True):
    """One ping from g1 to dst, request and reply traced (neighbours
    resolved first by an untraced ping, so the traced one is plain)."""
    if warm:
        topo.g1.ns.run(ping_argv(dst), check=False, timeout=30)
    return traced(env, topo, key, title, topo.g1, ping_argv(dst), 2,
                  f"icmp and host {dst}")


def dhcp_scenario(env, topo):
    """A bare guest g3 asks for a lease (busybox udhcpc, one shot)."""
    from test_bridge_mode import bare_guest
    ns = bare_guest(env, topo.net, "g3", GUEST_MACS["g3"])
    g3 = Actor("g3", ns, None, ns.port)
    topo.extra.append(g3)
    argv = ["busybox", "udhcpc", "-i", "eth0", "-n", "-q", "-t", "10", "-T", "1",
            "-s", "/bin/true"]
    sc = traced(env, topo, "dhcp", "a new guest asks for an address (DHCP)",
                g3, argv, 8, "udp port 67")
    cp = env.cli("leases", topo.net, json=True, check=False)
    sc["kvnet_leases"] = cp.json if cp.returncode == 0 else cp.stderr.strip()
    return sc


def scenarios(env, topo):
    out = "a LAN host" if topo.mode == "bridge" else "upstream"
    host = "the host" if topo.mode == "bridge" else "the host (gateway address)"
    return [
        ping_scenario(env, topo, "guest", "guest to guest", topo.g2.ip),
        ping_scenario(env, topo, "host", f"guest to {host}", topo.host_ip),
        ping_scenario(env, topo, "out", f"guest to {out}", topo.out.ip),
        dhcp_scenario(env, topo),
    ]


def run_mode(mode):
    """Build mode's topology in a fresh KvnetEnv, trace its scenarios,
    and tear everything down, even on failure or Ctrl-C."""
    from kvnet_harness import KvnetEnv
    env = KvnetEnv()
    try:
        env.start_daemon()
        topo = build(env, mode)
        found = scenarios(env, topo)
        return {"mode": mode, "net": topo.net, "facts": topo.facts,
                "actors": actors(topo), "macs": mac_names(env, topo),
                "scenarios": found}
    finally:
        errors = env.close()
        if errors:
            print(f"paths: {mode}: {'; '.join(errors)}", file=sys.stderr)


def actors(topo):
    return {a.name: {"ip": a.ip, "port": a.port}
            for a in (topo.g1, topo.g2, topo.out, *topo.extra)} | {
                "host": {"ip": topo.host_ip}}


def mac_names(env, topo):
    """MAC -> a stable name: the host's links by their own names, each
    actor's eth0 by the actor's name (MACs of kvnet's devices are random)."""
    names = {link["address"]: link["ifname"] for link in env.host.ip_json("link")
             if link.get("address")}
    for a in (topo.g1, topo.g2, topo.out, *topo.extra):
        link = a.ns.ip_json("link", "show", "dev", "eth0")[0]
        names[link["address"]] = a.name
    return names


def collect(modes):
    from kvnet_harness import check_binaries, check_tools
    check_tools()
    check_binaries()
    results = []
    for mode in modes:
        print(f"paths: tracing {mode} ...", file=sys.stderr, flush=True)
        results.append(run_mode(mode))
    return results


def on_sigterm(signum, frame):
    raise KeyboardInterrupt(f"signal {signum}")  # unwinds through close()


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--out", default=str(ROOT / "docs" / "paths.md"))
    ap.add_argument("--save-json", help="also write the raw traces here")
    ap.add_argument("--from-json", help="render saved traces, trace nothing")
    ap.add_argument("--modes", default=",".join(paths_render.MODES))
    a = ap.parse_args()
    signal.signal(signal.SIGTERM, on_sigterm)
    if a.from_json:
        results = json.loads(Path(a.from_json).read_text())
    else:
        results = collect(a.modes.split(","))
    if a.save_json:
        Path(a.save_json).write_text(json.dumps(results, indent=1) + "\n")
    Path(a.out).write_text(paths_render.render(results))
    print(f"paths: wrote {a.out}", file=sys.stderr)


if __name__ == "__main__":
    try:
        main()
    except KeyboardInterrupt:  # namespaces are gone by now (run_mode's finally)
        print("paths: interrupted", file=sys.stderr)
        sys.exit(130)
