# SPDX-License-Identifier: GPL-2.0-only
"""Integration-test harness for kvnet: network namespaces, a kvnetd per test,
guests on veth ports, and packet captures.

Nothing here touches the root network namespace: every link, address and
route change is made with `ip -n NS` or `ip netns exec NS` inside a namespace
this module created, and every process it starts is stopped by PID.
Waiting is done by polling with a bound (poll()), never by sleeping blindly.
"""

import atexit
import ipaddress
import json as jsonlib
import os
import resource
import secrets
import selectors
import shutil
import signal
import struct
import subprocess
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
# KVNET_BUILD points the suite at another build (say, a patched daemon).
BUILD = Path(os.environ.get("KVNET_BUILD", ROOT / "build"))
KVNETD = BUILD / "kvnetd"
KVNETD_FAULTS = BUILD / "kvnetd-faults"
KVNET_FAULTS = BUILD / "kvnet-faults"   # the CLI with its fault points
TCXLS = BUILD / "tcxls"
PORTSDUMP = BUILD / "portsdump"
KVNET = BUILD / "kvnet"
PYTHON = "/usr/bin/python3"
KVNET_XMLNS = "https://kvnet.dev/xmlns/network/1"

# Debian package that provides each external tool the tests run.
TOOL_PACKAGES = {
    "ip": "iproute2",
    "tcpdump": "tcpdump",
    "ping": "iputils-ping",
    "sysctl": "procps",
    "dig": "bind9-dnsutils",
    "dnsmasq": "dnsmasq-base",
    "getent": "libc-bin",
    "unshare": "util-linux",
    "setpriv": "util-linux",
    "ssh": "openssh-client",
}


class HarnessError(AssertionError):
    """A harness step failed; the message says which and carries output."""


def check_tools():
    """Fail (never skip) when a tool the suite needs is missing."""
    missing = [f"{t} (Debian package {p})" for t, p in TOOL_PACKAGES.items()
               if shutil.which(t) is None]
    try:
        subprocess.run([PYTHON, "-c", "import scapy.all, pytest"], check=True,
                       capture_output=True, timeout=60)
    except (OSError, subprocess.SubprocessError):
        missing.append(f"scapy/pytest for {PYTHON} "
                       "(python3-scapy, python3-pytest)")
    if missing:
        raise HarnessError("missing test tools, add them to tools/deps.sh: "
                           + ", ".join(missing))


def check_binaries():
    for b in (KVNETD, KVNET, BUILD / "fdbfill"):
        if not os.access(b, os.X_OK):
            raise HarnessError(f"{b} is not built: run `make` first")


def poll(fn, timeout, what, interval=0.05):
    """Call fn() until it returns a truthy value; return that value.

    Raises HarnessError after `timeout` seconds, naming `what` and the last
    value or exception seen, so a failing wait says what it waited for."""
    deadline = time.monotonic() + timeout
    last = None
    while True:
        try:
            val = fn()
            if val:
                return val
            last = val
        except Exception as e:  # noqa: BLE001 - reported on timeout
            last = e
        if time.monotonic() >= deadline:
            raise HarnessError(f"timed out after {timeout}s waiting for "
                               f"{what} (last: {last!r})")
        time.sleep(interval)


def _fmt_cp(cp):
    return (f"command {cp.args!r} exited {cp.returncode}\n"
            f"--- stdout ---\n{cp.stdout}--- stderr ---\n{cp.stderr}")


def run(cmd, check=True, timeout=30, input=None):
    """Run a command (list, or str for sh -c) and capture its text output."""
    if isinstance(cmd, str):
        cmd = ["sh", "-c", cmd]
    cp = subprocess.run([str(c) for c in cmd], capture_output=True, text=True,
                        timeout=timeout, input=input)
    if check and cp.returncode != 0:
        raise HarnessError(_fmt_cp(cp))
    return cp


def ports_views(ns, port):
    """The switch's ports as its two tables hold them, for the switch that
    runs on port (in namespace ns): ({ifindex: (flags, mtu, stats_idx)} of
    ports, the same of the ports_direct slots that hold a port; a slot that
    holds another ifindex than its own has it as a fourth member)."""
    o = jsonlib.loads(ns.run([str(PORTSDUMP), port]).stdout)
    return tuple({int(k): tuple(v) for k, v in o[t].items()} for t in ("ports", "direct"))


