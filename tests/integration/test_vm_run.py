# SPDX-License-Identifier: GPL-2.0-only
"""`kvnet vm run NET [--name VM] [--mac MAC] [--queues N] -- qemu ...` and
`kvnet port add --tap --owner/--group/--queues`, with a real qemu.

qemu runs paused (-S, no guest boots): what is checked here is the tap and
the port around it, not the guest (test_vm.py boots guests under vm run).
Checked: the port appears with the guest's name, its tap named after the
guest, its MAC stable and derived from the name (or --mac); qemu (the same
PID: vm run execs it) got the tap as an inherited descriptor with vnet
headers and the matching virtio-net-pci device; vhost falls back to off
(this machine has no /dev/vhost-net); the port goes away when qemu ends by
SIGKILL, SIGTERM or Ctrl-C (SIGINT), when exec fails, and when kvnetd was
down as qemu ended; kvnetd restarted while qemu runs keeps the port and
its guest name; multiqueue taps; a second guest of the same name and bad
arguments are refused with nothing left behind; owner and group of a tap.

kill -9 at any moment leaves nothing behind: the tap is never persistent,
kvnetd hands its queues over with the answer to `port.add` ("fds": true,
SCM_RIGHTS), so the CLI killed at each of its steps (build/kvnet-faults),
a client killed with the descriptors in flight or in hand, and kvnetd
killed at each of its steps (build/kvnetd-faults) all end with the tap
and the port gone.
"""

import array
import json
import os
import signal
import socket
import subprocess

import pytest

from kvnet_harness import (KVNET, KVNET_FAULTS, KVNETD_FAULTS, PYTHON, HarnessError,
                           poll, stop_process)

NET = "t0"
QEMU = "qemu-system-x86_64"
QEMU_PAUSED = [QEMU, "-accel", "tcg", "-nodefaults", "-no-user-config",
               "-display", "none", "-S", "-m", "64"]


def vm_run(env, *args, qemu=None, fault=None, **kw):
    """Start `kvnet vm run NET args -- qemu` in env.host; returns the
    process (which becomes qemu). fault: KVNET_FAULT for build/kvnet-faults
    (switch/fault.h), run instead of kvnet."""
    cli = KVNET_FAULTS if fault else KVNET
    if fault:
        kw["env"] = {**os.environ, "KVNET_FAULT": fault}
    cmd = [cli, "--run-dir", env.run_dir, "vm", "run", NET, *args, "--",
           *(qemu or QEMU_PAUSED)]
    log = open(env.tmp / "vm-run.log", "ab")
    return env.host.popen([str(c) for c in cmd], stdout=log, stderr=log, **kw)


def vm_log(env):
    return (env.tmp / "vm-run.log").read_text(errors="replace")


def cmdline(pid):
    with open(f"/proc/{pid}/cmdline", "rb") as f:
        return [a.decode() for a in f.read().split(b"\0") if a]


def tap_details(env, tap):
    (info,) = env.host.ip_json("-d", "link", "show", tap)
    return info


def wait_port(env, iface, present=True, timeout=15, proc=None):
    def check():
        if present and proc is not None and proc.poll() is not None:
            raise HarnessError(f"vm run exited {proc.returncode}:\n{vm_log(env)}")
        return (env.port(NET, iface) is not None) == present
    poll(check, timeout, f"port {iface} {'to appear' if present else 'to go'}")
    if not present:
        poll(lambda: not env.host.link_exists(iface), timeout, f"tap {iface} to go")
    return env.port(NET, iface) if present else None


def wait_exec(env, proc, timeout=15, program=QEMU):
    """Until the process is qemu, or the program given (vm run exec'd it)."""
    def is_qemu():
        if proc.poll() is not None:
            raise HarnessError(f"vm run exited {proc.returncode}:\n{vm_log(env)}")
        return cmdline(proc.pid)[0] == program
    poll(is_qemu, timeout, "vm run to exec qemu")
    return cmdline(proc.pid)


TAP_OPEN = """
import errno, fcntl, os, struct, sys
f = os.open("/dev/net/tun", os.O_RDWR)
flags = 0x0002 | 0x1000 | 0x4000 | 0x0100  # TAP, NO_PI, VNET_HDR, MULTI_QUEUE
try:
    fcntl.ioctl(f, 0x400454ca, struct.pack("16sH22x", sys.argv[1].encode(), flags))
    print("ok")
except OSError as e:
    print(os.strerror(e.errno))
"""


