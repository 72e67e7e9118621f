# SPDX-License-Identifier: GPL-2.0-only
"""Markdown for docs/paths.md from the traces tools/paths.py collected:
each mode's paths as stage tables, and prose (which points a packet
passes, how NAT works without a bridge, who serves DHCP, what the traces
do not show) written from the events themselves, so the page changes when
the datapath does. Pure functions of the collected data: no root, no I/O.
"""

MODES = ("isolated", "nat", "route", "open", "bridge")
ARROW = " → "
ICMP_TYPES = {0: "echo reply", 3: "unreachable", 8: "echo request",
              11: "time exceeded"}
PROTOS = {1: "icmp", 6: "tcp", 17: "udp"}
# What each stage means (ebpf/kvnet_trace.h); listed only when seen.
STAGES = {
    "ingress": "the frame entered a port of the network (tcx ingress)",
    "spoof-check": "the port's source MAC/IP check passed",
    "fdb": "the destination MAC looked up in the FDB (hit, miss, group)",
    "gateway": "the frame crosses the gateway port into the host",
    "route": "routed by the datapath: a FIB lookup, out = the next-hop device",
    "conntrack": "kvnet's own connection tracking (new, original, reply)",
    "nat": "the addresses rewritten, with the tuple before and after",
    "dhcp": "punted to kvnetd's DHCP server (the frame goes no further)",
    "redirect": "sent to one port (out)",
    "flood": "sent to several ports (detail: how many, out: the last)",
    "host": "left to the host's stack",
    "drop": "dropped by the datapath, with kvnet's reason",
    "kernel-drop": "dropped by the kernel after the datapath, with its reason",
    "service": "sent by kvnetd itself straight out of a port, past the switch "
               "(its DHCP replies)",
    "kernel-unwatched": "handed on into the kernel while the trace was idle and "
                        "its drop tracepoints off: what the kernel did is not known",
}


# ---- frames -------------------------------------------------------------

def ip4(b, i):
    return ".".join(str(x) for x in b[i:i + 4])


def mac(macs, b, i):
    m = ":".join(f"{x:02x}" for x in b[i:i + 6])
    return "broadcast" if m == "ff:ff:ff:ff:ff:ff" else macs.get(m, m)


def l4_words(b, off, proto):
    """What the transport header says, in a few words."""
    if proto == 1 and len(b) > off:
        return f"ICMP {ICMP_TYPES.get(b[off], f'type {b[off]}')}"
    if proto == 17 and len(b) >= off + 8:
        sport = int.from_bytes(b[off:off + 2], "big")
        dport = int.from_bytes(b[off + 2:off + 4], "big")
        if {sport, dport} == {67, 68} and len(b) > off + 8:
            kind = {1: "BOOTREQUEST", 2: "BOOTREPLY"}.get(b[off + 8], "?")
            return f"UDP {sport} > {dport}, DHCP {kind}"
        return f"UDP {sport} > {dport}"
    return PROTOS.get(proto, f"IP proto {proto}")


def frame(hexdata, macs):
    """One line for a frame's first bytes: MACs (named), IPv4, TTL, L4."""
    b = bytes.fromhex(hexdata)
    if len(b) < 14:
        return "(short frame)"
    l2 = f"{mac(macs, b, 6)} > {mac(macs, b, 0)}"
    etype = int.from_bytes(b[12:14], "big")
    if etype == 0x0806 and len(b) >= 42:
        return f"{l2}, ARP who-has {ip4(b, 38)} tell {ip4(b, 28)}"
    if etype != 0x0800 or len(b) < 34:
        return f"{l2}, ethertype 0x{etype:04x}"
    off = 14 + (b[14] & 0x0f) * 4
    return (f"{l2}, {ip4(b, 26)} > {ip4(b, 30)} ttl {b[22]}, "
            f"{l4_words(b, off, b[23])}")


