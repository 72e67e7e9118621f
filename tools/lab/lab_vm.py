# SPDX-License-Identifier: GPL-2.0-only
"""--vm: real qemu guests in place of the namespace guests g1 and g2.

The guest is the test suite's (tests/guest/build.sh: a Debian cloud
kernel and a busybox initramfs with iperf3), run under TCG with
`kvnet vm run` (tests/integration/qemu_guest.py), with a static address
in the routed modes and a lease from the LAN's dnsmasq in bridged mode.
Commands reach it through its virtio-serial shell: VmShell makes that
shell look like a namespace to the measures. The guest has busybox and
iperf3 only, so ping, TCP, the matrix and the traced paths run from it;
the UDP packet rate and the connection rate need kvnet's generators
(build/pktgen, build/connrate) and are not measured from a VM.
"""

import shlex
import subprocess

from kvnet_harness import ROOT, HarnessError, run

BUILD_SH = ROOT / "tests" / "guest" / "build.sh"
IPERF_PORT = 5201   # the guest's own iperf3 -s, its listener in the matrix


class VmShell:
    """A qemu guest's shell with a Netns's run() (what measures use)."""

    is_vm = True

    def __init__(self, guest):
        self.guest, self.name = guest, guest.name

    def run(self, cmd, check=True, timeout=30, input=None):
        line = cmd if isinstance(cmd, str) else " ".join(shlex.quote(str(c)) for c in cmd)
        out = self.guest.run(line, timeout=timeout + 5, check=False)
        cp = subprocess.CompletedProcess(cmd, self.guest.rc, out, "")
        if check and cp.returncode != 0:
            raise HarnessError(f"{self.name}: {line} exited {cp.returncode}:\n{out}")
        return cp

    def ip_json(self, *args):
        return []  # busybox ip has no JSON; the report names its MAC by port


def is_vm(actor):
    return getattr(actor.ns, "is_vm", False)


def guest_image():
    """(kernel, initrd) of the test guest, built or cached by build.sh."""
    cp = run(["bash", BUILD_SH], check=False, timeout=900)
    if cp.returncode != 0:
        raise HarnessError(f"tests/guest/build.sh failed:\n{cp.stdout}{cp.stderr}")
    out = dict(ln.split("=", 1) for ln in cp.stdout.splitlines() if "=" in ln)
    return out["KERNEL"], out["INITRD"]


def boot_guests(lab, count):
    """count qemu guests g1..gN on lab's network, booted side by side;
    returns their Actors (the caller stops them: stop_guests)."""
    from lab_topo import Actor
    from qemu_guest import QemuGuest
    image = guest_image()
    base = lab.gateway_ip.rsplit(".", 1)[0]
    vms = []
    for i in range(1, count + 1):
        if lab.mode == "bridge":
            qg = QemuGuest(lab.env, image, lab.net, f"g{i}")
        else:
            qg = QemuGuest(lab.env, image, lab.net, f"g{i}", ip=f"{base}.{20 + i}",
                           gw=lab.gateway_ip)
        vms.append(qg)
        lab.vms.append(qg)
    for qg in vms:
        qg.wait_ready()
    return [Actor(qg.name, VmShell(qg), qg.ip, qg.port) for qg in vms]


def stop_guests(lab):
    for qg in lab.vms:
        qg.stop()
    lab.vms.clear()


def connect_argv(ip, port):
    """A connect-only probe in the guest (busybox nc; EOF at once)."""
    return f"nc -w 1 {ip} {port} </dev/null"


def connect_word(cp):
    if cp.returncode == 0:
        return "open"
    return "refused" if "refused" in cp.stdout.lower() else "timeout"
