#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-only
"""Per-packet cost of the switch program, by BPF_PROG_TEST_RUN, for builds
compared side by side (docs/datapath.md, "Measuring one program").

  tools/progprofile.py [--rounds N] [--repeat N] [--cpu C] KVNETD...

For each kvnetd binary given (say an older build's copy and build/kvnetd,
or build/kvnetd-notrace), a harness environment of its own
(tests/integration/kvnet_harness.py: namespaces only) runs:
  - an isolated network t0 with guests a and b: a 64-byte UDP frame a->b
    (the "sw" case: switched from veth to veth);
  - a nat network n1 with guest g1 and an upstream behind up0: a 64-byte
    UDP frame from g1 to the upstream through the gateway (the "nat"
    case: a flow already open, translated and redirected).
Each case is measured in three states, the rounds alternating them and
the binaries, so that whatever else loads the machine falls on every case
alike:
  - "idle": the program the port runs with no trace session, the switch
    program's untraced copy (switch/dp_ebpf_untraced.c);
  - then each network gets a trace session whose filter matches nothing
    (`host 192.0.2.99`), which puts the traced program on its ports;
  - "off": that program with kvnet_trace_sessions set to 0 through its
    .bss map (what the traced program costs with no session: what every
    frame paid before the untraced copy);
  - "miss": the session's bit set again.
Each measurement is `bpftool prog run ... repeat N` on a live program,
pinned to one CPU. Test runs are
timed with preemption off (a reschedule stops the clock), so the figures
carry the interrupts and cache misses of a loaded machine but not its
scheduling: the minimum and the lower quartile are the steadier figures.
Prints, per binary and case, ns per run: min, lower quartile and median of
each state, and the median of the rounds' miss-off differences. --json FILE
also writes every round's figures, {"rounds": N, "runs": [{"binary",
"case", "idle": [ns...], "off": [...], "miss": [...]}]}, the i-th of each
list from round i (tools/bench_trace_cost.py reads it for make bench).
"""

import argparse
import json
import os
import re
import signal
import statistics
import struct
import subprocess
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests" / "integration"))
from kvnet_harness import BUILD, KVNET, KvnetEnv, poll, stop_process  # noqa: E402

NOTHING = ["host", "192.0.2.99"]  # a trace filter no frame here matches


def csum(b):
    if len(b) % 2:
        b += b"\0"
    s = sum(struct.unpack(f"!{len(b) // 2}H", b))
    s = (s >> 16) + (s & 0xffff)
    s += s >> 16
    return ~s & 0xffff


def udp_frame(smac, dmac, sip, dip, sport, dport):
    """A 64-byte Ethernet/IPv4/UDP frame."""
    payload = b"x" * 18
    ip = bytearray(struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + 8 + len(payload), 1, 0,
                               64, 17, 0, bytes(map(int, sip.split("."))),
                               bytes(map(int, dip.split(".")))))
    ip[10:12] = struct.pack("!H", csum(bytes(ip)))
    udp = struct.pack("!HHHH", sport, dport, 8 + len(payload), 0) + payload
    return bytes.fromhex(dmac.replace(":", "")) + bytes.fromhex(smac.replace(":", "")) + \
        b"\x08\x00" + bytes(ip) + udp


