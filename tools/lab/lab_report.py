# SPDX-License-Identifier: GPL-2.0-only
"""report.html of a kvnet lab run: one self-contained page (no file or
network fetched) with the summary table of modes against measures, the
figures (lab_plots, inline SVG), each mode's reachability matrix and the
path of one ping and one TCP SYN (kvnet trace's graphviz diagram and its
stages, NAT before and after), and a short text that answers the lab's
questions from the measured numbers. A small script checks on load that
the tables and figures are there (the suite reads its verdict).
"""

import base64
import html

import lab_plots
import paths_render
from lab_results import MEASURES, cell, fmt

CSS = """
body{font-family:sans-serif;max-width:1400px;margin:2em auto;color:#222}
figure svg{max-width:100%;height:auto}
table{border-collapse:collapse;margin:1em 0;font-size:90%}
td,th{border:1px solid #ccc;padding:3px 7px;text-align:right;white-space:nowrap}
.wide{overflow-x:auto} table.path td{white-space:normal}
th{background:#f0f0f0} td.l,th.l{text-align:left}
td.nopath{color:#999} td.open{background:#d9f2d9} td.closed{background:#f6d5d5}
figure{margin:1.5em 0} figure.path img{max-width:100%} figcaption{font-size:90%;color:#555}
.env{font-size:85%;color:#555} code{background:#f4f4f4;padding:0 2px}
"""

CHECK_JS = """
window.labErrors = [];
window.addEventListener('error', function (e) { window.labErrors.push(String(e.message)); });
window.addEventListener('load', function () {
  var t = document.querySelectorAll('table.lab').length;
  var f = document.querySelectorAll('figure svg, figure img').length;
  var ok = t > 0 && f > 0 && window.labErrors.length === 0;
  document.body.setAttribute('data-lab-tables', t);
  document.body.setAttribute('data-lab-figures', f);
  document.body.setAttribute('data-lab-status', ok ? 'rendered' : 'broken');
});
"""

E = html.escape


def write(results, path):
    """report.html at path, and each figure as an SVG file beside it
    (fig-*.svg, path-COLUMN-KEY.svg), for documents that show them."""
    figs = lab_plots.figures(results)
    path.write_text(render(results, figs))
    for fid, _, svg in figs:
        (path.parent / f"{fid}.svg").write_text(svg)
    for col, c in results["columns"].items():
        for key, sc in c["paths"].items():
            if sc.get("svg"):
                name = col.replace("/", "-")
                (path.parent / f"path-{name}-{key}.svg").write_text(sc["svg"])


def render(results, figs):
    parts = [f"<!DOCTYPE html><html lang='en'><head><meta charset='utf-8'>"
             f"<title>kvnet lab {E(results['started'][:19])}</title>"
             f"<style>{CSS}</style><script>{CHECK_JS}</script></head><body>",
             f"<h1>kvnet lab: network modes side by side</h1>",
             environment(results), "<h2>Answers</h2>", answers(results),
             "<h2>Summary</h2>", f"<div class='wide'>{summary(results)}</div>",
             "<h2>Figures</h2>"]
    for fid, caption, svg in figs:
        parts.append(f"<figure id='{fid}'>{lab_plots.strip_ids(svg, fid)}"
                     f"<figcaption>{E(caption)}</figcaption></figure>")
    parts += ["<h2>Reachability</h2>", reach_intro(), *map(lambda c: reach_table(results, c),
                                                          results["columns"])]
    parts += ["<h2>Packet paths</h2>", path_intro()]
    parts += [path_section(results, c) for c in results["columns"]]
    parts.append("<h2>Raw data</h2><p>Every sample is in <code>results.json</code> and "
                 "<code>results.csv</code> next to this page.</p></body></html>")
    return "\n".join(parts)


def environment(r):
    e = r["environment"]
    tools = ", ".join(f"{k} {v}" for k, v in e["tools"].items() if v)
    c = r["config"]
    return (f"<p class='env'>Run {E(r['started'][:19])} UTC to {E(r.get('finished', '')[:19])}; "
            f"kernel {E(e['kernel'])}, {E(str(e['cpu']))} ({e['cpus']} CPUs), kvnet "
            f"{E(str(e['kvnet']))}; {E(tools)}.<br>{c['guests']} guests per network, "
            f"{c['rounds']} rounds of each test; TCP {c['tcp_secs']} s, UDP "
            f"{c['pps_secs']} s, connections {c['conn_secs']} s per round; "
            f"{c['ping_count']} pings per round. Cells: median ± range over rounds.</p>")


