# SPDX-License-Identifier: GPL-2.0-only
"""A real qemu guest on a kvnet tap: virtio-net with its offloads on, so TSO
frames cross the switch whole in both directions (issue 8 end to end).

The guest (qemu_guest.py, built by tests/guest/build.sh) takes its static
address from the kernel command line and runs `iperf3 -s`; qemu runs under
TCG in the host namespace, its NIC a kvnet tap port on t0 named vm1 (made by
`kvnet vm run` or `kvnet port add --tap`, as qemu_guest.LAUNCH says).

Checked: pings both ways between the qemu guest and a veth guest and the
gateway; iperf3 bulk TCP veth guest -> qemu guest and back (-R), with iperf3's
own byte counts agreeing and a throughput floor; frames larger than the MTU
(average frame size > 1514 bytes over each transfer) sent by the guest's
virtio-net and received on the kvnet tap port (its TSO segments entered the
switch whole), and the other way sent to the tap port, handed by the tap to
qemu and received by the guest; the tap's TSO on (qemu switched the guest's
offloads on); the guest's TCP stack seeing no bad checksums.

About 15 s here (the guest boots in 3 s under TCG); the guest is built on
first use (tests/guest/build.sh, about 10 s with the download).
"""

import json
import re
import time

import pytest

from kvnet_harness import HarnessError, poll
from qemu_guest import QemuGuest, guest_image  # noqa: F401 - a fixture

NET = "t0"
SUBNET = "10.77.0.0/24"
GW_IP = "10.77.0.1"
VM_NAME = "vm1"
VM_MAC = "52:54:00:9e:00:32"
VM_IP = "10.77.0.50"
VETH_IP = "10.77.0.11"
IPERF_SECONDS = 3
# Bulk TCP floor: TCG reaches about 4 Gbit/s here either way (the guest
# handles 64 KB frames, not 1500-byte ones); a path that drops GSO frames
# stalls far below it.
MIN_BPS = 200e6
# An Ethernet frame without GSO is at most 1514 bytes (1500 MTU + header).
MAX_PLAIN_FRAME = 1514


@pytest.fixture
def qemu_net(kvnet, guest_image):
    """kvnet with network t0, a veth guest and a booted qemu guest vm1. qemu is stopped by PID afterwards, whatever happened."""
    env = kvnet
    env.define_isolated(NET, SUBNET)
    veth = env.add_guest(NET, "g", VETH_IP)
    t0 = time.monotonic()
    vm = QemuGuest(env, guest_image, NET, VM_NAME, ip=VM_IP, gw=GW_IP,
                   mac=VM_MAC)
    try:
        vm.boot_line = vm.wait_ready()
        vm.boot_seconds = time.monotonic() - t0
        yield env, veth, vm
    finally:
        rc = vm.stop()
        print(f"qemu stopped (exit {rc})")


def port_counters(env, port):
    s = env.stats(NET)[port]
    return {k: s[k] for k in ("rx_packets", "rx_bytes", "tx_packets",
                              "tx_bytes")}


GUEST_STATS = ("rx_packets", "rx_bytes", "tx_packets", "tx_bytes")


def guest_counters(vm):
    """The guest's eth0 counters (virtio-net counts each buffer, before GRO
    and after TSO: a 64 KB frame is one packet)."""
    out = vm.run("cd /sys/class/net/eth0/statistics && cat "
                 + " ".join(GUEST_STATS), timeout=10)
    return dict(zip(GUEST_STATS, map(int, out.split())))


def tap_counters(env, tap):
    """The tap's own kernel counters (tx = handed to qemu)."""
    st = env.host.ip_json("-s", "link", "show", "dev", tap)[0]["stats64"]
    return {"tx_packets": st["tx"]["packets"], "tx_bytes": st["tx"]["bytes"],
            "rx_packets": st["rx"]["packets"], "rx_bytes": st["rx"]["bytes"]}


def delta(after, before):
    return {k: after[k] - before[k] for k in after}


def avg(d, direction):
    pkts = d[f"{direction}_packets"]
    return d[f"{direction}_bytes"] / pkts if pkts else 0.0


