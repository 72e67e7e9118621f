# SPDX-License-Identifier: GPL-2.0-only
"""kvnetd gives up what it does not need (docs/hardening.md): once set up
it runs with only the capabilities switch/caps.c keeps, in its effective,
permitted and bounding sets, and still does its whole job; and with
--socket-group, the members of that group (not root) may use the commands
that only read, and nothing else, while everyone else cannot even
connect. The users are real: the CLI runs as nobody, with or without the
test's group, through setpriv."""

import grp
import os
import secrets
import signal
import subprocess
from pathlib import Path

import pytest

from kvnet_harness import KVNET, KVNET_XMLNS, KVNETD, poll, run, stop_process

# linux/capability.h
CAP = {
    "chown": 0, "dac_override": 1, "dac_read_search": 2, "fowner": 3,
    "fsetid": 4, "kill": 5, "setgid": 6, "setuid": 7, "setpcap": 8,
    "net_bind_service": 10, "net_broadcast": 11, "net_admin": 12,
    "net_raw": 13, "ipc_lock": 14, "sys_module": 16, "sys_rawio": 17,
    "sys_chroot": 18, "sys_ptrace": 19, "sys_admin": 21, "sys_boot": 22,
    "sys_nice": 23, "sys_resource": 24, "sys_time": 25, "mknod": 27,
    "audit_write": 29, "setfcap": 31, "mac_admin": 33, "syslog": 34,
    "perfmon": 38, "bpf": 39, "checkpoint_restore": 40,
}
# what switch/caps.c keeps: the runtime's and, by agreement, the
# sandboxed child's (setuid, setgid, sys_chroot, sys_admin)
KEPT = {"net_admin", "net_raw", "net_bind_service", "bpf", "perfmon",
        "sys_admin", "sys_ptrace", "sys_chroot", "setuid", "setgid", "kill"}
KEPT_MASK = sum(1 << CAP[c] for c in KEPT)
NOBODY = 65534

# what a member of the socket's group may run, and what only root may
READ_ONLY = [("net", "list"), ("net", "show", "p0"), ("net", "dumpxml", "p0"),
             ("port", "list", "p0"), ("leases", "p0"), ("stats", "p0"),
             ("fdb", "p0")]
# read-only too, but about routing, which an isolated network does not do:
# the member gets the daemon's answer, the same as root's
READ_ONLY_ROUTED = [("conntrack", "p0"), ("forward", "list", "p0")]
ROOT_ONLY = [("net", "stop", "p0"), ("net", "start", "p0"),
             ("net", "undefine", "p0"), ("net", "autostart", "p0"),
             ("port", "del", "p0", "kv-g1")]


def proc_caps(pid):
    caps = {}
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            key, _, val = line.partition(":")
            if key.startswith("Cap"):
                caps[key] = int(val.strip(), 16)
    return caps


def test_capabilities_dropped(kvnet):
    caps = proc_caps(kvnet.daemon.pid)
    for key in ("CapEff", "CapPrm", "CapBnd"):
        assert caps[key] == KEPT_MASK, \
            f"{key} {caps[key]:#x}, want {KEPT_MASK:#x}\n{kvnet.log_tail(20)}"
    assert caps["CapInh"] == 0 and caps["CapAmb"] == 0
    for gone in ("dac_override", "chown", "fowner", "setpcap", "sys_module",
                 "sys_rawio", "setfcap", "sys_time", "mknod"):
        assert not caps["CapBnd"] & (1 << CAP[gone]), gone
    assert "capabilities kept:" in kvnet.log_text()


