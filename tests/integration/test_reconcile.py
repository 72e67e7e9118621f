# SPDX-License-Identifier: GPL-2.0-only
"""kvnetd distrusts its own files and follows the kernel: garbled or
hand-edited runtime records, a definition file gone, files that are not
files, ports renamed or moved away, a gateway deleted by hand, a SIGTERM
during autostart, and a restart with many networks (issue 12)."""

import json
import os
import signal
import time

from kvnet_harness import TCXLS, poll

TAP_MAC = "52:54:00:aa:00:01"


def running_switch(ns):
    """Device names running a kvnet switch in namespace ns."""
    out = ns.run([TCXLS]).stdout
    return {o["name"] for o in map(json.loads, out.splitlines())
            if any(p["name"] == "kvnet_ingress" for p in o["progs"])}


def record_path(env, net="t0"):
    return env.run_dir / "networks" / f"{net}.json"


def net_with_ports(env):
    """t0 with a trusted veth port kv-a and a tap vm1 pinning TAP_MAC."""
    env.define_isolated("t0")
    a = env.add_guest("t0", "a", "10.77.0.11", attach=False)
    env.cli("port", "add", "t0", a.port, "--trusted")
    env.cli("port", "add", "t0", "vm1", "--tap", "--mac", TAP_MAC)
    return a


def ports_by_name(env):
    return {p["iface"]: p for p in env.ports("t0")}