def changes(a_hex, b_hex, macs):
    """What a frame's rewrite changed, in words (MACs, TTL, addresses)."""
    a, b = bytes.fromhex(a_hex), bytes.fromhex(b_hex)
    out = []
    for name, i, n, fmt in (("destination MAC", 0, 6, mac), ("source MAC", 6, 6, mac),
                            ("source", 26, 4, ip4), ("destination", 30, 4, ip4)):
        if a[i:i + n] != b[i:i + n]:
            out.append(f"{name} {fmt(macs, a, i) if n == 6 else fmt(a, i)} → "
                       f"{fmt(macs, b, i) if n == 6 else fmt(b, i)}")
    if len(a) > 22 and a[22] != b[22]:
        out.append(f"TTL {a[22]} → {b[22]}")
    return out


def tuple_words(t):
    proto = PROTOS.get(t["proto"], str(t["proto"]))
    if t["proto"] == 1:
        return f"{proto} {t['src']} > {t['dst']} (echo id {t['sport']})"
    return f"{proto} {t['src']}:{t['sport']} > {t['dst']}:{t['dport']}"


# ---- events -------------------------------------------------------------

def packets(events):
    """The events of each traced packet, in order: [[event, ...], ...]."""
    by = {}
    for e in events:
        if "stage" in e:
            by.setdefault(e["packet"], []).append(e)
    return [by[k] for k in sorted(by)]


def lost(events):
    return max((e["lost"] for e in events if "lost" in e), default=0)


def step(e):
    """A stage as the path lists it: its name, and its detail if any."""
    d = e.get("detail")
    if e["stage"] == "flood":
        return f"flood ({d} ports)"
    return f"{e['stage']} ({d})" if d is not None else e["stage"]


def chain(pkt):
    """`port`: stage → stage → ... → `out port`, for one packet."""
    start = "kvnetd" if pkt[0]["stage"] == "service" else f"`{pkt[0]['in']}`"
    words = [start] + [step(e) for e in pkt]
    if pkt[-1].get("out") and pkt[-1]["stage"] in ("redirect", "flood", "service"):
        words.append(f"`{pkt[-1]['out']}`")
    return ARROW.join(words)


def find(pkt, stage):
    return next((e for e in pkt if e["stage"] == stage), None)


def scenario(mode_res, key):
    return next((s for s in mode_res["scenarios"] if s["key"] == key), None)


def answered(sc):
    return sc["rc"] == 0


# ---- sections -----------------------------------------------------------

def header(results):
    modes = ", ".join(r["mode"] for r in results)
    return [
        "<!-- generated by tools/paths.py (`make paths`); do not edit -->",
        "# Packet paths through kvnet, traced",
        "",
        "Generated by `tools/paths.py` (run `make paths` as root to regenerate "
        "it); do not edit. Every path below is what kvnet's datapath reported "
        "with `kvnet trace --json` for one real packet, in network namespaces "
        f"the integration tests' harness builds, for each mode ({modes}). The "
        "prose is written from the same events, so it says only what the "
        "traces show.",
        "",
        "Names: `g1`, `g2`, `g3` are guests (namespaces joined by a veth whose "
        "host end `kv-g1` ... is the network's port); `upstream` and `lan` "
        "stand for the outside; `kvnet-NET` is the gateway port, `up0` the "
        "host's uplink, `lan0` the host's NIC in bridge mode. MAC addresses "
        "are shown by the device or guest they belong to. `$RUN` is kvnetd's "
        "run directory; `ip netns exec g1` stands for the guest's namespace. "
        "Before each traced ping an untraced one resolves the neighbours, so "
        "the traced packet takes the plain path (no ARP on the way).",
        "",
    ]


