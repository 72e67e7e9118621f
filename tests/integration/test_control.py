# SPDX-License-Identifier: GPL-2.0-only
"""The control socket serves everyone from the event loop: a client that
connects and stalls neither delays other clients nor stops the daemon's
other work, and is dropped after its timeout; no number of idle, slow or
non-reading clients locks the others out. The socket is 0600 and a
second kvnetd refuses to take it over."""

import json
import os
import signal
import socket
import stat
import time

from kvnet_harness import KVNETD, poll


def test_stalled_client_does_not_block_others(kvnet):
    env = kvnet
    path = str(env.run_dir / "kvnetd.sock")
    stalled = [socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) for _ in range(3)]
    try:
        for s in stalled:
            s.connect(path)
            s.sendall(b'{"cmd": "net.li')      # and then nothing more
        t0 = time.monotonic()
        env.cli("net", "list")
        env.define_isolated("t0")
        assert time.monotonic() - t0 < 3, "a stalled client delayed the others"
        # the stalled ones are dropped after the timeout (CTLSOCK_REQUEST_MS)
        def dropped():
            stalled[0].settimeout(0.1)
            try:
                return stalled[0].recv(1) == b""
            except socket.timeout:
                return False
        poll(dropped, 15, "the stalled client to be dropped")
    finally:
        for s in stalled:
            s.close()


def test_request_answered_without_newline_at_eof(kvnet):
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.connect(str(kvnet.run_dir / "kvnetd.sock"))
    s.sendall(b'{"cmd": "ping"}')
    s.shutdown(socket.SHUT_WR)
    resp = json.loads(s.makefile().readline())
    s.close()
    assert resp["ok"] is True and "version" in resp["result"]


def test_socket_mode_and_single_instance(kvnet):
    env = kvnet
    mode = stat.S_IMODE(os.stat(env.run_dir / "kvnetd.sock").st_mode)
    assert mode == 0o600, oct(mode)
    other = env.tmp / "other"
    for state, run in ((env.state_dir, env.run_dir),       # the same daemon
                       (env.state_dir, other / "run"),      # same networks
                       (other / "state", env.run_dir)):     # same socket
        second = env.host.run([KVNETD, "--state-dir", state, "--run-dir", run],
                              check=False, timeout=10)
        assert second.returncode != 0
        assert "another kvnetd" in second.stderr, second.stderr
    env.cli("net", "list")   # the first one still serves


def test_oversized_request_gets_an_error(kvnet):
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.connect(str(kvnet.run_dir / "kvnetd.sock"))
    try:
        s.sendall(b'{"cmd": "ping", "pad": "' + b"x" * (3 << 20))
    except OSError:
        pass   # the daemon may stop reading once it has answered
    resp = json.loads(s.makefile().readline())
    s.close()
    assert resp["ok"] is False and "larger than" in resp["error"]["message"]
    kvnet.cli("net", "list")


# ---- no client can lock the others out (ctlsock.h) ------------------------

FIRST_BYTE_S = 2     # CTLSOCK_FIRST_BYTE_MS
REQUEST_S = 5        # CTLSOCK_REQUEST_MS
MAX_CLIENTS = 256    # CTLSOCK_MAX_CLIENTS


def connect(env, timeout=5):
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.settimeout(timeout)
    s.connect(str(env.run_dir / "kvnetd.sock"))
    return s


def closed_by_daemon(s):
    """What the daemon said before closing s (b"" for nothing), or None
    while s is still open."""
    s.settimeout(0)
    data = b""
    try:
        while True:
            chunk = s.recv(65536)
            if not chunk:
                return data
            data += chunk
    except BlockingIOError:
        return None
    except ConnectionResetError:
        return data


def test_idle_clients_cannot_lock_others_out(kvnet):
    """300 clients that connect and say nothing: the daemon makes room for a
    real request at once (the idlest reader gives up its slot) and drops
    the silent ones within CTLSOCK_FIRST_BYTE_MS."""
    idle = [connect(kvnet) for _ in range(300)]
    try:
        t0 = time.monotonic()
        cp = kvnet.cli("net", "list", check=False, timeout=30)
        took = time.monotonic() - t0
        assert cp.returncode == 0, cp.stderr
        assert took < 2, f"`net list` took {took:.2f} s behind 300 idle clients"
        said = poll(lambda: all(closed_by_daemon(s) is not None for s in idle)
                    and [closed_by_daemon(s) for s in idle],
                    FIRST_BYTE_S + 3, "the idle clients to be dropped")
        assert time.monotonic() - t0 < FIRST_BYTE_S + 3
        for msg in said:   # each was told why, as an error response
            if msg:
                err = json.loads(msg)["error"]
                assert err["code"] in ("busy", "timeout"), err
    finally:
        for s in idle:
            s.close()
    kvnet.cli("net", "list")