def test_garbled_record_is_reported_and_the_kernel_adopted(kvnet):
    """A truncated record: the network is still adopted with every port the
    kernel runs, trusted and pinned MACs read back from the datapath, and
    net show names the problem."""
    env = kvnet
    a = net_with_ports(env)
    env.kill_daemon()
    text = record_path(env).read_text()
    record_path(env).write_text(text[: len(text) // 2])
    env.start_daemon()
    net = env.net("t0")
    assert net["active"], net
    assert any("runtime record is unreadable" in n for n in net["notes"]), net["notes"]
    ports = ports_by_name(env)
    assert set(ports) == {"kvnet-t0", a.port, "vm1"}, ports
    assert ports[a.port]["trusted"] and not ports["vm1"]["trusted"]
    assert ports["vm1"]["guest_mac"] == TAP_MAC and ports["vm1"]["owned"]
    env.cli("net", "stop", "t0")
    assert not running_switch(env.host)
    assert not env.host.link_exists("vm1") and env.host.link_exists(a.port)


def test_wrong_type_in_record_is_a_parse_error(kvnet):
    env = kvnet
    net_with_ports(env)
    env.kill_daemon()
    rec = json.loads(record_path(env).read_text())
    rec["ports"][0]["ifindex"] = str(rec["ports"][0]["ifindex"])
    record_path(env).write_text(json.dumps(rec))
    env.start_daemon()
    notes = env.net("t0")["notes"]
    assert any('"ifindex" is not an integer' in n for n in notes), notes
    assert len(env.ports("t0")) == 3


def test_hand_edited_record_claims_nothing(kvnet):
    """A record that names lo as a port and calls the guest's veth kvnet's
    own: lo never gets the switch, and net stop never deletes the veth."""
    env = kvnet
    a = net_with_ports(env)
    env.kill_daemon()
    rec = json.loads(record_path(env).read_text())
    for p in rec["ports"]:
        if p["iface"] == a.port:
            p["owned"] = True
    rec["ports"].append({"iface": "lo", "ifindex": 1, "dev_ifindex": 0, "kind": "veth",
                         "owned": True, "trusted": False})
    record_path(env).write_text(json.dumps(rec))
    env.start_daemon()
    assert "lo" not in ports_by_name(env)
    assert not ports_by_name(env)[a.port]["owned"]
    assert "lo" not in running_switch(env.host)
    env.cli("net", "stop", "t0")
    assert env.host.link_exists(a.port), "net stop deleted the guest's veth"


def test_files_that_are_not_files_are_skipped(kvnet):
    """A FIFO among the definitions and as a runtime record would block
    open() forever: both are skipped, named in the log."""
    env = kvnet
    net_with_ports(env)
    env.kill_daemon()
    os.mkfifo(env.state_dir / "networks" / "fifo.xml")
    record_path(env).unlink()
    os.mkfifo(record_path(env))
    env.start_daemon()
    log = env.log_text()
    assert "fifo.xml" in log and "not a regular file" in log, env.log_tail()
    net = env.net("t0")
    assert net["active"] and len(env.ports("t0")) == 3
    assert any("runtime record is unreadable" in n for n in net["notes"])


def test_missing_definition_does_not_orphan_a_running_network(kvnet):
    env = kvnet
    a = net_with_ports(env)
    env.kill_daemon()
    (env.state_dir / "networks" / "t0.xml").unlink()
    env.start_daemon()
    net = env.net("t0")
    assert net["active"] and not net["persistent"], net
    assert any("definition file is missing" in n for n in net["notes"]), net["notes"]
    env.cli("net", "dumpxml", "t0")
    g = env.add_guest("t0", "g", "10.77.0.12")
    g.ping(a.ip)
    env.cli("net", "stop", "t0")
    env.define_xml(env.isolated_xml("t0"))
    assert env.net("t0")["persistent"]


def test_renamed_port_is_followed(kvnet):
    env = kvnet
    a = net_with_ports(env)
    env.host.ip("link", "set", a.port, "down")
    env.host.ip("link", "set", a.port, "name", "kv-renamed")
    env.host.ip("link", "set", "kv-renamed", "up")
    poll(lambda: "kv-renamed" in ports_by_name(env), 5, "the new name in port list")
    env.kill_daemon()
    env.start_daemon()
    assert "kv-renamed" in ports_by_name(env)
    env.cli("port", "del", "t0", "kv-renamed")
    assert "kv-renamed" not in running_switch(env.host)


def test_port_moved_away_is_detached_there(kvnet):
    """A tap moved to another namespace keeps tcx programs: kvnetd detaches
    its switch there (and the program is freed with the network)."""
    env = kvnet
    net_with_ports(env)
    other = env.new_ns("kvo-")
    env.host.ip("link", "set", "vm1", "netns", other.name)
    poll(lambda: "vm1" not in ports_by_name(env), 5, "vm1 gone from port list")
    poll(lambda: not running_switch(other), 5, "the switch detached from vm1 there")
    assert "moved to another namespace" in env.log_text()


def test_gateway_deleted_by_hand_is_recreated(kvnet):
    env = kvnet
    a = net_with_ports(env)
    a.ping("10.77.0.1")
    env.host.ip("link", "del", "kvnet-t0")
    poll(lambda: any("recreated" in n for n in env.net("t0")["notes"]), 5,
         "the gateway recreated")
    assert env.net("t0")["degraded"] == ""
    assert "kvnet-t0-p" in running_switch(env.host)
    poll(lambda: a.ping("10.77.0.1", count=1, deadline=2, check=False).returncode == 0,
         10, "ping to the new gateway")


def test_sigterm_during_autostart(kvnet):
    """SIGTERM while autostarts are still going: kvnetd exits cleanly (0),
    and the next one finds every network consistent."""
    env = kvnet
    for i in range(6):
        env.cli("net", "create", f"n{i}", "--mode", "isolated", "--subnet",
                f"10.88.{i}.0/24")
        env.cli("net", "autostart", f"n{i}")
    env.kill_daemon(signal.SIGTERM)
    env.start_daemon()
    rc = env.kill_daemon(signal.SIGTERM)
    assert rc == 0, f"kvnetd exited {rc} on SIGTERM during autostart"
    env.start_daemon()
    poll(lambda: all(n["active"] for n in env.nets()), 20, "every network up")
    gws = {f"kvnet-n{i}-p" for i in range(6)}
    assert running_switch(env.host) == gws


def test_restart_answers_while_adopting(kvnet):
    """40 running networks: after a kill -9 the socket answers at once and
    the datapaths are adopted from the event loop (each loads a program)."""
    env = kvnet
    n = 40
    for i in range(n):
        env.cli("net", "create", f"n{i}", "--mode", "isolated", "--subnet",
                f"10.89.{i}.0/24")
        env.cli("net", "start", f"n{i}")
    env.kill_daemon()
    t0 = time.monotonic()
    env.start_daemon()
    answered = time.monotonic() - t0
    nets = env.nets()
    assert all(x["active"] for x in nets)
    assert any(x["adopting"] for x in nets), f"nothing left to adopt ({answered:.2f}s)"
    assert answered < 2, answered
    poll(lambda: not any(x["adopting"] for x in env.nets()), 30, "every network adopted")
    assert env.log_text().count("adopted,") == n