def topology(results):
    out = ["## The setups", "",
           "| mode | network | guests | host address (as guests see it) | outside |",
           "|---|---|---|---|---|"]
    for r in results:
        a = r["actors"]
        guests = ", ".join(f"{n} {a[n]['ip']} on `{a[n]['port']}`"
                           for n in ("g1", "g2"))
        outside = next(n for n in ("upstream", "lan") if n in a)
        out.append(f"| {r['mode']} | `{r['net']}` | {guests} | {a['host']['ip']} | "
                   f"{outside} {a[outside]['ip']} behind `{a[outside]['port']}` |")
    out.append("")
    return out


def points(results):
    """Which points does a packet pass: every path as a chain."""
    out = ["## Which points does a packet pass", ""]
    out += points_summary(results)
    for r in results:
        out.append(f"**{r['mode']}**")
        out.append("")
        for sc in r["scenarios"]:
            out += points_scenario(sc)
        out.append("")
    out += legend(results)
    return out


def points_summary(results):
    firsts = [pkts[0] for r in results for sc in r["scenarios"]
              if (pkts := packets(sc["events"]))]
    common = []
    for i, e in enumerate(firsts[0] if firsts else []):
        if all(len(p) > i and p[i]["stage"] == e["stage"] for p in firsts):
            common.append(e["stage"])
        else:
            break
    if not common:
        return []
    out = [f"Every guest packet traced here first passes "
           f"{' then '.join(f'`{s}`' for s in common)} on its own port; what "
           f"follows depends on where it goes."]
    gw = [p for r in results for sc in r["scenarios"]
          for p in packets(sc["events"]) if p[0]["in"] == f"kvnet-{r['net']}"]
    if gw and not any(find(p, "spoof-check") for p in gw):
        out.append("A packet that enters through the gateway port, from the "
                   "host's side, passes no `spoof-check`.")
    return [" ".join(out), ""]


def label(sc, first, last):
    """Packets first..last (0-based) of a path, named for the reader."""
    if sc["key"] == "dhcp":
        return (f"message {first + 1}" if first == last else
                f"messages {first + 1}-{last + 1} (each)")
    return ("request", "reply")[first] if first < 2 else f"packet {first + 1}"


def chain_rows(sc, pkts):
    """[first, last, chain]: DHCP's packets with the same chain share a row."""
    rows = []
    for i, p in enumerate(pkts):
        c = chain(p)
        if rows and rows[-1][2] == c and sc["key"] == "dhcp":
            rows[-1][1] = i
        else:
            rows.append([i, i, c])
    return rows


def points_scenario(sc):
    pkts = packets(sc["events"])
    lines = [f"- {sc['title']}:"]
    if not pkts:
        return lines + ["  - no stage reported"]
    lines += [f"  - {label(sc, a, b)}: {c}" for a, b, c in chain_rows(sc, pkts)]
    if sc["key"] != "dhcp" and len(pkts) == 1:
        lines.append("  - reply: " + ("not traced (yet), though the ping was answered"
                                      if answered(sc) else "none (no answer)"))
    return lines


def legend(results):
    seen = {e["stage"] for r in results for sc in r["scenarios"]
            for e in sc["events"] if "stage" in e}
    out = ["The stages seen above (ebpf/kvnet_trace.h):", ""]
    out += [f"- `{s}`: {STAGES[s]}" for s in STAGES if s in seen]
    out += [f"- `{s}`" for s in sorted(seen - set(STAGES))]
    return out + [""]


def nat_section(results):
    """How does NAT work without a bridge: the nat mode's outside ping."""
    r = next((r for r in results if r["mode"] == "nat"), None)
    sc = r and scenario(r, "out")
    pkts = packets(sc["events"]) if sc else []
    out = ["## How does NAT work without a bridge", ""]
    if not pkts:
        return out + ["(no nat trace was taken)", ""]
    out += nat_request(r, pkts[0])
    out += nat_reply(r, pkts[1] if len(pkts) > 1 else None, answered(sc))
    out += nat_vs_route(results)
    return out


