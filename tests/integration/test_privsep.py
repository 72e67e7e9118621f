# SPDX-License-Identifier: GPL-2.0-only
"""Privilege separation (issue 18, docs/privsep.md): the guests' DHCP
messages and DNS queries are parsed in kvnetd --guestd, a child with no
capability, as the sandbox user, in an empty mount namespace, under a
seccomp allow-list. Real clients are served through it; a child that
crashes, or tries what the sandbox forbids (the fault triggers of
build/kvnetd-faults), or sends kvnetd a malformed message is replaced
within a second, and no lease is lost."""

import os
import pwd
import re
import signal
import subprocess
import time
from datetime import datetime

import pytest

from kvnet_harness import KVNETD, KVNETD_FAULTS, poll, run
from test_dhcp import (UDHCPC_SCRIPT, bare_guest, dhcp_frame, dhcp_xml, events, exchange,
                       leases, mtype, write_script)

GW = "10.77.0.1"


def sandbox_user():
    try:
        return pwd.getpwnam("kvnet")
    except KeyError:
        return pwd.getpwnam("nobody")


def child_pid(env):
    """The pid of kvnetd's sandboxed child (None if it has none)."""
    pid = env.daemon.pid
    try:
        kids = open(f"/proc/{pid}/task/{pid}/children").read().split()
    except OSError:
        return None
    for k in kids:
        try:
            cmd = open(f"/proc/{k}/cmdline", "rb").read().split(b"\0")
        except OSError:
            continue
        if len(cmd) > 1 and cmd[1] == b"--guestd":
            return int(k)
    return None


def wait_child(env, other_than=None, timeout=5):
    """The child's pid, once it is in its sandbox (seccomp is its last step)."""
    def found():
        p = child_pid(env)
        return p if p and p != other_than and status(p)["Seccomp"] == ["2"] else None
    return poll(found, timeout, "kvnetd's sandboxed child")


def status(pid):
    """/proc/PID/status as {field: [words]}."""
    out = {}
    for line in open(f"/proc/{pid}/status"):
        k, _, v = line.partition(":")
        out[k] = v.split()
    return out


def log_time(line):
    return datetime.strptime(line.split()[0], "%Y-%m-%dT%H:%M:%S.%fZ")


def log_line(env, pattern, after=0):
    """The first line of kvnetd's log (from offset after) matching pattern."""
    for line in env.log_text()[after:].splitlines():
        if re.search(pattern, line):
            return line
    return None


def wait_log(env, pattern, after=0, timeout=5):
    return poll(lambda: log_line(env, pattern, after), timeout, f"log: {pattern}")


@pytest.fixture
def dhcp(kvnet):
    kvnet.define_xml(dhcp_xml(kvnet))
    kvnet.cli("net", "start", "t0")
    return kvnet


@pytest.fixture
def faulty(kvnet):
    """kvnetd-faults (the fault triggers compiled in) serving DHCP on t0."""
    kvnet.kill_daemon(signal.SIGTERM)
    kvnet.start_daemon(binary=KVNETD_FAULTS)
    kvnet.define_xml(dhcp_xml(kvnet))
    kvnet.cli("net", "start", "t0")
    return kvnet


