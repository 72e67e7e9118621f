# SPDX-License-Identifier: GPL-2.0-only
"""pytest fixtures for kvnet's integration tests (see kvnet_harness.py).

`kvnet` gives each test its own host namespace running kvnetd; the daemon's
log is attached to the report of any test that fails. Tests never skip: a
missing tool or binary fails the session with the package to install.
Each test's call phase is bounded (default 120 s, marker
`kvnet_timeout(seconds)`), so a hang fails one test instead of the suite.
"""

import os
import signal
import sys

import pytest

sys.path.insert(0, os.path.dirname(__file__))

from kvnet_harness import (  # noqa: E402
    Capture, Guest, HarnessError, KvnetEnv, Netns, check_binaries, check_tools,
    cleanup_leftovers, poll,
)

__all__ = ["Capture", "Guest", "KvnetEnv", "Netns", "poll"]

DEFAULT_TIMEOUT = 120


def pytest_configure(config):
    config.addinivalue_line(
        "markers", "kvnet_timeout(seconds): bound on a test's call phase")


def _terminate(signum, frame):
    # SIGTERM (a CI timeout, say) unwinds like Ctrl-C, so fixtures still
    # delete their namespaces and stop their processes.
    raise KeyboardInterrupt(f"signal {signum}")


# last: after pytest's own teardown of what is still set up (with -x, a
# module's fixtures are torn down at session end), so that this finds only
# what was really left behind
@pytest.hookimpl(trylast=True)
def pytest_sessionfinish(session, exitstatus):
    leaked = cleanup_leftovers()
    leaked += [n for n in Netns.created if os.path.exists(f"/run/netns/{n}")]
    if leaked:
        print(f"\nkvnet harness: namespaces left behind (now deleted): "
              f"{', '.join(sorted(set(leaked)))}")
        session.exitstatus = 1


def pytest_sessionstart(session):
    signal.signal(signal.SIGTERM, _terminate)
    # A suite started as a background job of a non-interactive shell gets
    # SIGINT ignored, and every process it starts would inherit that: a
    # test's SIGINT to a flood, a qemu or a `kvnet vm run` would do
    # nothing. A handler here is reset to the default in each child.
    signal.signal(signal.SIGINT, signal.default_int_handler)
    if os.geteuid() != 0:
        pytest.exit("kvnet integration tests must run as root", returncode=1)
    try:
        check_tools()
    except HarnessError as e:
        pytest.exit(str(e), returncode=1)


class KvnetTestTimeout(Exception):
    pass


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_call(item):
    marker = item.get_closest_marker("kvnet_timeout")
    limit = int(marker.args[0]) if marker else DEFAULT_TIMEOUT

    def on_alarm(signum, frame):
        raise KvnetTestTimeout(f"{item.nodeid} exceeded {limit}s")
    old = signal.signal(signal.SIGALRM, on_alarm)
    signal.alarm(limit)
    try:
        yield
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, old)


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    outcome = yield
    rep = outcome.get_result()
    if rep.failed:
        args = getattr(item, "funcargs", {})
        env = args.get("kvnet") or args.get("kvnet_module")
        if isinstance(env, KvnetEnv):
            rep.sections.append(("kvnetd log", env.log_tail()))


def _kvnet_env():
    check_binaries()
    env = KvnetEnv()
    try:
        env.start_daemon()
    except BaseException:
        log = env.log_tail()
        env.close()
        raise HarnessError(f"kvnetd did not start\n{log}") from None
    yield env
    errors = env.close()
    if errors:
        raise HarnessError("; ".join(errors))


@pytest.fixture
def kvnet():
    """A KvnetEnv with kvnetd running in its own host namespace."""
    yield from _kvnet_env()


@pytest.fixture(scope="module")
def kvnet_module():
    """The same, shared by all the tests of a module (test_vm.py's qemu
    guests boot once for the whole file)."""
    yield from _kvnet_env()


@pytest.fixture
def three_guests(kvnet):
    """kvnet with isolated network t0 (10.77.0.0/24, gateway 10.77.0.1)
    started and guests a, b, c (10.77.0.11-13) on veth ports."""
    kvnet.define_isolated("t0")
    guests = [kvnet.add_guest("t0", n, f"10.77.0.{11 + i}")
              for i, n in enumerate("abc")]
    return kvnet, guests
