# SPDX-License-Identifier: GPL-2.0-only
"""Host-side name resolution (issue 16): libnss_kvnet asking kvnetd's
names socket, through the real glibc (getent hosts / ahosts, so
gethostbyname2, gethostbyaddr and getaddrinfo) and ssh, for root and for
an ordinary user, and directly through its entry points (nss_probe.py) for
glibc's buffer contract. The machine's /etc is never touched: each lookup
runs in a mount namespace of its own (unshare -m) with a test
nsswitch.conf bound over /etc/nsswitch.conf, finds the module through
LD_LIBRARY_PATH and kvnetd through KVNET_RUN_DIR (neither getent nor ssh
is setuid, so both count).

Names come from a reservation and from a busybox udhcpc client's hostname,
on a network with a domain and on one with DNS turned off. They vanish
with their network; unknown names fail; kvnetd killed or frozen makes
lookups fail at once or within the module's timeout, never hang. Hostile
clients of the names socket (garbage, over-long lines, silence, a crowd)
are closed and kvnetd keeps answering."""

import json
import os
import shutil
import signal
import socket
import subprocess
import threading
import time

import pytest

from kvnet_harness import BUILD, PYTHON, poll

NSS_LIB = BUILD / "libnss_kvnet.so.2"
PROBE = os.path.join(os.path.dirname(__file__), "nss_probe.py")
NOBODY = ["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups"]
GW = "10.77.0.1"
RANGE = ("10.77.0.100", "10.77.0.150")
RES_MAC, RES_IP = "52:54:00:d5:00:20", "10.77.0.20"
T1_IP = "10.78.0.30"

UDHCPC_SCRIPT = """#!/bin/sh
case "$1" in
bound|renew) ip addr add "$ip/$mask" dev "$interface"; echo "$ip" > "$LOG" ;;
esac
"""


class Nss:
    """Lookups through libnss_kvnet for one KvnetEnv (or any run dir).
    The module is copied where an ordinary user can read it."""

    def __init__(self, env, run_dir=None):
        self.env = env
        self.run_dir = run_dir or env.run_dir
        self.libdir = env.tmp / "nsslib"
        self.libdir.mkdir(mode=0o755, exist_ok=True)
        shutil.copy(NSS_LIB, self.libdir / NSS_LIB.name)
        self.conf = env.tmp / "nsswitch.conf"
        # files first, as on a real host; no dns: nothing leaves the machine
        self.conf.write_text("hosts: files kvnet\n")

    def _cmd(self, cmd, user):
        env = ["env", f"LD_LIBRARY_PATH={self.libdir}", f"KVNET_RUN_DIR={self.run_dir}"]
        who = NOBODY if user == "nobody" else []
        script = 'mount --bind "$0" /etc/nsswitch.conf && exec "$@"'
        return ["unshare", "-m", "sh", "-c", script, str(self.conf), *who, *env, *cmd]

    def run(self, cmd, user=None, timeout=20):
        return self.env.host.run(self._cmd(cmd, user), check=False, timeout=timeout)

    def getent(self, key, db="hosts", user=None):
        """(exit code, [[address, name, aliases...], ...])"""
        cp = self.run(["getent", db, key], user=user)
        assert cp.returncode in (0, 2), cp.stdout + cp.stderr
        return cp.returncode, [line.split() for line in cp.stdout.splitlines()]

    def hosts(self, key, user=None):
        rc, lines = self.getent(key, user=user)
        assert rc == 0, f"getent hosts {key}: exit {rc}"
        return lines[0]

    def probe(self, op, *args, timeout=20):
        cp = self.env.host.run(["env", f"KVNET_RUN_DIR={self.run_dir}", PYTHON, PROBE,
                                self.libdir / NSS_LIB.name, op, *args], timeout=timeout)
        return json.loads(cp.stdout)


WEB_IP, WEB_IP6 = "10.77.0.30", "fd00:77::30"
DNS_HOSTS = (f"<dns><host ip='{WEB_IP}'><hostname>web</hostname>"
             "<hostname>www.lab.test</hostname></host>"
             f"<host ip='{WEB_IP6}'><hostname>web</hostname></host></dns>")


