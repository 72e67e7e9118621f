# SPDX-License-Identifier: GPL-2.0-only
"""Daemon restarts: forwarding survives `kill -9 kvnetd` (pinned datapath)
with at most one ping lost, the restarted daemon adopts the networks,
ports, FDB and counters, definitions persist across restarts, and
autostart networks come up when kvnetd starts."""

import re
import signal
import subprocess
import threading

from kvnet_harness import HarnessError, poll

REPLY = re.compile(r"icmp_seq=(\d+)")


class PingMonitor:
    """`ping -i 0.2` in the background, replies recorded by icmp_seq."""

    def __init__(self, ns, dst, interval=0.2):
        self.proc = ns.popen(["ping", "-n", "-i", interval, dst],
                             stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                             text=True)
        self.seqs, self.dups, self.lines = [], 0, []
        self._lock = threading.Lock()
        self._t = threading.Thread(target=self._read, daemon=True)
        self._t.start()

    def _read(self):
        for line in self.proc.stdout:
            with self._lock:
                self.lines.append(line.rstrip())
                m = REPLY.search(line)
                if m and "bytes from" in line:
                    if "DUP" in line:
                        self.dups += 1
                    else:
                        self.seqs.append(int(m.group(1)))

    def replies(self):
        with self._lock:
            return len(self.seqs)

    def wait_more(self, n, timeout, what):
        target = self.replies() + n
        poll(lambda: self.replies() >= target, timeout,
             f"{n} more ping replies {what}", interval=0.1)

    def stop(self):
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGINT)
            self.proc.wait(timeout=10)
        self._t.join(timeout=5)

    def lost(self):
        """Requests that got no reply, among those sent before the last
        reply seen (so the one in flight at stop() does not count)."""
        with self._lock:
            got = set(self.seqs)
        if not got:
            return None
        return sorted(set(range(min(got), max(got) + 1)) - got)


def snapshot(env):
    nets = sorted(env.nets(), key=lambda n: n["name"])
    ports = {n["name"]: sorted(env.ports(n["name"]), key=lambda p: p["iface"])
             for n in nets}
    fdb = {n["name"]: {(e["mac"].lower(), e["port"], e["static"])
                       for e in env.fdb(n["name"])} for n in nets if n["active"]}
    return nets, ports, fdb


def test_kill9_forwarding_survives_and_state_is_adopted(kvnet):
    kvnet.define_isolated("t0")
    a = kvnet.add_guest("t0", "a", "10.77.0.11")
    b = kvnet.add_guest("t0", "b", "10.77.0.12")
    ping = PingMonitor(a.ns, b.ip)
    try:
        ping.wait_more(5, 10, "before the kill")
        nets, ports, fdb = snapshot(kvnet)
        assert {a.mac, b.mac} <= {m for m, _, _ in fdb["t0"]}, fdb
        stats = kvnet.stats("t0")

        kvnet.kill_daemon(signal.SIGKILL)
        # Several seconds with no daemon at all: 15 replies at 5/s.
        try:
            ping.wait_more(15, 8, "while kvnetd is dead")
        except HarnessError as e:
            raise AssertionError(f"forwarding stopped with kvnetd: {e}\n"
                                 + "\n".join(ping.lines[-5:])) from None
        assert kvnet.cli("net", "list", check=False).returncode == 3, \
            "the CLI must exit 3 when the daemon cannot be reached"

        kvnet.start_daemon()
        ping.wait_more(10, 8, "after the restart")
    finally:
        ping.stop()
    lost = ping.lost()
    print(f"ping: {len(ping.seqs)} replies, lost {lost}, dups {ping.dups}")
    assert lost is not None and len(lost) <= 1, \
        f"lost icmp_seq {lost} across kill -9 + restart"
    assert ping.dups == 0, f"{ping.dups} duplicate replies"

    nets2, ports2, fdb2 = snapshot(kvnet)
    assert nets2 == nets, "networks changed across kill -9 + restart"
    assert ports2 == ports, "ports changed across kill -9 + restart"
    assert fdb["t0"] <= fdb2["t0"], \
        f"FDB entries lost: {sorted(fdb['t0'] - fdb2['t0'])}"
    stats2 = kvnet.stats("t0")
    for port in (a.port, b.port):
        assert stats2[port]["rx_packets"] >= stats[port]["rx_packets"], \
            f"counters of {port} reset by the restart"

    # The adopted datapath is the one the new daemon drives: a port added
    # now forwards, and the ping still runs.
    c = kvnet.add_guest("t0", "c", "10.77.0.13")
    c.ping(a.ip)
    c.ping("10.77.0.1")


