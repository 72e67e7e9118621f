# SPDX-License-Identifier: GPL-2.0-only
"""make install / make uninstall, the installed systemd unit, and qemu's tap
scripts kvnet-ifup / kvnet-ifdown run by a real qemu.

Nothing is installed into the machine's own /: every install goes under a
temp DESTDIR. Two kinds:

- the layout: `make install DESTDIR=T` (PREFIX=/usr, and the default
  /usr/local as the README runs it) puts exactly the expected files there,
  with their modes and the installed paths written into the unit and the
  scripts; `make uninstall` with the same DESTDIR and PREFIX leaves no file
  behind (shared directories such as bin/ stay, kvnet's own libexec/kvnet
  goes);
- a deployed tree: installed with DESTDIR=T/stage PREFIX=T/root/usr, then
  moved to T/root/usr, as a package manager unpacks a staged tree, so the
  paths written into the unit and the scripts are real. systemd-analyze
  verify checks that unit (its ExecStart binary, its man pages through
  MANPATH, every key), and qemu runs those scripts.

qemu (TCG, -S: no guest runs) runs in the test's host namespace on a tap
qtap0 with script=kvnet-ifup, downscript=kvnet-ifdown, $KVNET_NETWORK and
$KVNET_RUN_DIR pointing at the test's kvnetd. About 10 s.
"""

import json
import os
import shutil
import signal
import socket
import subprocess
from pathlib import Path

import pytest

from kvnet_harness import BUILD, ROOT, HarnessError, poll, run, stop_process

QEMU = "qemu-system-x86_64"
NET = "t0"
TAP = "qtap0"
MULTIARCH = run(["gcc", "-print-multiarch"]).stdout.strip()


def make(*args, timeout=600):
    """make -C <source tree> args...; fails with make's output."""
    return run(["make", "-C", ROOT, "--no-print-directory", *args],
               timeout=timeout)


def expected_files(prefix, nssdir):
    """Every file make install writes (path under DESTDIR -> mode)."""
    p = prefix.lstrip("/")
    return {
        f"{p}/sbin/kvnetd": 0o755,
        f"{p}/bin/kvnet": 0o755,
        f"{p}/libexec/kvnet/kvnet-ifup": 0o755,
        f"{p}/libexec/kvnet/kvnet-ifdown": 0o755,
        f"{p}/share/man/man1/kvnet.1": 0o644,
        f"{p}/share/man/man8/kvnetd.8": 0o644,
        f"{p}/share/man/man8/kvnet-ifup.8": 0o644,
        f"{p}/share/man/man8/kvnet-ifdown.8": 0o644,
        f"{p}/lib/systemd/system/kvnetd.service": 0o644,
        f"{nssdir.lstrip('/')}/libnss_kvnet.so.2": 0o644,
    }


def files_under(top):
    """Every non-directory under top, as paths relative to it."""
    out = set()
    for d, _, names in os.walk(top):
        for n in names:
            out.add(os.path.relpath(os.path.join(d, n), top))
    return out


def script_text(name, bindir):
    return (ROOT / "tools" / name).read_text().replace("@BINDIR@", bindir)