class Side:
    """One kvnetd binary, its two networks and their trace sessions."""

    def __init__(self, binary, cpu, repeat):
        self.binary, self.cpu, self.repeat = binary, cpu, repeat
        self.env = KvnetEnv()
        self.sessions = []
        self.env.start_daemon(binary=binary)
        self.cases = {"sw": self.switched(), "nat": self.translated()}
        self.idle = dict(self.cases)
        self.bss = [self.bss_map(c[0]) for c in self.cases.values()]
        self.start_traces()
        self.cases = {k: (self.prog_of(c[3]),) + c[1:] for k, c in self.cases.items()}

    def sh(self, *cmd):
        return self.env.host.run([str(c) for c in cmd]).stdout

    def prog_of(self, dev):
        for line in self.sh(BUILD / "tcxls").splitlines():
            o = json.loads(line)
            if o["name"] == dev:
                return o["progs"][0]["id"]
        raise SystemExit(f"no program on {dev}")

    def case(self, dev, frame):
        path = self.env.tmp / f"{dev}.frame"
        path.write_bytes(frame)
        ifindex = int(self.sh("cat", f"/sys/class/net/{dev}/ifindex"))
        ctx = bytearray(192)  # struct __sk_buff: ingress_ifindex, ifindex
        struct.pack_into("II", ctx, 36, ifindex, ifindex)
        ctx_path = self.env.tmp / f"{dev}.ctx"
        ctx_path.write_bytes(bytes(ctx))
        return self.prog_of(dev), path, ctx_path, dev

    def switched(self):
        env = self.env
        env.define_isolated("t0")
        a = env.add_guest("t0", "a", "10.77.0.11")
        b = env.add_guest("t0", "b", "10.77.0.12")
        a.ns.run(["ping", "-c", "1", "-W", "2", b.ip], check=False)  # FDB
        return self.case(a.port, udp_frame(a.mac, b.mac, a.ip, b.ip, 1234, 9))

    def translated(self):
        env = self.env
        up = env.new_ns("kvup-")
        env.host.ip("link", "add", "up0", "type", "veth", "peer", "name", "eth0",
                    "netns", up.name)
        env.host.ip("addr", "add", "198.51.100.1/24", "dev", "up0")
        env.host.ip("link", "set", "up0", "up")
        up.ip("addr", "add", "198.51.100.2/24", "dev", "eth0")
        up.ip("link", "set", "eth0", "up")
        env.define_xml("<network><name>n1</name><forward mode='nat'/>"
                       "<ip address='192.168.77.1' prefix='24'></ip></network>")
        env.cli("net", "start", "n1")
        g = env.add_guest("n1", "g1", "192.168.77.11")
        g.ns.ip("route", "add", "default", "via", "192.168.77.1")
        g.ns.run(["ping", "-c", "1", "-W", "2", "198.51.100.2"], check=False)
        gw_mac = self.sh("cat", "/sys/class/net/kvnet-n1/address").strip()
        c = self.case(g.port, udp_frame(g.mac, gw_mac, g.ip, "198.51.100.2", 4321, 9))
        self.run(c, 1)  # opens the flow: the rounds measure an open one
        return c

    def bss_map(self, prog):
        """The program's .bss map (none in a build without tracing)."""
        for m in json.loads(self.sh("bpftool", "-j", "prog", "show", "id", prog))["map_ids"]:
            if json.loads(self.sh("bpftool", "-j", "map", "show", "id", m))["name"].endswith(".bss"):
                return m
        return None

    def start_traces(self):
        if all(m is None for m in self.bss):
            return
        for net in ("t0", "n1"):
            self.sessions.append(self.env.host.popen(
                [KVNET, "--run-dir", self.env.run_dir, "trace", net, *NOTHING],
                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL))
        poll(lambda: len(re.findall(r": trace \d started", self.env.log_text())) >= 2,
             10, "both trace sessions to start")

    def set_sessions(self, bits):
        """kvnet_trace_sessions, the first word of .bss, in every program."""
        for m in self.bss:
            if m is None:
                continue
            value = json.loads(self.sh("bpftool", "-j", "map", "dump", "id", m))[0]["value"]
            value = [v if isinstance(v, str) else f"0x{v:02x}" for v in value]
            value[:4] = [f"0x{b:02x}" for b in struct.pack("<I", bits)]
            self.sh("bpftool", "map", "update", "id", m, "key", 0, 0, 0, 0, "value", *value)

    def run(self, case, repeat=None):
        prog, frame, ctx, _ = case
        out = self.env.host.run(["taskset", "-c", str(self.cpu), "bpftool", "prog", "run",
                                 "id", str(prog), "data_in", str(frame), "ctx_in", str(ctx),
                                 "repeat", str(repeat or self.repeat)], check=False)
        m = re.search(r"duration(?: \(average\))?: (\d+)ns", out.stdout + out.stderr)
        if not m:
            raise SystemExit(f"bpftool prog run: {out.stdout}{out.stderr}")
        return int(m.group(1))

    def close(self):
        for p in self.sessions:
            stop_process(p, signal.SIGINT)
        self.env.close()


def summary(name, case, res):
    def q25(v):
        return sorted(v)[len(v) // 4]
    off, miss = res["off"], res["miss"]
    diff = statistics.median(m - o for m, o in zip(miss, off))
    states = " | ".join(f"{st} min {min(v)} q25 {q25(v)} med {statistics.median(v)}"
                        for st, v in res.items())
    return f"{name:32s} {case:4s} {states} | miss-off med {diff} (ns/run)"


def write_json(path, rounds, res):
    runs = [{"binary": str(b), "case": c, **states} for (b, c), states in res.items()]
    Path(path).write_text(json.dumps({"rounds": rounds, "runs": runs}) + "\n")


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("binaries", nargs="+", metavar="KVNETD")
    ap.add_argument("--rounds", type=int, default=21)
    ap.add_argument("--repeat", type=int, default=100000)
    ap.add_argument("--cpu", type=int, default=os.cpu_count() - 1)
    ap.add_argument("--json", metavar="FILE", help="every round's figures, as JSON")
    args = ap.parse_args()
    sides, res = [], {}
    try:
        for b in args.binaries:
            sides.append(Side(b, args.cpu, args.repeat))
        for _ in range(args.rounds):
            for state, bits in (("idle", None), ("off", 0), ("miss", 1)):
                for s in sides:
                    if bits is not None:
                        s.set_sessions(bits)
                    cases = s.idle if bits is None else s.cases
                    for case, c in cases.items():
                        res.setdefault((s.binary, case), {}).setdefault(state, []).append(
                            s.run(c))
        for s in sides:
            for case in s.cases:
                print(summary(s.binary, case, res[(s.binary, case)]))
        if args.json:
            write_json(args.json, args.rounds, res)
    finally:
        for s in sides:
            s.close()


if __name__ == "__main__":
    main()
