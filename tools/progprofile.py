#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-only
"""Per-packet cost of the switch program, by BPF_PROG_TEST_RUN, for builds
compared side by side (docs/datapath.md, "Measuring one program").

  tools/progprofile.py [--rounds N] [--runs N] [--cpu C] [--json FILE] KVNETD...

For each kvnetd binary given (say an older build's copy and build/kvnetd,
or build/kvnetd-notrace), a harness environment of its own
(tests/integration/kvnet_harness.py: namespaces only) runs:
  - an isolated network t0 with guests a and b: a 64-byte UDP frame a->b
    (the "sw" case: switched from veth to veth);
  - a nat network n1 with guest g1 and an upstream behind up0: a 64-byte
    UDP frame from g1 to the upstream through the gateway (the "nat"
    case: a flow already open, translated and redirected).
Each case is measured in three states, the rounds alternating them and
the binaries (each binary first in every other round), so that whatever
else loads the machine falls on every case alike:
  - "idle": the program the port runs with no trace session, the switch
    program's untraced copy (switch/dp_ebpf_untraced.c), built with no
    tracing code;
  - then each network gets a trace session whose filter matches nothing
    (`host 192.0.2.99`), which puts the traced program on its ports;
  - "off": that program with kvnet_trace_sessions set to 0 through its
    .bss map (what the traced program costs with no session: what every
    frame paid before the untraced copy);
  - "miss": the session's bit set again.
Each measurement is --runs single test runs (BPF_PROG_TEST_RUN, repeat 1,
from this process pinned to one CPU, in the side's host namespace) on the
live program; its figure is the mean of their middle half. One run per
call, because the kernel's repeats run the program again on the same skb:
a NATed frame is translated by the first run, and every repeat after it
would measure the translated frame (its new source MAC is then an
anti-spoofing drop), not the NAT path. Each call must give TC_ACT_REDIRECT, or the tool stops: the
frame did not take the path it stands for. A run's time carries the
kernel's clock reads around it, the same for every state and build.
Test runs are timed with preemption off, so the figures carry the
interrupts and cache misses of a loaded machine but not its scheduling:
the minimum and the lower quartile of the rounds are the steadier figures.
Prints, per binary and case, ns per run: min, lower quartile and median of
each state, and the median of the rounds' miss-off differences. --json FILE
also writes every round's figures, {"rounds": N, "runs": [{"binary",
"case", "idle": [ns...], "off": [...], "miss": [...]}]}, the i-th of each
list from round i, and "idle_tags", {binary: {case: the idle program's
tag}} (tools/bench_trace_cost.py reads it for make bench).
"""

import argparse
import ctypes
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
TC_ACT_REDIRECT = 7

libc = ctypes.CDLL(None, use_errno=True)
SYS_BPF = 321  # x86-64
BPF_PROG_TEST_RUN, BPF_PROG_GET_FD_BY_ID = 10, 13
CLONE_NEWNET = 0x40000000


class TestRunAttr(ctypes.Structure):
    """union bpf_attr's test member (BPF_PROG_TEST_RUN)."""
    _fields_ = [(n, t) for n, t in (
        ("prog_fd", ctypes.c_uint32), ("retval", ctypes.c_uint32),
        ("data_size_in", ctypes.c_uint32), ("data_size_out", ctypes.c_uint32),
        ("data_in", ctypes.c_uint64), ("data_out", ctypes.c_uint64),
        ("repeat", ctypes.c_uint32), ("duration", ctypes.c_uint32),
        ("ctx_size_in", ctypes.c_uint32), ("ctx_size_out", ctypes.c_uint32),
        ("ctx_in", ctypes.c_uint64), ("ctx_out", ctypes.c_uint64),
        ("flags", ctypes.c_uint32), ("cpu", ctypes.c_uint32),
        ("batch_size", ctypes.c_uint32), ("pad", ctypes.c_uint32))]


def bpf(cmd, attr):
    r = libc.syscall(SYS_BPF, cmd, ctypes.byref(attr), ctypes.sizeof(attr))
    if r < 0:
        e = ctypes.get_errno()
        raise OSError(e, f"bpf({cmd}): {os.strerror(e)}")
    return r


def prog_fd(prog_id):
    attr = (ctypes.c_uint32 * 4)(prog_id, 0, 0, 0)
    return bpf(BPF_PROG_GET_FD_BY_ID, attr)


def enter_netns(name):
    fd = os.open(f"/run/netns/{name}", os.O_RDONLY)
    try:
        if libc.setns(fd, CLONE_NEWNET) != 0:
            raise OSError(ctypes.get_errno(), f"setns {name}")
    finally:
        os.close(fd)


