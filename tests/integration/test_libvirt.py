# SPDX-License-Identifier: GPL-2.0-only
"""libvirt itself on kvnet: a domain whose NIC is
`<interface type='ethernet'><target dev='vm1' managed='no'/>` on a tap
made by `kvnet port add t0 vm1 --tap --mac ...`, started and destroyed by
a real libvirtd through virsh; and libvirt's stock default network
(/usr/share/libvirt/networks/default.xml, from its Debian package) defined
and started by kvnet as it is.

The libvirtd is Debian 12's (packages libvirt-daemon,
libvirt-daemon-driver-qemu, libvirt-clients; never libvirt-daemon-system),
started by the test in its host namespace (env.host) and stopped by PID.
It runs as root, as the system libvirtd does, but in a mount namespace of
its own (unshare -m) in which the test's temp dir is bound over
/etc/libvirt, /run and /var, so its config, sockets, state, caches and
logs are all in the temp dir; /etc/passwd and /etc/group are bound copies
that add the libvirt-qemu user Debian's qemu driver runs guests as (made
by libvirt-daemon-system's postinst, so not on this machine), and a
/dev/kvm node its group can open, bound over the machine's. Only the
qemu driver is loaded (LIBVIRT_DRIVER_DIR): no network, nwfilter or
storage driver starts. virsh talks to it over the socket in the temp dir.
The test checks that nothing appeared where a system libvirt keeps its
state and that the root namespace's links did not change.

The guest is tests/guest/build.sh's kernel and initramfs, booted directly
under TCG (`<domain type='qemu'>`, no disk) with its address on the
kernel command line; its serial console goes to a file and a virtio-serial
channel carries a shell, as in test_guest.py.

Checked: the guest boots on the kvnet tap and pings the gateway and a veth
guest on the same network, and they ping it; kvnet's FDB learns its MAC
on vm1; qemu runs as libvirt-qemu, not root, and got the tap as a file
descriptor from libvirtd (which opened it as root: the tap needs no owner
for the system libvirtd), and libvirt left the tap's MAC (fe:...) alone;
`virsh destroy` leaves the tap and kvnet's port in place (managed='no'),
and `virsh start` boots the guest again on the same tap.

The second test defines and starts libvirt's stock default.xml, unpacked
from libvirt-daemon-config-network's .deb (apt-get download, never
installed), and checks tests/data's copy of it.

About 30 s here: two boots of about 5 s under TCG, libvirt's first probe
of qemu (4 s), pings.
"""

import glob
import os
import re
import secrets
import selectors
import shutil
import socket
import stat
import subprocess
import time
from pathlib import Path

import pytest

from kvnet_harness import ROOT, HarnessError, poll, run, stop_process

BUILD_SH = ROOT / "tests" / "guest" / "build.sh"
DATA = ROOT / "tests" / "data"
NET = "t0"
SUBNET = "10.77.0.0/24"
GW_IP = "10.77.0.1"
VM_TAP = "vm1"
VM_MAC = "52:54:00:9e:00:34"
VM_TAP_MAC = "fe:54:00:9e:00:34"  # kvnet's libvirt-style MAC of the tap
VM_IP = "10.77.0.50"
VETH_IP = "10.77.0.11"
DOMAIN = "kvnet-vm1"
READY_LINE = re.compile(r"KVNET-GUEST-READY [^\r\n]*\r?\n")
FAILED = "KVNET-GUEST-FAILED"
CMD_PORT = "kvnet.cmd"
BOOT_TIMEOUT = 60
QEMU_USER = "libvirt-qemu"  # Debian's build: -Dqemu_user=libvirt-qemu
QEMU_UID = 64055  # the uid libvirt-daemon-system gives it
# Debian package of each program this file runs (deps.sh installs them)
PROGRAMS = {"libvirtd": "libvirt-daemon", "virsh": "libvirt-clients",
            "qemu-system-x86_64": "qemu-system-x86", "unshare": "util-linux",
            "apt-get": "apt", "dpkg-deb": "dpkg"}
# Where a system libvirt keeps its state: none of them may change.
SYSTEM_PATHS = ("/etc/libvirt", "/run/libvirt", "/var/run/libvirt",
                "/var/lib/libvirt", "/var/cache/libvirt", "/var/log/libvirt",
                "/root/.config/libvirt", "/root/.cache/libvirt")

