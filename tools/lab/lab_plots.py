# SPDX-License-Identifier: GPL-2.0-only
"""The report's figures, drawn with matplotlib as SVG text to inline:
throughput (bars, median with the rounds' range as error bars), the
latency distribution (every ping sample, a box per column and target),
and packet and connection rates. Every axis is labelled with its unit.
"""

import io
import re

import matplotlib

matplotlib.use("svg")
import matplotlib.pyplot as plt  # noqa: E402

matplotlib.rcParams.update({"svg.fonttype": "none", "font.size": 9,
                            "axes.grid": True, "grid.alpha": 0.3,
                            "svg.hashsalt": "kvnet-lab"})


def svg_text(fig):
    buf = io.StringIO()
    fig.savefig(buf, format="svg", bbox_inches="tight")
    plt.close(fig)
    text = buf.getvalue()
    return text[text.index("<svg"):]  # the element alone, to inline


def _bars(ax, results, keys, scale, ylabel, title):
    cols = list(results["columns"])
    width = 0.8 / len(keys)
    for i, key in enumerate(keys):
        meds, lo, hi = [], [], []
        for c in cols:
            m = results["columns"][c]["measures"][key]
            vals = [v * scale for v in m["values"] if v is not None]
            med = (m["median"] or 0) * scale
            meds.append(med)
            lo.append(med - min(vals) if vals else 0)
            hi.append(max(vals) - med if vals else 0)
        xs = [j + (i - (len(keys) - 1) / 2) * width for j in range(len(cols))]
        label = results["columns"][cols[0]]["measures"][key]["label"]
        ax.bar(xs, meds, width, yerr=[lo, hi], capsize=3, label=label)
        for x, c in zip(xs, cols):
            if results["columns"][c]["measures"][key]["median"] is None:
                ax.annotate("no path", (x, 0), rotation=90, ha="center",
                            va="bottom", fontsize=7, color="#666")
    ax.set_xticks(range(len(cols)), cols, rotation=30 if len(cols) > 5 else 0,
                  ha="right" if len(cols) > 5 else "center")
    ax.set_xlabel("network mode")
    ax.set_ylabel(ylabel)
    ax.set_title(title)
    ax.legend(fontsize=7)


def width(results, per=1.1, least=7):
    """Figure width (inches) for the number of columns."""
    return max(least, per * len(results["columns"]))


def throughput(results):
    fig, ax = plt.subplots(figsize=(width(results), 3.4))
    _bars(ax, results, ["tcp1_guest", "tcp1_upstream", "tcp4_upstream"], 1,
          "TCP throughput (Gbit/s)", "TCP throughput (iperf3): median, bars = range over rounds")
    return svg_text(fig)


def rates(results):
    fig, (a, b) = plt.subplots(1, 2, figsize=(width(results, 1.6, 8), 3.4))
    _bars(a, results, ["pps_guest", "pps_upstream"], 1e-6,
          "packets per second (Mpps)", "64-byte UDP")
    _bars(b, results, ["conn_upstream"], 1e-3,
          "new connections per second (thousands)", "new TCP connections")
    fig.tight_layout()
    return svg_text(fig)


def latency(results):
    """A box per column for each ping target, over all rounds' samples."""
    cols = list(results["columns"])
    targets = ("guest", "gateway", "upstream")
    fig, axes = plt.subplots(1, 3, figsize=(width(results, 1.5, 9), 3.4), sharey=True)
    for ax, t in zip(axes, targets):
        data, labels = [], []
        for c in cols:
            test = results["columns"][c]["tests"].get(f"ping_{t}", {"rounds": []})
            samples = [s for r in test["rounds"] for s in r.get("samples", [])]
            data.append(samples or [float("nan")])
            labels.append(c if samples else f"{c}\n(no path)")
        ax.boxplot(data, showfliers=True, whis=(1, 99), flierprops={"markersize": 2})
        ax.set_xticks(range(1, len(cols) + 1), labels, rotation=30, fontsize=7)
        ax.set_title(f"ping guest → {t}")
        ax.set_xlabel("network mode")
        ax.set_yscale("log")
    axes[0].set_ylabel("round-trip time (µs, log scale)")
    fig.suptitle("Ping RTT distribution: box = p25-p75, line = p50, whiskers = p1-p99",
                 fontsize=9)
    fig.tight_layout()
    return svg_text(fig)


def figures(results):
    """[(id, caption, svg)] in report order."""
    return [
        ("fig-throughput", "TCP throughput, single stream and four streams", throughput(results)),
        ("fig-latency", "Ping round-trip times, every sample of every round", latency(results)),
        ("fig-rates", "Small-packet rate and connection rate", rates(results)),
    ]


def strip_ids(svg, prefix):
    """Give an inlined SVG's ids a prefix, so that two figures on one page
    cannot collide."""
    svg = re.sub(r'id="([^"]+)"', lambda m: f'id="{prefix}-{m.group(1)}"', svg)
    svg = re.sub(r'url\(#([^)]+)\)', lambda m: f'url(#{prefix}-{m.group(1)})', svg)
    return re.sub(r'xlink:href="#([^"]+)"', lambda m: f'xlink:href="#{prefix}-{m.group(1)}"', svg)
