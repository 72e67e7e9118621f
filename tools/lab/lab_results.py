# SPDX-License-Identifier: GPL-2.0-only
"""kvnet lab's results: the measures' table, median and spread over the
rounds, the environment a run was made in, results.json and results.csv
(every sample), the terminal's summary table, and `kvnet lab compare`.

Spread is the range over rounds (max - min): with 3 to 5 rounds it says
more plainly than a standard deviation how far one run may be off.
"""

import csv
import json
import os
import platform
import re
import statistics
import subprocess
from pathlib import Path

SCHEMA = 1

# key -> (label, unit, which is better: "higher" or "lower")
MEASURES = {
    "dhcp_ms": ("DHCP: DISCOVER to ACK", "ms", "lower"),
    "ping_guest_p50": ("ping guest→guest p50", "µs", "lower"),
    "ping_guest_p99": ("ping guest→guest p99", "µs", "lower"),
    "ping_gateway_p50": ("ping guest→gateway p50", "µs", "lower"),
    "ping_gateway_p99": ("ping guest→gateway p99", "µs", "lower"),
    "ping_upstream_p50": ("ping guest→upstream p50", "µs", "lower"),
    "ping_upstream_p99": ("ping guest→upstream p99", "µs", "lower"),
    "tcp1_guest": ("TCP 1 stream guest→guest", "Gbit/s", "higher"),
    "tcp1_upstream": ("TCP 1 stream guest→upstream", "Gbit/s", "higher"),
    "tcp4_upstream": ("TCP 4 streams guest→upstream", "Gbit/s", "higher"),
    "pps_guest": ("UDP 64 B guest→guest", "pps", "higher"),
    "pps_upstream": ("UDP 64 B guest→upstream", "pps", "higher"),
    "conn_upstream": ("new TCP conns guest→upstream", "conn/s", "higher"),
}


def summarize(values):
    """(median, spread) of the rounds' values that are numbers."""
    xs = [v for v in values if v is not None]
    if not xs:
        return None, None
    return statistics.median(xs), max(xs) - min(xs)


def measure_entry(key, rounds, value_of):
    label, unit, better = MEASURES[key]
    values = [value_of(r) for r in rounds]
    med, spread = summarize(values)
    notes = sorted({r["note"] for r in rounds if r.get("note")})
    return {"label": label, "unit": unit, "better": better, "values": values,
            "median": med, "spread": spread, "note": "; ".join(notes) or None}


# ---- environment ----------------------------------------------------------

def _version(argv, pattern=r"([0-9][0-9.]+[0-9])"):
    try:
        cp = subprocess.run(argv, capture_output=True, text=True, timeout=20)
    except (OSError, subprocess.SubprocessError):
        return None
    m = re.search(pattern, cp.stdout + cp.stderr)
    return m.group(1) if m else None


def cpu_model():
    for line in Path("/proc/cpuinfo").read_text().splitlines():
        if line.startswith("model name"):
            return line.split(":", 1)[1].strip()
    return platform.processor() or None


def environment(kvnet):
    return {
        "kernel": platform.release(),
        "machine": platform.machine(),
        "cpu": cpu_model(),
        "cpus": os.cpu_count(),
        "kvnet": _version([str(kvnet), "--version"]),
        "tools": {
            "iperf3": _version(["iperf3", "--version"]),
            "ping": _version(["ping", "-V"]),
            "dnsmasq": _version(["dnsmasq", "--version"]),
            "busybox": _version(["busybox"]),
            "tcpdump": _version(["tcpdump", "--version"]),
            "graphviz": _version(["dot", "-V"]),
            "nft": _version(["nft", "--version"]),
            "python3": platform.python_version(),
        },
    }


# ---- files ----------------------------------------------------------------

def write_json(results, path):
    Path(path).write_text(json.dumps(results, indent=1, ensure_ascii=False) + "\n")


def load(path):
    """A results.json (or a run's directory holding one)."""
    p = Path(path)
    if p.is_dir():
        p = p / "results.json"
    try:
        r = json.loads(p.read_text())
    except (OSError, ValueError) as e:
        raise SystemExit(f"kvnet lab: cannot read results from {path}: {e}")
    if r.get("schema") != SCHEMA or "columns" not in r:
        raise SystemExit(f"kvnet lab: {path} is not a kvnet lab results.json")
    return r


