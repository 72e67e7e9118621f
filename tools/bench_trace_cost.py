#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-only
"""make bench's tracing cost by program run time: what tracing adds to the
switch program's own run per frame, turned into the share of a frame's time
in this run's pps rows (tools/bench_trace.sh).

  tools/bench_trace_cost.py --json FILE --baseline KVNETD --traced KVNETD
                            [--pps switch=PPS] [--pps nat=PPS]

FILE is what `tools/progprofile.py --json` wrote for the two builds: the
baseline with no tracing code (build/kvnetd-notrace) and the traced one
(build/kvnetd). Per case (the switched frame "sw", the NATed one "nat") it
prints ns per run, min / lower quartile, for no tracing code (the
baseline's port program), no trace (the traced build's idle port: its
untraced copy, built with no tracing code: where the programs' tags are
equal, it says so) and a trace that matches nothing ("miss"), and the median
of the rounds' paired differences: no trace minus no tracing code,
measured next to each other in a round, and miss minus no trace.

A pps row moves by 5-10% between runs on a shared VM; a test run of one
program moves by a few ns. With a part's frame time T = 1 / its no-trace
rate: no trace, d ns dearer than no tracing code, runs at (T - d) / T of
the latter's rate; a trace that matches nothing, d ns dearer than no
trace, at T / (T + d) of its rate. Those are the figures held against the
targets.
"""

import argparse
import json
import statistics
import sys

CASES = (("sw", "switch", "switch"), ("nat", "NAT", "nat"))


def q25(v):
    return sorted(v)[len(v) // 4]


def paired(a, b):
    """The median of the rounds' a[i] - b[i]."""
    return statistics.median(x - y for x, y in zip(a, b))


def runs_of(doc, binary, case):
    for r in doc["runs"]:
        if r["binary"] == binary and r["case"] == case:
            return r
    sys.exit(f"bench_trace_cost: no {case} runs of {binary}")


def same_program(doc, baseline, traced):
    """The idle programs' tag, if the two builds' are equal in every case."""
    tags = doc.get("idle_tags", {})
    a, b = tags.get(baseline), tags.get(traced)
    if not a or a != b or len(set(a.values())) != 1:
        return None
    return next(iter(a.values()))


def part_pps(values):
    pps = {}
    for v in values:
        part, _, rate = v.partition("=")
        try:
            pps[part] = float(rate)
        except ValueError:
            continue  # a part that was not measured: no share printed
    return pps


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--json", required=True)
    ap.add_argument("--baseline", required=True)
    ap.add_argument("--traced", required=True)
    ap.add_argument("--pps", action="append", default=[], metavar="PART=PPS")
    args = ap.parse_args()
    with open(args.json) as f:
        doc = json.load(f)
    pps = part_pps(args.pps)

    print(f"\nTracing cost by program run time (tools/progprofile.py: BPF_PROG_TEST_RUN"
          f"\non the live programs, {doc['rounds']} rounds alternating builds and states;"
          "\nns per run, min / lower quartile; the differences are the medians of"
          "\neach round's own):")
    print(f"  {'':8s} {'no tracing code':>16s} {'no trace':>11s} {'no match':>11s}"
          f" {'+no trace':>10s} {'+no match':>10s}")
    shares = []
    same = same_program(doc, args.baseline, args.traced)
    for case, label, part in CASES:
        base = runs_of(doc, args.baseline, case)["idle"]
        t = runs_of(doc, args.traced, case)
        idle, miss = t["idle"], t["miss"]
        d_off, d_miss = paired(idle, base), paired(miss, idle)
        print(f"  {label:8s} {min(base):>9.0f} / {q25(base):<4.0f} {min(idle):>4.0f} / {q25(idle):<4.0f}"
              f" {min(miss):>4.0f} / {q25(miss):<4.0f} {d_off:>+7.0f} ns {d_miss:>+7.0f} ns")
        if part in pps and pps[part] > 0:
            frame = 1e9 / pps[part]
            none = "1 (the same program)" if same else f"{(frame - d_off) / frame:.3f}"
            shares.append(f"  {label:8s} frame {frame:5.0f} ns: no trace x none "
                          f"{none}, no match x off "
                          f"{frame / (frame + d_miss):.3f}")
    if same:
        print(f"  No trace runs the very program of the build with no tracing code"
              f"\n  (equal tags: {same}): it costs nothing, and its column is this"
              "\n  method's noise.")
    if shares:
        print("As rates, with T = 1 / the part's no-trace rate above: x none (T - d) / T,"
              "\nx off T / (T + d):")
        print("\n".join(shares))


if __name__ == "__main__":
    main()