@pytest.mark.kvnet_timeout(600)
@pytest.mark.parametrize("prefix", ["/usr", None], ids=["usr", "default"])
def test_install_layout_and_uninstall(tmp_path, prefix):
    dest = tmp_path / "dest"
    args = [f"DESTDIR={dest}"] + ([f"PREFIX={prefix}"] if prefix else [])
    make("install", *args)
    prefix = prefix or "/usr/local"
    want = expected_files(prefix, f"/usr/lib/{MULTIARCH}")
    assert files_under(dest) == set(want)
    for rel, mode in want.items():
        st = os.lstat(dest / rel)
        assert st.st_mode & 0o7777 == mode, f"{rel}: mode {st.st_mode:o}"
        assert st.st_uid == 0, rel
    root = dest / prefix.lstrip("/")
    assert (root / "sbin/kvnetd").read_bytes() == (BUILD / "kvnetd").read_bytes()
    assert (root / "bin/kvnet").read_bytes() == (BUILD / "kvnet").read_bytes()
    nss = dest / f"usr/lib/{MULTIARCH}/libnss_kvnet.so.2"
    assert nss.read_bytes() == (BUILD / "libnss_kvnet.so.2").read_bytes()
    for name in ("kvnet-ifup", "kvnet-ifdown"):
        text = (root / "libexec/kvnet" / name).read_text()
        assert "@BINDIR@" not in text
        assert f"kvnet={prefix}/bin/kvnet\n" in text
        assert text == script_text(name, f"{prefix}/bin")
    unit = (root / "lib/systemd/system/kvnetd.service").read_text()
    assert (f"ExecStart={prefix}/sbin/kvnetd --state-dir /var/lib/kvnet "
            f"--run-dir /run/kvnet\n") in unit
    for page, sect in (("kvnet.1", 1), ("kvnetd.8", 8), ("kvnet-ifup.8", 8),
                       ("kvnet-ifdown.8", 8)):
        assert ((root / f"share/man/man{sect}" / page).read_bytes()
                == (ROOT / "docs" / page).read_bytes())

    make("uninstall", *args)
    assert files_under(dest) == set()
    assert not (root / "libexec/kvnet").exists()
    assert (root / "bin").is_dir()  # shared directories stay


@pytest.fixture(scope="module")
def deployed(tmp_path_factory):
    """kvnet installed as a package manager would: staged with DESTDIR,
    then moved to the PREFIX it was built for. Returns that PREFIX."""
    tmp = tmp_path_factory.mktemp("deploy")
    tmp.chmod(0o755)  # qemu's scripts and kvnet run from here
    prefix = tmp / "root" / "usr"
    stage = tmp / "stage"
    make("install", f"DESTDIR={stage}", f"PREFIX={prefix}",
         f"NSSDIR={prefix}/lib/nss")
    shutil.move(f"{stage}{prefix}", prefix)
    assert files_under(stage) == set()
    return prefix


def verify_unit(deployed, unit):
    """systemd-analyze verify UNIT, finding the installed man pages;
    returns (exit status, its output lines)."""
    cp = run(["env", f"MANPATH={deployed}/share/man", "systemd-analyze",
              "verify", unit], check=False, timeout=60)
    return cp.returncode, (cp.stdout + cp.stderr).splitlines()


def test_unit_verifies(deployed, tmp_path):
    for tool, pkg in (("systemd-analyze", "systemd"), ("man", "man-db")):
        if shutil.which(tool) is None:
            raise HarnessError(f"{tool} missing: install Debian package {pkg}"
                               " (tools/deps.sh)")
    unit = deployed / "lib/systemd/system/kvnetd.service"
    text = unit.read_text()
    assert (f"ExecStart={deployed}/sbin/kvnetd --state-dir /var/lib/kvnet "
            f"--run-dir /run/kvnet\n") in text
    rc, out = verify_unit(deployed, unit)
    assert rc == 0, out
    assert [line for line in out if "kvnetd" in line] == []

    # verify does look at this unit: a bad key and a missing binary show.
    bad = tmp_path / "kvnetd.service"
    bad.write_text(text.replace("Restart=on-failure\n",
                                "Restart=on-failure\nRestartBogus=1\n"))
    rc, out = verify_unit(deployed, bad)
    assert any("RestartBogus" in line for line in out), out
    bad.write_text(text.replace(f"{deployed}/sbin/kvnetd",
                                f"{deployed}/sbin/missing"))
    rc, out = verify_unit(deployed, bad)
    assert rc != 0 and any("sbin/missing" in line for line in out), out