def nat_request(r, req):
    macs = r["macs"]
    route, ct, nat = find(req, "route"), find(req, "conntrack"), find(req, "nat")
    out = [f"No bridge device takes part: every hop below is kvnet's own BPF "
           f"program handing the frame from one port to another. The guest's "
           f"echo request enters it at `{req[0]['in']}` (the tcx ingress of "
           f"g1's port) as `{frame(req[0]['data'], macs)}`."]
    if route:
        out.append(f"The datapath routes it itself: the FIB lookup says "
                   f"`{route.get('detail')}` via `{route.get('out')}`.")
    if ct:
        out.append(f"kvnet's own conntrack (BPF maps, not the kernel's) "
                   f"reports `{ct.get('detail')}`.")
    if nat:
        masq = nat["nat"]["after"]["src"] == r["facts"].get("uplink_ip")
        out.append("The `nat` stage rewrites the tuple" +
                   (f" (SNAT: masquerade to {r['facts']['uplink_ip']}, the "
                    f"host's address on the uplink):" if masq else ":"))
        out += ["", f"- before: `{tuple_words(nat['nat']['before'])}`",
                f"- after: `{tuple_words(nat['nat']['after'])}`", ""]
    last = req[-1]
    diff = changes(req[0]["data"], last["data"], macs)
    out.append(f"Then `{step(last)}` hands it to `{last.get('out')}`, the host's "
               f"uplink, which it leaves as `{frame(last['data'], macs)}`"
               + (f" ({'; '.join(diff)})." if diff else "."))
    return paragraphs(out) + [""]


def paragraphs(parts):
    """Sentences join into one paragraph; a list ("" ... "") stays apart."""
    out, para = [], []
    for p in parts:
        if p == "" or p.startswith("- "):
            if para:
                out.append(" ".join(para))
                para = []
            out.append(p)
        else:
            para.append(p)
    if para:
        out.append(" ".join(para))
    return out


def nat_reply(r, rep, ok):
    g1, macs = r["actors"]["g1"], r["macs"]
    uplink = r["actors"]["upstream"]["port"]
    if rep is None:
        return [("The reply reached g1 (the ping was answered), but no stage "
                 "reported it." if ok else "No reply came."), ""]
    out = [f"The reply is traced from `{rep[0]['in']}`, where it enters the "
           f"switch as `{frame(rep[0]['data'], macs)}`: {chain(rep)}."]
    nat = find(rep, "nat")
    if nat:
        out += ["Its `nat` stage reverses the rewrite:", "",
                f"- before: `{tuple_words(nat['nat']['before'])}`",
                f"- after: `{tuple_words(nat['nat']['after'])}`", ""]
    elif f" > {g1['ip']} " in frame(rep[0]["data"], macs):
        out.append(f"It is addressed to g1 ({g1['ip']}) already there: the "
                   f"reverse translation happens before the first stage the "
                   f"trace reports.")
    if not any(e["in"] == uplink for e in rep):
        out.append(f"The uplink side (`{uplink}`'s ingress, where the reply "
                   f"arrives from the upstream) reports no stage in this trace.")
    return paragraphs(out) + [""]


def nat_vs_route(results):
    nat = next(r for r in results if r["mode"] == "nat")
    nat_stages = [e["stage"] for e in packets(scenario(nat, "out")["events"])[0]]
    out = []
    for r in results:
        pkts = packets(scenario(r, "out")["events"]) if r["mode"] in ("route", "open") else []
        if not pkts:
            continue
        missing = [s for s in nat_stages if s not in {e["stage"] for e in pkts[0]}]
        gone = f"it has no {' or '.join(f'`{s}`' for s in missing)} stage and " if missing else ""
        out.append(f"In {r['mode']} mode the same request passes {chain(pkts[0])}; "
                   f"{gone}leaves as `{frame(pkts[0][-1]['data'], r['macs'])}`.")
    return paragraphs(out) + ([""] if out else [])


def lease_line(sc):
    return next((ln for ln in sc["output"] if "obtained from" in ln), None)


