#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0-only
"""Write the seed corpora of fuzz_dhcp_parse and fuzz_dhcp_server.

Messages are built with scapy, as real clients send them: DISCOVER,
REQUEST in each state, DECLINE, RELEASE, INFORM, a relayed request,
option overload, option 81 in both encodings, long options split in two.
The server seeds are scripts in fuzz_dhcp_server's framing (flags,
advance, length, payload). Run from the repository root:

    /usr/bin/python3 tests/fuzz/gen_dhcp_corpus.py
"""
import os
import struct

from scapy.layers.dhcp import BOOTP, DHCP

OUT = "tests/fuzz/corpus"
SRV = "10.0.0.1"


def mac(n):
    return bytes([0x52, 0x54, 0, 0, 0, n])


def msg(kind, n=7, opts=(), ciaddr="0.0.0.0", giaddr="0.0.0.0", flags=0,
        xid=0x1234, file=b"", sname=b""):
    b = BOOTP(op=1, htype=1, hlen=6, xid=xid, flags=flags, ciaddr=ciaddr,
              giaddr=giaddr, chaddr=mac(n) + bytes(10), file=file,
              sname=sname)
    d = DHCP(options=[("message-type", kind)] + list(opts) + ["end"])
    raw = bytes(b / d)
    return raw + bytes(max(0, 300 - len(raw)))


def parse_seeds():
    prl = ("param_req_list", [1, 3, 6, 12, 15, 26, 28, 119, 121])
    fqdn_wire = bytes([0x05, 0, 0, 3]) + b"vm7" + bytes([3]) + b"lan\x00"
    over = bytes([12, 4]) + b"-one" + bytes([61, 7, 1]) + mac(7) + b"\xff"
    return {
        "discover": msg("discover", opts=[prl, ("hostname", b"vm7"),
                                          ("max_dhcp_size", 1500)]),
        "request-selecting": msg("request", opts=[
            ("requested_addr", "10.0.0.5"), ("server_id", SRV),
            ("client_id", b"\x01" + mac(7))]),
        "request-init-reboot": msg("request", opts=[
            ("requested_addr", "10.0.0.5")]),
        "request-renew": msg("request", ciaddr="10.0.0.5"),
        "decline": msg("decline", opts=[("requested_addr", "10.0.0.5"),
                                        ("server_id", SRV)]),
        "release": msg("release", ciaddr="10.0.0.5",
                       opts=[("server_id", SRV)]),
        "inform": msg("inform", ciaddr="10.0.0.77", opts=[prl]),
        "relayed": msg("discover", giaddr="10.0.0.254", flags=0x8000),
        "overload": msg("request", opts=[("hostname", b"host"),
                                         (52, b"\x03")],
                        file=over, sname=bytes([12, 4]) + b"-two\xff"),
        "fqdn-wire": msg("request", opts=[(81, fqdn_wire)]),
        "fqdn-ascii": msg("request", opts=[(81, b"\x01\x00\x00host.lan")]),
        "split-option": msg("discover", opts=[(77, b"x" * 255),
                                              (77, b"yz")]),
    }


def frame(pkt, flags=0x08, advance=1):
    return struct.pack(">BBH", flags, advance, len(pkt)) + pkt


def server_seeds():
    ask5 = [("requested_addr", "10.0.0.5")]
    sel5 = ask5 + [("server_id", SRV)]
    life = b"".join([
        frame(msg("discover", opts=ask5)),
        frame(msg("request", opts=sel5)),
        frame(msg("request", ciaddr="10.0.0.5"), flags=0x00, advance=60),
        frame(msg("request", ciaddr="10.0.0.5"), advance=60),
        frame(msg("release", ciaddr="10.0.0.5", opts=[("server_id", SRV)]),
              flags=0x00),
        frame(msg("discover"), advance=5),
        frame(msg("request", opts=ask5)),
    ])
    decline = b"".join([
        frame(msg("discover", opts=ask5)),
        frame(msg("request", opts=sel5)),
        frame(msg("decline", opts=sel5)),
        frame(msg("discover", opts=ask5)),
        frame(msg("inform", ciaddr="10.0.0.77"), advance=90),
    ])
    crowd = b"".join(frame(msg("discover", n=n), flags=0x08 | (n & 3))
                     for n in range(2, 20))
    relay = b"".join([
        frame(msg("discover", n=9, giaddr="10.0.0.254"), flags=0x0c),
        frame(msg("discover", n=9, giaddr="10.0.0.254"), flags=0x08),
        frame(msg("request", n=9, giaddr="10.0.0.254",
                  opts=[("requested_addr", "10.9.9.9")]), flags=0x0c),
    ])
    reserved = b"".join([
        frame(msg("discover", n=1)),
        frame(msg("request", n=1, opts=[("requested_addr", "10.0.0.50"),
                                        ("server_id", SRV)])),
        frame(msg("discover", n=2, opts=[("requested_addr", "10.0.0.50")]),
              flags=0x48),
        frame(msg("request", n=3, ciaddr="10.0.0.50"), flags=0x10),
        frame(msg("discover", n=4), flags=0x28, advance=255),
    ])
    return {"life": life, "decline": decline, "crowd": crowd,
            "relay": relay, "reserved": reserved}


def write(name, seeds):
    d = os.path.join(OUT, name)
    os.makedirs(d, exist_ok=True)
    for k, v in seeds.items():
        with open(os.path.join(d, "seed-" + k + ".bin"), "wb") as f:
            f.write(v)


if __name__ == "__main__":
    write("fuzz_dhcp_parse", parse_seeds())
    write("fuzz_dhcp_server", server_seeds())
