# SPDX-License-Identifier: GPL-2.0-only
"""The lab's measures, one function each, run on a built Lab (lab_topo).

Each returns one round's result: {"value": number or None, "samples":
[...], ...}; value None means there was no path (the note says why). The
traffic comes from real tools in the namespaces: ping, busybox udhcpc
(captured by tcpdump), iperf3, and kvnet's own benchmark generators
build/pktgen, build/pktsink and build/connrate (tools/bench.sh uses them
the same way).
"""

import json
import re
import signal
import subprocess
import tempfile
import time
from pathlib import Path

from kvnet_harness import BUILD, poll, stop_process

PEER = str(Path(__file__).resolve().parents[2] / "tests/integration/netpeer.py")
PY = "/usr/bin/python3"
IPERF_PORT = 5201
CONN_PORT = 5300
MATRIX_PORT = 5400


def percentile(xs, p):
    """The p-th percentile (0-100) of xs, linear between ranks."""
    xs = sorted(xs)
    if not xs:
        return None
    k = (len(xs) - 1) * p / 100
    lo = int(k)
    hi = min(lo + 1, len(xs) - 1)
    return xs[lo] + (xs[hi] - xs[lo]) * (k - lo)


def no_path(why):
    return {"value": None, "samples": [], "note": why}


def not_measured(why):
    return {"value": None, "samples": [], "note": f"not measured: {why}"}


def from_vm(actor):
    return getattr(actor.ns, "is_vm", False)


VM_NO_GEN = "a qemu guest has no build/pktgen or build/connrate"


def reaches(lab, src, ip):
    """Whether src's ping reaches ip (asked once per lab: paths do not
    change between rounds)."""
    key = (src.name, ip)
    if key not in lab.reached:
        lab.reached[key] = src.ns.run(["ping", "-n", "-c", "1", "-W", "1", ip],
                                      check=False, timeout=10).returncode == 0
    return lab.reached[key]


# ---- DHCP -----------------------------------------------------------------

def start_capture(ns, iface, pcap, bpf):
    """tcpdump writing pcap; returns once it is listening."""
    p = ns.popen(["tcpdump", "-i", iface, "-n", "-U", "--immediate-mode",
                  "-w", pcap, bpf], stdout=subprocess.DEVNULL,
                 stderr=subprocess.PIPE, text=True)
    line = ""
    deadline = time.monotonic() + 10
    while "listening on" not in line and time.monotonic() < deadline:
        line = p.stderr.readline()
        if not line and p.poll() is not None:
            break
    if "listening on" not in line:
        stop_process(p)
        raise RuntimeError(f"tcpdump in {ns.name} did not start: {line}")
    return p


def dhcp_exchange(lab):
    """One DORA exchange from a bare guest (busybox udhcpc, released on
    exit): DISCOVER-to-ACK time from the guest's own capture, and who
    answered (the ACK's server identifier)."""
    from scapy.layers.dhcp import DHCP
    from scapy.utils import rdpcap
    ns = lab.dhcp_ns
    with tempfile.TemporaryDirectory(prefix="kvnet-lab-") as tmp:
        pcap = f"{tmp}/dhcp.pcap"
        cap = start_capture(ns, "eth0", pcap, "udp port 67 or udp port 68")
        try:
            ns.run(["busybox", "udhcpc", "-i", "eth0", "-n", "-q", "-R", "-t", "5",
                    "-T", "1", "-s", "/bin/true"], check=False, timeout=30)
            poll(lambda: _dhcp_types(rdpcap(pcap), DHCP) & {5, 6}, 3,
                 "the DHCP answer in the capture")
        except Exception:  # noqa: BLE001 - no answer: reported as no lease
            pass
        finally:
            stop_process(cap, signal.SIGINT)
        pkts = rdpcap(pcap)
    return _dhcp_result(pkts, DHCP, lab)


def _dhcp_types(pkts, DHCP):
    return {_opt(p, DHCP, "message-type") for p in pkts if p.haslayer(DHCP)}


def _opt(p, DHCP, name):
    for o in p[DHCP].options:
        if isinstance(o, tuple) and o[0] == name:
            return o[1]
    return None


def _dhcp_result(pkts, DHCP, lab):
    disc = next((p for p in pkts if p.haslayer(DHCP)
                 and _opt(p, DHCP, "message-type") == 1), None)
    ack = next((p for p in pkts if p.haslayer(DHCP)
                and _opt(p, DHCP, "message-type") == 5), None)
    if disc is None or ack is None:
        return no_path("no lease (no DISCOVER or no ACK in the capture)")
    server = _opt(ack, DHCP, "server_id")
    ms = float(ack.time - disc.time) * 1000
    return {"value": ms, "samples": [ms], "server": server,
            "server_name": server_name(lab, server), "lease": ack.yiaddr}


def server_name(lab, ip):
    if lab.lan and ip == lab.lan.ip:
        return "the LAN's dnsmasq"
    if ip == lab.host_ip:
        return "libvirt's dnsmasq" if lab.impl == "libvirt" else "kvnetd"
    return "unknown"


# ---- ping -----------------------------------------------------------------

def ping_rtts(lab, src, dst_ip, count, interval):
    """RTTs (µs) of count pings; a warm-up ping resolves neighbours."""
    if not reaches(lab, src, dst_ip):
        return None
    cp = src.ns.run(["ping", "-n", "-c", count, "-i", interval, "-W", "1",
                     dst_ip], check=False, timeout=count * interval + 30)
    return [float(t) * 1000 for t in re.findall(r"time=([\d.]+) ms", cp.stdout)]