def stop_process(proc, sig=signal.SIGTERM, timeout=5):
    """Stop one process we started, by its PID; SIGKILL if it lingers."""
    if proc.poll() is not None:
        return proc.returncode
    try:
        os.kill(proc.pid, sig)
    except ProcessLookupError:
        pass
    try:
        return proc.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        os.kill(proc.pid, signal.SIGKILL)
        return proc.wait(timeout=timeout)


class Netns:
    """A network namespace this harness created (and only those)."""

    _live = {}
    created = []   # every name this process made, for the leak check

    def __init__(self, name):
        self.name = name
        self._procs = []

    @classmethod
    def create(cls, prefix):
        for _ in range(8):
            name = f"{prefix}{secrets.token_hex(3)}"
            if not os.path.exists(f"/run/netns/{name}"):
                break
        run(["ip", "netns", "add", name])
        ns = cls(name)
        cls._live[name] = ns
        cls.created.append(name)
        ns.ip("link", "set", "lo", "up")
        return ns

    def _wrap(self, cmd):
        if isinstance(cmd, str):
            cmd = ["sh", "-c", cmd]
        return ["ip", "netns", "exec", self.name] + [str(c) for c in cmd]

    def run(self, cmd, check=True, timeout=30, input=None):
        """Run cmd inside the namespace; returns CompletedProcess (text)."""
        return run(self._wrap(cmd), check=check, timeout=timeout, input=input)

    def popen(self, cmd, **kw):
        """Start cmd inside the namespace; the process is stopped by PID on
        delete() if still running. `ip netns exec` execs cmd, so the PID is
        cmd's own."""
        kw.setdefault("stdin", subprocess.DEVNULL)
        p = subprocess.Popen(self._wrap(cmd), **kw)
        self._procs.append(p)
        return p

    def ip(self, *args, check=True):
        """`ip -n NS args...` (the namespace's own links/addresses/routes)."""
        return run(["ip", "-n", self.name] + [str(a) for a in args],
                   check=check)

    def ip_json(self, *args):
        out = run(["ip", "-n", self.name, "-j"] + [str(a) for a in args]).stdout
        return jsonlib.loads(out) if out.strip() else []


    def ifindex(self, ifname):
        return self.ip_json("link", "show", "dev", ifname)[0]["ifindex"]
    def link_exists(self, ifname):
        return self.ip("link", "show", "dev", ifname, check=False).returncode == 0

    def addrs(self, ifname):
        """IPv4 addresses on ifname as 'a.b.c.d/p' strings."""
        out = []
        for link in self.ip_json("-4", "addr", "show", "dev", ifname):
            for a in link.get("addr_info", []):
                out.append(f"{a['local']}/{a['prefixlen']}")
        return out

    def sysctl(self, *settings):
        self.run(["sysctl", "-q", "-w"] + list(settings))

    def delete(self):
        for p in self._procs:
            stop_process(p)
        self._procs.clear()
        if Netns._live.pop(self.name, None) is not None:
            run(["ip", "netns", "delete", self.name], check=False)

    def __repr__(self):
        return f"Netns({self.name!r})"


@atexit.register
def cleanup_leftovers():
    """Delete namespaces this process created and has not deleted yet;
    returns their names (the session reports them as a leak)."""
    left = list(Netns._live.values())
    for ns in left:
        ns.delete()
    return [ns.name for ns in left]