def iperf_server_idle(vm):
    """No iperf3 connection left in the guest (the server takes the next
    client only after it has finished with the last)."""
    out = vm.run("netstat -tn", timeout=10)
    return not [ln for ln in out.splitlines()
                if ":5201 " in ln and "LISTEN" not in ln
                and "TIME_WAIT" not in ln]


def iperf3(env, veth, vm, reverse):
    """iperf3 from the veth guest to the qemu guest's server (reverse: the
    qemu guest sends). Returns (sent, received, bits/s, counters), the
    counters (kvnet's for the tap port, the tap's own, the guest's eth0) as
    deltas over the transfer."""
    poll(lambda: iperf_server_idle(vm), 20, "the guest's iperf3 server idle")
    # A stalled transfer fails within 10 s instead of hanging. The window
    # (socket buffers, both ends) bounds the bytes in flight when iperf3
    # stops counting, so received stays within a few % of sent whatever
    # this machine's speed; 256K is the most the guest's rmem_max allows.
    # A hang past those timeouts is interrupted (SIGINT) so that iperf3
    # still prints what it measured, interval by interval.
    args = ["timeout", "-s", "INT", "-k", 5, IPERF_SECONDS + 30,
            "iperf3", "-c", vm.ip, "-t", IPERF_SECONDS, "-J",
            "--connect-timeout", 5000, "-w", "256K"]
    args += ["-R", "--rcv-timeout", 10000] if reverse else \
        ["--snd-timeout", 10000]
    def counters():
        return {"port": port_counters(env, vm.port),
                "tap": tap_counters(env, vm.port), "guest": guest_counters(vm)}
    before = counters()
    cp = veth.ns.run(args, check=False, timeout=IPERF_SECONDS + 40)
    after = counters()
    what = "qemu guest -> veth guest" if reverse else \
        "veth guest -> qemu guest"
    try:
        res = json.loads(cp.stdout)
    except ValueError:
        res = {}
    if cp.returncode != 0 or "error" in res:
        raise HarnessError(f"iperf3 {what} failed ({cp.returncode}): "
                           f"{res.get('error', cp.stdout[-2000:])}\n"
                           f"{iperf_intervals(res)}"
                           f"{tcp_diagnostics(env, veth, vm)}"
                           f"{cp.stderr}{env.diagnostics(NET)}"
                           f"{vm.diagnostics()}")
    end = res["end"]
    return (end["sum_sent"]["bytes"], end["sum_received"]["bytes"],
            end["sum_received"]["bits_per_second"],
            {k: delta(after[k], before[k]) for k in after})


def iperf_intervals(res):
    """iperf3's per-second byte counts, to tell a transfer that stalled
    from one that never started."""
    sums = [i.get("sum", {}) for i in res.get("intervals", [])]
    return "intervals: " + ", ".join(
        f"{s.get('start', 0):.0f}-{s.get('end', 0):.0f}s {s.get('bytes', 0)} B"
        for s in sums) + "\n"


def tcp_diagnostics(env, veth, vm):
    """Where a stalled transfer's segments went: the veth guest's TCP
    counters, the tap's kernel counters and the guest's."""
    ns = veth.ns.run(["nstat", "-asz"], check=False).stdout
    keep = [ln for ln in ns.splitlines()
            if re.match(r"(Tcp|TcpExt|Ip)\w* +[1-9]", ln)]
    tap = env.host.run(["ip", "-s", "-s", "link", "show", "dev", vm.port],
                       check=False).stdout
    try:
        counters = vm.snmp_counters("/proc/net/snmp /proc/net/netstat")
        guest = "".join(f"{k} {v}\n" for k, v in counters.items() if v)
        guest += vm.run("cd /sys/class/net/eth0/statistics && "
                        "grep -H '[1-9]' *", timeout=10, check=False)
    except HarnessError as e:
        guest = f"(not read: {e})"
    return ("--- veth guest's counters ---\n" + "\n".join(keep)
            + f"\n--- tap {vm.port} ---\n{tap}--- qemu guest's counters "
            f"---\n{guest}\n")