def test_trickling_client_is_dropped(kvnet):
    """A slowloris (one byte now and then) keeps no slot longer than
    CTLSOCK_REQUEST_MS, and is told so."""
    s = connect(kvnet)
    t0 = time.monotonic()
    try:
        msg = None
        for b in b'{"cmd": "net.list", "args": {}, "pad": "' + b"x" * 100:
            msg = closed_by_daemon(s)
            if msg is not None:
                break
            try:
                s.send(bytes([b]))
            except OSError:
                break
            time.sleep(0.25)
        if msg is None:
            msg = poll(lambda: closed_by_daemon(s), REQUEST_S + 3,
                       "the trickling client to be dropped")
        took = time.monotonic() - t0
        assert REQUEST_S - 0.5 < took < REQUEST_S + 2, took
        err = json.loads(msg)["error"]
        assert err["code"] == "timeout" and "incomplete" in err["message"], err
    finally:
        s.close()


def test_busy_when_every_slot_is_writing(kvnet):
    """When every slot is writing a response its client does not read, a
    new client is told kvnetd is busy (exit 3, "kvnetd is busy"), not left
    hanging; once they go, it is served again."""
    kvnet.define_xml(kvnet.isolated_xml("t0", extra="  <kvnet:fdb max='16384'/>"))
    kvnet.cli("net", "start", "t0")
    g = kvnet.add_guest("t0", "a", "10.77.0.11")
    assert kvnet.fdbfill(g.port, 3000) == 3000   # 300 KB: more than a socket holds
    req = json.dumps({"cmd": "fdb", "args": {"net": "t0"}}).encode() + b"\n"
    writers = []
    try:
        for _ in range(MAX_CLIENTS):
            s = connect(kvnet)
            s.sendall(req)
            writers.append(s)
        # each has its answer coming (and too large for the socket buffer)
        for s in writers:
            s.settimeout(30)
            assert s.recv(1, socket.MSG_PEEK) == b"{"
        cp = kvnet.cli("net", "list", check=False, timeout=30)
        assert cp.returncode == 3, (cp.returncode, cp.stderr)
        assert cp.stderr.startswith("kvnet: kvnetd is busy"), cp.stderr
        assert len(cp.stderr.strip().splitlines()) == 1, cp.stderr
    finally:
        for s in writers:
            s.close()
    poll(lambda: kvnet.cli("net", "list", check=False).returncode == 0, 5,
         "`net list` to be served once the writers left")


def cpu_seconds(pid):
    """utime + stime of a process, in seconds."""
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def test_out_of_descriptors_backs_off(kvnet):
    """accept() failing with EMFILE neither spins (the listening socket
    stays readable) nor stops the daemon serving the clients it has; it
    is logged, not once per failure, and once clients leave, new ones are
    served again."""
    env = kvnet
    env.kill_daemon(signal.SIGTERM)
    pid = env.start_daemon(nofile=64).pid
    early = connect(env)    # connected before the descriptors run out
    idle = []
    try:
        for _ in range(200):
            s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
            s.setblocking(False)
            try:
                s.connect(str(env.run_dir / "kvnetd.sock"))
            except BlockingIOError:
                s.close()
                break
            idle.append(s)
        poll(lambda: len(os.listdir(f"/proc/{pid}/fd")) >= 60, 2,
             "kvnetd to run out of descriptors")
        early.sendall(b'{"cmd": "ping"}\n')
        assert json.loads(early.makefile().readline())["ok"] is True
        c0, t0 = cpu_seconds(pid), time.monotonic()
        time.sleep(2)
        used = (cpu_seconds(pid) - c0) / (time.monotonic() - t0)
        assert used < 0.1, f"kvnetd used {used:.0%} CPU while out of fds"
        assert "cannot accept clients: Too many open files" in env.log_text()
        assert env.log_text().count("cannot accept clients") <= 2
    finally:
        early.close()
        for s in idle:
            s.close()
    t0 = time.monotonic()
    env.cli("net", "list", timeout=10)
    assert time.monotonic() - t0 < 3