def ping_round(lab, target, cfg):
    src = lab.guests[0]
    dst = {"guest": lab.guests[1].ip, "gateway": lab.gateway_ip,
           "upstream": lab.upstream.ip}[target]
    rtts = ping_rtts(lab, src, dst, cfg["ping_count"], cfg["ping_interval"])
    if not rtts:
        return no_path(f"g1 cannot ping {target} ({dst})")
    return {"value": percentile(rtts, 50), "p99": percentile(rtts, 99),
            "samples": rtts}


# ---- TCP throughput -------------------------------------------------------

def listening(ns, port):
    return f":{port} " in ns.run(["ss", "-Hltn"]).stdout


def target_actor(lab, target):
    return lab.guests[1] if target == "guest" else lab.upstream


def iperf_length(cfg):
    """iperf3's -t takes whole seconds; below one, a byte count instead."""
    if cfg["tcp_secs"] >= 1:
        return ["-t", int(cfg["tcp_secs"])]
    return ["-n", cfg["tcp_bytes"]]


def iperf_round(lab, target, streams, cfg):
    dst = target_actor(lab, target)
    src = lab.guests[0]
    if not reaches(lab, src, dst.ip):
        return no_path(f"g1 cannot reach {target}")
    if from_vm(dst):  # the guest's own iperf3 -s is always up
        srv = None
    else:
        srv = dst.ns.popen(["iperf3", "-s", "-1", "-p", IPERF_PORT],
                           stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        if srv:
            poll(lambda: listening(dst.ns, IPERF_PORT), 10, "iperf3 to listen")
        cp = src.ns.run(["iperf3", "-c", dst.ip, "-p", IPERF_PORT, "-P", streams,
                         *iperf_length(cfg), "-J"], check=False,
                        timeout=cfg["tcp_secs"] + 30)
    finally:
        if srv:
            stop_process(srv)
    try:
        j = json.loads(cp.stdout[cp.stdout.find("{"):])
        bps = j["end"]["sum_received"]["bits_per_second"]
    except (ValueError, KeyError):
        return no_path(f"iperf3 failed: {cp.stdout[-300:]}{cp.stderr[-300:]}")
    per_sec = [iv["sum"]["bits_per_second"] / 1e9 for iv in j.get("intervals", [])]
    return {"value": bps / 1e9, "samples": per_sec}


# ---- UDP packets per second ----------------------------------------------

def generator_ends(lab, target):
    """g1 and the target of a generator's test (build/pktgen, connrate),
    or the result saying why there is none to measure."""
    dst = target_actor(lab, target)
    src = lab.guests[0]
    if from_vm(src):
        return src, dst, not_measured(VM_NO_GEN)
    if not reaches(lab, src, dst.ip):
        return src, dst, no_path(f"g1 cannot reach {target}")
    return src, dst, None


def pps_round(lab, target, cfg):
    """64-byte UDP frames from build/pktgen in g1, counted (and dropped)
    by build/pktsink at the target's eth0; 16 flows."""
    src, dst, why = generator_ends(lab, target)
    if why:
        return why
    nexthop = dst.ip if target == "guest" else lab.gateway_ip
    mac = lab.mac_of(src.ns, nexthop)
    secs = cfg["pps_secs"]
    # pktgen's xdp_frames enter a veth only with GRO on (veth.c), as in
    # tools/bench.sh; on for this test only, at g1's host-side port
    lab.env.host.run(["ethtool", "-K", src.port, "gro", "on"])
    try:
        return _pps(dst, src, mac, secs, cfg)
    finally:
        lab.env.host.run(["ethtool", "-K", src.port, "gro", "off"], check=False)


def _pps(dst, src, mac, secs, cfg):
    with tempfile.TemporaryDirectory(prefix="kvnet-lab-") as tmp:
        ready = Path(tmp) / "ready"
        sink = dst.ns.popen([BUILD / "pktsink", "--dev", "eth0", "--hook", "both",
                             "--wait", "5", "--warmup", cfg["pps_warmup"],
                             "--duration", secs, "--ready-file", ready, "--json"],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        try:
            poll(ready.exists, 10, "pktsink to attach")
            src.ns.run([BUILD / "pktgen", "--dev", "eth0", "--dst-mac", mac,
                        "--dst-ip", dst.ip, "--flows", 16, "--duration",
                        secs + cfg["pps_warmup"] + 0.3], check=False,
                       timeout=secs + 30)
            out, err = sink.communicate(timeout=secs + 15)
        finally:
            stop_process(sink)
    try:
        pps = json.loads(out)["pps"]
    except (ValueError, KeyError):
        return no_path(f"pktsink counted nothing: {err.strip()[-300:]}")
    return {"value": pps, "samples": [pps]}


# ---- new connections per second ------------------------------------------

def conn_round(lab, target, cfg):
    """New TCP connections per second (build/connrate, 64 in flight)."""
    src, dst, why = generator_ends(lab, target)
    if why:
        return why
    srv = dst.ns.popen([BUILD / "connrate", "--listen", f"{dst.ip}:{CONN_PORT}"],
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        poll(lambda: listening(dst.ns, CONN_PORT), 10, "connrate to listen")
        cp = src.ns.run([BUILD / "connrate", "--connect", f"{dst.ip}:{CONN_PORT}",
                         "--clients", 64, "--duration", cfg["conn_secs"],
                         "--warmup", cfg["pps_warmup"], "--json"], check=False,
                        timeout=cfg["conn_secs"] + 30)
    finally:
        stop_process(srv, signal.SIGINT)
    try:
        j = json.loads(cp.stdout)
    except ValueError:
        return no_path(f"connrate failed: {cp.stderr.strip()[-300:]}")
    return {"value": j["rate"], "samples": [j["rate"]],
            "failed": j.get("failed", 0)}
