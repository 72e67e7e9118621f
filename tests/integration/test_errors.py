# SPDX-License-Identifier: GPL-2.0-only
"""CLI errors and --json output.

Every failing command exits non-zero (1 for errors, 2 for usage, 3 when
kvnetd cannot be reached) with one line `kvnet: <message>` on stderr that
names the problem, and leaves the state exactly as it was. Every listing
command prints JSON with the fields docs/protocol.md promises."""

import xml.etree.ElementTree as ET

from kvnet_harness import KVNET_XMLNS

NET_KEYS = {"name", "uuid", "mode", "bridge", "mac", "ip", "prefix", "subnet",
            "dhcp_ranges", "active", "autostart", "datapath", "ports"}
PORT_KEYS = {"iface", "ifindex", "kind", "mac", "owned", "trusted", "mtu",
             "oper"}
FDB_KEYS = {"mac", "vlan", "port", "ifindex", "static", "age_s"}
STATS_KEYS = {"port", "ifindex", "rx_packets", "rx_bytes", "tx_packets",
              "tx_bytes", "flood_packets", "drops", "drops_total"}


def error_problems(cp, needles, rc=1):
    """Problems with a failed command's result, [] when it is right."""
    where = f"`kvnet {' '.join(map(str, cp.args[3:]))}`"
    if cp.returncode == 0:
        return [f"{where} succeeded; stdout {cp.stdout!r}"]
    out = []
    if rc is not None and cp.returncode != rc:
        out.append(f"{where} exited {cp.returncode}, want {rc}")
    lines = [l for l in cp.stderr.splitlines() if l.strip()]
    if len(lines) != 1 or not lines[0].startswith("kvnet: "):
        out.append(f"{where}: want one 'kvnet: ...' line on stderr, got "
                   f"{cp.stderr!r}")
        return out
    low = lines[0].lower()
    for n in needles:
        alts = n if isinstance(n, tuple) else (n,)
        if not any(a.lower() in low for a in alts):
            out.append(f"{where}: {lines[0]!r} does not name "
                       f"{' or '.join(alts)}")
    if cp.stdout.strip():
        out.append(f"{where}: printed {cp.stdout!r} on stdout for an error")
    return out


def state(env):
    files = {str(p.relative_to(env.state_dir)): p.read_bytes()
             for p in sorted(env.state_dir.rglob("*")) if p.is_file()}
    nets = env.nets()
    ports = {n["name"]: env.ports(n["name"]) for n in nets if n["active"]}
    links = sorted(l["ifname"] for l in env.host.ip_json("link", "show"))
    return {"nets": nets, "ports": ports, "files": files, "links": links}


def net_xml(body, name="bad"):
    return (f"<network xmlns:kvnet='{KVNET_XMLNS}'>\n  <name>{name}</name>\n"
            f"{body}\n</network>\n")


BAD_XML = [
    ("malformed", "<network><name>bad</name><ip address='10.5.0.1' "
     "prefix='24'/>\n", [("xml", "pars", "line", "malformed")]),
    ("not a network", "<domain><name>bad</name></domain>\n", ["domain"]),
    ("unsupported element",
     net_xml("  <frobnicate/>\n  <ip address='10.5.0.1' prefix='24'/>"),
     ["frobnicate"]),
    ("unsupported attribute",
     net_xml("  <ip address='10.5.0.1' prefix='24' wobble='1'/>"),
     ["wobble"]),
    ("unsupported kvnet element",
     net_xml("  <kvnet:teleport/>\n  <ip address='10.5.0.1' prefix='24'/>"),
     ["teleport"]),
    ("prefix too long", net_xml("  <ip address='10.5.0.1' prefix='33'/>"),
     [("prefix", "33")]),
    ("bad address", net_xml("  <ip address='10.5.0.300' prefix='24'/>"),
     ["10.5.0.300"]),
    ("non-contiguous netmask",
     net_xml("  <ip address='10.5.0.1' netmask='255.0.255.0'/>"),
     [("netmask", "255.0.255.0")]),
    ("gateway is the network address",
     net_xml("  <ip address='10.5.0.0' prefix='24'/>"), [("10.5.0.0",)]),
    ("dhcp range outside subnet",
     net_xml("  <ip address='10.5.0.1' prefix='24'>\n    <dhcp><range "
             "start='10.6.0.10' end='10.6.0.20'/></dhcp>\n  </ip>"),
     [("10.6.0.10", "range")]),
    ("missing name",
     "<network><ip address='10.5.0.1' prefix='24'/></network>\n", ["name"]),
    ("bad aging",
     net_xml("  <kvnet:fdb aging='soon'/>\n"
             "  <ip address='10.5.0.1' prefix='24'/>"), [("aging", "soon")]),
    ("unknown forward mode",
     net_xml("  <forward mode='warp'/>\n  <ip address='10.5.0.1' "
             "prefix='24'/>"), ["warp"]),
]


