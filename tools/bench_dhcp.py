#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-only
"""The arithmetic of `make bench`'s DHCP part (tools/bench.sh runs the
servers and perfdhcp; this reads what they leave behind).

  step OUT SECS RATE         one perfdhcp run (-x lt output in OUT): a JSON
                             line of its figures
  check OUT LEASES.json      every lease perfdhcp saw ACKed (-x l) against
                             `kvnet leases NET --json`: a JSON line
  mid LO HI                  the rate between a clean and an unclean step
  table RESULTS KVNET        the summary and per-step tables from the JSON
                             lines in RESULTS (one per step, a "server" key
                             added by bench.sh)

perfdhcp's own report gives min/avg/max/std dev of each message round
trip; percentiles come from its -x t listing ("sent / received" time of
every successful exchange), one list for DISCOVER->OFFER and one for
REQUEST->ACK.
"""

import json
import math
import sys

CLEAN_DROPS = 1.0       # % of exchanges that may fail at a clean step


def sections(path):
    """perfdhcp's output as {section title: [lines]} ("***Title***")."""
    out, cur = {}, None
    with open(path, errors="replace") as f:
        for line in f:
            line = line.rstrip("\n")
            if line.startswith("***") and line.endswith("***"):
                cur = line.strip("*")
                out[cur] = []
            elif cur is not None:
                out[cur].append(line)
    return out


def counters(lines):
    c = {}
    for line in lines:
        k, sep, v = line.partition(":")
        if sep:
            try:
                c[k.strip()] = float(v.split()[0])
            except (ValueError, IndexError):
                pass
    return c


def delays_ms(lines):
    d = []
    for line in lines:
        if line.startswith("sent / received:"):
            a, _, b = line.split(":", 1)[1].partition("/")
            d.append((float(b) - float(a)) * 1e3)
    d.sort()
    return d


def pct(sorted_vals, p):
    """Nearest-rank percentile, None for no values."""
    if not sorted_vals:
        return None
    k = max(0, math.ceil(p / 100 * len(sorted_vals)) - 1)
    return sorted_vals[k]


def acked(sec):
    """(client id, address) of every ACK perfdhcp counted (-x l)."""
    out = []
    for line in sec.get("Leases for REQUEST-ACK", []):
        f = line.split(",")
        if len(f) >= 2 and f[1].count(".") == 3:
            out.append((f[0].lower(), f[1]))
    return out


def step(path, secs, rate):
    sec = sections(path)
    do = counters(sec.get("Statistics for: DISCOVER-OFFER", []))
    ra = counters(sec.get("Statistics for: REQUEST-ACK", []))
    leases = acked(sec)
    sent = do.get("sent packets", 0)
    acks = ra.get("received packets", 0)
    addrs = [ip for _, ip in leases]
    nonunique = (do.get("non unique addresses", 0) + ra.get("non unique addresses", 0) +
                 len(addrs) - len(set(addrs)))
    od, ad = delays_ms(sec.get("Timestamps for packets: DISCOVER-OFFER", [])), \
        delays_ms(sec.get("Timestamps for packets: REQUEST-ACK", []))
    drops = 100.0 * (1 - acks / sent) if sent else 100.0
    r = {
        "offered": rate, "secs": secs,
        "sent": int(sent), "acks": int(acks),
        "sent_rate": sent / secs, "ack_rate": acks / secs,
        "drops_pct": drops,
        "offer_drops": int(do.get("drops", 0)), "ack_drops": int(ra.get("drops", 0)),
        "nonunique": int(nonunique),
        "offer_p50": pct(od, 50), "offer_p99": pct(od, 99),
        "ack_p50": pct(ad, 50), "ack_p99": pct(ad, 99),
        "offer_max": od[-1] if od else None, "ack_max": ad[-1] if ad else None,
    }
    r["clean"] = bool(acks > 0 and drops <= CLEAN_DROPS and nonunique == 0)
    # perfdhcp (one thread, one CPU) could not send what was asked
    r["gen_limited"] = sent < 0.97 * rate * secs
    return r


def check(path, leases_json):
    mine = set(acked(sections(path)))
    with open(leases_json) as f:
        listed = json.load(f)
    have = {(str(x.get("client_id", "")).replace(":", "").lower(), x.get("ip"))
            for x in listed}
    missing = sorted(a for a in mine if a not in have)
    return {"acked": len(mine), "listed": len(listed), "missing": len(missing),
            "missing_sample": missing[:5]}


def mid(lo, hi):
    """Geometric middle, rounded to two significant digits."""
    m = math.sqrt(lo * hi)
    e = 10 ** max(0, int(math.log10(m)) - 1)
    return int(round(m / e) * e)


def ms(v):
    return "-" if v is None else ("%.2f" % v if v < 10 else "%.0f" % v)


def rate_txt(v):
    return "%d/s" % round(v)


def failed(s):
    return round(s["sent"] * s["drops_pct"] / 100)


def gen_bound(s):
    """The step's failures are mostly perfdhcp's: replies its full socket
    dropped, or requests it could not send at the offered rate."""
    f = failed(s)
    return s["gen_limited"] or (f > 0 and s.get("gen_rcvbuf", 0) * 2 >= f)


def cpu_us(s):
    c = s.get("srv_cpu_s")
    return None if c is None or not s["acks"] else 1e6 * c / s["acks"]


def cpu_pct(s):
    c = s.get("srv_cpu_s")
    return None if c is None else 100 * c / s["secs"]


