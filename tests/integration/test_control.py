# SPDX-License-Identifier: GPL-2.0-only
"""The control socket serves everyone from the event loop: a client that
connects and stalls neither delays other clients nor stops the daemon's
other work, and is dropped after its timeout. The socket is 0600 and a
second kvnetd refuses to take it over."""

import json
import os
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
        # the stalled ones are dropped after the timeout (10 s)
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