def dhcp_section(results):
    out = ["## Who serves DHCP", ""]
    for r in results:
        sc = scenario(r, "dhcp")
        if sc:
            out += dhcp_mode(r, sc) + [""]
    return out


def dhcp_mode(r, sc):
    pkts = packets(sc["events"])
    punted = [p for p in pkts if find(p, "dhcp")]
    replies = [p for p in pkts if find(p, "service")]
    got = lease_line(sc)
    server = got.split("obtained from ")[1].split(",")[0] if got else None
    if punted:
        n = len(punted)
        gw = " (the gateway address)" if server == r["actors"]["host"]["ip"] else ""
        return [f"- **{r['mode']}**: kvnet's own DHCP server. The client's "
                f"{n} message{'s' if n > 1 else ''} stop at the `dhcp` stage on "
                f"`{punted[0][0]['in']}`: punted from the datapath to kvnetd, "
                f"forwarded nowhere ({chain(punted[0])}). "
                + (f"Its {len(replies)} repl{'ies' if len(replies) != 1 else 'y'} "
                   f"leave kvnetd straight out of that port ({chain(replies[0])}). "
                   if replies else "")
                + (f"udhcpc: \"{got}\"{gw}. " if got else
                   "udhcpc got no lease. ")
                + f"`kvnet leases {r['net']}` then holds {leases_words(sc)}."]
    where = "; ".join(c for _, _, c in chain_rows(sc, pkts)) or "nothing traced"
    lan = server and server == r["facts"].get("lan_dhcp")
    lv = sc.get("kvnet_leases")
    none = "kvnet serves none" if isinstance(lv, str) or not lv else "yet kvnet"
    return [f"- **{r['mode']}**: no packet reaches a `dhcp` stage. The "
            f"client's broadcasts are switched like any other frame ({where}). "
            + (f"udhcpc: \"{got}\"" + (", the LAN's DHCP server (dnsmasq in "
                                       "the lan namespace). " if lan else ". ")
               if got else "udhcpc got no lease. ")
            + f"{none}: `kvnet leases {r['net']}` says \"{leases_words(sc)}\"."]


def leases_words(sc):
    lv = sc.get("kvnet_leases")
    if isinstance(lv, str):
        return lv
    return ", ".join(f"{x['ip']} for {x['mac']} on `{x['port']}`" for x in lv) or "no lease"


def dhcp_note(results):
    if not any(find(p, "dhcp") for r in results
               for p in packets((scenario(r, "dhcp") or {"events": []})["events"])):
        return []
    return ["kvnetd writes its OFFER and ACK straight out of the guest's port "
            "(switch/dhcpd.c, `link_send_frame`), not through the switch "
            "program; kvnetd reports them itself, as a `service` stage.", ""]


# ---- the measured data, in full -------------------------------------------

def details(r):
    out = [f"## {r['mode']} mode, stage by stage", ""]
    for sc in r["scenarios"]:
        out += [f"### {r['mode']}: {sc['title']}", "", "```"]
        out += [f"$ {sc['commands'][0]} &", f"$ {sc['commands'][1]}", "```", ""]
        out += [outcome(sc), ""]
        seen = []  # (rows, first packet) of the tables shown
        for i, p in enumerate(packets(sc["events"])):
            rows = table_rows(r, p)
            same = next((j for t, j in seen if t == rows), None)
            if same is None:
                seen.append((rows, i))
                out += [f"Packet {i + 1} ({label(sc, i, i)}):", ""] + rows
            else:
                out += [f"Packet {i + 1} ({label(sc, i, i)}): as packet "
                        f"{same + 1}.", ""]
    return out


def outcome(sc):
    if sc["key"] == "dhcp":
        return f"udhcpc: \"{lease_line(sc)}\"." if lease_line(sc) else \
            f"udhcpc got no lease (exit {sc['rc']})."
    return "The ping was answered." if answered(sc) else \
        f"The ping got no answer (exit {sc['rc']})."