def test_works_after_the_drop(kvnet):
    """What needs the kept capabilities, after the drop: a network with
    its gateway, BPF datapath, DHCP (port 67, raw sockets) and DNS (port
    53) starts, a guest reaches the gateway, trace (tp_btf) runs, and a
    restarted kvnetd, as dropped, adopts the network."""
    net = kvnet.define_isolated("p0", "10.78.0.0/24")
    assert net["active"]
    g = kvnet.add_guest("p0", "g1", "10.78.0.10")
    g.ping("10.78.0.1")
    assert kvnet.net("p0")["dns"] == "10.78.0.1 port 53"
    tr = kvnet.host.popen([str(KVNET), "--run-dir", str(kvnet.run_dir), "trace",
                           "p0", "--count", "1", "--timeout", "20"],
                          stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        poll(lambda: g.ping("10.78.0.1", count=1, check=False) is not None
             and tr.poll() is not None, 20, "trace to show a packet")
        out, err = tr.communicate(timeout=5)
    finally:
        if tr.poll() is None:
            stop_process(tr)
    assert tr.returncode == 0 and "10.78.0.1" in out, f"{tr.returncode} {out} {err}"
    kvnet.restart_daemon()
    assert proc_caps(kvnet.daemon.pid)["CapEff"] == KEPT_MASK
    g.ping("10.78.0.1")
    assert kvnet.net("p0")["active"]


@pytest.fixture
def group():
    name = f"kvit{secrets.token_hex(3)}"
    run(["groupadd", "--system", name])
    try:
        yield grp.getgrnam(name)
    finally:
        run(["groupdel", name], check=False)


@pytest.fixture
def grouped(kvnet, group):
    """kvnetd restarted with --socket-group, network p0 running with a
    guest on it."""
    kvnet.daemon_args += ["--socket-group", group.gr_name]
    kvnet.restart_daemon()
    kvnet.define_xml(f"""<network xmlns:kvnet='{KVNET_XMLNS}'><name>p0</name>
  <ip address='10.79.0.1' prefix='24'>
    <dhcp><range start='10.79.0.100' end='10.79.0.150'/></dhcp>
  </ip>
</network>
""")
    kvnet.cli("net", "start", "p0")
    kvnet.add_guest("p0", "g1", "10.79.0.10")
    return kvnet


def cli_as(env, groups, *args):
    """kvnet ARGS as nobody, with the supplementary groups given (none:
    a member of no group)."""
    who = ["setpriv", f"--reuid={NOBODY}", f"--regid={NOBODY}"]
    who += [f"--groups={','.join(map(str, groups))}"] if groups else ["--clear-groups"]
    return env.host.run(who + [str(KVNET), "--run-dir", str(env.run_dir),
                               *map(str, args)], check=False, timeout=30)


def test_socket_belongs_to_the_group(grouped, group):
    st = os.stat(grouped.run_dir / "kvnetd.sock")
    assert st.st_gid == group.gr_gid
    assert st.st_mode & 0o777 == 0o660


def test_member_reads(grouped, group):
    for cmd in READ_ONLY:
        cp = cli_as(grouped, [group.gr_gid], *cmd)
        assert cp.returncode == 0, f"{cmd}: {cp.stderr}"
    cp = cli_as(grouped, [group.gr_gid], "--json", "net", "list")
    assert "p0" in cp.stdout
    for cmd in READ_ONLY_ROUTED:
        member = cli_as(grouped, [group.gr_gid], *cmd)
        root = grouped.cli(*cmd, check=False)
        assert (member.returncode, member.stderr) == (root.returncode, root.stderr), cmd
        assert "permission" not in member.stderr


def test_member_refused_what_changes_state(grouped, group):
    ports = grouped.net("p0")["ports"]
    for cmd in ROOT_ONLY:
        cp = cli_as(grouped, [group.gr_gid], *cmd)
        words = " ".join(cmd[:2]) if cmd[0] in ("net", "port") else cmd[0]
        assert cp.returncode == 4, f"{cmd}: {cp.returncode} {cp.stderr}"
        assert f"permission denied: '{words}' needs root" in cp.stderr, cp.stderr
    xml = grouped.write_xml(grouped.isolated_xml("p1", "10.80.0.0/24"))
    xml.chmod(0o644)
    cp = cli_as(grouped, [group.gr_gid], "net", "define", xml)
    assert cp.returncode == 4 and "'net define' needs root" in cp.stderr, cp.stderr
    # trace shows the guests' packets: root's alone
    cp = cli_as(grouped, [group.gr_gid], "trace", "p0", "--count", "1",
                "--timeout", "5")
    assert cp.returncode == 4 and "'trace' needs root" in cp.stderr, cp.stderr
    # nothing changed: p0 still runs with its port, p1 was never defined
    net = grouped.net("p0")
    assert net["active"] and net["ports"] == ports
    assert "p1" not in [n["name"] for n in grouped.nets()]


def test_member_cannot_run_a_guest(grouped, group):
    """vm run asks kvnetd for a port, root's alone: a reader gets status 4,
    and no tap or port is made."""
    cp = cli_as(grouped, [group.gr_gid], "vm", "run", "p0", "--name", "rd", "--",
                "qemu-system-x86_64", "-S")
    assert cp.returncode == 4, (cp.returncode, cp.stderr)
    assert "permission denied: 'port add' needs root" in cp.stderr, cp.stderr
    assert not grouped.host.link_exists("rd")
    assert grouped.port("p0", "rd") is None


def test_root_still_does_everything(grouped):
    grouped.cli("net", "stop", "p0")
    grouped.cli("net", "start", "p0")
    assert grouped.net("p0")["active"]


def test_non_member_cannot_connect(grouped):
    cp = cli_as(grouped, [], "net", "list")
    assert cp.returncode == 3, cp.stderr
    assert "Permission denied" in cp.stderr, cp.stderr


def test_unknown_group_refused(kvnet):
    cp = subprocess.run([str(KVNETD), "--socket-group",
                         f"nosuch{secrets.token_hex(3)}"],
                        capture_output=True, text=True, timeout=10)
    assert cp.returncode == 2
    assert "--socket-group: no group" in cp.stderr


def unit_bounding_set():
    """The capabilities docs/kvnetd.service leaves kvnetd."""
    caps = set()
    unit = Path(__file__).resolve().parents[2] / "docs" / "kvnetd.service"
    for line in unit.read_text().splitlines():
        if line.startswith("CapabilityBoundingSet="):
            caps |= {c.lower().removeprefix("cap_") for c in line.split("=", 1)[1].split()}
    return caps


def test_runs_under_the_units_bounding_set(kvnet, group):
    """kvnetd started as the unit starts it (its CapabilityBoundingSet=,
    NoNewPrivileges=): the socket gets its group, the bounding set ends as
    the kept set, and a network starts."""
    unit_caps = unit_bounding_set()
    assert KEPT <= unit_caps and unit_caps - KEPT == {"chown", "setpcap"}
    wrapper = kvnet.tmp / "kvnetd-unit"
    wrapper.write_text("#!/bin/sh\nexec setpriv --no-new-privs --bounding-set=-all,"
                       + ",".join(f"+{c}" for c in sorted(unit_caps))
                       + f" {KVNETD} \"$@\"\n")
    wrapper.chmod(0o755)
    kvnet.kill_daemon(signal.SIGTERM)
    kvnet.daemon_args += ["--socket-group", group.gr_name]
    kvnet.start_daemon(binary=wrapper)
    caps = proc_caps(kvnet.daemon.pid)
    assert caps["CapBnd"] == KEPT_MASK and caps["CapEff"] == KEPT_MASK, kvnet.log_tail(20)
    assert os.stat(kvnet.run_dir / "kvnetd.sock").st_gid == group.gr_gid
    net = kvnet.define_isolated("p0", "10.81.0.0/24")
    g = kvnet.add_guest("p0", "g1", "10.81.0.10")
    g.ping("10.81.0.1")
    assert net["active"]