class Capture:
    """tcpdump on one interface inside a namespace.

    start() returns only once tcpdump says "listening on" (its socket is
    bound), so every frame sent afterwards is seen. Frames are read from
    tcpdump's pcap stream (-w - -U) by a thread as they arrive; frames()
    returns them as scapy Ether objects. direction is tcpdump's -Q
    ("in" = frames the interface received; "inout" = both).
    """

    def __init__(self, ns, iface, direction="in", bpf_filter=None,
                 snaplen=1600):
        self.ns, self.iface, self.direction = ns, iface, direction
        self.bpf_filter, self.snaplen = bpf_filter, snaplen
        self.proc = None
        self._raw = []
        self._lock = threading.Lock()
        self._reader = None
        self.stderr = ""

    def start(self, timeout=10):
        cmd = ["tcpdump", "-i", self.iface, "-n", "-U", "--immediate-mode",
               "-Q", self.direction, "-s", str(self.snaplen), "-w", "-"]
        if self.bpf_filter:
            cmd.append(self.bpf_filter)
        self.proc = self.ns.popen(cmd, stdout=subprocess.PIPE,
                                  stderr=subprocess.PIPE)
        sel = selectors.DefaultSelector()
        sel.register(self.proc.stderr, selectors.EVENT_READ)
        deadline = time.monotonic() + timeout
        buf = b""
        while b"listening on" not in buf:
            left = deadline - time.monotonic()
            if left <= 0 or self.proc.poll() is not None:
                self.stop()
                raise HarnessError(f"tcpdump on {self.ns.name}/{self.iface} "
                                   f"not ready: {buf.decode(errors='replace')}")
            if sel.select(timeout=left):
                chunk = os.read(self.proc.stderr.fileno(), 4096)
                if not chunk:
                    continue
                buf += chunk
        sel.close()
        self.stderr = buf.decode(errors="replace")
        self._reader = threading.Thread(target=self._read_pcap, daemon=True)
        self._reader.start()
        return self

    def _read_exact(self, f, n):
        data = b""
        while len(data) < n:
            chunk = f.read(n - len(data))
            if not chunk:
                return None
            data += chunk
        return data

    def _read_pcap(self):
        f = self.proc.stdout
        hdr = self._read_exact(f, 24)
        if hdr is None:
            return
        magic = struct.unpack("<I", hdr[:4])[0]
        endian = "<" if magic in (0xA1B2C3D4, 0xA1B23C4D) else ">"
        while True:
            rec = self._read_exact(f, 16)
            if rec is None:
                return
            _, _, incl, _ = struct.unpack(endian + "IIII", rec)
            data = self._read_exact(f, incl)
            if data is None:
                return
            with self._lock:
                self._raw.append(data)

    def raw(self):
        with self._lock:
            return list(self._raw)

    def frames(self):
        from scapy.layers.l2 import Ether
        return [Ether(b) for b in self.raw()]

    def matching(self, pred):
        return [f for f in self.frames() if pred(f)]

    def wait_for(self, pred, timeout=5, what="a matching frame", count=1):
        """Poll until at least `count` captured frames satisfy pred."""
        return poll(lambda: (len(m := self.matching(pred)) >= count) and m,
                    timeout, f"{what} on {self.ns.name}/{self.iface}")

    def stop(self):
        if self.proc is not None:
            stop_process(self.proc, signal.SIGINT)
            if self._reader is not None:
                self._reader.join(timeout=5)
            try:
                self.stderr += self.proc.stderr.read().decode(errors="replace")
            except (OSError, ValueError):
                pass
            for s in (self.proc.stdout, self.proc.stderr):
                try:
                    s.close()
                except OSError:
                    pass
        return self.frames()

    def __enter__(self):
        return self.start() if self.proc is None else self

    def __exit__(self, *exc):
        self.stop()


SENDP_SCRIPT = """
import sys, binascii
from scapy.all import Ether, sendp
frames = [Ether(binascii.unhexlify(l)) for l in sys.stdin.read().split()]
sendp(frames, iface=sys.argv[1], verbose=False)
"""


class Guest:
    """A guest namespace joined to a network by a veth pair."""

    def __init__(self, env, net, name, ns, ip, mac, port, prefix):
        self.env, self.net, self.name = env, net, name
        self.ns, self.ip, self.mac, self.port = ns, ip, mac, port
        self.prefix = prefix
        self.iface = "eth0"

    def ping(self, dst, count=3, interval=0.2, deadline=10, check=True):
        """ping dst from the guest; with check, all `count` replies must
        arrive before the deadline (iputils exits 1 otherwise)."""
        cp = self.ns.run(["ping", "-n", "-c", count, "-i", interval,
                          "-w", deadline, dst], check=False,
                         timeout=deadline + 10)
        if check and cp.returncode != 0:
            raise HarnessError(f"{self.name} ({self.ip}) cannot ping {dst}\n"
                               f"{_fmt_cp(cp)}{self.env.diagnostics(self.net)}")
        return cp

    def sendp(self, *frames, iface=None):
        """Send crafted frames (scapy packets or bytes) out of the guest's
        interface with scapy's sendp, in order, in one process."""
        lines = "\n".join(bytes(f).hex() for f in frames)
        self.ns.run([PYTHON, "-c", SENDP_SCRIPT, iface or self.iface],
                    input=lines, timeout=60)

    def capture(self, direction="in", bpf_filter=None):
        return Capture(self.ns, self.iface, direction, bpf_filter)

    def __repr__(self):
        return f"Guest({self.name} {self.ip} {self.mac} port={self.port})"