def summary(r):
    cols = list(r["columns"])
    rows = ["<table class='lab' id='summary'><tr><th class='l'>measure</th>" +
            "".join(f"<th>{E(c)}</th>" for c in cols) + "</tr>"]
    for key, (label, unit, better) in MEASURES.items():
        cells = []
        for c in cols:
            m = r["columns"][c]["measures"][key]
            cls = " class='nopath'" if m["median"] is None else ""
            title = f" title='{E(m['note'])}'" if m.get("note") else ""
            cells.append(f"<td{cls}{title}>{E(cell(m))}</td>")
        rows.append(f"<tr><td class='l'>{E(label)} ({E(unit)}, {better} is better)</td>"
                    + "".join(cells) + "</tr>")
    rows.append("<tr><td class='l'>DHCP answered by</td>" + "".join(
        f"<td>{E(r['columns'][c].get('dhcp_server') or '-')}</td>" for c in cols) + "</tr>")
    return "\n".join(rows) + "</table>"


# ---- reachability ---------------------------------------------------------

def reach_intro():
    return ("<p>A TCP listener in every namespace and a connect from each to each "
            "(1 s timeout): <b>open</b> means the handshake completed; "
            "refused, timeout or unreachable say how it failed.</p>")


def reach_table(r, col):
    m = r["columns"][col]["reachability"]
    names = list(m)
    rows = [f"<table class='lab reach'><caption>{E(col)}: from (row) to (column)</caption>"
            "<tr><th></th>" + "".join(f"<th>{E(n)}</th>" for n in names) + "</tr>"]
    for s in names:
        cells = []
        for d in names:
            v = m[s].get(d)
            cls = "" if v is None else ("open" if v == "open" else "closed")
            cells.append(f"<td class='{cls}'>{E(v or '')}</td>")
        rows.append(f"<tr><th>{E(s)}</th>{''.join(cells)}</tr>")
    return "\n".join(rows) + "</table>"


# ---- paths ----------------------------------------------------------------

def path_intro():
    return ("<p>One ping and one TCP SYN from g1 to the upstream, each with its "
            "answer, under <code>kvnet trace --json --svg</code>: every stage the "
            "datapath reports for each packet, and the diagram kvnet trace drew "
            "(graphviz). Stages: " + ", ".join(f"<b>{E(k)}</b> {E(v)}" for k, v in
                                               paths_render.STAGES.items()) + ".</p>")


def path_section(r, col):
    c = r["columns"][col]
    out = [f"<h3>{E(col)}</h3>"]
    if not c["paths"]:
        return out[0] + "<p>(kvnet trace does not see this column's packets.)</p>"
    for key, sc in c["paths"].items():
        out.append(f"<p><b>{'ping' if key == 'ping' else 'TCP SYN'}</b>: "
                   f"<code>{E(sc['commands'][0])}</code></p>")
        out.append(packet_table(sc, c.get("macs", {})))
        if sc.get("svg"):
            data = base64.b64encode(sc["svg"].encode()).decode()
            out.append(f"<figure class='path'><img alt='{E(col)} {key} path' "
                       f"src='data:image/svg+xml;base64,{data}'>"
                       f"<figcaption>{E(col)}: the {key} packets' path "
                       "(kvnet trace --svg)</figcaption></figure>")
    return "\n".join(out)


def packet_table(sc, macs):
    pkts = paths_render.packets(sc["events"])
    if not pkts:
        return "<p>No packet was traced (nothing entered a kvnet port).</p>"
    rows = ["<table class='lab path'><tr><th class='l'>packet</th><th class='l'>"
            "stages (in port → … → out port)</th><th class='l'>NAT before → after</th></tr>"]
    for i, pkt in enumerate(pkts):
        first = paths_render.frame(pkt[0]["data"], macs) if pkt[0].get("data") else ""
        nat = paths_render.find(pkt, "nat")
        natw = (f"{paths_render.tuple_words(nat['nat']['before'])} → "
                f"{paths_render.tuple_words(nat['nat']['after'])}") if nat else ""
        rows.append(f"<tr><td class='l'>{i + 1}: {E(first)}</td><td class='l'>"
                    f"{E(paths_render.chain(pkt).replace('`', ''))}</td>"
                    f"<td class='l'>{E(natw)}</td></tr>")
    return "\n".join(rows) + "</table>"