def test_runs(fd, frame, ctx, runs):
    """Run the program once per call, runs times, on a fresh skb each
    time; returns the mean ns of the middle half of the runs (the
    interquartile mean: the test runs' clock moves in steps of about 10 ns
    on a VM, where a median jumps a whole step when the runs' mix of two
    values shifts a little)."""
    data = ctypes.create_string_buffer(frame, len(frame))
    cbuf = ctypes.create_string_buffer(ctx, len(ctx))
    times = []
    for _ in range(runs):
        attr = TestRunAttr(prog_fd=fd, data_size_in=len(frame),
                           data_in=ctypes.addressof(data), repeat=1,
                           ctx_size_in=len(ctx), ctx_in=ctypes.addressof(cbuf))
        bpf(BPF_PROG_TEST_RUN, attr)
        if attr.retval != TC_ACT_REDIRECT:
            raise SystemExit(f"test run gave verdict {attr.retval}, not TC_ACT_REDIRECT: "
                             "the frame did not take the path it stands for")
        times.append(attr.duration)
    times.sort()
    mid = times[len(times) // 4:len(times) - len(times) // 4]
    return round(statistics.fmean(mid), 1)


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

    def __init__(self, binary, runs):
        self.binary, self.runs, self.fds = binary, runs, {}
        self.env = KvnetEnv()
        self.sessions = []
        self.env.start_daemon(binary=binary)
        self.cases = {"sw": self.switched(), "nat": self.translated()}
        self.idle = dict(self.cases)
        self.tags = {k: self.prog_tag(c[0]) for k, c in self.idle.items()}
        self.start_traces()
        self.cases = {k: (self.prog_of(c[3]),) + c[1:] for k, c in self.cases.items()}
        self.bss = [self.bss_map(c[0]) for c in self.cases.values()]

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

    def prog_tag(self, prog):
        """The program's tag: a hash of its instructions (map references
        aside), equal for equal code."""
        return json.loads(self.sh("bpftool", "-j", "prog", "show", "id", prog))["tag"]

    def bss_map(self, prog):
        """The traced program's .bss map (none in a build without tracing,
        whose code reads none of it)."""
        for m in json.loads(self.sh("bpftool", "-j", "prog", "show", "id", prog))["map_ids"]:
            if json.loads(self.sh("bpftool", "-j", "map", "show", "id", m))["name"].endswith(".bss"):
                return m
        return None

    def start_traces(self):
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

    def run(self, case, runs=None):
        prog, frame, ctx, _ = case
        if prog not in self.fds:
            self.fds[prog] = prog_fd(int(prog))
        enter_netns(self.env.host.name)  # the ctx's ifindex is the port's there
        return test_runs(self.fds[prog], frame.read_bytes(), ctx.read_bytes(),
                         runs or self.runs)

    def close(self):
        for fd in self.fds.values():
            os.close(fd)
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


def write_json(path, rounds, res, sides):
    runs = [{"binary": str(b), "case": c, **states} for (b, c), states in res.items()]
    tags = {str(s.binary): s.tags for s in sides}
    Path(path).write_text(json.dumps({"rounds": rounds, "runs": runs, "idle_tags": tags})
                          + "\n")


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("binaries", nargs="+", metavar="KVNETD")
    ap.add_argument("--rounds", type=int, default=21)
    ap.add_argument("--runs", type=int, default=301, help="test runs per figure")
    ap.add_argument("--cpu", type=int, default=os.cpu_count() - 1)
    ap.add_argument("--json", metavar="FILE", help="every round's figures, as JSON")
    args = ap.parse_args()
    sides, res = [], {}
    try:
        for b in args.binaries:
            sides.append(Side(b, args.runs))
        os.sched_setaffinity(0, {args.cpu})  # the test runs' CPU (not the daemons')
        for r in range(args.rounds):
            # every side is measured first in half the rounds, and none
            # right after its own settings' write
            order = sides if r % 2 == 0 else sides[::-1]
            for state, bits in (("idle", None), ("off", 0), ("miss", 1)):
                for s in sides:
                    if bits is not None:
                        s.set_sessions(bits)
                for s in order:
                    cases = s.idle if bits is None else s.cases
                    for case, c in cases.items():
                        res.setdefault((s.binary, case), {}).setdefault(state, []).append(
                            s.run(c))
        for s in sides:
            for case in s.cases:
                print(summary(s.binary, case, res[(s.binary, case)]))
        if args.json:
            write_json(args.json, args.rounds, res, sides)
    finally:
        for s in sides:
            s.close()


if __name__ == "__main__":
    main()