# systemd-analyze security's overall exposure of the hardened unit
# (docs/hardening.md: 9.6 without the sandbox, 4.2 with it); just above
# it, so that losing a setting fails
EXPOSURE_MAX = 4.5


def test_unit_security_exposure(deployed, tmp_path):
    unit = deployed / "lib/systemd/system/kvnetd.service"
    cp = run(["systemd-analyze", "security", "--offline=yes",
              f"--threshold={int(EXPOSURE_MAX * 10)}", unit], check=False, timeout=60)
    last = [line for line in cp.stdout.splitlines() if "Overall exposure level" in line]
    assert last, cp.stdout + cp.stderr
    level = float(last[0].split(":")[1].split()[0])
    assert level <= EXPOSURE_MAX and cp.returncode == 0, last[0]
    # and it does judge this unit: without the sandbox, far worse
    bare = tmp_path / "kvnetd.service"
    bare.write_text("".join(line + "\n" for line in unit.read_text().splitlines()
                            if line.startswith(("[", "ExecStart=", "Type=", "Description="))))
    cp = run(["systemd-analyze", "security", "--offline=yes", bare], check=False, timeout=60)
    assert "exposure level for kvnetd.service: 9.6" in cp.stdout, cp.stdout


class Qemu:
    """qemu (TCG, stopped at -S) in env.host with one tap netdev using the
    deployed kvnet-ifup / kvnet-ifdown. Its QMP socket tells when qemu is
    up (its signal handlers installed), so a SIGTERM is a clean exit."""

    def __init__(self, env, deployed, net, tap=TAP):
        self.env = env
        scripts = deployed / "libexec/kvnet"
        self.qmp_path = env.tmp / f"qmp-{tap}.sock"
        self.log_path = env.tmp / f"qemu-{tap}.log"
        cmd = [QEMU, "-accel", "tcg", "-nodefaults", "-no-user-config",
               "-display", "none", "-S",
               "-qmp", f"unix:{self.qmp_path},server=on,wait=off",
               "-netdev", f"tap,id=n0,ifname={tap},"
               f"script={scripts}/kvnet-ifup,"
               f"downscript={scripts}/kvnet-ifdown",
               "-device", "virtio-net-pci,netdev=n0,romfile="]
        qenv = {**os.environ, "KVNET_NETWORK": net,
                "KVNET_RUN_DIR": str(env.run_dir)}
        with open(self.log_path, "wb") as log:
            self.proc = env.host.popen(cmd, env=qenv, stdout=log,
                                       stderr=subprocess.STDOUT)

    def output(self):
        return self.log_path.read_text(errors="replace")

    def _qmp_status(self):
        with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as s:
            s.settimeout(5)
            s.connect(str(self.qmp_path))
            f = s.makefile("rwb")
            json.loads(f.readline())  # the greeting
            replies = []
            for cmd in ("qmp_capabilities", "query-status"):
                f.write(json.dumps({"execute": cmd}).encode() + b"\n")
                f.flush()
                replies.append(json.loads(f.readline()))
            return replies[-1]["return"]["status"]

    def wait_up(self, timeout=30):
        def up():
            if self.proc.poll() is not None:
                raise HarnessError(f"qemu exited {self.proc.returncode}:\n"
                                   f"{self.output()}")
            return self._qmp_status() == "prelaunch"
        poll(up, timeout, "qemu's QMP to report status prelaunch")

    def exited(self, timeout=30):
        try:
            return self.proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            stop_process(self.proc, signal.SIGKILL)
            raise HarnessError(f"qemu still running after {timeout}s:\n"
                               f"{self.output()}") from None


def port_names(env, net):
    return {p["iface"] for p in env.ports(net)}


@pytest.fixture
def qemu_net(kvnet):
    if shutil.which(QEMU) is None:
        raise HarnessError(f"{QEMU} missing: install Debian package "
                           "qemu-system-x86 (tools/deps.sh)")
    kvnet.define_isolated(NET)
    return kvnet


