#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-only
"""Keep the kernel's BPF run-time statistics on while this runs.

  tools/bpf_stats_on.py [--ready-file FILE]

BPF_ENABLE_STATS (BPF_STATS_RUN_TIME) returns an fd; while any such fd is
open, every BPF program on the machine counts its runs and their time
(bpf_prog_info's run_cnt and run_time_ns, which build/tcxls prints), at
the price of two clock reads per run. The statistics go off again when the
fd closes, with this process: no sysctl is left set. make bench holds it
through the tracing cost's runs (tools/bench_trace.sh). Runs until
SIGTERM or SIGINT; writes FILE once the statistics are on.
"""

import argparse
import ctypes
import os
import signal
import sys
from pathlib import Path

SYS_BPF = 321  # x86-64, as the rest of the bench
BPF_ENABLE_STATS = 32
BPF_STATS_RUN_TIME = 0


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--ready-file")
    args = ap.parse_args()
    libc = ctypes.CDLL(None, use_errno=True)
    attr = (ctypes.c_uint32 * 4)(BPF_STATS_RUN_TIME, 0, 0, 0)
    fd = libc.syscall(SYS_BPF, BPF_ENABLE_STATS, ctypes.byref(attr), ctypes.sizeof(attr))
    if fd < 0:
        sys.exit(f"bpf_stats_on: BPF_ENABLE_STATS: {os.strerror(ctypes.get_errno())}")
    for sig in (signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, lambda *_: sys.exit(0))
    if args.ready_file:
        Path(args.ready_file).write_text("on\n")
    while True:
        signal.pause()


if __name__ == "__main__":
    main()
