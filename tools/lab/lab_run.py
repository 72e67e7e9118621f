# SPDX-License-Identifier: GPL-2.0-only
"""`kvnet lab run`: every mode's topology built, measured and torn down in
turn, with progress on stderr (which mode, which test, how long is left).

A mode's experiment: the traced paths and the reachability matrix once,
then `rounds` rounds of every selected test (a round runs each test once,
so slow drift in the machine's load spreads over all tests alike). The
topology goes when the mode is done, and on any failure or Ctrl-C.
"""

import sys
import time

import lab_measure as m
import lab_paths
from lab_results import MEASURES, measure_entry
from lab_topo import Lab

SETUP_SECS = 6     # nominal: a topology up, traced, its matrix taken


def _ping(target):
    return lambda lab, cfg: m.ping_round(lab, target, cfg)


def _tcp(target, streams):
    return lambda lab, cfg: m.iperf_round(lab, target, streams, cfg)


# test -> (unit, run(lab, cfg), {measure: value of a round}, nominal seconds)
TESTS = {
    "dhcp": ("ms", lambda lab, cfg: m.dhcp_exchange(lab),
             {"dhcp_ms": lambda r: r["value"]}, lambda c: 1),
    **{f"ping_{t}": ("µs", _ping(t),
                     {f"ping_{t}_p50": lambda r: r["value"],
                      f"ping_{t}_p99": lambda r: r.get("p99")},
                     lambda c: c["ping_count"] * c["ping_interval"] + 0.3)
       for t in ("guest", "gateway", "upstream")},
    "tcp1_guest": ("Gbit/s", _tcp("guest", 1), {"tcp1_guest": lambda r: r["value"]},
                   lambda c: c["tcp_secs"] + 0.5),
    "tcp1_upstream": ("Gbit/s", _tcp("upstream", 1),
                      {"tcp1_upstream": lambda r: r["value"]},
                      lambda c: c["tcp_secs"] + 0.5),
    "tcp4_upstream": ("Gbit/s", _tcp("upstream", 4),
                      {"tcp4_upstream": lambda r: r["value"]},
                      lambda c: c["tcp_secs"] + 0.5),
    "pps_guest": ("pps", lambda lab, cfg: m.pps_round(lab, "guest", cfg),
                  {"pps_guest": lambda r: r["value"]},
                  lambda c: c["pps_secs"] + c["pps_warmup"] + 1),
    "pps_upstream": ("pps", lambda lab, cfg: m.pps_round(lab, "upstream", cfg),
                     {"pps_upstream": lambda r: r["value"]},
                     lambda c: c["pps_secs"] + c["pps_warmup"] + 1),
    "conn_upstream": ("conn/s", lambda lab, cfg: m.conn_round(lab, "upstream", cfg),
                      {"conn_upstream": lambda r: r["value"]},
                      lambda c: c["conn_secs"] + c["pps_warmup"] + 0.5),
}

DEFAULT_CONFIG = {"rounds": 3, "tcp_secs": 2, "pps_secs": 1.5, "pps_warmup": 0.3,
                  "conn_secs": 1.5, "ping_count": 100, "ping_interval": 0.005,
                  "guests": 2, "tests": list(TESTS)}
QUICK_CONFIG = {**DEFAULT_CONFIG, "rounds": 1, "tcp_secs": 0.3, "tcp_bytes": "128M",
                "pps_secs": 0.3, "pps_warmup": 0.1, "conn_secs": 0.3, "ping_count": 20,
                "ping_interval": 0.002}


class Progress:
    """Progress lines on stderr, with a time left that learns from how
    long the steps so far took against their nominal time."""

    def __init__(self, total_nominal, stream=sys.stderr):
        self.total, self.done_nominal = total_nominal, 0.0
        self.t0 = time.monotonic()
        self.stream = stream

    def step(self, what, nominal):
        elapsed = time.monotonic() - self.t0
        rate = elapsed / self.done_nominal if self.done_nominal > 5 else 1.0
        left = max(0.0, (self.total - self.done_nominal) * rate)
        print(f"lab: [{elapsed:5.0f}s] {what}  (about {_mmss(left)} left)",
              file=self.stream, flush=True)
        self.done_nominal += nominal


def _mmss(secs):
    return f"{int(secs) // 60}m{int(secs) % 60:02d}s"


def nominal_secs(cfg, columns):
    per_round = sum(TESTS[t][3](cfg) for t in cfg["tests"])
    return len(columns) * (SETUP_SECS + cfg["rounds"] * per_round)


def run_rounds(lab, cfg, progress, label):
    tests = {t: {"unit": TESTS[t][0], "rounds": []} for t in cfg["tests"]}
    for rnd in range(cfg["rounds"]):
        for t in cfg["tests"]:
            unit, fn, _, nominal = TESTS[t]
            progress.step(f"{label}: {t} round {rnd + 1}/{cfg['rounds']}", nominal(cfg))
            tests[t]["rounds"].append(fn(lab, cfg))
    return tests


def measures_of(tests):
    """Every measure of MEASURES, from the tests' rounds (a test left out
    of the experiment leaves its measures with no values)."""
    out = {}
    for key in MEASURES:
        test = next(t for t, spec in TESTS.items() if key in spec[2])
        rounds = tests.get(test, {"rounds": []})["rounds"]
        out[key] = measure_entry(key, rounds, TESTS[test][2][key])
    return out


def run_column(label, mode, cfg, progress, build=None):
    """One column of the report: mode's topology (build(mode) gives the
    Lab; kvnet's own by default), measured, then torn down."""
    progress.step(f"{label}: building the topology, tracing paths, "
                  "reachability matrix", SETUP_SECS)
    t0 = time.monotonic()
    lab = (build or Lab)(mode, cfg["networks"].get(mode))
    try:
        lab.build(cfg["guests"], cfg.get("vm", False))
        paths = lab_paths.trace_paths(lab) if lab.traceable else {}
        matrix = lab_paths.reachability(lab)
        tests = run_rounds(lab, cfg, progress, label)
        col = {"mode": mode, "impl": lab.impl, "net": lab.net, "xml": lab.xml,
               "facts": lab.facts,
               "guests": len(lab.guests), "reachability": matrix, "paths": paths,
               "macs": lab_paths.mac_names(lab), "tests": tests,
               "measures": measures_of(tests)}
        col["dhcp_server"] = dhcp_server(tests)
        col["secs"] = round(time.monotonic() - t0, 1)  # set-up and tests
        return col
    finally:
        errors = lab.close()
        if errors:
            print(f"lab: {mode}: {'; '.join(errors)}", file=sys.stderr)


def dhcp_server(tests):
    names = {f"{r['server_name']} ({r['server']})"
             for r in tests.get("dhcp", {"rounds": []})["rounds"] if r.get("server")}
    return ", ".join(sorted(names)) or None