def test_qemu_ifup_ifdown(qemu_net, deployed):
    env = qemu_net
    q = Qemu(env, deployed, NET)
    poll(lambda: TAP in port_names(env, NET), 30,
         f"kvnet-ifup to add {TAP} to {NET}")
    q.wait_up()
    port = env.port(NET, TAP)
    assert port["kind"] == "tap" and not port["owned"], port
    assert port["oper"] == "up", port  # kvnet port add set it up

    assert stop_process(q.proc, signal.SIGTERM, timeout=30) == 0, q.output()
    poll(lambda: TAP not in port_names(env, NET), 10,
         f"{TAP} to leave {NET}")
    assert not env.host.link_exists(TAP)
    # kvnet-ifdown removed the port (kvnetd did not find it gone first),
    # quietly: qemu printed nothing.
    log = env.log_text()
    assert f"port {TAP} removed" in log or f"port '{TAP}' removed" in log, \
        env.log_tail()
    assert f"port {TAP} disappeared" not in log, env.log_tail()
    assert "kvnet-if" not in q.output(), q.output()


def test_qemu_killed_port_dropped(qemu_net, deployed):
    env = qemu_net
    q = Qemu(env, deployed, NET)
    poll(lambda: TAP in port_names(env, NET), 30,
         f"kvnet-ifup to add {TAP} to {NET}")
    q.wait_up()
    assert stop_process(q.proc, signal.SIGKILL) == -signal.SIGKILL
    # no downscript ran: kvnetd drops the port because the tap vanished
    poll(lambda: TAP not in port_names(env, NET), 10,
         f"kvnetd to drop {TAP} from {NET}")
    assert f"port {TAP} disappeared" in env.log_text(), env.log_tail()
    # kvnet-ifdown run late (as a launcher cleaning up would) is quiet
    cp = ifscript(env, deployed, "kvnet-ifdown", TAP, net=NET)
    assert (cp.returncode, cp.stdout, cp.stderr) == (0, "", "")


def test_qemu_stopped_while_kvnetd_down(qemu_net, deployed):
    """qemu stops while kvnetd is down: kvnet-ifdown says so, qemu still
    exits 0, and kvnetd, started again, no longer has the port."""
    env = qemu_net
    q = Qemu(env, deployed, NET)
    poll(lambda: TAP in port_names(env, NET), 30,
         f"kvnet-ifup to add {TAP} to {NET}")
    q.wait_up()
    env.kill_daemon(signal.SIGTERM)
    assert stop_process(q.proc, signal.SIGTERM, timeout=30) == 0, q.output()
    assert (f"kvnet-ifdown: kvnetd drops the port once tap '{TAP}' is gone"
            in q.output()), q.output()
    env.start_daemon()
    poll(lambda: env.net(NET)["active"], 10, f"{NET} to be adopted")
    assert TAP not in port_names(env, NET)


def test_qemu_ifup_unknown_network(qemu_net, deployed):
    env = qemu_net
    q = Qemu(env, deployed, "nosuchnet")
    rc = q.exited()
    out = q.output()
    assert rc != 0, out
    assert (f"kvnet-ifup: cannot attach tap '{TAP}' to kvnet network "
            f"'nosuchnet': network 'nosuchnet' is not defined") in out, out
    assert TAP not in port_names(env, NET)
    assert not env.host.link_exists(TAP)


def ifscript(env, deployed, name, *args, net=None, run_dir=None, path=None,
             extra_env=()):
    """Run a deployed script (or the one at `path`) by hand in env.host,
    with $KVNET_NETWORK set to net (unset if None)."""
    script = path or deployed / "libexec/kvnet" / name
    cmd = ["env", "-u", "KVNET_NETWORK",
           f"KVNET_RUN_DIR={run_dir or env.run_dir}", *extra_env]
    if net is not None:
        cmd.append(f"KVNET_NETWORK={net}")
    return env.host.run(cmd + [script, *args], check=False, timeout=30)