QEMU_CONF = f"""\
# qemu runs as Debian's system libvirtd runs it, as {QEMU_USER}
user = "{QEMU_USER}"
group = "{QEMU_USER}"
# leave the owners of the guest's kernel and initramfs alone
dynamic_ownership = 0
remember_owner = 0
security_driver = "none"
# no cgroups, no virtlogd (no systemd here to socket-activate it)
cgroup_controllers = [ ]
stdio_handler = "file"
"""

LIBVIRTD_CONF = """\
log_outputs = "3:file:/var/log/libvirt/libvirtd.log"
"""

# Run inside `unshare --mount --propagation private` in env.host: binds
# the test's dirs over libvirt's and execs libvirtd, so its PID is the
# Popen's.
START_SH = """\
set -e
r=$1
mount --bind "$r/etc" /etc/libvirt
mount --bind "$r/passwd" /etc/passwd
mount --bind "$r/group" /etc/group
mount --bind "$r/run" /run
mount --bind "$r/var" /var
[ ! -e "$r/kvm" ] || mount --bind "$r/kvm" /dev/kvm
export LIBVIRT_DRIVER_DIR="$r/drivers"
exec libvirtd --config /etc/libvirt/libvirtd.conf
"""

DOMAIN_XML = """\
<domain type='qemu'>
  <name>{name}</name>
  <memory unit='MiB'>256</memory>
  <vcpu>1</vcpu>
  <os>
    <type arch='x86_64'>hvm</type>
    <kernel>{kernel}</kernel>
    <initrd>{initrd}</initrd>
    <cmdline>console=ttyS0 panic=-1 kvnet.ip={ip}/24 kvnet.gw={gw} \
kvnet.cmd={cmd_port}</cmdline>
  </os>
  <on_reboot>destroy</on_reboot>
  <devices>
    <interface type='ethernet'>
      <mac address='{mac}'/>
      <target dev='{tap}' managed='no'/>
      <model type='virtio'/>
      <rom enabled='no'/>
    </interface>
    <serial type='file'><source path='{console}'/></serial>
    <channel type='unix'>
      <source mode='bind' path='{cmd_sock}'/>
      <target type='virtio' name='{cmd_port}'/>
    </channel>
    <memballoon model='none'/>
  </devices>
</domain>
"""


def check_programs():
    missing = [f"{p} (Debian package {pkg})" for p, pkg in PROGRAMS.items()
               if shutil.which(p) is None]
    if missing:
        raise HarnessError("missing, add to tools/deps.sh: "
                           + ", ".join(missing))


def qemu_driver():
    found = glob.glob("/usr/lib/*/libvirt/connection-driver/"
                      "libvirt_driver_qemu.so")
    if not found:
        raise HarnessError("libvirt's qemu driver is missing: install "
                           "Debian package libvirt-daemon-driver-qemu")
    return Path(found[0])


def system_state():
    """What a system libvirt would have left: each path's entries (None
    when missing), and the root namespace's links (read, never changed)."""
    state = {p: sorted(os.listdir(p)) if os.path.isdir(p) else None
             for p in SYSTEM_PATHS}
    state["root netns links"] = sorted(
        ln.split(":")[1].strip().split("@")[0] for ln in
        run(["ip", "-o", "link", "show"]).stdout.splitlines())
    return state


@pytest.fixture(scope="module")
def guest_image():
    """Build (or reuse the cached) test guest; returns (kernel, initrd)."""
    check_programs()
    cp = run(["bash", BUILD_SH], check=False, timeout=900)
    if cp.returncode != 0:
        raise HarnessError(f"tests/guest/build.sh failed ({cp.returncode}):\n"
                           f"{cp.stdout}{cp.stderr}")
    out = dict(line.split("=", 1) for line in cp.stdout.splitlines()
               if "=" in line)
    kernel, initrd = Path(out["KERNEL"]), Path(out["INITRD"])
    assert kernel.is_file() and initrd.is_file(), cp.stdout
    return kernel, initrd


