# SPDX-License-Identifier: GPL-2.0-only
"""`kvnet lab` (issue 19): a short run of every mode (namespace guests,
--quick durations) through the CLI, as a user runs it. Its results.json
parses and has every measure for every mode, and the numbers hold what
the modes promise: isolated mode has no guest-to-upstream path, NAT's
traced path has a nat stage (route's has none), bridged guests lease from
the LAN's dnsmasq and the others from kvnetd. Every namespace the run
made is gone afterwards, and a SPEC file's network XML is the one run. report.html opens in headless Chromium (inside
a namespace of the test's own) with its tables and figures rendered and
no script error, and a screenshot is taken. `kvnet lab compare` of the
run with itself finds every difference within the spread."""

import csv
import json
import os
import struct
import subprocess
import sys
from pathlib import Path

import pytest

from kvnet_harness import KVNET, ROOT, Netns, run

sys.path.insert(0, str(ROOT / "tools" / "lab"))
from lab_results import MEASURES  # noqa: E402

MODES = ["isolated", "nat", "route", "open", "bridge"]


# A SPEC file: every mode, in this order, and nat's network from its own
# XML (a DHCP range of its own, which the nat guest's lease must be from)
SPEC = f"""[experiment]
modes = {', '.join(MODES)}   # every mode
baseline = nat, bridge        # and libvirt's nat network, and its host bridge
[networks]
nat = nat.xml
"""
NAT_XML = """<network><name>mine</name><forward mode='nat'/>
<ip address='192.168.77.1' prefix='24'><dhcp>
<range start='192.168.77.200' end='192.168.77.209'/></dhcp></ip></network>
"""


@pytest.fixture(scope="module")
def lab_run(tmp_path_factory):
    work = tmp_path_factory.mktemp("lab")
    (work / "lab.spec").write_text(SPEC)
    (work / "nat.xml").write_text(NAT_XML)
    out = work / "report"
    cp = run([KVNET, "lab", "run", work / "lab.spec", "--quick", "--out", out],
             timeout=150)
    return out, cp


def results(out):
    return json.loads((out / "results.json").read_text())


@pytest.mark.kvnet_timeout(150)
def test_lab_run_measures_every_mode(lab_run):
    out, cp = lab_run
    r = results(out)
    assert list(r["columns"]) == MODES[:2] + ["nat/libvirt"] + MODES[2:] + ["bridge/libvirt"]
    for mode in r["columns"]:
        col = r["columns"][mode]
        assert set(col["measures"]) == set(MEASURES), mode
        for key, m in col["measures"].items():
            assert len(m["values"]) == r["config"]["rounds"], (mode, key)
        for key in ("ping_guest_p50", "tcp1_guest", "pps_guest", "dhcp_ms"):
            assert col["measures"][key]["median"] > 0, (mode, key, col["measures"][key])
        assert mode in cp.stdout.splitlines()[0], cp.stdout  # the terminal's table
    lv = r["columns"]["nat/libvirt"]
    assert lv["impl"] == "libvirt" and lv["dhcp_server"].startswith("libvirt's dnsmasq")
    assert lv["reachability"]["g1"]["upstream"] == "open"
    assert lv["reachability"]["upstream"]["g1"] != "open"
    hb = r["columns"]["bridge/libvirt"]  # the host bridge holding lan0
    assert hb["impl"] == "libvirt" and "LAN's dnsmasq" in hb["dhcp_server"], hb
    assert hb["reachability"]["g1"]["host"] == "open" and hb["reachability"]["lan"]["g1"] == "open"
    assert "(about" in cp.stderr and "left)" in cp.stderr, cp.stderr  # progress
    for ns in r["namespaces"]:
        assert not os.path.exists(f"/run/netns/{ns}"), f"{ns} left behind"
    assert r["environment"]["kernel"] and r["environment"]["tools"]["iperf3"]


def test_lab_spec_network_xml_is_used(lab_run):
    nat = results(lab_run[0])["columns"]["nat"]
    assert "192.168.77.209" in nat["xml"] and "<name>n1</name>" in nat["xml"]
    leases = [r["lease"] for r in nat["tests"]["dhcp"]["rounds"]]
    assert leases and all(200 <= int(ip.rsplit(".", 1)[1]) <= 209 for ip in leases), leases


