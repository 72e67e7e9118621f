# SPDX-License-Identifier: GPL-2.0-only
"""The README's first command, `make demo` (tools/demo.sh), run through
once (KVNET_DEMO_ONCE=1 ends it where it would wait for Ctrl-C).

Checked in its output: libvirt's default network started; the guest
started by `kvnet vm run` leased an address from kvnetd's DHCP server (the
leases table names it, and the guest's own readiness line has the same
address); kvnetd's DNS answered the guest's own name with that address;
the page from the upstream's web server came through; the trace shows the
guest's SYN translated to the uplink's address and the server's SYN-ACK
translated back and redirected to the guest's tap; conntrack lists the
flow. Afterwards the demo's namespaces and temporary directory are gone.
"""

import re
import subprocess
from pathlib import Path

from kvnet_harness import ROOT, HarnessError


def test_demo_runs_the_whole_mission():
    tmp_before = set(Path("/tmp").glob("kvnet-demo.*"))
    netns_before = subprocess.run(["ip", "netns", "list"], capture_output=True,
                                  text=True).stdout
    try:
        cp = subprocess.run(["bash", ROOT / "tools" / "demo.sh"], capture_output=True,
                            text=True, timeout=300, env={"KVNET_DEMO_ONCE": "1",
                                                         "PATH": "/usr/sbin:/usr/bin:/sbin:/bin"})
    except subprocess.TimeoutExpired as e:
        raise HarnessError(f"the demo ran over 300 s:\n{e.stdout}\n{e.stderr}") from None
    out = cp.stdout
    assert cp.returncode == 0, f"{out}\n{cp.stderr}"
    assert "network 'default' started" in out
    ready = re.search(r"KVNET-GUEST-READY ip=([\d.]+)/24 mac=(\S+)", out)
    assert ready, out
    ip, mac = ready.groups()
    assert ip.startswith("192.168.122.")
    assert re.search(rf"^{re.escape(ip)}\s+{mac}\s+demo1\s.*\sdemo1\s+demo1\s*$", out,
                     re.M), out
    assert re.search(rf"Name:\s+demo1\s+Address:\s+{re.escape(ip)}", out), out
    assert "Hello from 203.0.113.80" in out
    syn = re.search(rf"IPv4 {re.escape(ip)}:(\d+) > 203\.0\.113\.80:80: TCP \[S\]", out)
    assert syn, out
    sport = syn.group(1)
    assert (f"nat          {ip}:{sport} > 203.0.113.80:80 -> "
            f"198.51.100.1:{sport} > 203.0.113.80:80") in out, out
    assert (f"nat          203.0.113.80:80 > 198.51.100.1:{sport} -> "
            f"203.0.113.80:80 > {ip}:{sport}") in out, out
    assert "redirect     -> demo1" in out, out
    # the first packet, its next hop not yet resolved, still names its way out
    assert out.count("redirect     -> eth0") >= 2, out
    assert re.search(rf"^tcp\s+\S+\s+\d+\s+{re.escape(ip)}:{sport}\s+203\.0\.113\.80:80\s+"
                     rf"198\.51\.100\.1:{sport}", out, re.M), out
    assert "demo: cleaned up" in out
    netns_after = subprocess.run(["ip", "netns", "list"], capture_output=True,
                                 text=True).stdout
    assert not re.search(r"^kvd\d+-", netns_after, re.M) or netns_after == netns_before
    assert set(Path("/tmp").glob("kvnet-demo.*")) <= tmp_before
