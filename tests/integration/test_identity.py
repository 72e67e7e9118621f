# SPDX-License-Identifier: GPL-2.0-only
"""A network keeps its identity as libvirt's do: redefining it without a
<uuid> or <mac> keeps the ones it had, a different <uuid> is refused, a
hand-written definition keeps the uuid and MAC generated for it across
daemon restarts. Names: any libvirt bridge name (up to 15 characters)
works, and long network names get a stable default bridge name. A guest
MAC is pinned to one port only."""

import shutil


def test_redefine_keeps_uuid_and_mac(kvnet):
    env = kvnet
    first = env.define_isolated("t0", start=False)
    again = env.define_xml(env.isolated_xml("t0", subnet="10.78.0.0/24"))
    assert again.returncode == 0
    net = env.net("t0")
    assert (net["uuid"], net["mac"]) == (first["uuid"], first["mac"])
    assert net["subnet"] == "10.78.0.0/24"
    other = env.isolated_xml("t0").replace(
        "<name>t0</name>",
        "<name>t0</name><uuid>11111111-2222-3333-4444-555555555555</uuid>")
    cp = env.define_xml(other, check=False)
    assert cp.returncode != 0 and "another uuid" in cp.stderr, cp.stderr
    assert env.net("t0")["uuid"] == first["uuid"]


def test_hand_written_definition_keeps_generated_identity(kvnet):
    env = kvnet
    nets = env.state_dir / "networks"
    nets.mkdir(exist_ok=True)
    (nets / "hw.xml").write_text(env.isolated_xml("hw", subnet="10.79.0.0/24"))
    env.restart_daemon()
    first = env.net("hw")
    env.restart_daemon()
    assert (env.net("hw")["uuid"], env.net("hw")["mac"]) == \
        (first["uuid"], first["mac"])


def test_long_bridge_and_network_names(kvnet):
    env = kvnet
    env.define_isolated("t0", bridge="virbr-fifteen15")   # 15 characters
    assert env.host.link_exists("virbr-fifteen15")
    g = env.add_guest("t0", "a", "10.77.0.11")
    g.ping("10.77.0.1", count=2)
    env.cli("net", "create", "a-rather-long-name", "--mode", "isolated",
            "--subnet", "10.80.0.0/24")
    env.cli("net", "start", "a-rather-long-name")
    bridge = env.net("a-rather-long-name")["bridge"]
    assert bridge.startswith("kvnet-") and len(bridge) <= 15, bridge
    assert env.host.link_exists(bridge)


def test_guest_mac_is_pinned_to_one_port(kvnet):
    env = kvnet
    env.define_isolated("t0")
    a = env.add_guest("t0", "a", "10.77.0.11", attach=False)
    env.cli("port", "add", "t0", a.port, "--mac", "52:54:00:aa:bb:12")
    cp = env.cli("port", "add", "t0", "vm1", "--tap", "--mac",
                 "52:54:00:aa:bb:12", check=False)
    assert cp.returncode != 0 and "already pinned" in cp.stderr, cp.stderr
    assert not env.host.link_exists("vm1")
    gw_mac = env.net("t0")["mac"]
    cp = env.cli("port", "add", "t0", "vm2", "--tap", "--mac", gw_mac, check=False)
    assert cp.returncode != 0 and "gateway" in cp.stderr, cp.stderr
    cp = env.cli("port", "add", "t0", "vm3", "--tap", "--mac",
                 "00:00:00:00:00:00", check=False)
    assert cp.returncode != 0 and "unicast" in cp.stderr, cp.stderr
    entry = env.fdb_entry("t0", "52:54:00:aa:bb:12")
    assert entry and entry["port"] == a.port and entry["static"], entry
