# SPDX-License-Identifier: GPL-2.0-only
"""Real qemu guests on kvnet networks, for test_guest.py and test_vm.py.

tests/guest/build.sh builds (and caches) the guest: the Debian cloud kernel
and a busybox initramfs that loads the virtio-net modules, configures eth0
from the kernel command line (a static kvnet.ip=A.B.C.D/P, or kvnet.ip=dhcp:
busybox udhcpc sending kvnet.name as its hostname), runs `iperf3 -s` and
prints a readiness marker with its address and MAC on its serial console.
qemu runs under TCG (KVM hangs on these machines; there is no vhost-net) in
the test's host namespace. A virtio-serial port carries a shell
(`cat PORT | sh`), so a test runs commands in the guest with run().

How the guest's NIC is made is decided here only (qemu_command()), by
LAUNCH (or $KVNET_VM_LAUNCH):

- "vm-run": `kvnet vm run NET --name VM [--mac MAC] -- qemu ARGS`, which
  makes the tap port and execs qemu (same PID) with the -netdev/-device of
  the NIC appended; the port goes when qemu exits;
- "port-add" (before vm run was there): `kvnet port add NET TAP --tap --mac
  MAC`, TAP being VM (or kvm-HASH when VM does not fit an interface name),
  then qemu opens the tap by name (-netdev tap,ifname=TAP); stop() deletes
  the port.
"""

import hashlib
import os
import re
import secrets
import selectors
import shutil
import socket
import subprocess
import time
from pathlib import Path

import pytest

from kvnet_harness import KVNET, ROOT, HarnessError, poll, run, stop_process

BUILD_SH = ROOT / "tests" / "guest" / "build.sh"
QEMU = "qemu-system-x86_64"
LAUNCH = os.environ.get("KVNET_VM_LAUNCH", "vm-run")
READY = "KVNET-GUEST-READY"
READY_LINE = re.compile(READY + r" [^\r\n]*\r?\n")
FAILED = "KVNET-GUEST-FAILED"
CMD_PORT = "kvnet.cmd"
# TCG_LOST_KICK: with event-index notifications (VIRTIO_RING_F_EVENT_IDX),
# this qemu (7.2) under TCG loses a transmit kick now and then: in about 1 of
# 13 runs of test_guest's bulk TCP, the guest's transmit ring stopped with
# its avail index ahead of the used index, qemu's avail_event at that used
# index and nothing in flight (the monitor's virtio-queue-status, and the
# ring read from guest memory), so the guest never kicked again and nothing
# it sent left qemu; kvnet's port counters and the tap's stopped with it.
# With the used ring's no-notify flag instead, 66 runs in a row passed. So
# `kvnet vm run` gives a guest under TCG its NIC with event_idx=off
# (tools/cli/cli_vm.c), and the port-add launch here does the same.
MONITOR_PROMPT = b"(qemu) "

# TCG boots this guest in about 3 s here (DHCP adds under a second); the
# bound allows a loaded machine and several guests booting at once.
BOOT_TIMEOUT = 90


@pytest.fixture(scope="module")
def guest_image():
    """Build (or reuse the cached) test guest; returns (kernel, initrd)."""
    if shutil.which(QEMU) is None:
        raise HarnessError(f"{QEMU} missing: install Debian package "
                           "qemu-system-x86 (tools/deps.sh)")
    if shutil.which("iperf3") is None:
        raise HarnessError("iperf3 missing: install Debian package iperf3")
    cp = run(["bash", BUILD_SH], check=False, timeout=900)
    if cp.returncode != 0:
        raise HarnessError(f"tests/guest/build.sh failed ({cp.returncode}):\n"
                           f"{cp.stdout}{cp.stderr}")
    out = dict(line.split("=", 1) for line in cp.stdout.splitlines()
               if "=" in line)
    kernel, initrd = Path(out["KERNEL"]), Path(out["INITRD"])
    assert kernel.is_file() and initrd.is_file(), cp.stdout
    return kernel, initrd


def name_mac(name):
    """A locally chosen MAC for a guest (port-add mode, or an explicit
    --mac): 52:54:00 and three bytes of the name's hash."""
    h = hashlib.sha256(name.encode()).digest()
    return "52:54:00:" + ":".join(f"{b:02x}" for b in h[:3])


