# SPDX-License-Identifier: GPL-2.0-only
"""`kvnet lab run --vm` (issue 19): the same experiment with real qemu
guests (the test guest, TCG, under `kvnet vm run`) in place of the
namespace guests, nat mode only. The guests' traffic crosses kvnet's NAT
(the traced ping has a nat stage, from g1's tap), ping and TCP are
measured from inside them, the matrix reaches them through their own
iperf3 listener, and what needs kvnet's generators (pps, connections/s)
is marked as not measured rather than as having no path."""

import json

import pytest

from kvnet_harness import KVNET, run


@pytest.mark.kvnet_timeout(240)
def test_lab_vm_nat(tmp_path):
    out = tmp_path / "report"
    run([KVNET, "lab", "run", "--quick", "--vm", "--modes", "nat", "--out", out],
        timeout=230)
    c = json.loads((out / "results.json").read_text())["columns"]["nat"]
    assert c["facts"]["guests"].startswith("qemu")
    assert c["measures"]["tcp1_upstream"]["median"] > 0
    assert c["measures"]["ping_guest_p50"]["median"] > 0
    assert c["measures"]["pps_upstream"]["note"].startswith("not measured")
    assert c["reachability"]["g1"]["upstream"] == "open"
    assert c["reachability"]["host"]["g1"] == "open"  # the guest's iperf3 -s
    assert c["reachability"]["upstream"]["g1"] != "open"
    ping = c["paths"]["ping"]["events"]
    assert "nat" in {e.get("stage") for e in ping}
    assert ping[0]["in"] == "g1", ping[0]  # vm run's tap, named after the guest