def lab_xml(env):
    """t0: isolated, domain lab.test, DHCP with a reservation (vmres), and
    <dns><host>s: web (IPv4 and IPv6) and www.lab.test (IPv4)."""
    return env.isolated_xml("t0", extra="<domain name='lab.test'/>" + DNS_HOSTS).replace(
        f"<ip address='{GW}' prefix='24'/>",
        f"<ip address='{GW}' prefix='24'><dhcp><range start='{RANGE[0]}' "
        f"end='{RANGE[1]}'/><host mac='{RES_MAC}' name='vmres' ip='{RES_IP}'/>"
        "</dhcp></ip>")


def quiet_xml(env):
    """t1: no domain, DNS off, a reservation (quiet1): the host still
    knows the name."""
    return env.isolated_xml("t1", subnet="10.78.0.0/24", extra="<dns enable='no'/>").replace(
        "<ip address='10.78.0.1' prefix='24'/>",
        "<ip address='10.78.0.1' prefix='24'><dhcp><range start='10.78.0.100' "
        f"end='10.78.0.150'/><host mac='52:54:00:d5:01:30' name='quiet1' ip='{T1_IP}'/>"
        "</dhcp></ip>")


def dhcp_client(env, hostname):
    """A namespace on t0 that leases an address with busybox udhcpc,
    sending hostname; returns the address."""
    d = env.new_ns("kvg-nss-")
    d.sysctl("net.ipv6.conf.all.disable_ipv6=1", "net.ipv6.conf.default.disable_ipv6=1")
    env.host.ip("link", "add", "kv-nss", "type", "veth", "peer", "name", "eth0",
                "netns", d.name)
    d.ip("link", "set", "eth0", "up")
    env.host.ip("link", "set", "kv-nss", "up")
    env.cli("port", "add", "t0", "kv-nss")
    script = env.tmp / "udhcpc.sh"
    script.write_text(UDHCPC_SCRIPT)
    script.chmod(0o755)
    log = env.tmp / "udhcpc.ip"
    d.run(["env", f"LOG={log}", "busybox", "udhcpc", "-q", "-n", "-i", "eth0", "-s",
           str(script), "-x", f"hostname:{hostname}", "-t", "5", "-T", "1"], timeout=30)
    return log.read_text().strip()


@pytest.fixture
def lab(kvnet):
    kvnet.define_xml(lab_xml(kvnet))
    kvnet.cli("net", "start", "t0")
    return kvnet, Nss(kvnet)


def test_guest_names(lab):
    """A reservation's name and a DHCP client's hostname, plain and under
    the domain, in any case, forward (gethostbyname2 and getaddrinfo) and
    reverse; a network with DNS off still names its guests to the host;
    an unknown name fails with getent's exit code 2."""
    env, nss = lab
    env.define_xml(quiet_xml(env))
    env.cli("net", "start", "t1")
    dyn_ip = dhcp_client(env, "dyn1")
    assert nss.hosts("vmres") == [RES_IP, "vmres.lab.test", "vmres"]
    assert nss.hosts("vmres.lab.test") == [RES_IP, "vmres.lab.test"]
    assert nss.hosts("VMRES.Lab.Test.") == [RES_IP, "vmres.lab.test"]
    assert nss.hosts(RES_IP) == [RES_IP, "vmres.lab.test"]
    rc, ahosts = nss.getent("vmres", db="ahosts")
    assert rc == 0 and {line[0] for line in ahosts} == {RES_IP}, ahosts
    assert ahosts[0][2:] == ["vmres.lab.test"], ahosts  # getaddrinfo's canonical name
    assert nss.hosts("dyn1") == [dyn_ip, "dyn1.lab.test", "dyn1"]
    assert nss.hosts("dyn1.lab.test") == [dyn_ip, "dyn1.lab.test"]
    assert nss.hosts(dyn_ip) == [dyn_ip, "dyn1.lab.test"]
    # <dns><host>: IPv6 first for getent hosts (gethostbyname2 AF_INET6,
    # then AF_INET), both for getaddrinfo, and an address's names in reverse
    assert nss.hosts("web") == [WEB_IP6, "web.lab.test", "web"]
    rc, ahosts = nss.getent("web.lab.test", db="ahosts")
    assert rc == 0 and {line[0] for line in ahosts} == {WEB_IP, WEB_IP6}, ahosts
    assert nss.hosts(WEB_IP) == [WEB_IP, "web.lab.test", "www.lab.test"]
    assert nss.hosts(WEB_IP6) == [WEB_IP6, "web.lab.test"]
    assert nss.hosts("www.lab.test") == [WEB_IP, "www.lab.test"]
    assert nss.getent("www")[0] == 2  # a full name is not found by its first label
    assert nss.hosts("quiet1") == [T1_IP, "quiet1"]
    assert nss.hosts(T1_IP) == [T1_IP, "quiet1"]
    for unknown in ("nosuch", "nosuch.lab.test", "vmres.other.test", "10.77.0.99",
                    "bad_name!"):
        assert nss.getent(unknown) == (2, []), unknown