def test_scripts_by_hand(kvnet, deployed, tmp_path):
    env, tap = kvnet, "qtap1"
    for name in ("kvnet-ifup", "kvnet-ifdown"):
        cp = ifscript(env, deployed, name)
        assert cp.returncode == 2 and cp.stderr.startswith(
            f"usage: {name} TAP"), cp.stderr

    # no $KVNET_NETWORK: libvirt's network name, "default"
    env.define_isolated("default", subnet="10.78.0.0/24")
    env.host.ip("tuntap", "add", tap, "mode", "tap")
    cp = ifscript(env, deployed, "kvnet-ifup", tap)
    assert (cp.returncode, cp.stdout, cp.stderr) == (0, "", "")
    assert tap in port_names(env, "default")
    for _ in range(2):  # detached, then already gone: both quiet
        cp = ifscript(env, deployed, "kvnet-ifdown", tap)
        assert (cp.returncode, cp.stdout, cp.stderr) == (0, "", "")
        assert tap not in port_names(env, "default")

    # a copy from the source tree finds kvnet on PATH
    src = ROOT / "tools" / "kvnet-ifup"
    cp = ifscript(env, deployed, None, tap, path=src,
                  extra_env=[f"PATH={BUILD}:{os.environ['PATH']}"])
    assert (cp.returncode, cp.stdout, cp.stderr) == (0, "", "")
    assert tap in port_names(env, "default")
    cp = ifscript(env, deployed, None, tap, path=src, extra_env=["PATH=/nonexistent"])
    assert cp.returncode == 1 and cp.stderr == (
        "kvnet-ifup: kvnet is not on PATH (/nonexistent)\n"), cp.stderr

    # a stopped network has no ports: ifup fails, ifdown has nothing to do
    env.cli("net", "stop", "default")
    cp = ifscript(env, deployed, "kvnet-ifup", tap)
    assert cp.returncode == 1 and cp.stderr == (
        f"kvnet-ifup: cannot attach tap '{tap}' to kvnet network 'default':"
        f" network 'default' is not active; start it first\n"), cp.stderr
    cp = ifscript(env, deployed, "kvnet-ifdown", tap)
    assert (cp.returncode, cp.stdout, cp.stderr) == (0, "", "")
    cp = ifscript(env, deployed, "kvnet-ifdown", tap, net="nosuchnet")
    assert (cp.returncode, cp.stdout, cp.stderr) == (0, "", "")
    cp = ifscript(env, deployed, "kvnet-ifup", tap, net="nosuchnet")
    assert cp.returncode == 1 and cp.stderr == (
        f"kvnet-ifup: cannot attach tap '{tap}' to kvnet network "
        f"'nosuchnet': network 'nosuchnet' is not defined\n"), cp.stderr

    # no kvnetd behind the run directory: both say so; ifup fails (exit 3),
    # ifdown does not (kvnetd drops the port once the tap is gone)
    empty = tmp_path / "run"
    empty.mkdir()
    why = (f"cannot reach kvnetd at {empty}/kvnetd.sock: No such file or "
           f"directory (is kvnetd running?)")
    cp = ifscript(env, deployed, "kvnet-ifup", tap, run_dir=empty)
    assert cp.returncode == 3 and cp.stderr == (
        f"kvnet-ifup: cannot attach tap '{tap}' to kvnet network 'default': "
        f"{why}\n"), cp.stderr
    cp = ifscript(env, deployed, "kvnet-ifdown", tap, run_dir=empty)
    assert cp.returncode == 0 and cp.stderr == (
        f"kvnet-ifdown: cannot detach tap '{tap}' from kvnet network "
        f"'default': {why}\n"
        f"kvnet-ifdown: kvnetd drops the port once tap '{tap}' is gone\n"), \
        cp.stderr