def tap_name(name):
    """The tap of guest `name` in port-add mode: the name when it fits an
    interface name, else kvm- and 8 hex digits (as vm run does, with
    another hash)."""
    if re.fullmatch(r"[A-Za-z0-9_.-]{1,15}", name):
        return name
    return "kvm-" + hashlib.sha256(name.encode()).hexdigest()[:8]


def qemu_command(env, net, name, image, append, mac=None, launch=None):
    """The command that runs guest `name` on network `net`: qemu (TCG) with
    the kernel, initrd and command line, its console and command port, and
    the NIC made the `launch` way (see the module's comment). In port-add
    mode the tap port is added here. Returns (argv, port name or None when
    kvnet names it)."""
    launch = launch or LAUNCH
    kernel, initrd = image
    tmp = env.tmp
    base = [QEMU, "-accel", "tcg", "-m", "256", "-smp", "1",
            "-nodefaults", "-no-user-config", "-display", "none",
            "-no-reboot", "-kernel", kernel, "-initrd", initrd,
            "-append", append,
            "-serial", f"file:{tmp / f'{name}-console.log'}",
            # the command port: qemu connects to our socket at start-up
            "-device", "virtio-serial-pci",
            "-chardev", f"socket,id=cmd,path={tmp / f'{name}-cmd.sock'}",
            "-device", f"virtserialport,chardev=cmd,name={CMD_PORT}",
            # the monitor, for the NIC's rings in a failure's diagnostics
            "-monitor", f"unix:{tmp / f'{name}-mon.sock'},server=on,wait=off",
            # no option ROM on the NIC: the kernel is loaded directly
            "-global", "virtio-net-pci.romfile="]
    if launch == "vm-run":
        cmd = [KVNET, "--run-dir", env.run_dir, "vm", "run", net,
               "--name", name]
        if mac:
            cmd += ["--mac", mac]
        return [str(c) for c in cmd + ["--"] + base], None
    if launch != "port-add":
        raise HarnessError(f"unknown launch mode {launch!r}")
    mac, tap = mac or name_mac(name), tap_name(name)
    env.cli("port", "add", net, tap, "--tap", "--mac", mac)
    poll(lambda: env.host.link_exists(tap), 5, f"tap {tap}")
    base += ["-netdev", f"tap,id=n0,ifname={tap},script=no,downscript=no",
             # as vm run does under TCG (TCG_LOST_KICK)
             "-device", f"virtio-net-pci,netdev=n0,mac={mac},event_idx=off"]
    return [str(c) for c in base], tap