DEF_FIELDS = ("name", "uuid", "mode", "bridge", "mac", "ip", "prefix",
              "subnet", "dhcp_ranges", "autostart", "datapath")


def definitions(env):
    return {n["name"]: {k: n.get(k) for k in DEF_FIELDS} for n in env.nets()}


def test_definitions_survive_restart(kvnet):
    kvnet.define_xml(kvnet.isolated_xml("t0", "10.77.0.0/24",
                                        bridge="kvbr0", aging=42))
    kvnet.cli("net", "create", "t1", "--mode", "isolated",
              "--subnet", "10.78.0.0/24")
    kvnet.define_isolated("t2", subnet="10.79.0.0/24")   # and started
    g = kvnet.add_guest("t2", "a", "10.79.0.11")
    g.ping("10.79.0.1")
    before = definitions(kvnet)
    xml = {n: kvnet.cli("net", "dumpxml", n).stdout for n in before}
    assert set(before) == {"t0", "t1", "t2"}
    assert before["t0"]["bridge"] == "kvbr0"
    assert before["t1"]["subnet"] == "10.78.0.0/24"
    assert "aging='42'" in xml["t0"] or 'aging="42"' in xml["t0"], xml["t0"]
    state = snapshot(kvnet)

    # A graceful restart (SIGTERM) leaves networks running and adopted.
    kvnet.restart_daemon()
    assert definitions(kvnet) == before
    for n in before:
        assert kvnet.cli("net", "dumpxml", n).stdout == xml[n]
    after = snapshot(kvnet)
    assert after[0] == state[0] and after[1] == state[1]
    assert [n["name"] for n in after[0] if n["active"]] == ["t2"]
    g.ping("10.79.0.1")

    kvnet.kill_daemon(signal.SIGKILL)
    kvnet.start_daemon()
    assert definitions(kvnet) == before
    g.ping("10.79.0.1")


def test_autostart_network_comes_up_on_daemon_start(kvnet):
    kvnet.define_isolated("t0", start=False)
    kvnet.define_isolated("t1", subnet="10.78.0.0/24", start=False)
    kvnet.cli("net", "autostart", "t1")
    assert kvnet.net("t1")["autostart"] is True
    assert kvnet.net("t0")["autostart"] is False
    # Marking autostart does not start it (virsh net-autostart semantics).
    assert kvnet.net("t1")["active"] is False
    assert not kvnet.host.link_exists("kvnet-t1")

    kvnet.restart_daemon()
    poll(lambda: kvnet.net("t1")["active"], 10, "t1 to be autostarted")
    assert kvnet.host.addrs("kvnet-t1") == ["10.78.0.1/24"]
    assert kvnet.net("t0")["active"] is False
    assert not kvnet.host.link_exists("kvnet-t0")
    g = kvnet.add_guest("t1", "a", "10.78.0.11")
    g.ping("10.78.0.1")

    # Disabling autostart persists too.
    kvnet.cli("net", "autostart", "t1", "--disable")
    kvnet.cli("net", "stop", "t1")
    kvnet.restart_daemon()
    assert kvnet.net("t1")["autostart"] is False
    assert kvnet.net("t1")["active"] is False