def table_rows(r, p):
    """A packet's lines: the frame as it came in, its stages, and the
    frame as it left if the datapath rewrote it."""
    macs = r["macs"]
    out = [f"Came in as `{frame(p[0]['data'], macs)}`", "",
           "| stage | in | out | detail |", "|---|---|---|---|"]
    for e in p:
        out.append(f"| {e['stage']} | `{e['in']}` | "
                   f"{'`' + str(e['out']) + '`' if e.get('out') else ''} | "
                   f"{detail_cell(e)} |")
    out.append("")
    if p[-1]["data"] != p[0]["data"]:
        out += [f"Left as `{frame(p[-1]['data'], macs)}`", ""]
    return out


def detail_cell(e):
    if e["stage"] == "nat":
        return (f"{tuple_words(e['nat']['before'])} → "
                f"{tuple_words(e['nat']['after'])}")
    return "" if e.get("detail") is None else str(e["detail"])


def gaps(results):
    """What the traces do not show: answered pings whose reply no stage
    reported, events lost, and how to read a stage's frame bytes."""
    out = []
    for r in results:
        for sc in r["scenarios"]:
            if sc["key"] != "dhcp" and answered(sc) and len(packets(sc["events"])) < 2:
                out.append(f"- {r['mode']}, {sc['title']}: the ping was answered, "
                           f"but no stage reported the reply.")
            if lost(sc["events"]):
                out.append(f"- {r['mode']}, {sc['title']}: {lost(sc['events'])} "
                           f"events lost.")
    out += uplink_gaps(results) + dhcp_reply_gaps(results) + bytes_note(results)
    if not out:
        return []
    return ["## What the traces do not show (yet)", ""] + out + [""]


def uplink_gaps(results):
    """Replies from the outside traced only once past the uplink."""
    out = []
    for r in results:
        sc, up = scenario(r, "out"), r["actors"].get("upstream", {}).get("port")
        pkts = packets(sc["events"]) if sc and up else []
        if len(pkts) > 1 and not any(e["in"] == up for e in pkts[1]):
            out.append(f"- {r['mode']}, {sc['title']}: the reply is traced only "
                       f"from `{pkts[1][0]['in']}` on; its way in on `{up}`"
                       + (" (where the translation is reversed)" if r["mode"] == "nat"
                          else "") + " reports no stage.")
    return out


def dhcp_reply_gaps(results):
    """A lease from a server outside kvnet whose replies no stage reported."""
    out = []
    for r in results:
        sc = scenario(r, "dhcp")
        pkts = packets(sc["events"]) if sc else []
        if not sc or not lease_line(sc) or any(find(p, "dhcp") for p in pkts):
            continue
        if not any("BOOTREPLY" in frame(p[0]["data"], r["macs"]) for p in pkts):
            out.append(f"- {r['mode']}, DHCP: the lease came from outside "
                       f"kvnet, but no stage reported the server's replies "
                       f"on their way in.")
    return out


def bytes_note(results):
    for r in results:
        for sc in r["scenarios"]:
            for p in packets(sc["events"]):
                if len(p) > 1 and p[1]["data"] != p[0]["data"]:
                    return [f"- Frame bytes: only `ingress` shows the frame as "
                            f"it came in; the later stages' events are sent "
                            f"once the switch has decided and carry the frame "
                            f"as it left (e.g. {r['mode']}, {sc['title']}: "
                            f"`{p[1]['stage']}` already shows "
                            f"`{frame(p[1]['data'], r['macs'])}`)."]
    return []


def render(results):
    results = sorted(results, key=lambda r: MODES.index(r["mode"]))
    out = header(results) + topology(results) + points(results)
    out += nat_section(results) + dhcp_section(results) + dhcp_note(results)
    out += gaps(results)
    for r in results:
        out += details(r)
    while out and out[-1] == "":
        out.pop()
    return "\n".join(out) + "\n"