def csv_rows(results):
    """One row per sample: column, measure/test, round, sample index."""
    for col, res in results["columns"].items():
        for key, m in res["measures"].items():
            for rnd, v in enumerate(m["values"]):
                yield [col, "measure", key, m["unit"], rnd, "", v]
        for test, t in res["tests"].items():
            for rnd, r in enumerate(t["rounds"]):
                for i, s in enumerate(r.get("samples", [])):
                    yield [col, "sample", test, t["unit"], rnd, i, s]


def write_csv(results, path):
    with open(path, "w", newline="") as f:
        w = csv.writer(f)
        w.writerow(["column", "kind", "name", "unit", "round", "sample", "value"])
        w.writerows(csv_rows(results))


# ---- text -----------------------------------------------------------------

def fmt(v, unit=""):
    """A number in few digits (SI prefixes for large rates)."""
    if v is None:
        return "-"
    if unit in ("pps", "conn/s") and abs(v) >= 1e3:
        return f"{v / 1e6:.2f}M" if abs(v) >= 1e6 else f"{v / 1e3:.1f}k"
    if abs(v) >= 100:
        return f"{v:.0f}"
    return f"{v:.2f}" if abs(v) >= 1 else f"{v:.3f}"


def cell(m):
    if m["median"] is None:
        if (m.get("note") or "").startswith("not measured"):
            return "n/a"
        return "no path" if m.get("note") else "-"
    return f"{fmt(m['median'], m['unit'])} ±{fmt(m['spread'], m['unit'])}"


def table(header, rows):
    widths = [max(len(str(r[i])) for r in [header] + rows) for i in range(len(header))]
    line = lambda r: "  ".join(str(c).ljust(w) for c, w in zip(r, widths))  # noqa: E731
    return "\n".join([line(header), line(["-" * w for w in widths])] +
                     [line(r) for r in rows])


def summary_table(results):
    cols = list(results["columns"])
    rows = []
    for key, (label, unit, _) in MEASURES.items():
        rows.append([f"{label} ({unit})"] +
                    [cell(results["columns"][c]["measures"][key]) for c in cols])
    rows.append(["guest→upstream reachable"] +
                [results["columns"][c]["reachability"]["g1"]["upstream"] for c in cols])
    rows.append(["DHCP answered by"] +
                [results["columns"][c].get("dhcp_server") or "-" for c in cols])
    return table(["measure (median ±spread)"] + cols, rows)


# ---- compare --------------------------------------------------------------

def compare_rows(a, b):
    """Per column both sets have and per measure: A, B, B/A, and whether
    the difference is larger than the larger of the two spreads."""
    rows = []
    for col in [c for c in a["columns"] if c in b["columns"]]:
        for key in MEASURES:
            ma = a["columns"][col]["measures"].get(key)
            mb = b["columns"][col]["measures"].get(key)
            if not ma or not mb:
                continue
            rows.append(compare_one(col, key, ma, mb))
    return rows


def compare_one(col, key, ma, mb):
    va, vb = ma["median"], mb["median"]
    ratio = vb / va if va and vb is not None else None
    if va is None or vb is None:
        verdict = "same" if va == vb else "path differs"
    else:
        noise = max(ma["spread"] or 0, mb["spread"] or 0)
        verdict = "larger than spread" if abs(vb - va) > noise else "within spread"
    return {"column": col, "measure": key, "unit": ma["unit"], "a": va, "b": vb,
            "ratio": ratio, "verdict": verdict}


def compare_text(rows, name_a, name_b):
    body = [[r["column"], f"{MEASURES[r['measure']][0]} ({r['unit']})",
             fmt(r["a"], r["unit"]), fmt(r["b"], r["unit"]),
             "-" if r["ratio"] is None else f"{r['ratio']:.2f}", r["verdict"]]
            for r in rows]
    return (f"A = {name_a}\nB = {name_b}\n\n" +
            table(["mode", "measure", "A", "B", "B/A", "difference"], body))