def num(v, fmt):
    return "-" if v is None else fmt % v


def table(results, kvnet):
    steps = []
    with open(results) as f:
        for line in f:
            if line.strip():
                steps.append(json.loads(line))
    servers = []
    for s in steps:
        if s["server"] not in servers:
            servers.append(s["server"])
    best, bound = {}, {}
    for name in servers:
        mine = [s for s in steps if s["server"] == name]
        clean = [s for s in mine if s["clean"]]
        best[name] = max(clean, key=lambda s: s["ack_rate"]) if clean else None
        # the clean rate is perfdhcp's, not the server's, when every step
        # offered more failed mostly at perfdhcp
        above = [s for s in mine if not s["clean"] and
                 (best[name] is None or s["offered"] > best[name]["offered"])]
        bound[name] = bool(above) and all(gen_bound(s) for s in above)

    print("\nDHCP: new clients, full DORA, perfdhcp as a relay. The clean rate is the")
    print("highest ACK rate of a step with <= %g%% of exchanges failed and no address" %
          CLEAN_DROPS)
    print("given twice; latencies (ms) per message round trip at that step; the server's")
    print("CPU time per exchange and its share of a CPU over the step.\n")
    hdr = "%-15s %10s %7s %7s %7s %7s %7s %8s %5s  %s"
    print(hdr % ("server", "clean rate", "failed", "OFR p50", "OFR p99", "ACK p50",
                 "ACK p99", "CPU/DORA", "CPU", "(offered)"))
    for name in servers:
        b = best[name]
        if b is None:
            print(hdr % (name, "0/s", "-", "-", "-", "-", "-", "-", "-", "no clean step"))
            continue
        note = "(%d/s%s)" % (b["offered"], "; more: perfdhcp's limit" if bound[name] else "")
        print(hdr % (name, rate_txt(b["ack_rate"]), "%.2f%%" % b["drops_pct"],
                     ms(b["offer_p50"]), ms(b["offer_p99"]), ms(b["ack_p50"]),
                     ms(b["ack_p99"]), num(cpu_us(b), "%.0f us"), num(cpu_pct(b), "%.0f%%"),
                     note))
    if kvnet in best and best[kvnet]:
        k = best[kvnet]["ack_rate"]
        print()
        for name in servers:
            if name == kvnet:
                continue
            o = best[name]["ack_rate"] if best[name] else 0
            print("%s/%s clean rate: %s%s" % (
                kvnet, name, "%.2f" % (k / o) if o else "inf (%s has no clean rate)" % name,
                " (at least: kvnet's is bounded by perfdhcp)" if o and bound[kvnet] else ""))

    print("\nper step, in the order run (lost@gen, lost@srv: datagrams a full socket")
    print("buffer dropped at perfdhcp's socket, at the server's UDP socket; kvnetd and a")
    print("raw-socket Kea read no UDP socket):")
    hdr2 = "  %-15s %7s %4s %7s %7s %7s %3s %6s %6s %6s %6s %8s %8s %7s %4s  %s"
    print(hdr2 % ("server", "offered", "secs", "sent/s", "ACK/s", "failed", "dup",
                  "OFRp50", "OFRp99", "ACKp50", "ACKp99", "lost@gen", "lost@srv",
                  "CPU/ex", "CPU", ""))
    for s in steps:
        extra = []
        if s["clean"]:
            extra.append("clean")
        elif gen_bound(s):
            extra.append("perfdhcp-bound")
        if "lease_check" in s:
            c = s["lease_check"]
            extra.append("kill -9: %d ACKed, %d listed after restart, %d missing" %
                         (c["acked"], c["listed"], c["missing"]))
        print(hdr2 % (s["server"], s["offered"], "%g" % s["secs"], "%.0f" % s["sent_rate"],
                      "%.0f" % s["ack_rate"], "%.2f%%" % s["drops_pct"], s["nonunique"],
                      ms(s["offer_p50"]), ms(s["offer_p99"]), ms(s["ack_p50"]),
                      ms(s["ack_p99"]), s.get("gen_rcvbuf", "-"), s.get("srv_rcvbuf", "-"),
                      num(cpu_us(s), "%.0fus"), num(cpu_pct(s), "%.0f%%"),
                      ", ".join(extra)))
    bad_any = False
    for name in servers:
        checks = [s for s in steps if s["server"] == name and "lease_check" in s]
        if not checks:
            continue
        bad = [s for s in checks if s["lease_check"]["missing"]]
        bad_any |= bool(bad)
        print("\n%s, kill -9 after each step and restart: %s" % (
            name, "every ACKed lease listed after the restart, in %d of %d steps" %
            (len(checks), len(checks)) if not bad else
            "ACKed leases MISSING after the restart in %d of %d steps" % (len(bad),
                                                                        len(checks))))
    return 1 if bad_any else 0


def main(argv):
    cmd = argv[1] if len(argv) > 1 else ""
    if cmd == "step" and len(argv) == 5:
        print(json.dumps(step(argv[2], float(argv[3]), int(argv[4]))))
    elif cmd == "check" and len(argv) == 4:
        print(json.dumps(check(argv[2], argv[3])))
    elif cmd == "mid" and len(argv) == 4:
        print(mid(int(argv[2]), int(argv[3])))
    elif cmd == "table" and len(argv) == 4:
        return table(argv[2], argv[3])
    else:
        print(__doc__, file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
