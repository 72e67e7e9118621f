# SPDX-License-Identifier: GPL-2.0-only
"""A flooded frame keeps its class: a guest that receives unicast meant for
another MAC (flooded because the destination is unknown) must see it as
"for another host", as behind a Linux bridge, and not answer it. The
datapath may deliver learned unicast straight into a veth peer
(bpf_redirect_peer, which marks frames as for this host); floods must not
take that path, not even for their last destination."""

from scapy.layers.inet import ICMP, IP
from scapy.layers.l2 import Ether

from kvnet_harness import PYTHON, SENDP_SCRIPT, Capture, tag

UNKNOWN = "02:00:00:77:77:77"
GW_IP = "10.77.0.1"


def host_sendp(env, iface, *frames):
    lines = "\n".join(bytes(f).hex() for f in frames)
    env.host.run([PYTHON, "-c", SENDP_SCRIPT, iface], input=lines, timeout=60)


def echo(src_mac, dst_mac, dst_ip, payload):
    return (Ether(src=src_mac, dst=dst_mac) /
            IP(src=GW_IP, dst=dst_ip) / ICMP(type=8, id=0x4b56) / payload)


def is_reply(payload):
    def pred(f):
        return (ICMP in f and f[ICMP].type == 0 and
                bytes(f[ICMP].payload).startswith(payload))
    return pred


def test_flooded_unicast_is_not_taken_as_own(three_guests):
    env, guests = three_guests
    gw = env.gateway_name("t0")
    gw_mac = env.net("t0")["mac"]
    for g in guests:
        g.ping(GW_IP, count=1)      # every guest knows the gateway's MAC
    # Sent from the gateway port, a flood's destinations are all guests, so
    # one of them is the flood's last destination, the one that would take
    # the redirect_peer path.
    flooded = {g.name: tag(f"flood-{g.name}").encode() for g in guests}
    direct = tag("direct").encode()
    with Capture(env.host, gw, "in") as cap:
        host_sendp(env, gw, *[echo(gw_mac, UNKNOWN, g.ip, flooded[g.name])
                              for g in guests])
        # Control, sent last: an echo to a guest's own MAC is answered.
        a = guests[0]
        host_sendp(env, gw, echo(gw_mac, a.mac, a.ip, direct))
        cap.wait_for(is_reply(direct), 5, "a's reply to the direct echo")
        for g in guests:
            assert cap.matching(is_reply(flooded[g.name])) == [], \
                f"{g.name} answered an echo addressed to another MAC"