def tap_open_as(env, tap, uid):
    """What TUNSETIFF on tap says to uid: "ok" or the error."""
    node = env.tmp / "tun"
    script = (f"mknod -m 666 {node} c 10 200 && mount --bind {node} /dev/net/tun"
              f" && exec setpriv --reuid {uid} --regid 65534 --clear-groups"
              f" /usr/bin/python3 -c '{TAP_OPEN}' {tap}")
    cp = env.host.run(["unshare", "-m", "sh", "-c", script], check=False)
    node.unlink(missing_ok=True)
    assert cp.returncode == 0, cp
    return cp.stdout.strip()


@pytest.fixture
def net(kvnet):
    kvnet.define_isolated(NET)
    procs = []
    yield kvnet, procs
    for p in procs:
        if p.poll() is None:
            stop_process(p, signal.SIGKILL)


def start(env, procs, *args, **kw):
    p = vm_run(env, *args, **kw)
    procs.append(p)
    return p


def test_vm_run_port_named_and_gone_with_qemu(net):
    env, procs = net
    p = start(env, procs, "--name", "web1")
    argv = wait_exec(env, p)
    port = wait_port(env, "web1", proc=p)
    assert port["guest"] == "web1" and port["kind"] == "tap" and port["owned"]
    mac = port["guest_mac"]
    assert mac.startswith("52:54:00:"), port
    # the tap's own MAC is the guest's with fe: first, as libvirt's
    assert port["mac"] == "fe" + mac[2:], port
    netdev = argv[argv.index("-netdev") + 1]
    device = argv[argv.index("-device") + 1]
    assert netdev.startswith("tap,id=kvnet0,fd=") and "vhost=off" in netdev, argv
    # under TCG, without event-index notifications (TCG_LOST_KICK)
    assert device == f"virtio-net-pci,netdev=kvnet0,mac={mac},event_idx=off", argv
    assert "under TCG" in vm_log(env) and "event_idx=off" in vm_log(env)
    fd = int(netdev.split("fd=")[1].split(",")[0])
    assert os.readlink(f"/proc/{p.pid}/fd/{fd}") == "/dev/net/tun"
    info = tap_details(env, "web1")["linkinfo"]["info_data"]
    assert info["vnet_hdr"] is True and info["persist"] is False, info
    assert "vhost=off" in vm_log(env) and "/dev/vhost-net" in vm_log(env)
    os.kill(p.pid, signal.SIGKILL)
    p.wait(timeout=10)
    wait_port(env, "web1", present=False)
    assert f"port web1 disappeared" in env.log_text()


def test_vm_run_mac_is_stable_and_can_be_given(net):
    env, procs = net
    p = start(env, procs, "--name", "stable")
    wait_exec(env, p)
    first = wait_port(env, "stable", proc=p)["guest_mac"]
    stop_process(p)
    wait_port(env, "stable", present=False)
    p = start(env, procs, "--name", "stable")
    wait_exec(env, p)
    assert wait_port(env, "stable", proc=p)["guest_mac"] == first
    stop_process(p)
    p = start(env, procs, "--name", "given", "--mac", "52:54:00:aa:bb:cc")
    argv = wait_exec(env, p)
    assert wait_port(env, "given", proc=p)["guest_mac"] == "52:54:00:aa:bb:cc"
    assert "mac=52:54:00:aa:bb:cc" in argv[argv.index("-device") + 1]


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGINT])
def test_vm_run_port_gone_when_qemu_stops(net, sig):
    env, procs = net
    p = start(env, procs, "--name", "vmsig")
    wait_exec(env, p)
    wait_port(env, "vmsig", proc=p)
    os.kill(p.pid, sig)
    p.wait(timeout=10)
    wait_port(env, "vmsig", present=False)


def test_vm_run_name_from_qemu_and_long_names(net):
    env, procs = net
    p = start(env, procs, qemu=QEMU_PAUSED + ["-name", "guest=fromqemu,debug-threads=on"])
    wait_exec(env, p)
    assert wait_port(env, "fromqemu", proc=p)["guest"] == "fromqemu"
    long = "a-guest-name-longer-than-an-interface"
    p = start(env, procs, "--name", long)
    wait_exec(env, p)
    port = next(q for q in poll(lambda: [q for q in env.ports(NET)
                                          if q.get("guest") == long], 15,
                                "the long-named guest's port"))
    assert port["iface"].startswith("kvm-") and len(port["iface"]) == 12, port


