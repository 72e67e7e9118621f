# SPDX-License-Identifier: GPL-2.0-only
"""kvnet lab's SPEC file: an experiment made repeatable. An INI file
(Python's configparser) with two sections, both optional:

  [experiment]
  modes = nat, route           which modes, in this order
  tests = ping_guest, tcp1_upstream, pps_upstream    (default: all)
  rounds = 5                   rounds of each test
  guests = 3                   guests per network
  tcp_secs = 3                 and pps_secs, pps_warmup, conn_secs,
  ping_count = 200             ping_interval: how long each test runs
  baseline = yes               add libvirt's build of each mode (or: nat, route)

  [networks]
  nat = my-nat.xml             libvirt network XML for that mode's network

A network's XML replaces the built-in one (relative paths are relative to
the SPEC file). The lab's topology around it is fixed, so the XML keeps
the built-in network's addressing (its <ip address>, or bridged mode's
uplink lan0); its <name> is set to the built-in one. What it changes is
the rest: the DHCP range and hosts, port isolation, the MTU, kvnet's
datapath type, ... `kvnet net dumpxml` of each network as run is kept in
results.json.
"""

import configparser
import xml.etree.ElementTree as ET
from pathlib import Path

INTS = ("rounds", "guests", "ping_count")
FLOATS = ("tcp_secs", "pps_secs", "pps_warmup", "conn_secs", "ping_interval")
# mode -> (the built-in network's name, the address its <ip> must keep)
BUILTIN = {"isolated": ("t0", "10.77.0.1"), "nat": ("n1", "192.168.77.1"),
           "route": ("n1", "192.168.77.1"), "open": ("n1", "192.168.77.1"),
           "bridge": ("br", None)}


class SpecError(SystemExit):
    def __init__(self, path, msg):
        super().__init__(f"kvnet lab: {path}: {msg}")


def apply(cfg, path):
    """cfg updated from the SPEC file at path (raises SpecError)."""
    cp = configparser.ConfigParser(inline_comment_prefixes=("#", ";"))
    try:
        with open(path) as f:
            cp.read_file(f)
    except (OSError, configparser.Error) as e:
        raise SpecError(path, f"cannot read: {e}") from None
    unknown = set(cp.sections()) - {"experiment", "networks"}
    if unknown:
        raise SpecError(path, f"unknown section(s): {', '.join(sorted(unknown))}")
    cfg = dict(cfg, spec=str(Path(path).resolve()))
    if cp.has_section("experiment"):
        cfg.update(experiment(cp["experiment"], path, cfg))
    if cp.has_section("networks"):
        cfg["networks"] = networks(cp["networks"], path)
    return cfg


def experiment(sec, path, cfg):
    import lab_run
    out = {}
    for key, val in sec.items():
        try:
            if key in INTS:
                out[key] = int(val)
            elif key in FLOATS:
                out[key] = float(val)
            elif key == "baseline":
                out[key] = baseline(val)
            elif key in ("modes", "tests"):
                out[key] = [v.strip() for v in val.split(",") if v.strip()]
            else:
                raise SpecError(path, f"[experiment] {key}: unknown setting")
        except ValueError:
            raise SpecError(path, f"[experiment] {key}: bad value {val!r}") from None
    bad = [t for t in out.get("tests", []) if t not in lab_run.TESTS]
    if bad:
        raise SpecError(path, f"unknown test(s) {', '.join(bad)}; tests: "
                        f"{', '.join(lab_run.TESTS)}")
    return out


def baseline(val):
    """yes/no, or the modes to add libvirt's column for."""
    low = val.strip().lower()
    if low in ("yes", "true", "on", "1", "no", "false", "off", "0"):
        return low in ("yes", "true", "on", "1")
    return [v.strip() for v in val.split(",") if v.strip()]


def networks(sec, path):
    out = {}
    for mode, fname in sec.items():
        if mode not in BUILTIN:
            raise SpecError(path, f"[networks] {mode}: not a mode")
        xml_path = Path(path).parent / fname
        try:
            text = xml_path.read_text()
        except OSError as e:
            raise SpecError(path, f"[networks] {mode}: {e}") from None
        out[mode] = fit_xml(text, mode, xml_path)
    return out


def fit_xml(text, mode, path):
    """The XML with the built-in network's name; checks its addressing."""
    name, gw = BUILTIN[mode]
    try:
        root = ET.fromstring(text)
    except ET.ParseError as e:
        raise SpecError(path, f"not XML: {e}") from None
    if root.tag != "network":
        raise SpecError(path, "not a libvirt <network>")
    el = root.find("name")
    if el is None:
        el = ET.SubElement(root, "name")
    el.text = name
    fwd = root.find("forward")
    got = "isolated" if fwd is None else fwd.get("mode", "nat")
    if got != mode:
        raise SpecError(path, f"the network's mode is {got}, not {mode}")
    ip = root.find("ip")
    if gw and (ip is None or ip.get("address") != gw):
        raise SpecError(path, f"{mode}: the lab's topology needs <ip address='{gw}'>")
    if mode == "bridge" and "lan0" not in text:
        raise SpecError(path, "bridge: the lab's uplink is lan0 (<interface dev='lan0'/>)")
    return ET.tostring(root, encoding="unicode")