def test_lab_bad_input_is_refused(tmp_path):
    cases = [(["run", "--modes", "nat,bogus"], "unknown mode"),
             (["run", tmp_path / "missing.spec"], "cannot read"),
             (["compare", tmp_path, tmp_path], "cannot read results")]
    (tmp_path / "bad.spec").write_text("[experiment]\ntests = ping_guest, warp\n")
    cases.append((["run", tmp_path / "bad.spec"], "unknown test(s) warp"))
    for args, words in cases:
        cp = run([KVNET, "lab", *args], check=False)
        assert cp.returncode != 0 and words in cp.stderr, (args, cp.stderr)


def test_lab_sanity_of_each_mode(lab_run):
    r = results(lab_run[0])["columns"]
    iso = r["isolated"]
    assert iso["reachability"]["g1"]["upstream"] != "open"
    assert iso["reachability"]["g1"]["g2"] == "open"
    assert iso["measures"]["tcp1_upstream"]["median"] is None
    for mode in ("nat", "route", "open", "bridge"):
        assert r[mode]["reachability"]["g1"]["upstream"] == "open", mode
        assert r[mode]["measures"]["tcp1_upstream"]["median"] > 0, mode
    assert r["nat"]["reachability"]["upstream"]["g1"] != "open"
    assert r["route"]["reachability"]["upstream"]["g1"] == "open"
    stages = {m: {e.get("stage") for e in r[m]["paths"]["syn"]["events"]} for m in MODES}
    assert "nat" in stages["nat"] and "nat" not in stages["route"], stages
    assert "drop" in {e.get("stage") for e in iso["paths"]["ping"]["events"]}
    assert r["bridge"]["dhcp_server"].startswith("the LAN's dnsmasq")
    for mode in ("isolated", "nat", "route", "open"):
        assert r[mode]["dhcp_server"].startswith("kvnetd"), (mode, r[mode]["dhcp_server"])
        assert "<svg" in r[mode]["paths"]["ping"]["svg"]


def test_lab_csv_has_every_sample(lab_run):
    out = lab_run[0]
    rows = list(csv.DictReader((out / "results.csv").open()))
    r = results(out)
    for mode in MODES:
        samples = [x for x in rows if x["column"] == mode and x["name"] == "ping_guest"
                   and x["kind"] == "sample"]
        assert len(samples) == sum(len(t["samples"]) for t in
                                   r["columns"][mode]["tests"]["ping_guest"]["rounds"]) > 0


CHROMIUM = ["chromium", "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run",
            "--disable-background-networking", "--hide-scrollbars"]


def png_size(path):
    head = path.read_bytes()[:24]
    assert head[:8] == b"\x89PNG\r\n\x1a\n", "not a PNG"
    return struct.unpack(">II", head[16:24])


def test_lab_report_renders_in_chromium(lab_run, tmp_path):
    out = lab_run[0]
    ns = Netns.create("kvlab-")  # Chromium sees no network but its own
    page, shot = f"file://{out / 'report.html'}", out / "screenshot.png"
    try:  # the DOM after scripts ran, and a screenshot, side by side
        dom = ns.popen(CHROMIUM + [f"--user-data-dir={tmp_path / 'a'}",
                                   "--virtual-time-budget=3000", "--dump-dom", page],
                       stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        pic = ns.popen(CHROMIUM + [f"--user-data-dir={tmp_path / 'b'}",
                                   "--window-size=1200,3000", f"--screenshot={shot}", page],
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        html, err = dom.communicate(timeout=60)
        assert dom.returncode == 0 and pic.wait(timeout=60) == 0, err
        body = html[html.index("<body"):].split(">", 1)[0]
        assert 'data-lab-status="rendered"' in body, body
        tables = int(body.split('data-lab-tables="')[1].split('"')[0])
        figures = int(body.split('data-lab-figures="')[1].split('"')[0])
        assert tables >= 1 + len(MODES) and figures >= 3 + len(MODES), body
        assert "Uncaught" not in err, err
        assert png_size(shot) == (1200, 3000) and shot.stat().st_size > 50_000
    finally:
        ns.delete()


def test_lab_compare_with_itself(lab_run):
    out = lab_run[0]
    cp = run([KVNET, "lab", "compare", out, out / "results.json"])
    lines = [ln for ln in cp.stdout.splitlines() if ln.startswith(tuple(MODES))]
    assert len(lines) == len(results(out)["columns"]) * len(MEASURES), cp.stdout
    assert all("within spread" in ln or "same" in ln for ln in lines), cp.stdout
    assert "1.00" in cp.stdout
    bad = run([KVNET, "lab", "compare", out, out / "nope.json"], check=False)
    assert bad.returncode != 0 and "cannot read results" in bad.stderr