class Libvirtd:
    """Debian's libvirtd, as root, in env.host and a mount namespace of its
    own whose /etc/libvirt, /run and /var are dirs under env.tmp."""

    def __init__(self, env):
        self.env = env
        self.root = r = env.tmp / "libvirt"
        for d in ("etc", "run", "var/lib/libvirt", "var/cache/libvirt",
                  "var/log/libvirt", "var/tmp", "drivers", "home"):
            (r / d).mkdir(parents=True)
        (r / "var/tmp").chmod(0o1777)
        (r / "var/run").symlink_to("/run")
        (r / "var/lock").symlink_to("/run/lock")
        (r / "drivers/libvirt_driver_qemu.so").symlink_to(qemu_driver())
        (r / "etc/qemu.conf").write_text(QEMU_CONF)
        (r / "etc/libvirtd.conf").write_text(LIBVIRTD_CONF)
        self._users(r)
        self.sock = r / "run/libvirt/libvirt-sock"
        self.uri = f"qemu:///system?socket={self.sock}"
        self.log = r / "var/log/libvirt/libvirtd.log"
        self.proc = None
        self.domains = []  # destroyed by stop() if still running

    @staticmethod
    def _users(r):
        """Copies of /etc/passwd and /etc/group with the libvirt-qemu user
        and a kvm group it is in, as libvirt-daemon-system's postinst makes
        them; and a /dev/kvm node of that group, mode 0660, as Debian's
        udev rules make it (this machine's is 0600 root). A /dev/kvm its
        qemu user cannot open makes libvirt probe qemu anew (4 s here) each
        time it looks at its capabilities; the guest runs under TCG
        (<domain type='qemu'>) all the same."""
        passwd = Path("/etc/passwd").read_text()
        group = Path("/etc/group").read_text()
        if not re.search(f"^{QEMU_USER}:", passwd, re.M):
            passwd += (f"{QEMU_USER}:x:{QEMU_UID}:{QEMU_UID}:Libvirt Qemu:"
                       "/var/lib/libvirt:/usr/sbin/nologin\n")
        if not re.search(f"^{QEMU_USER}:", group, re.M):
            group += f"{QEMU_USER}:x:{QEMU_UID}:\n"
        gids = {int(ln.split(":")[2]) for ln in group.splitlines()
                if ln.count(":") >= 3}
        kvm = re.search(r"^kvm:[^:]*:(\d+):(.*)$", group, re.M)
        if kvm:
            kvm_gid = int(kvm.group(1))
            members = [m for m in kvm.group(2).split(",") if m]
            group = group.replace(kvm.group(0), f"kvm:x:{kvm_gid}:"
                                  + ",".join(members + [QEMU_USER]))
        else:
            kvm_gid = next(g for g in range(999, 100, -1) if g not in gids)
            group += f"kvm:x:{kvm_gid}:{QEMU_USER}\n"
        (r / "passwd").write_text(passwd)
        (r / "group").write_text(group)
        if not os.path.exists("/dev/kvm"):
            return
        os.mknod(r / "kvm", 0o660 | stat.S_IFCHR, os.stat("/dev/kvm").st_rdev)
        os.chown(r / "kvm", 0, kvm_gid)
        os.chmod(r / "kvm", 0o660)

    def start(self, timeout=20):
        with open(self.root / "libvirtd.out", "wb") as out:
            self.proc = self.env.host.popen(
                ["unshare", "--mount", "--propagation", "private",
                 "sh", "-c", START_SH, "sh", self.root],
                stdout=out, stderr=subprocess.STDOUT)

        def ready():  # truthy once there is an answer, good or bad
            if self.proc.poll() is not None:
                return f"libvirtd exited {self.proc.returncode}"
            return self.virsh("uri", check=False).returncode == 0
        try:
            got = poll(ready, timeout, "libvirtd to answer virsh",
                       interval=0.1)
        except HarnessError as e:
            raise HarnessError(f"{e}{self.diagnostics()}") from None
        if isinstance(got, str):
            raise HarnessError(f"{got}{self.diagnostics()}")

    def virsh(self, *args, check=True, timeout=60):
        """virsh -c URI args..., with a HOME and XDG dirs in the temp dir."""
        home = self.root / "home"
        envs = [f"HOME={home}", f"XDG_CONFIG_HOME={home}/.config",
                f"XDG_CACHE_HOME={home}/.cache",
                f"XDG_RUNTIME_DIR={home}/.run"]
        cp = self.env.host.run(["env", *envs, "virsh", "-c", self.uri,
                                *args], check=False, timeout=timeout)
        if check and cp.returncode != 0:
            raise HarnessError(f"virsh {' '.join(map(str, args))} exited "
                               f"{cp.returncode}:\n{cp.stdout}{cp.stderr}"
                               f"{self.diagnostics()}")
        return cp

    def qemu_pid(self, name):
        """The PID libvirt wrote for the domain's qemu, or None."""
        try:
            return int((self.root / f"run/libvirt/qemu/{name}.pid")
                       .read_text())
        except (OSError, ValueError):
            return None

    def diagnostics(self, lines=40):
        out = ""
        for f in [self.root / "libvirtd.out", self.log,
                  *sorted((self.root / "var/log/libvirt/qemu").glob("*.log"))]:
            try:
                text = f.read_text(errors="replace").splitlines()
            except OSError:
                continue
            out += f"\n--- {f.name} (last {lines} lines) ---\n"
            out += "\n".join(text[-lines:])
        return out + "\n"

    def stop(self):
        """Destroy the domains still running (libvirtd leaves them running
        when it exits; a qemu that outlives virsh destroy is killed by the
        PID libvirt wrote), then stop libvirtd by its PID."""
        for name in self.domains:
            pid = self.qemu_pid(name)
            if self.proc is not None and self.proc.poll() is None:
                self.virsh("destroy", name, check=False)
            if pid and qemu_alive(pid):
                os.kill(pid, 9)
        if self.proc is not None:
            stop_process(self.proc, timeout=10)