def udhcpc(env, g, name):
    log = env.tmp / f"{name}.log"
    script = write_script(env, f"{name}.sh", UDHCPC_SCRIPT)
    p = g.popen(["env", f"LOG={log}", "busybox", "udhcpc", "-f", "-i", "eth0", "-s", script,
                 "-t", "5", "-T", "1"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    poll(lambda: any(e.startswith("bound ") for e in events(log)), 15, f"{name} bound")
    ip = next(e for e in events(log) if e.startswith("bound ")).split()[1]
    return p, log, ip


def lease_table(env):
    """The leases, without what changes by itself (seconds left)."""
    return {mac: {k: v for k, v in rec.items() if k != "expires_in"}
            for mac, rec in leases(env).items()}


def offered(env, g, xid):
    (got,), = exchange(g, (dhcp_frame(g.mac, "discover", xid), 3, 1))
    return [mtype(p) for p in got] == ["offer"]


def trigger(g, what, xid):
    """A DISCOVER whose host name is a fault trigger (no answer comes)."""
    exchange(g, (dhcp_frame(g.mac, "discover", xid, opts=[("hostname", f"kvnet-fault-{what}")]),
                 0.2, 1))


def test_child_is_sandboxed(dhcp):
    """The child runs as the sandbox user, with no capability, no_new_privs,
    seccomp filtering, in mount and network namespaces of its own whose
    root is empty; a real client gets its lease through it."""
    env = dhcp
    pid = wait_child(env)
    st, user = status(pid), sandbox_user()
    assert st["Uid"] == [str(user.pw_uid)] * 4 and st["Gid"] == [str(user.pw_gid)] * 4
    assert st.get("Groups", []) == []
    for cap in ("CapInh", "CapPrm", "CapEff", "CapAmb"):
        assert int(st[cap][0], 16) == 0, f"{cap} {st[cap]}"
    assert st["NoNewPrivs"] == ["1"] and st["Seccomp"] == ["2"]
    for ns in ("mnt", "net"):
        assert os.readlink(f"/proc/{pid}/ns/{ns}") != \
            os.readlink(f"/proc/{env.daemon.pid}/ns/{ns}"), f"the child shares {ns}"
    assert os.listdir(f"/proc/{pid}/root") == [], "the child's root is not empty"
    fds = os.listdir(f"/proc/{pid}/fd")
    assert sorted(fds, key=int) == ["0", "1", "2", "3"], f"the child holds fds {fds}"
    g = bare_guest(env, "s", "52:54:00:e1:00:01")
    p, _, ip = udhcpc(env, g, "udhcpc")
    assert leases(env)[g.mac]["ip"] == ip
    assert child_pid(env) == pid, "the child was replaced while serving"
    assert log_line(env, rf"sandboxed parser started: pid {pid}, user {user.pw_name}")
    p.terminate()


def test_sandbox_user_option(kvnet):
    """--sandbox-user names the user; root or an unknown user is refused."""
    env = kvnet
    env.kill_daemon(signal.SIGTERM)
    for bad, why in (("root", "is root"), ("no-such-kvnet-user", "no user")):
        cp = run([KVNETD, "--sandbox-user", bad, "--state-dir", env.state_dir], check=False)
        assert cp.returncode == 2 and why in cp.stderr, cp.stderr
    env.daemon_args = ["--sandbox-user", "nobody"]
    env.start_daemon()
    pid = wait_child(env)
    assert status(pid)["Uid"][0] == str(pwd.getpwnam("nobody").pw_uid)


def test_crash_restarts_within_a_second(faulty):
    """A child that crashes on a guest's message is replaced within a
    second; the leases (kvnetd's) are intact and serving resumes."""
    env = faulty
    a = bare_guest(env, "a", "52:54:00:e1:00:02")
    p, log, ip = udhcpc(env, a, "udhcpc-a")
    before = lease_table(env)
    old = wait_child(env)
    mark = len(env.log_text())
    b = bare_guest(env, "b", "52:54:00:e1:00:03")
    trigger(b, "crash", 7)
    new = wait_child(env, other_than=old, timeout=2)
    died = wait_log(env, rf"sandboxed parser \(pid {old}\) was killed by signal 6", mark)
    crash = wait_log(env, r"guestd: fault injection: crash", mark)
    started = wait_log(env, rf"sandboxed parser started: pid {new}", mark)
    assert (log_time(started) - log_time(crash)).total_seconds() < 1.0, (crash, died, started)
    assert lease_table(env) == before
    assert offered(env, b, 8), "no OFFER after the restart"
    n = events(log).count(f"renew {ip}")
    os.kill(p.pid, signal.SIGUSR1)
    poll(lambda: events(log).count(f"renew {ip}") > n, 10, "renewed through the new child")
    p.terminate()


@pytest.mark.parametrize("what", ["open", "socket", "exec"])
def test_sandbox_refuses(faulty, what):
    """open(), socket() and execve() in the child kill it (SIGSYS: the
    seccomp filter); it never gets a result back; it is replaced and
    serving resumes with the leases intact."""
    env = faulty
    a = bare_guest(env, "a", "52:54:00:e1:00:04")
    p, _, ip = udhcpc(env, a, "udhcpc-a")
    before = lease_table(env)
    old = wait_child(env)
    mark = len(env.log_text())
    b = bare_guest(env, "b", "52:54:00:e1:00:05")
    trigger(b, what, 9)
    wait_log(env, rf"sandboxed parser \(pid {old}\) was killed by SIGSYS", mark)
    assert log_line(env, rf"guestd: fault injection: {what}$", mark)
    assert not log_line(env, rf"fault injection: {what} returned", mark), \
        "the forbidden call returned"
    wait_child(env, other_than=old, timeout=2)
    assert lease_table(env) == before and before[a.mac]["ip"] == ip
    assert offered(env, b, 10)
    p.terminate()


def test_malformed_message_rejected(faulty):
    """A reply of another version is rejected (logged), the child that
    sent it replaced, and the next message is served."""
    env = faulty
    b = bare_guest(env, "b", "52:54:00:e1:00:06")
    old = wait_child(env)
    mark = len(env.log_text())
    trigger(b, "badmsg", 11)
    wait_log(env, rf"sandboxed parser \(pid {old}\): a reply rejected: wrong version", mark)
    wait_child(env, other_than=old, timeout=2)
    assert offered(env, b, 12)


def test_hung_child_killed_and_replaced(faulty):
    """A child that stops answering (caught in a loop, no system call) is
    killed once a reply is late, although it runs as another user, and
    replaced; the next message is served."""
    env = faulty
    b = bare_guest(env, "b", "52:54:00:e1:00:08")
    old = wait_child(env)
    mark = len(env.log_text())
    trigger(b, "hang", 13)
    wait_log(env, rf"sandboxed parser \(pid {old}\): no reply within \d+ ms", mark)
    wait_log(env, rf"sandboxed parser \(pid {old}\) was killed by signal 9", mark)
    assert not log_line(env, r"cannot kill the sandboxed parser", mark)
    wait_child(env, other_than=old, timeout=2)
    assert not os.path.exists(f"/proc/{old}"), "the hung child still runs"
    assert offered(env, b, 14)


def test_crash_loop_backs_off(faulty):
    """A child that keeps dying young is restarted at once a few times,
    then after a growing delay."""
    env = faulty
    b = bare_guest(env, "b", "52:54:00:e1:00:07")
    mark = len(env.log_text())
    for i in range(10):
        old = wait_child(env, timeout=5)
        trigger(b, "crash", 100 + i)
        poll(lambda: child_pid(env) != old, 5, "the crashed child gone")
    wait_log(env, r"young deaths in a row: restart in \d+ ms", mark)


# ---- DNS ------------------------------------------------------------------

def dns_env(env):
    from test_dns import start
    start(env)
    return env.add_guest("t0", "q", "10.77.0.5")


def test_dns_through_the_child(kvnet):
    """dig's queries (UDP, TCP, EDNS with a cookie, without EDNS) are read
    by the child and answered; NOTIMP and FORMERR still come; the child
    serves them all without being replaced."""
    from test_dns import RES_IP, short, status
    env = kvnet
    g = dns_env(env)
    pid = wait_child(env)
    assert short(g.ns, "vmres") == [RES_IP]
    assert short(g.ns, "+tcp", "vmres.lab.test") == [RES_IP]
    assert short(g.ns, "+noedns", "vmres") == [RES_IP]
    assert short(g.ns, "+cookie", "+dnssec", "vmres") == [RES_IP]
    assert short(g.ns, "-x", RES_IP) == ["vmres.lab.test."]
    # not the network's: to the forwarder, which has no upstream here
    assert status(g.ns, "nosuchvm.lab.test") == "SERVFAIL"
    assert status(g.ns, "+opcode=status", "vmres", check=False) == "NOTIMP"
    # 200 queries in flight together, each spelt apart (0x20) so that
    # each goes through the child: all answered, none lost
    import random
    rnd = random.Random(18)
    names = ["".join(ch.upper() if rnd.random() < 0.5 else ch for ch in "vmres.lab.test")
             for _ in range(200)]
    (env.tmp / "burst.txt").write_text("".join(f"{n} A\n" for n in names))
    out = g.ns.run(["dnsperf", "-s", GW, "-d", env.tmp / "burst.txt", "-n", "1", "-q", "64",
                    "-t", "3"], timeout=30).stdout
    assert re.search(r"Queries lost:\s+0\b", out) and "NOERROR 200 " in out, out
    assert child_pid(env) == pid
    assert env.net("t0")["dns_counters"]["answered"] >= 205


def test_dns_query_asked_again_is_not_read_again(kvnet):
    """The child is a pure function of a query's bytes: a query asked
    again byte for byte (its ID aside) is served from the canonical query
    kvnetd wrote from the child's first reading of it, and the child does
    not read it again; the same name spelt otherwise is read anew."""
    from test_dns import status
    env = kvnet
    g = dns_env(env)
    wait_child(env)

    def sandboxed():
        return env.net("t0")["dns_counters"]["sandboxed"]
    before = sandboxed()
    for _ in range(3):  # no cookie: dig's is new each time
        assert status(g.ns, "+nocookie", "nosuchvm.lab.test") == "SERVFAIL"
    assert sandboxed() == before + 1
    assert status(g.ns, "+nocookie", "NoSuchVM.lab.test") == "SERVFAIL"
    assert sandboxed() == before + 2


def test_dns_crash_restarts(kvnet):
    """A query that crashes the child costs that query only: the child is
    replaced within a second and the next query is answered."""
    from test_dns import RES_IP, dig, short
    env = kvnet
    env.kill_daemon(signal.SIGTERM)
    env.start_daemon(binary=KVNETD_FAULTS)
    g = dns_env(env)
    old = wait_child(env)
    mark = len(env.log_text())
    out = dig(g.ns, "kvnet-fault-crash.lab.test", check=False)
    assert "timed out" in out and "ANSWER SECTION" not in out, out
    new = wait_child(env, other_than=old, timeout=2)
    crash = wait_log(env, r"guestd: fault injection: crash", mark)
    started = wait_log(env, rf"sandboxed parser started: pid {new}", mark)
    assert (log_time(started) - log_time(crash)).total_seconds() < 1.0
    assert short(g.ns, "vmres") == [RES_IP]