def test_ordinary_user(lab):
    """An ordinary user (nobody, no groups) resolves the same names."""
    env, nss = lab
    dyn_ip = dhcp_client(env, "dyn2")
    assert nss.hosts("vmres", user="nobody") == [RES_IP, "vmres.lab.test", "vmres"]
    assert nss.hosts("dyn2.lab.test", user="nobody") == [dyn_ip, "dyn2.lab.test"]
    assert nss.hosts(RES_IP, user="nobody") == [RES_IP, "vmres.lab.test"]
    rc, ahosts = nss.getent("dyn2", db="ahosts", user="nobody")
    assert rc == 0 and ahosts[0][0] == dyn_ip
    assert nss.getent("nosuch", user="nobody") == (2, [])
    mode = os.stat(env.run_dir / "kvnetd-names.sock").st_mode & 0o777
    assert mode == 0o666, oct(mode)


def test_ssh(lab):
    """ssh finds a guest by name through the module (getaddrinfo), as root
    and as nobody: it connects to the guest's leased address (where nothing
    listens: refused by the guest's kernel), and an unknown name does not
    resolve."""
    env, nss = lab
    ip = dhcp_client(env, "dyn3")
    ssh = ["ssh", "-v", "-F", "/dev/null", "-o", "BatchMode=yes", "-o", "ConnectTimeout=5",
           "-o", "StrictHostKeyChecking=no", "-o", "UserKnownHostsFile=/dev/null"]
    for user in (None, "nobody"):
        cp = nss.run([*ssh, "dyn3", "true"], user=user)
        assert f"Connecting to dyn3 [{ip}] port 22" in cp.stderr, cp.stderr
        assert "port 22: Connection refused" in cp.stderr, cp.stderr
        cp = nss.run([*ssh, "dyn3.lab.test", "true"], user=user)
        assert f"Connecting to dyn3.lab.test [{ip}] port 22" in cp.stderr, cp.stderr
        cp = nss.run([*ssh, "nosuch", "true"], user=user)
        assert "Could not resolve hostname nosuch" in cp.stderr, cp.stderr


def test_stopped_network_names_vanish(lab):
    """A stopped network's names are gone; started again, they are back."""
    env, nss = lab
    assert nss.hosts("vmres")[0] == RES_IP
    env.cli("net", "stop", "t0")
    poll(lambda: nss.getent("vmres") == (2, []), 10, "vmres to vanish")
    assert nss.getent(RES_IP) == (2, [])
    env.cli("net", "start", "t0")
    poll(lambda: nss.getent("vmres")[0] == 0, 10, "vmres to come back")