class KvnetEnv:
    """One kvnetd in its own host namespace, with state/run dirs in a temp
    dir, plus the guests attached to it. close() undoes everything."""

    def __init__(self):
        self.tmp = Path(tempfile.mkdtemp(prefix="kvnet-it-"))
        self.tmp.chmod(0o755)
        self.state_dir = self.tmp / "state"
        self.run_dir = self.tmp / "run"
        self.state_dir.mkdir()
        self.run_dir.mkdir()
        self.log_path = self.tmp / "kvnetd.log"
        # the guests' DNS upstreams when a network names none: none, so
        # that no query ever leaves for the machine's own resolvers
        self.resolv_conf = self.tmp / "resolv.conf"
        self.resolv_conf.write_text("")
        self.daemon = None
        self.daemon_args = []  # more kvnetd options, for every (re)start
        self.expect_alive = False
        self.starts = 0
        self.namespaces = []
        self.guests = []
        self._guest_idx = 0
        self._closed = False
        self.host = self.new_ns("kvh-")

    # --- namespaces -------------------------------------------------------
    def new_ns(self, prefix):
        ns = Netns.create(prefix)
        self.namespaces.append(ns)
        return ns

    # --- daemon -----------------------------------------------------------
    def start_daemon(self, timeout=15, nofile=None, binary=None, extra_env=None):
        """Start kvnetd (or binary, say build/kvnetd-faults) in env.host,
        with extra_env added to the environment, and wait until `kvnet net
        list` works. nofile: its limit of open descriptors
        (RLIMIT_NOFILE), if not the harness's own."""
        assert self.daemon is None or self.daemon.poll() is not None, \
            "kvnetd already running"
        self.starts += 1
        limit = None
        if nofile is not None:
            def limit():
                resource.setrlimit(resource.RLIMIT_NOFILE, (nofile, nofile))
        with open(self.log_path, "ab") as log:
            log.write(f"=== kvnetd start #{self.starts} ===\n".encode())
            log.flush()
            self.daemon = self.host.popen(
                [binary or KVNETD, "--state-dir", self.state_dir, "--run-dir",
                 self.run_dir, "--log-level", "debug", "--resolv-conf",
                 self.resolv_conf, *self.daemon_args],
                stdout=log, stderr=subprocess.STDOUT, preexec_fn=limit,
                env={**os.environ, **(extra_env or {})})
        self.expect_alive = True

        def ready():
            if self.daemon.poll() is not None:
                raise HarnessError(f"kvnetd exited with {self.daemon.returncode}"
                                   f" during start-up\n{self.log_tail()}")
            return self.cli("net", "list", check=False).returncode == 0
        try:
            poll(ready, timeout, "kvnetd to answer `kvnet net list`")
        except HarnessError as e:
            if "during start-up" in str(e):
                raise
            raise HarnessError(f"{e}\n{self.log_tail()}") from None
        return self.daemon

    def kill_daemon(self, sig=signal.SIGKILL, timeout=10):
        """Send sig to kvnetd (by PID) and wait for it to exit."""
        p = self.daemon
        assert p is not None and p.poll() is None, "kvnetd is not running"
        self.expect_alive = False
        os.kill(p.pid, sig)
        try:
            return p.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            raise HarnessError(f"kvnetd did not exit within {timeout}s of "
                               f"signal {sig}") from None

    def restart_daemon(self):
        self.kill_daemon(signal.SIGTERM)
        return self.start_daemon()

    def daemon_alive(self):
        return self.daemon is not None and self.daemon.poll() is None

    def log_text(self):
        try:
            return self.log_path.read_text(errors="replace")
        except OSError:
            return ""

    def log_tail(self, lines=200):
        text = self.log_text().splitlines()
        return "--- kvnetd log (last %d lines) ---\n%s" % (
            lines, "\n".join(text[-lines:]))

    # --- CLI --------------------------------------------------------------
    def cli(self, *args, check=True, json=False, timeout=30, run_dir=None):
        """Run `kvnet --run-dir R [--json] args...` inside env.host."""
        cmd = [KVNET, "--run-dir", run_dir or self.run_dir]
        if json:
            cmd.append("--json")
        cmd += [str(a) for a in args]
        cp = self.host.run(cmd, check=False, timeout=timeout)
        cp.json = None
        if check and cp.returncode != 0:
            raise HarnessError(_fmt_cp(cp))
        if json and cp.returncode == 0:
            try:
                cp.json = jsonlib.loads(cp.stdout)
            except ValueError as e:
                raise HarnessError(f"`kvnet --json {' '.join(map(str, args))}`"
                                   f" printed invalid JSON ({e}):\n"
                                   f"{cp.stdout}") from None
        return cp

    def nets(self):
        return self.cli("net", "list", json=True).json

    def net(self, name):
        return self.cli("net", "show", name, json=True).json

    def ports(self, net):
        return self.cli("port", "list", net, json=True).json

    def port(self, net, iface):
        return next((p for p in self.ports(net) if p["iface"] == iface), None)

    def fdb(self, net):
        return self.cli("fdb", net, json=True).json

    def fdb_entry(self, net, mac):
        mac = mac.lower()
        return next((e for e in self.fdb(net) if e["mac"].lower() == mac),
                    None)

    def fdbfill(self, port, n, first=0):
        """Add n made-up learned MACs (02:6b:...) behind port, straight into
        the network's FDB map (tools/fdbfill.c); returns how many the map
        then holds."""
        self.host.run([BUILD / "fdbfill", port, n, first], timeout=300)
        out = self.host.run([BUILD / "fdbfill", port, "--count"]).stdout
        return int(out.split()[1])

    def stats(self, net):
        return {s["port"]: s for s in self.cli("stats", net, json=True).json}

    def diagnostics(self, net):
        """`kvnet port list/fdb/stats NET` and the host's links, for failure
        messages (best effort: the daemon may be what failed)."""
        out = ["", f"--- diagnostics for network {net} ---"]
        for args in (("port", "list", net), ("fdb", net), ("stats", net)):
            cp = self.cli(*args, check=False, timeout=10)
            out.append(f"$ kvnet {' '.join(args)}  (exit {cp.returncode})")
            out.append((cp.stdout + cp.stderr).rstrip())
        cp = self.host.run(["ip", "-br", "link"], check=False)
        out.append("$ ip -br link (host)\n" + cp.stdout.rstrip())
        return "\n".join(out) + "\n"

    # --- networks ---------------------------------------------------------
    @staticmethod
    def isolated_xml(name="t0", subnet="10.77.0.0/24", bridge=None,
                     aging=None, extra=""):
        sn = ipaddress.ip_network(subnet)
        gw = sn.network_address + 1
        parts = [f"<network xmlns:kvnet='{KVNET_XMLNS}'>",
                 f"  <name>{name}</name>"]
        if bridge:
            parts.append(f"  <bridge name='{bridge}'></bridge>")
        if aging is not None:
            parts.append(f"  <kvnet:fdb aging='{aging}'/>")
        if extra:
            parts.append(extra)
        parts.append(f"  <ip address='{gw}' prefix='{sn.prefixlen}'/>")
        parts.append("</network>")
        return "\n".join(parts) + "\n"

    def write_xml(self, xml, fname=None):
        path = self.tmp / (fname or f"net-{secrets.token_hex(4)}.xml")
        path.write_text(xml)
        return path

    def define_xml(self, xml, check=True):
        return self.cli("net", "define", self.write_xml(xml), check=check)

    def define_isolated(self, name="t0", subnet="10.77.0.0/24", bridge=None,
                        aging=None, start=True):
        """Define (from an XML file) and start an isolated network; returns
        its net object."""
        self.define_xml(self.isolated_xml(name, subnet, bridge, aging))
        if start:
            self.cli("net", "start", name)
        return self.net(name)

    @staticmethod
    def gateway_name(net, bridge=None):
        return bridge or f"kvnet-{net}"

    # --- guests -----------------------------------------------------------
    def add_guest(self, net, name, ip, mac=None, prefix=24, attach=True,
                  ipv6=False, ifindex=None):
        """A guest namespace with eth0 (ip/prefix, mac) whose veth peer
        kv-<name> sits in env.host and is added to net as a port. IPv6 is
        off in the guest unless ipv6 (hostile-guest tests want it on).
        ifindex: the host side's, if not the next free one."""
        self._guest_idx += 1
        idx = self._guest_idx
        mac = (mac or f"52:54:00:77:{idx >> 8:02x}:{idx & 0xff:02x}").lower()
        port = f"kv-{name}"[:15]
        if self.host.link_exists(port):
            port = f"kv{idx}-{name}"[:15]
        ns = self.new_ns(f"kvg-{name[:6]}-")
        # No IPv6 in guests: no DAD/RS/MLD chatter in the captures.
        if not ipv6:
            ns.sysctl("net.ipv6.conf.all.disable_ipv6=1",
                      "net.ipv6.conf.default.disable_ipv6=1")
        index = ("index", str(ifindex)) if ifindex else ()
        self.host.ip("link", "add", port, *index, "type", "veth", "peer", "name",
                     "eth0", "netns", ns.name)
        ns.ip("link", "set", "eth0", "address", mac)
        ns.ip("addr", "add", f"{ip}/{prefix}", "dev", "eth0")
        ns.ip("link", "set", "eth0", "up")
        self.host.ip("link", "set", port, "up")
        g = Guest(self, net, name, ns, ip, mac, port, prefix)
        self.guests.append(g)
        if attach:
            self.cli("port", "add", net, port)
        return g

    def add_upstream(self, host_ip="10.201.0.1", peer_ip="10.201.0.2",
                     routes=("10.77.0.0/24",), v6=("fd00:201::1", "fd00:201::2")):
        """An "upstream" namespace behind the host (veth up0 <-> eth0), with
        IPv4 and IPv6 forwarding on in the host: a destination an isolated
        network must never reach. Returns the namespace."""
        up = self.new_ns("kvup-")
        self.host.ip("link", "add", "up0", "type", "veth", "peer", "name",
                     "eth0", "netns", up.name)
        self.host.ip("addr", "add", f"{host_ip}/24", "dev", "up0")
        self.host.ip("addr", "add", f"{v6[0]}/64", "dev", "up0", "nodad")
        self.host.ip("link", "set", "up0", "up")
        up.ip("addr", "add", f"{peer_ip}/24", "dev", "eth0")
        up.ip("addr", "add", f"{v6[1]}/64", "dev", "eth0", "nodad")
        up.ip("link", "set", "eth0", "up")
        for r in routes:
            up.ip("route", "add", r, "via", host_ip)
        self.host.sysctl("net.ipv4.ip_forward=1",
                         "net.ipv6.conf.all.forwarding=1")
        return up

    # --- teardown ---------------------------------------------------------
    def close(self):
        if self._closed:
            return
        self._closed = True
        errors = []
        if self.daemon is not None and self.daemon.poll() is None:
            rc = stop_process(self.daemon, signal.SIGTERM, timeout=10)
            if rc not in (0, -signal.SIGTERM):
                errors.append(f"kvnetd exited {rc} on SIGTERM")
        elif self.daemon is not None and self.expect_alive:
            errors.append(f"kvnetd died during the test (exit "
                          f"{self.daemon.returncode})")
        for ns in reversed(self.namespaces):
            ns.delete()
        self.namespaces.clear()
        shutil.rmtree(self.tmp, ignore_errors=True)
        return errors