# ---- answers --------------------------------------------------------------

def med(r, col, key):
    c = r["columns"].get(col)
    return c["measures"][key]["median"] if c else None


def ratio_words(r, a, b, key):
    """'b is X% of a' for measure key, with whether it beats the noise."""
    ma, mb = r["columns"][a]["measures"][key], r["columns"][b]["measures"][key]
    if ma["median"] is None or mb["median"] is None:
        return None
    pct = 100 * mb["median"] / ma["median"] if ma["median"] else float("nan")
    noise = max(ma["spread"] or 0, mb["spread"] or 0)
    sig = "" if abs(mb["median"] - ma["median"]) > noise else " (within the spread)"
    return (f"{ma['label']}: {fmt(mb['median'], ma['unit'])} against "
            f"{fmt(ma['median'], ma['unit'])} {ma['unit']}, {pct:.0f}%{sig}")


def answers(r):
    cols = r["columns"]
    items = [a for a in (answer_bridge_nat(r), answer_nat_cost(r)) if a]
    items.append(answer_points(r))
    items.append(answer_dhcp(r))
    items.append(answer_isolation(r))
    if not cols:
        return "<p>No column was measured.</p>"
    return "<ul>" + "".join(f"<li>{x}</li>" for x in items) + "</ul>"


COMPARED = ("tcp1_upstream", "tcp4_upstream", "pps_upstream", "conn_upstream",
            "ping_upstream_p50")


def answer_bridge_nat(r):
    if "bridge" not in r["columns"] or "nat" not in r["columns"]:
        return None
    lines = [w for k in COMPARED if (w := ratio_words(r, "nat", "bridge", k))]
    open_in = [s for s, row in r["columns"]["bridge"]["reachability"].items()
               if row.get("g1") == "open" and s != "g2"]
    nat_in = [s for s, row in r["columns"]["nat"]["reachability"].items()
              if row.get("g1") == "open" and s != "g2"]
    return (f"<b>Bridged against NAT</b> (bridge as a share of nat): "
            f"{E('; '.join(lines)) or 'no common path measured'}. "
            f"A bridged guest can be reached from {E(', '.join(open_in) or 'nobody')}; "
            f"a NATed one from {E(', '.join(nat_in) or 'nobody')}.")


def answer_nat_cost(r):
    if "nat" not in r["columns"] or "route" not in r["columns"]:
        return None
    lines = [w for k in COMPARED if (w := ratio_words(r, "route", "nat", k))]
    syn = r["columns"]["nat"]["paths"].get("syn")
    extra = ""
    if syn:
        pk = paths_render.packets(syn["events"])
        n = sum(1 for p in pk for e in p if e["stage"] in ("conntrack", "nat"))
        extra = (f" On the SYN's path NAT adds {n} stage events (conntrack, nat) "
                 "over route mode's forwarding.")
    return (f"<b>What NAT costs</b> (nat as a share of route, the same path "
            f"without translation): {E('; '.join(lines)) or 'nothing comparable'}."
            f"{E(extra)}")


def answer_points(r):
    out = []
    for col, c in r["columns"].items():
        sc = c["paths"].get("ping")
        if not sc:
            continue
        pk = paths_render.packets(sc["events"])
        if pk:
            chain = paths_render.chain(pk[0]).replace("`", "")
            nat = " (with NAT)" if paths_render.find(pk[0], "nat") else ""
            out.append(f"{col}: {chain}{nat}")
        else:
            out.append(f"{col}: no stage reported")
    return ("<b>Which points a ping to the upstream crosses</b>: " +
            "; ".join(E(x) for x in out) + ".")


def answer_dhcp(r):
    out = []
    for col, c in r["columns"].items():
        m = c["measures"]["dhcp_ms"]
        out.append(f"{col}: {c.get('dhcp_server') or 'nobody'}"
                   + (f", {fmt(m['median'])} ms DISCOVER to ACK" if m["median"] is not None
                      else ""))
    return "<b>Who serves DHCP</b>: " + E("; ".join(out)) + "."


def answer_isolation(r):
    out = []
    for col, c in r["columns"].items():
        row = c["reachability"]["g1"]
        out.append(f"{col}: g1 → upstream {row.get('upstream')}, upstream → g1 "
                   f"{c['reachability']['upstream'].get('g1')}")
    return "<b>Who reaches whom</b>: " + E("; ".join(out)) + "."