def test_errors_are_clear_and_change_nothing(kvnet):
    kvnet.define_isolated("t0")
    kvnet.define_isolated("t1", subnet="10.78.0.0/24")
    kvnet.define_isolated("t2", subnet="10.79.0.0/24", start=False)
    a = kvnet.add_guest("t0", "a", "10.77.0.11")
    free = kvnet.add_guest("t0", "free", "10.77.0.12", attach=False)
    a.ping("10.77.0.1")
    before = state(kvnet)

    problems = []
    for what, xml, needles in BAD_XML:
        path = kvnet.write_xml(xml)
        cp = kvnet.cli("net", "define", path, check=False)
        problems += [f"[{what}] {p}" for p in error_problems(cp, needles)]
    cases = [
        (("net", "define", kvnet.tmp / "no-such-file.xml"),
         ["no-such-file.xml"]),
        (("net", "create", "bad", "--mode", "warp", "--subnet",
          "10.5.0.0/24"), ["warp"]),
        (("net", "create", "bad", "--mode", "isolated", "--subnet",
          "10.5.0.0/33"), ["10.5.0.0/33"]),
        (("net", "create", "bad", "--mode", "isolated", "--subnet",
          "banana"), ["banana"]),
        (("net", "create", "t0", "--mode", "isolated", "--subnet",
          "10.5.0.0/24"), ["t0"]),
        (("net", "start", "t0"), ["t0"]),
        (("net", "stop", "t2"), ["t2"]),
        # (undefining active t0 is no error: it runs on, transient;
        # test_netlife.py)
    ]
    for cmd in (("net", "start"), ("net", "stop"), ("net", "show"),
                ("net", "undefine"), ("net", "dumpxml"), ("port", "list"),
                ("fdb",), ("stats",)):
        cases.append((cmd + ("nosuch",), ["nosuch"]))
    cases += [
        (("port", "add", "nosuch", free.port), ["nosuch"]),
        (("port", "del", "nosuch", a.port), ["nosuch"]),
        (("port", "add", "t0", a.port), [a.port]),          # twice
        (("port", "add", "t1", a.port), [a.port]),          # other network
        (("port", "add", "t1", "kvnet-t0"), ["kvnet-t0"]),  # a gateway
        (("port", "add", "t0", "nosuchif0"), ["nosuchif0"]),
        (("port", "del", "t0", free.port), [free.port]),    # not a port
        (("port", "del", "t1", a.port), [a.port]),          # other network
        (("port", "add", "t0", "vm9", "--tap", "--mac", "52:54:00:zz:00:01"),
         ["52:54:00:zz:00:01"]),
        (("port", "add", "t0", "a-name-that-is-far-too-long", "--tap"),
         ["a-name-that-is-far-too-long"]),
    ]
    # The gateway's hidden switch-side device (if it is a veth pair) is
    # kvnet's own, never a port for anyone to add.
    gw = kvnet.host.ip_json("-d", "link", "show", "dev", "kvnet-t0")[0]
    if gw.get("linkinfo", {}).get("info_kind") == "veth" and gw.get("link"):
        for net in ("t0", "t1"):
            cases.append((("port", "add", net, gw["link"]), [gw["link"]]))
    cases += [
        (("port", "add", "t0", "lo"), ["lo"]),
        (("port", "del", "t0", "kvnet-t0"), ["kvnet-t0"]),
    ]
    for args, needles in cases:
        for json in (False, True):
            cp = kvnet.cli(*args, check=False, json=json)
            problems += error_problems(cp, needles)

    after = state(kvnet)
    for k in before:
        if before[k] != after[k]:
            problems.append(f"state changed ({k}):\n  before {before[k]}\n"
                            f"  after  {after[k]}")
    a.ping("10.77.0.1")
    assert not problems, "\n".join(problems)