BCAST = "ff:ff:ff:ff:ff:ff"


def ether_marker(payload_tag):
    """A predicate matching frames whose payload contains payload_tag."""
    tag = payload_tag.encode() if isinstance(payload_tag, str) else payload_tag

    def pred(frame):
        return tag in bytes(frame)
    return pred


def tagged_frame(src, dst, tag, ethertype=0x0806):
    """A crafted L2 frame carrying tag. It is typed ARP, so the switch
    forwards it to every port including the gateway (which takes only ARP
    and IP), but its body is no valid ARP packet (hardware length 46 ...),
    so every stack that receives it drops it."""
    from scapy.layers.l2 import Ether
    from scapy.packet import Raw
    tag = tag.encode() if isinstance(tag, str) else tag
    return Ether(src=src, dst=dst, type=ethertype) / Raw(tag.ljust(46, b"."))


def tag(label):
    """A unique payload tag, so a frame can be told from every other."""
    return f"{label}-{secrets.token_hex(4)}"


def barrier(sender, captures, timeout=5):
    """Order point for "did not arrive" checks.

    sender broadcasts a tagged frame (after whatever it sent before, from
    the same ingress port) and this waits until every capture in captures
    has it. Frames sent earlier through the switch have then been delivered
    (or dropped) too, so a capture that lacks them will never get them."""
    t = tag("barrier")
    sender.sendp(tagged_frame(sender.mac, "ff:ff:ff:ff:ff:ff", t))
    for c in captures:
        c.wait_for(ether_marker(t), timeout, f"barrier frame {t}")