# Stands in for qemu where qemu itself cannot start: it keeps the argv vm
# run gave it (read back from /proc) and the tap's descriptor until killed.
ARGV_HOLDER = [PYTHON, "-c", "import signal; signal.pause()"]


@pytest.mark.parametrize("accel", [
    ["-accel", "kvm"], ["-enable-kvm"], ["--enable-kvm"],
    ["-machine", "q35,accel=kvm"], ["-M", "accel=kvm:tcg"],
    ["-accel", "tcg"], ["-machine", "accel=tcg"], [],
])
def test_vm_run_event_idx_off_only_under_tcg(net, accel):
    """A guest under TCG (qemu's default, or asked for) gets its NIC with
    event_idx=off; one under KVM keeps qemu's default. The TCG spellings run
    a paused qemu, which must accept the device as given. A KVM spelling
    runs ARGV_HOLDER instead: qemu asked for KVM exits at once on a machine
    without /dev/kvm (as the CI machine may be), and the argv is what is
    checked."""
    env, procs = net
    tcg = not any("kvm" in a for a in accel)
    program = [QEMU] if tcg else ARGV_HOLDER
    qemu = [*program, *accel, "-nodefaults", "-no-user-config", "-display",
            "none", "-S", "-m", "64"]
    p = start(env, procs, "--name", "acc", qemu=qemu)
    argv = wait_exec(env, p, program=program[0])
    device = argv[argv.index("-device") + 1]
    assert device.endswith(",event_idx=off") == tcg, (accel, device)
    assert ("under TCG" in vm_log(env)) == tcg, vm_log(env)
    wait_port(env, "acc", proc=p)
    os.kill(p.pid, signal.SIGKILL)
    p.wait(timeout=10)
    wait_port(env, "acc", present=False)


def test_vm_run_multiqueue(net):
    env, procs = net
    p = start(env, procs, "--name", "mq", "--queues", "3")
    argv = wait_exec(env, p)
    wait_port(env, "mq", proc=p)
    netdev = argv[argv.index("-netdev") + 1]
    fds = netdev.split("fds=")[1].split(",")[0].split(":")
    assert len(fds) == 3, argv
    assert "mq=on,vectors=8" in argv[argv.index("-device") + 1], argv
    info = tap_details(env, "mq")["linkinfo"]["info_data"]
    # qemu holds all three; it enables the extra ones when the guest's
    # driver asks for them (a paused guest has not)
    assert info["multi_queue"] is True, info
    assert info["numqueues"] + info["numdisabled"] == 3, info


def test_vm_run_refusals_leave_nothing(net):
    env, procs = net
    p = start(env, procs, "--name", "dup")
    wait_exec(env, p)
    wait_port(env, "dup", proc=p)
    second = vm_run(env, "--name", "dup")
    assert second.wait(timeout=15) == 1
    assert "a guest named 'dup' already runs on network 't0'" in vm_log(env)
    assert p.poll() is None and env.port(NET, "dup") is not None
    for args, code, why in [
            (["--name", "-bad"], 2, "invalid guest name"),
            (["--name", "ok", "--mac", "zz"], 2, "invalid MAC"),
            (["--name", "ok", "--queues", "0"], 2, "--queues"),
            (["--name", "ok", "--mac", "01:00:5e:00:00:01"], 1, "not a unicast")]:
        assert vm_run(env, *args).wait(timeout=15) == code, vm_log(env)
        assert why in vm_log(env)
    cp = env.host.run([KVNET, "--run-dir", env.run_dir, "vm", "run", "nonet",
                       "--", QEMU], check=False)
    assert cp.returncode == 1 and "nonet" in cp.stderr, cp
    cp = env.host.run([KVNET, "--run-dir", env.run_dir, "vm", "run", NET],
                      check=False)
    assert cp.returncode == 2 and "qemu command" in cp.stderr, cp
    assert [q["iface"] for q in env.ports(NET) if q["kind"] == "tap"] == ["dup"]