def qemu_alive(pid):
    """Whether pid is (still) a qemu-system process (not a reused PID)."""
    try:
        return Path(f"/proc/{pid}/comm").read_text().startswith("qemu-system")
    except OSError:
        return False


class LibvirtGuest:
    """The domain's serial console (a file) and its command channel (a
    unix socket libvirt binds; the test connects)."""

    def __init__(self, lv, name, ip, mac):
        self.lv, self.name, self.ip, self.mac = lv, name, ip, mac
        self.dir = lv.root / "guest"
        self.dir.mkdir(exist_ok=True)
        self.console_path = self.dir / "console.log"
        self.cmd_path = self.dir / "cmd.sock"
        self.sock = None
        self._buf = b""

    def xml(self, image, tap, gw):
        return DOMAIN_XML.format(
            name=self.name, kernel=image[0], initrd=image[1], ip=self.ip,
            gw=gw, mac=self.mac, tap=tap, console=self.console_path,
            cmd_sock=self.cmd_path, cmd_port=CMD_PORT)

    def console(self):
        try:
            return self.console_path.read_text(errors="replace")
        except OSError:
            return ""

    def diagnostics(self, lines=40):
        con = "\n".join(self.console().splitlines()[-lines:])
        return (f"\n--- guest console (last {lines} lines) ---\n{con}\n"
                + self.lv.diagnostics())

    def wait_ready(self, timeout=BOOT_TIMEOUT):
        """Wait for the readiness line on the console, then connect to the
        command channel; returns the line."""
        def ready():
            con = self.console()
            if FAILED in con:
                return "the guest's init failed"
            return READY_LINE.search(con)
        try:
            got = poll(ready, timeout, "the guest's readiness line",
                       interval=0.1)
        except HarnessError as e:
            raise HarnessError(f"{e}{self.diagnostics()}") from None
        if isinstance(got, str):
            raise HarnessError(f"{got}{self.diagnostics()}")
        line = got.group(0).strip()
        assert f"ip={self.ip}/" in line and f"mac={self.mac}" in line, line
        self.close()
        self._buf = b""
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.sock.connect(str(self.cmd_path))
        assert self.run("echo hello").strip() == "hello"
        return line

    def run(self, command, timeout=30):
        """Run a shell command in the guest; returns its output. A
        non-zero exit status fails."""
        token = secrets.token_hex(4)
        line = f"{{ {command} ; }} </dev/null 2>&1; echo \"@@{token} $?\"\n"
        self.sock.sendall(line.encode())
        end = re.compile(rb"@@" + token.encode() + rb" (\d+)\n")
        deadline = time.monotonic() + timeout
        with selectors.DefaultSelector() as sel:
            sel.register(self.sock, selectors.EVENT_READ)
            while not (m := end.search(self._buf)):
                left = deadline - time.monotonic()
                if left <= 0:
                    raise HarnessError(f"guest command {command!r}: no answer"
                                       f" in {timeout}s, got {self._buf!r}"
                                       f"{self.diagnostics()}")
                if sel.select(timeout=left):
                    chunk = self.sock.recv(65536)
                    if not chunk:
                        raise HarnessError("guest command channel closed"
                                           f"{self.diagnostics()}")
                    self._buf += chunk
        out = self._buf[:m.start()].decode(errors="replace")
        self._buf = self._buf[m.end():]
        if int(m.group(1)) != 0:
            raise HarnessError(f"guest command {command!r} exited "
                               f"{m.group(1)}:\n{out}")
        return out

    def close(self):
        if self.sock is not None:
            self.sock.close()
            self.sock = None