class QemuGuest:
    """qemu-system-x86_64 (TCG) in env.host with one NIC on kvnet network
    `net`, booting the test guest named `name`: a static ip (with gw) or
    ip="dhcp". mac=None: kvnet's choice (vm-run) or name_mac(name).
    ttyS0 is logged to a file; a virtio-serial port carries a shell over a
    unix socket (run()). Starting returns at once: wait_ready() waits for
    the boot, so several guests boot side by side."""

    def __init__(self, env, image, net, name, ip="dhcp", gw=None, prefix=24,
                 mac=None, launch=None):
        self.env, self.net, self.name = env, net, name
        self.launch = launch or LAUNCH
        self.mac = mac.lower() if mac else None
        self.ip, self.prefix = (None if ip == "dhcp" else ip), prefix
        self.dhcp = ip == "dhcp"
        self.console_path = env.tmp / f"{name}-console.log"
        self.qemu_log = env.tmp / f"{name}-qemu.log"
        self.cmd_path = env.tmp / f"{name}-cmd.sock"
        self.mon_path = env.tmp / f"{name}-mon.sock"
        self.sock = None
        self.rc = None
        self._buf = b""
        self._asking = False  # guest_state() is asking the guest
        addr = "dhcp" if self.dhcp else f"{ip}/{prefix}"
        append = (f"console=ttyS0 panic=-1 kvnet.ip={addr} "
                  f"kvnet.name={name} kvnet.cmd={CMD_PORT}")
        if gw:
            append += f" kvnet.gw={gw}"
        self.listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.listener.bind(str(self.cmd_path))
        self.listener.listen(1)
        if self.launch == "port-add" and self.mac is None:
            self.mac = name_mac(name)
        self.argv, self.port = qemu_command(env, net, name, image, append,
                                            self.mac, self.launch)
        with open(self.qemu_log, "wb") as log:
            self.proc = env.host.popen(self.argv, stdout=log,
                                       stderr=subprocess.STDOUT)

    def __repr__(self):
        return f"QemuGuest({self.name} {self.ip} {self.mac} port={self.port})"

    def console(self):
        try:
            return self.console_path.read_text(errors="replace")
        except OSError:
            return ""

    def diagnostics(self, lines=60):
        try:
            qlog = self.qemu_log.read_text(errors="replace")
        except OSError:
            qlog = ""
        con = "\n".join(self.console().splitlines()[-lines:])
        state = ("running" if self.proc.poll() is None
                 else f"exited {self.proc.returncode}")
        return (f"\n--- qemu {self.name} ({state}) output ---\n{qlog}"
                f"--- guest {self.name} console (last {lines} lines) ---\n"
                f"{con}\n{self.guest_state(lines)}{self.nic_rings()}")

    def monitor(self, *commands, timeout=5):
        """Run commands on qemu's human monitor; returns their outputs (the
        monitor's echo of each command left out)."""
        outs = []
        with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as mon:
            mon.settimeout(timeout)
            mon.connect(str(self.mon_path))
            buf = b""
            for cmd in (None,) + commands:
                if cmd is not None:
                    mon.sendall(cmd.encode() + b"\n")
                while not buf.endswith(MONITOR_PROMPT):
                    chunk = mon.recv(65536)
                    if not chunk:
                        raise OSError("the monitor closed")
                    buf += chunk
                if cmd is not None:
                    text = buf[:-len(MONITOR_PROMPT)].decode(errors="replace")
                    outs.append("\n".join(ln for ln in text.splitlines()
                                          if "\x1b" not in ln))
                buf = b""
        return outs

    def nic_rings(self):
        """The NIC's virtqueues as qemu sees them, with the avail index the
        guest wrote (read from guest memory): a transmit ring whose avail
        runs ahead of used with nothing in use is a kick qemu never saw."""
        if self.proc.poll() is not None:
            return ""
        try:
            listing, = self.monitor("info virtio")
            path = next(ln.split()[0] for ln in listing.splitlines()
                        if "[virtio-net]" in ln)
            out = "--- qemu's NIC rings ---\n"
            for q, what in ((0, "rx"), (1, "tx")):
                st, = self.monitor(f"info virtio-queue-status {path} {q}")
                field = dict(re.findall(r"(\w+):\s+(\w+)", st))
                ring, = self.monitor(f"xp /2hx {field['avail']}")
                avail = int(ring.split()[-1], 16)  # after the flags
                out += (f"{what}: the guest's avail index {avail}, qemu's "
                        f"last avail {field['last_avail_idx']}, used "
                        f"{field['used_idx']}, in use {field['inuse']}\n")
            return out
        except (OSError, StopIteration, KeyError, ValueError) as e:
            return f"(qemu's NIC rings not read: {e})\n"

    def snmp_counters(self, files="/proc/net/snmp"):
        """The guest's /proc/net/snmp-style counters (a line of names, then
        a line of values, per protocol) as {"TcpInCsumErrors": 0, ...}."""
        lines = [ln.split() for ln in self.run(f"cat {files}", timeout=10).splitlines()
                 if ":" in ln]
        return {f"{names[0][:-1]}{n}": int(v)
                for names, vals in zip(lines[::2], lines[1::2])
                for n, v in zip(names[1:], vals[1:])}

    def guest_state(self, lines):
        """The guest's TCP sockets and its iperf3 server's log, asked over
        the command port (empty when the guest no longer answers)."""
        if (self.proc.poll() is not None or self.sock is None
                or self._asking):
            return ""
        self._asking = True  # run() failing calls diagnostics() again
        try:
            return self.run("netstat -tn; echo '--- iperf3 -s log ---'; "
                            f"tail -n {lines} /run/iperf3.log", timeout=10)
        except (HarnessError, OSError) as e:
            return f"(guest state not read: {e})\n"
        finally:
            self._asking = False

    def find_port(self):
        """The kvnet port of this guest: the one `kvnet port list` shows
        with our name as its guest (vm-run), else the tap we added."""
        ports = self.env.ports(self.net)
        if self.launch == "vm-run":
            return next((p for p in ports if p.get("guest") == self.name),
                        None)
        return next((p for p in ports if p["iface"] == self.port), None)

    def wait_ready(self, timeout=BOOT_TIMEOUT):
        """Wait for the whole readiness line (qemu writes the console a
        byte at a time) and the command channel; learn the address (a
        lease) and MAC from the line and the port from kvnet. Returns the
        line."""
        def ready():  # truthy once there is an answer, good or bad
            con = self.console()
            if FAILED in con:
                return "the guest's init failed"
            if self.proc.poll() is not None:
                return f"qemu exited {self.proc.returncode}"
            return READY_LINE.search(con)
        try:
            got = poll(ready, timeout, f"{READY} on {self.name}'s console",
                       interval=0.1)
        except HarnessError as e:
            raise HarnessError(f"{e}{self.diagnostics()}") from None
        if isinstance(got, str):
            raise HarnessError(f"{self.name}: {got}{self.diagnostics()}")
        line = got.group(0).strip()
        fields = dict(w.split("=", 1) for w in line.split()[1:] if "=" in w)
        ip, prefix = fields["ip"].split("/")
        if self.ip is not None:
            assert ip == self.ip and int(prefix) == self.prefix, line
        self.ip, self.prefix = ip, int(prefix)
        if self.mac is not None:
            assert fields["mac"] == self.mac, line
        self.mac = fields["mac"]
        self.listener.settimeout(10)
        try:
            self.sock, _ = self.listener.accept()
        except OSError as e:
            raise HarnessError(f"qemu did not connect the command port: {e}"
                               f"{self.diagnostics()}") from None
        self.sock.setblocking(True)
        # the shell answers: the channel works and nothing is queued in it
        assert self.run("echo hello").strip() == "hello"
        port = self.find_port()
        assert port is not None, \
            f"no port of {self.name} on {self.net}: {self.env.ports(self.net)}"
        self.port = port["iface"]
        return line

    def run(self, command, timeout=30, check=True):
        """Run a shell command in the guest; returns its output (stdout and
        stderr). With check, a non-zero exit status fails; self.rc holds
        the status."""
        token = secrets.token_hex(4)
        line = f"{{ {command} ; }} </dev/null 2>&1; echo \"@@{token} $?\"\n"
        self.sock.sendall(line.encode())
        end = re.compile(rb"@@" + token.encode() + rb" (\d+)\n")
        deadline = time.monotonic() + timeout
        sel = selectors.DefaultSelector()
        sel.register(self.sock, selectors.EVENT_READ)
        try:
            while not (m := end.search(self._buf)):
                left = deadline - time.monotonic()
                if left <= 0:
                    raise HarnessError(
                        f"{self.name}: command {command!r}: no answer in "
                        f"{timeout}s, got {self._buf!r}{self.diagnostics()}")
                if sel.select(timeout=left):
                    chunk = self.sock.recv(65536)
                    if not chunk:
                        raise HarnessError(f"{self.name}: command channel "
                                           f"closed{self.diagnostics()}")
                    self._buf += chunk
        finally:
            sel.close()
        out = self._buf[:m.start()].decode(errors="replace")
        self._buf = self._buf[m.end():]
        self.rc = int(m.group(1))
        if check and self.rc != 0:
            raise HarnessError(f"{self.name}: command {command!r} exited "
                               f"{self.rc}:\n{out}")
        return out

    def stop(self):
        """Stop qemu (by PID) and close the channel; in port-add mode also
        delete the tap port (vm run's port goes with qemu). Returns qemu's
        exit status."""
        for s in (self.sock, self.listener):
            if s is not None:
                s.close()
        self.sock = self.listener = None
        rc = stop_process(self.proc)
        if self.launch == "port-add" and self.port:
            self.env.cli("port", "del", self.net, self.port, check=False)
        return rc