def test_vm_run_exec_failure_removes_the_port(net):
    env, procs = net
    p = vm_run(env, "--name", "noexec", qemu=["/nonexistent/qemu", "-S"])
    assert p.wait(timeout=15) == 127
    assert "cannot run /nonexistent/qemu" in vm_log(env)
    wait_port(env, "noexec", present=False)


def test_vm_run_across_kvnetd_restarts(net):
    env, procs = net
    p = start(env, procs, "--name", "keep")
    wait_exec(env, p)
    wait_port(env, "keep", proc=p)
    env.kill_daemon()
    env.start_daemon()
    assert env.port(NET, "keep")["guest"] == "keep"
    # qemu ends while kvnetd is down: the next kvnetd drops the port
    env.kill_daemon()
    stop_process(p, signal.SIGKILL)
    env.start_daemon()
    assert env.port(NET, "keep") is None
    assert not env.host.link_exists("keep")


def test_port_add_tap_owner_group_queues(net):
    env, _ = net
    env.cli("port", "add", NET, "ownd", "--tap", "--owner", "nobody",
            "--group", "65534", "--queues", "2")
    info = tap_details(env, "ownd")["linkinfo"]["info_data"]
    assert info["user"] == "nobody" and info["multi_queue"] is True, info
    assert info["group"] in ("nogroup", "65534"), info
    # nobody may open it (as qemu run by libvirt's user would), another
    # user may not; /dev/net/tun is root's only on this machine, so a
    # node open to all is bound over it in a mount namespace of our own
    assert tap_open_as(env, "ownd", "nobody") == "ok"
    assert "Operation not permitted" in tap_open_as(env, "ownd", "12345")
    for args, why in [(["--owner", "no-such-user-x"], "no such user"),
                      (["--queues", "65"], "--queues"),
                      (["--group", "no-such-group-x"], "no such group")]:
        cp = env.cli("port", "add", NET, "bad0", "--tap", *args, check=False)
        assert cp.returncode != 0 and why in cp.stderr, cp
    cp = env.cli("port", "add", NET, "ownd-p", "--owner", "0", check=False)
    assert cp.returncode == 1 and "--tap" in cp.stderr, cp
    assert not env.host.link_exists("bad0")


def taps_left(env):
    """The taps kvnetd lists as ports of NET, and those the kernel has."""
    ports = [q["iface"] for q in env.ports(NET) if q["kind"] == "tap"]
    links = [li["ifname"] for li in env.host.ip_json("-d", "link", "show")
             if li.get("linkinfo", {}).get("info_kind") == "tun"]
    return ports, links


def wait_nothing_left(env, what, timeout=15):
    poll(lambda: taps_left(env) == ([], []), timeout,
         f"{what}: the tap and its port to go (left: {taps_left(env)})")


def cli_points(env):
    """vm run's fault points, in order (build/kvnet-faults, list:)."""
    points = env.tmp / "cli-points"
    p = vm_run(env, "--name", "pts", fault=f"list:{points}")
    wait_exec(env, p)
    stop_process(p, signal.SIGKILL)
    wait_nothing_left(env, "listing points")
    return points.read_text().split()[1::2]


def test_vm_run_killed_at_each_step_leaves_nothing(net):
    """The CLI SIGKILLed right after kvnetd handed it the tap (and before
    exec, vhost opened): the kernel drops the tap with its last
    descriptor, kvnetd the port."""
    env, procs = net
    names = cli_points(env)
    assert names == ["vm.tap.received", "vm.exec"], names
    for k, name in enumerate(names, start=1):
        p = vm_run(env, "--name", "killed", fault=f"kill:{k}")
        procs.append(p)
        assert p.wait(timeout=15) == -signal.SIGKILL, (name, vm_log(env))
        wait_nothing_left(env, f"killed at {name}")
        assert "port killed disappeared" in env.log_text()
        assert env.log_text().count("port killed (ifindex") == k, name