def tap_offloads(env, tap):
    out = env.host.run(["ethtool", "-k", tap]).stdout
    return dict(re.findall(r"^([\w-]+): (on|off)", out, re.M))


@pytest.mark.kvnet_timeout(100)
def test_qemu_guest_ping_and_bulk_tcp_with_gso(qemu_net):
    env, veth, vm = qemu_net
    t0 = time.monotonic()
    print(f"guest up in {vm.boot_seconds:.1f}s: {vm.boot_line}")

    # --- pings: both ends start them ---
    veth.ping(vm.ip)
    env.host.run(["ping", "-n", "-c", 3, "-i", 0.2, "-w", 10, vm.ip],
                 timeout=20)
    for dst in (VETH_IP, GW_IP):
        out = vm.run(f"ping -c 3 -i 0.2 -w 10 {dst}", timeout=20)
        assert "3 packets received" in out, out
    # full-size frames (1500-byte IP packets) from the guest
    out = vm.run(f"ping -c 2 -i 0.2 -w 10 -s 1472 {VETH_IP}", timeout=20)
    assert "2 packets received" in out, out
    fdb = env.fdb_entry(NET, VM_MAC)
    assert fdb and fdb["port"] == vm.port, fdb

    # qemu turned the tap's offloads on for the guest: TSO frames can be
    # handed to the guest whole
    offl = tap_offloads(env, vm.port)
    assert offl.get("tcp-segmentation-offload") == "on", offl

    csum0 = vm.snmp_counters()["TcpInCsumErrors"]
    results = {}
    for reverse in (False, True):
        name = "qemu->veth" if reverse else "veth->qemu"
        sent, rcvd, bps, c = results[name] = iperf3(env, veth, vm, reverse)
        print(f"{name}: {bps / 1e6:.0f} Mbit/s, sent {sent} received {rcvd}"
              f"; average frame: guest eth0 tx {avg(c['guest'], 'tx'):.0f} B"
              f" rx {avg(c['guest'], 'rx'):.0f} B, kvnet port {vm.port} rx "
              f"{avg(c['port'], 'rx'):.0f} B tx {avg(c['port'], 'tx'):.0f} B"
              f", tap {vm.port} tx {avg(c['tap'], 'tx'):.0f} B")
        assert sent > 0 and rcvd >= 0.97 * sent, \
            f"{name}: iperf3 sent {sent} bytes, received {rcvd}"
        assert bps >= MIN_BPS, f"{name}: {bps / 1e6:.1f} Mbit/s"

    # Guest -> switch: the guest sent TSO frames and they entered the switch
    # whole.
    c = results["qemu->veth"][3]
    assert avg(c["guest"], "tx") > MAX_PLAIN_FRAME, \
        f"guest eth0 tx during qemu->veth: {c['guest']} (no TSO in the guest)"
    assert avg(c["port"], "rx") > MAX_PLAIN_FRAME, \
        f"port {vm.port} rx during qemu->veth: {c['port']} (GSO frames from " \
        "the guest did not enter the switch whole)"
    # Switch -> guest: the veth guest's GSO frames were switched to the tap,
    # the tap handed them to qemu whole (its TSO is on, so no software
    # segmentation on the way) and the guest's virtio-net took them whole.
    c = results["veth->qemu"][3]
    assert avg(c["port"], "tx") > MAX_PLAIN_FRAME, \
        f"port {vm.port} tx during veth->qemu: {c['port']} (no GSO frames " \
        "switched to the guest)"
    assert avg(c["tap"], "tx") > MAX_PLAIN_FRAME, \
        f"tap {vm.port} tx during veth->qemu: {c['tap']} (segmented for qemu)"
    assert avg(c["guest"], "rx") > MAX_PLAIN_FRAME, \
        f"guest eth0 rx during veth->qemu: {c['guest']} (no GSO frames)"
    assert vm.snmp_counters()["TcpInCsumErrors"] == csum0, "guest saw bad TCP checksums"
    print(f"checks after boot took {time.monotonic() - t0:.1f}s")