def test_usage_and_unreachable_exit_codes(kvnet, tmp_path):
    problems = []
    for args in ((), ("bogus",), ("net",), ("net", "bogus"),
                 ("net", "start"), ("port", "add", "t0"), ("port", "list"),
                 ("net", "create", "x", "--mode"), ("fdb", "a", "b")):
        cp = kvnet.cli(*args, check=False)
        if cp.returncode != 2:
            problems.append(f"`kvnet {' '.join(args)}` exited "
                            f"{cp.returncode}, want 2 (usage); stderr "
                            f"{cp.stderr!r}")
        elif not cp.stderr.strip():
            problems.append(f"`kvnet {' '.join(args)}`: no usage message")
    tmp_path.chmod(0o755)
    for json in (False, True):
        cp = kvnet.cli("net", "list", check=False, json=json,
                       run_dir=tmp_path)
        problems += error_problems(cp, [("kvnetd", str(tmp_path),
                                         "connect", "daemon")], rc=3)
    assert not problems, "\n".join(problems)


def test_json_for_every_listing_command(kvnet):
    kvnet.define_isolated("t0")
    a = kvnet.add_guest("t0", "a", "10.77.0.11")
    b = kvnet.add_guest("t0", "b", "10.77.0.12")
    a.ping(b.ip)

    nets = kvnet.cli("net", "list", json=True).json
    assert isinstance(nets, list) and len(nets) == 1
    assert NET_KEYS <= set(nets[0]), NET_KEYS - set(nets[0])
    n = kvnet.cli("net", "show", "t0", json=True).json
    assert n == nets[0]
    assert n["ports"] == len(kvnet.ports("t0"))
    assert n["datapath"] == "ebpf" and n["mode"] == "isolated"

    ports = kvnet.cli("port", "list", "t0", json=True).json
    assert {p["iface"] for p in ports} == {"kvnet-t0", a.port, b.port}
    for p in ports:
        assert PORT_KEYS <= set(p), PORT_KEYS - set(p)
        link = kvnet.host.ip_json("link", "show", "dev", p["iface"])[0]
        # "iface" and "ifindex" name the same device (`ip link` agrees).
        assert p["ifindex"] == link["ifindex"], \
            f"port {p['iface']} listed with ifindex {p['ifindex']}, but " \
            f"{p['iface']} is ifindex {link['ifindex']}: {p}"
        assert p["mac"].lower() == link["address"].lower(), p
        assert p["mtu"] == link["mtu"], p
    kinds = {p["iface"]: p["kind"] for p in ports}
    assert kinds == {"kvnet-t0": "gateway", a.port: "veth", b.port: "veth"}
    assert not any(p["owned"] for p in ports if p["kind"] == "veth")

    fdb = kvnet.cli("fdb", "t0", json=True).json
    for e in fdb:
        assert FDB_KEYS <= set(e), FDB_KEYS - set(e)
        assert isinstance(e["age_s"], (int, float)) and e["age_s"] >= 0
    where = {e["mac"].lower(): e["port"] for e in fdb}
    assert where.get(a.mac) == a.port and where.get(b.mac) == b.port, fdb

    stats = kvnet.cli("stats", "t0", json=True).json
    assert {s["port"] for s in stats} >= {a.port, b.port}, stats
    for s in stats:
        assert STATS_KEYS <= set(s), STATS_KEYS - set(s)
        assert isinstance(s["drops"], dict)
        # fdb-full (frame forwarded anyway) and no-ports (a lone port's
        # flood) are reasons, not part of the total
        assert s["drops_total"] == sum(
            n for r, n in s["drops"].items()
            if r not in ("fdb-full", "no-ports")), s

    # Text output exists for the same commands and is not JSON.
    for args in (("net", "list"), ("net", "show", "t0"),
                 ("port", "list", "t0"), ("fdb", "t0"), ("stats", "t0")):
        out = kvnet.cli(*args).stdout
        assert out.strip() and not out.lstrip().startswith(("[", "{")), args
    assert a.port in kvnet.cli("port", "list", "t0").stdout
    assert a.mac in kvnet.cli("fdb", "t0").stdout.lower()

    # dumpxml is a libvirt network document that defines the same network.
    xml = kvnet.cli("net", "dumpxml", "t0").stdout
    root = ET.fromstring(xml)
    assert root.tag == "network" and root.findtext("name") == "t0"
    assert root.find("uuid").text == n["uuid"]
