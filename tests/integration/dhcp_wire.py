# SPDX-License-Identifier: GPL-2.0-only
"""Run inside a guest namespace (python3 dhcp_wire.py IFACE < steps.json):
send crafted frames out of IFACE and collect the DHCP server messages
(UDP from port 67) that come back, for the protocol tests.

stdin: a JSON list of steps {"frame": hex, "wait": seconds, "until": N}:
send the frame, then read for up to `wait` seconds, stopping early once
`until` server messages arrived (0: read the whole time). stdout: a JSON
list, per step, of the server frames received (hex)."""

import json
import select
import socket
import struct
import sys
import time

ETH_P_ALL = 0x0003


def is_server_msg(f):
    if len(f) < 42 or f[12:14] != b"\x08\x00" or f[23] != 17:
        return False
    ihl = (f[14] & 0xF) * 4
    return struct.unpack("!H", f[14 + ihl:16 + ihl])[0] == 67


def collect(s, wait, until):
    got, deadline = [], time.monotonic() + wait
    while time.monotonic() < deadline and not (until and len(got) >= until):
        r, _, _ = select.select([s], [], [], max(0, deadline - time.monotonic()))
        if not r:
            break
        f, addr = s.recvfrom(65535)
        if addr[2] != socket.PACKET_OUTGOING and is_server_msg(f):
            got.append(f.hex())
    return got


def main():
    s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, socket.htons(ETH_P_ALL))
    s.bind((sys.argv[1], 0))
    out = []
    for step in json.load(sys.stdin):
        s.send(bytes.fromhex(step["frame"]))
        out.append(collect(s, step.get("wait", 2), step.get("until", 1)))
    json.dump(out, sys.stdout)


main()