def test_entry_points_and_buffers(lab):
    """glibc's entry points, called directly with every buffer size: ERANGE
    (NSS_STATUS_TRYAGAIN, h_errno NETDB_INTERNAL) until the answer fits,
    nothing written past the buffer, TTL 0, the canonical name."""
    env, nss = lab
    r = nss.probe("name4", "vmres")
    assert r["status"] == "SUCCESS" and r["min_buflen"] > 0, r
    assert r["result"] == {"tuples": [["vmres.lab.test", RES_IP]], "ttl": 0}
    r = nss.probe("name3", "vmres", "inet")
    assert r["status"] == "SUCCESS", r
    assert r["result"] == {"name": "vmres.lab.test", "aliases": ["vmres"], "family": 2,
                           "addrs": [RES_IP], "ttl": 0, "canon": "vmres.lab.test"}
    r = nss.probe("addr2", RES_IP)
    assert r["status"] == "SUCCESS", r
    assert r["result"]["name"] == "vmres.lab.test" and r["result"]["addrs"] == [RES_IP]
    # known, but no IPv6 address: not found, with NO_DATA (4)
    r = nss.probe("name3", "vmres", "inet6")
    assert (r["status"], r["h_errno"]) == ("NOTFOUND", 4), r
    r = nss.probe("name4", "nosuch")
    assert (r["status"], r["h_errno"]) == ("NOTFOUND", 1), r  # HOST_NOT_FOUND
    r = nss.probe("name4", "web")
    assert r["result"]["tuples"] == [["web.lab.test", WEB_IP], ["web.lab.test", WEB_IP6]], r
    r = nss.probe("name3", "web", "inet6")
    assert (r["result"]["addrs"], r["result"]["family"]) == ([WEB_IP6], 10), r
    r = nss.probe("addr2", WEB_IP)
    assert r["result"]["aliases"] == ["www.lab.test"], r


def test_kvnetd_down_or_hung(lab):
    """kvnetd frozen: lookups give up within the module's 1 s timeout
    (UNAVAIL, so the next module in nsswitch.conf is asked); killed: they
    fail at once (its socket refuses); stopped cleanly: the socket is gone
    and they fail at once too."""
    env, nss = lab
    pid = env.daemon.pid
    os.kill(pid, signal.SIGSTOP)
    try:
        r = nss.probe("name4", "vmres")
        assert r["status"] == "UNAVAIL" and 0.8 < r["seconds"] < 3, r
        start = time.monotonic()
        assert nss.getent("vmres") == (2, [])
        assert time.monotonic() - start < 6  # AF_INET6, then AF_INET: 1 s each
    finally:
        os.kill(pid, signal.SIGCONT)
    assert nss.hosts("vmres")[0] == RES_IP
    env.kill_daemon(signal.SIGKILL)
    r = nss.probe("name4", "vmres")
    assert r["status"] == "UNAVAIL" and r["seconds"] < 0.5, r
    assert r["errno"] == 111, r  # ECONNREFUSED
    start = time.monotonic()
    assert nss.getent("vmres") == (2, [])
    assert time.monotonic() - start < 3
    env.start_daemon()
    poll(lambda: nss.getent("vmres")[0] == 0, 20, "kvnetd to name vmres again")
    env.kill_daemon(signal.SIGTERM)
    assert not (env.run_dir / "kvnetd-names.sock").exists()
    r = nss.probe("addr2", RES_IP)
    assert r["status"] == "UNAVAIL" and r["errno"] == 2, r  # ENOENT


HOSTILE = r"""
import socket, sys, time
path = sys.argv[1]

def closed(data, wait=5):
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.settimeout(wait)
    s.connect(path)
    try:
        s.sendall(data)
        got = s.recv(4096)
    except (BrokenPipeError, ConnectionResetError):
        return "closed"
    finally:
        s.close()
    return "closed" if got == b"" else "answered %r" % got

results = {
    "garbage": closed(b"hello kvnetd\n"),
    "json": closed(b'{"cmd": "net.list"}\n'),
    "nul": closed(b"name vm\x00res\n"),
    "two": closed(b"name vmres\nname vmres\n"),
    "long": closed(b"name " + b"a" * 100000),
    "binary": closed(bytes(range(256)) * 4),
}
start = time.monotonic()
results["silent"] = closed(b"name vmres")  # no newline: closed at the deadline
results["silent_s"] = round(time.monotonic() - start, 2)
crowd = [socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) for _ in range(150)]
for c in crowd:
    c.connect(path)
s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
s.settimeout(5)
s.connect(path)
s.sendall(b"name vmres\n")
results["crowded"] = s.recv(4096).decode()
print(repr(results))
"""