# A client of the protocol as kvnet vm run speaks it, stopping where told:
# "sent" (the answer and its descriptors still in the socket) or "held"
# (received); it says so on stdout, then waits to be killed.
HOLDER = """
import array, json, socket, sys
s = socket.socket(socket.AF_UNIX)
s.connect(sys.argv[1])
req = {"cmd": "port.add", "args": {"net": sys.argv[2], "iface": sys.argv[3],
       "tap": True, "guest": sys.argv[3], "fds": True, "queues": 2}}
s.sendall(json.dumps(req).encode() + b"\\n")
if sys.argv[4] == "held":
    msg, fds, _, _ = socket.recv_fds(s, 65536, 8)
    print(json.dumps({"reply": json.loads(msg), "fds": fds}), flush=True)
else:
    print("sent", flush=True)
sys.stdin.read()
"""


def holder(env, iface, stop_at):
    return env.host.popen([PYTHON, "-c", HOLDER, str(env.run_dir / "kvnetd.sock"),
                           NET, iface, stop_at],
                          stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)


@pytest.mark.parametrize("stop_at", ["sent", "held"])
def test_port_add_fds_client_killed(net, stop_at):
    """kill -9 of a client with the tap's descriptors in flight or in
    hand: the tap and the port go; until then the tap is there, with two
    queues, and not persistent."""
    env, procs = net
    p = holder(env, "held0", stop_at)
    procs.append(p)
    line = p.stdout.readline()
    wait_port(env, "held0")
    if stop_at == "held":
        got = json.loads(line)
        assert got["reply"]["ok"] and len(got["fds"]) == 2, got
        assert got["reply"]["result"]["guest"] == "held0", got
    else:
        assert line.strip() == "sent"
    info = tap_details(env, "held0")["linkinfo"]["info_data"]
    assert info["persist"] is False and info["multi_queue"] is True, info
    os.kill(p.pid, signal.SIGKILL)
    p.wait(timeout=10)
    wait_nothing_left(env, f"client killed ({stop_at})")


def test_port_add_fds_refused_without_tap(net):
    env, _ = net
    env.host.ip("link", "add", "fdsveth", "type", "veth", "peer", "fdsveth-p")
    try:
        s = socket.socket(socket.AF_UNIX)
        s.connect(str(env.run_dir / "kvnetd.sock"))
        s.sendall(json.dumps({"cmd": "port.add", "args": {
            "net": NET, "iface": "fdsveth", "fds": True}}).encode() + b"\n")
        msg, fds, _, _ = socket.recv_fds(s, 65536, 8)
        s.close()
        reply = json.loads(msg)
        assert not reply["ok"] and fds == [], reply
        assert "(--tap)" in reply["error"]["message"], reply
        assert env.port(NET, "fdsveth") is None
    finally:
        env.host.ip("link", "del", "fdsveth")


def start_faulty_daemon(env, fault):
    """build/kvnetd-faults, once it has adopted the network (an adoption
    finished by a request would pass fault points of its own)."""
    env.kill_daemon(signal.SIGTERM)
    env.start_daemon(binary=KVNETD_FAULTS, extra_env={"KVNET_FAULT": fault})
    poll(lambda: not any(n["adopting"] for n in env.nets()), 15, "the adoption")


def daemon_points(env):
    """kvnetd's fault points while it serves vm run's port.add."""
    points = env.tmp / "daemon-points"
    start_faulty_daemon(env, f"list:{points}")
    p = vm_run(env, "--name", "dpts")
    wait_exec(env, p)
    stop_process(p, signal.SIGKILL)
    wait_nothing_left(env, "listing kvnetd's points")
    return points.read_text().split()[1::2]


@pytest.mark.kvnet_timeout(600)
def test_vm_run_kvnetd_killed_at_each_step(net):
    """kvnetd SIGKILLed at each step of making the guest's port: vm run
    fails (no qemu runs), and once kvnetd is back nothing is left, in its
    port list or in the kernel; a guest started then runs."""
    env, procs = net
    names = daemon_points(env)
    assert "link.tap.create" in names and "link.tap.created" in names, names
    for k, name in enumerate(names, start=1):
        start_faulty_daemon(env, f"kill:{k}")
        p = vm_run(env, "--name", "dkill")
        procs.append(p)
        assert p.wait(timeout=15) == 1, (name, vm_log(env))
        poll(lambda: not env.daemon_alive(), 10, f"kvnetd to die at {name}")
        env.expect_alive = False
        env.start_daemon()
        wait_nothing_left(env, f"kvnetd killed at {name}")
    p = start(env, procs, "--name", "after")
    wait_exec(env, p)
    wait_port(env, "after", proc=p)