def proc_status(pid):
    """/proc/PID/status as a dict of its fields."""
    text = Path(f"/proc/{pid}/status").read_text()
    return dict(ln.split(":\t", 1) for ln in text.splitlines() if ":\t" in ln)


def pings_both_ways(env, veth, vm):
    """The veth guest and the gateway (the host's end) ping the libvirt
    guest, and it pings both."""
    veth.ping(vm.ip)
    env.host.run(["ping", "-n", "-c", 3, "-i", 0.2, "-w", 10, vm.ip],
                 timeout=20)
    for dst in (GW_IP, VETH_IP):
        out = vm.run(f"ping -c 3 -i 0.2 -w 10 {dst}", timeout=20)
        assert "3 packets received" in out, out


@pytest.fixture
def libvirtd(kvnet):
    """A libvirtd of the test's own (see the module's docstring); stopped by
    PID afterwards, with any domain it still runs. Checks that nothing
    changed where a system libvirt keeps its state, nor in the root
    namespace's links."""
    check_programs()
    before = system_state()
    lv = Libvirtd(kvnet)
    try:
        lv.start()
        yield lv
    finally:
        lv.stop()
    after = system_state()
    assert after == before, \
        f"outside the test's dirs: before {before}, after {after}"


@pytest.mark.kvnet_timeout(90)
def test_libvirt_domain_on_unmanaged_kvnet_tap(kvnet, libvirtd, guest_image):
    env, lv = kvnet, libvirtd
    t0 = time.monotonic()
    # the private mount namespace: virsh reaches the privileged (system)
    # qemu driver, whose sockets are in the test's dir
    assert lv.virsh("uri").stdout.strip() == lv.uri, lv.virsh("uri").stdout
    env.define_isolated(NET, SUBNET)
    veth = env.add_guest(NET, "g", VETH_IP)
    # exactly as README.md's "Guests" says
    env.cli("port", "add", NET, VM_TAP, "--tap", "--mac", VM_MAC)
    poll(lambda: env.host.link_exists(VM_TAP), 5, f"tap {VM_TAP}")
    tap_ifindex = env.port(NET, VM_TAP)["ifindex"]

    vm = LibvirtGuest(lv, DOMAIN, VM_IP, VM_MAC)
    xml = env.write_xml(vm.xml(guest_image, VM_TAP, GW_IP), "domain.xml")
    lv.virsh("define", xml)
    lv.domains.append(DOMAIN)
    t1 = time.monotonic()
    lv.virsh("start", DOMAIN)
    t2 = time.monotonic()
    try:
        line = vm.wait_ready()
        print(f"virsh start took {t2 - t1:.1f}s, the guest was up "
              f"{time.monotonic() - t2:.1f}s later: {line}")
        assert lv.virsh("domstate", DOMAIN).stdout.strip() == "running"

        # qemu runs as libvirt-qemu and was handed the tap as a descriptor
        # libvirtd (root) opened: the tap needs no owner or group for it
        pid = lv.qemu_pid(DOMAIN)
        assert pid and qemu_alive(pid), pid
        uids = proc_status(pid)["Uid"].split()
        assert uids == [str(QEMU_UID)] * 4, uids
        cmdline = Path(f"/proc/{pid}/cmdline").read_text().split("\0")
        netdev = cmdline[cmdline.index("-netdev") + 1]
        assert '"type":"tap"' in netdev and '"fd":' in netdev, netdev
        owner = env.host.run(["cat", f"/sys/class/net/{VM_TAP}/owner",
                              f"/sys/class/net/{VM_TAP}/group"]).stdout
        assert owner.split() == ["-1", "-1"], owner

        pings_both_ways(env, veth, vm)
        fdb = env.fdb_entry(NET, VM_MAC)
        assert fdb and fdb["port"] == VM_TAP, fdb
        # libvirt did not rename, recreate or re-address the tap
        port = env.port(NET, VM_TAP)
        assert port["kind"] == "tap" and port["ifindex"] == tap_ifindex, port
        assert port["mac"] == VM_TAP_MAC, port

        # managed='no': virsh destroy leaves kvnet's tap and port in place
        lv.virsh("destroy", DOMAIN)
        assert lv.virsh("domstate", DOMAIN).stdout.strip() == "shut off"
        poll(lambda: not qemu_alive(pid), 10, f"qemu {pid} to exit")
        assert env.host.link_exists(VM_TAP), env.diagnostics(NET)
        port = env.port(NET, VM_TAP)
        assert port and port["kind"] == "tap" and \
            port["ifindex"] == tap_ifindex, env.diagnostics(NET)

        # and the same domain starts again on the same tap (on a console
        # file of its own: libvirt creates it anew)
        vm.console_path.unlink()
        lv.virsh("start", DOMAIN)
        vm.wait_ready()
        pings_both_ways(env, veth, vm)
        lv.virsh("destroy", DOMAIN)
        lv.virsh("undefine", DOMAIN)
        lv.domains.remove(DOMAIN)
        assert env.port(NET, VM_TAP)["ifindex"] == tap_ifindex
    finally:
        vm.close()
    print(f"test took {time.monotonic() - t0:.1f}s")