def test_hostile_clients(lab):
    """Any local user may write to the names socket: garbage, other
    protocols, NULs, two requests, over-long lines and binary get the
    connection closed unanswered; a silent client is closed at the
    deadline; a crowd of idle connections does not lock a real client out;
    and kvnetd keeps answering."""
    env, nss = lab
    sock = env.run_dir / "kvnetd-names.sock"
    cp = env.host.run([*NOBODY, PYTHON, "-c", HOSTILE, sock], timeout=60)
    results = eval(cp.stdout)  # noqa: S307 - our own script's repr
    for what in ("garbage", "json", "nul", "two", "long", "binary", "silent"):
        assert results[what] == "closed", (what, results)
    assert 0.5 < results["silent_s"] < 3, results
    assert results["crowded"] == f"vmres.lab.test {RES_IP}\n\n", results
    assert env.daemon_alive()
    assert nss.hosts("vmres") == [RES_IP, "vmres.lab.test", "vmres"]
    assert "names socket:" in env.log_text()


class FakeKvnetd:
    """A names socket that answers every request with canned bytes, or
    never: what a broken or hostile kvnetd could say."""

    def __init__(self, path, reply):
        self.reply = reply
        self.srv = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.srv.bind(str(path))
        self.srv.listen(16)
        self.srv.settimeout(0.2)
        self.stop = False
        self.thread = threading.Thread(target=self._serve, daemon=True)
        self.thread.start()

    def _serve(self):
        while not self.stop:
            try:
                c, _ = self.srv.accept()
            except socket.timeout:
                continue
            with c:
                c.settimeout(2)
                try:
                    c.recv(512)
                    if self.reply is not None:
                        c.sendall(self.reply)
                    else:
                        time.sleep(1.5)
                except OSError:
                    pass

    def close(self):
        self.stop = True
        self.thread.join(5)
        self.srv.close()


@pytest.mark.parametrize("reply,status", [
    (b"v6host.lab.test fd00::5\nv6host.lab.test 10.77.0.5\n\n", "SUCCESS"),
    (b"v6host.lab.test fd00::5\n", "UNAVAIL"),                  # cut short
    (b"v6host.lab.test fd00::5\n\nmore", "UNAVAIL"),             # trailing bytes
    (b"v6host lab fd00::5\n\n", "UNAVAIL"),                      # no reply line
    (b"x" * 5000, "UNAVAIL"),                                    # endless line
    (None, "UNAVAIL"),                                           # no answer in time
])
def test_module_against_a_broken_kvnetd(kvnet, reply, status):
    """The module reads kvnetd's replies as carefully as kvnetd reads its
    requests: a good one, IPv6 first, gives its addresses in that order
    (gethostbyname4) and per family (gethostbyname3), and a reverse lookup
    its aliases; anything else is UNAVAIL, within the timeout."""
    run_dir = kvnet.tmp / "fake-run"
    run_dir.mkdir()
    fake = FakeKvnetd(run_dir / "kvnetd-names.sock", reply)
    try:
        nss = Nss(kvnet, run_dir=run_dir)
        r = nss.probe("name4", "v6host")
        assert r["status"] == status and r["seconds"] < 3, r
        if status != "SUCCESS":
            return
        assert r["result"]["tuples"] == [["v6host.lab.test", "fd00::5"],
                                         ["v6host.lab.test", "10.77.0.5"]]
        r = nss.probe("name3", "v6host", "inet6")
        assert r["result"]["addrs"] == ["fd00::5"] and r["result"]["family"] == 10, r
        fake.reply = b"a.lab.test fd00::5\nb.lab.test fd00::5\n\n"
        r = nss.probe("addr2", "fd00::5")
        assert r["result"]["name"] == "a.lab.test", r
        assert r["result"]["aliases"] == ["b.lab.test"], r
    finally:
        fake.close()