def stock_default_xml(dest):
    """libvirt's own /usr/share/libvirt/networks/default.xml, unpacked from
    the Debian package that ships it (libvirt-daemon-config-network, which
    is downloaded, never installed: its postinst writes
    /etc/libvirt/qemu/networks/default.xml)."""
    pkg = "libvirt-daemon-config-network"
    cp = run(["sh", "-c", 'cd "$1" && exec apt-get -q -o '
              'APT::Sandbox::User=root download "$2"', "sh", dest, pkg],
             check=False, timeout=120)
    debs = list(dest.glob(f"{pkg}_*.deb"))
    if cp.returncode != 0 or len(debs) != 1:
        raise HarnessError(f"apt-get download {pkg} failed ({cp.returncode}):"
                           f"\n{cp.stdout}{cp.stderr}")
    run(["dpkg-deb", "-x", debs[0], dest / "x"])
    return dest / "x/usr/share/libvirt/networks/default.xml", debs[0].name


def xml_text(path):
    """The XML of a file without its comments and blank lines."""
    text = re.sub(r"<!--.*?-->", "", Path(path).read_text(), flags=re.S)
    return [ln.strip() for ln in text.splitlines() if ln.strip()]


def test_stock_libvirt_default_network(kvnet):
    """`kvnet net define` of the default.xml libvirt ships, then `net
    start`: a NAT network on virbr0 whose guests reach its gateway."""
    env = kvnet
    path, deb = stock_default_xml(env.tmp)
    print(f"{path} from {deb}:\n{path.read_text()}")
    # tests/data's copy (the unit tests parse it) is that file
    assert xml_text(DATA / "libvirt-default-template.xml") == xml_text(path)
    env.cli("net", "define", path)
    env.cli("net", "start", "default")
    net = env.net("default")
    assert net["active"] and net["mode"] == "nat", net
    assert net["bridge"] == "virbr0" and net["ip"] == "192.168.122.1", net
    assert net["dhcp_ranges"] == ["192.168.122.2-192.168.122.254"], net
    poll(lambda: "192.168.122.1/24" in env.host.addrs("virbr0"), 5,
         "192.168.122.1/24 on virbr0")
    g = env.add_guest("default", "g", "192.168.122.11")
    g.ping("192.168.122.1")
