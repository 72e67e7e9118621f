#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0-only
"""Run one shell command in the kvnet test guest (tests/guest/build.sh)
over its command port, and print what it printed; exit with its status.

    guest_cmd.py SOCKET COMMAND [TIMEOUT]

SOCKET is the unix socket of the guest's virtio-serial command port, with
qemu listening on it (-chardev socket,id=cmd,path=SOCKET,server=on,wait=off
and -device virtserialport,chardev=cmd,name=kvnet.cmd). The guest's /init
feeds the port to a shell; the command's end is marked by a token line.
Used by the demo (tools/demo.sh); the tests have their own copy of the
protocol in tests/integration/qemu_guest.py.
"""

import re
import secrets
import socket
import sys
import time


def main():
    if len(sys.argv) not in (3, 4):
        sys.exit(f"usage: {sys.argv[0]} SOCKET COMMAND [TIMEOUT]")
    path, command = sys.argv[1], sys.argv[2]
    timeout = float(sys.argv[3]) if len(sys.argv) == 4 else 30
    token = secrets.token_hex(4)
    end = re.compile(rb"@@" + token.encode() + rb" (\d+)\n")
    deadline = time.monotonic() + timeout
    with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as s:
        s.connect(path)
        s.sendall(f"{{ {command} ; }} </dev/null 2>&1; echo \"@@{token} $?\"\n"
                  .encode())
        buf = b""
        while not (m := end.search(buf)):
            left = deadline - time.monotonic()
            if left <= 0:
                sys.exit(f"guest_cmd: no answer from the guest in {timeout:g} s")
            s.settimeout(left)
            chunk = s.recv(65536)
            if not chunk:
                sys.exit("guest_cmd: the guest closed its command port")
            buf += chunk
    sys.stdout.write(buf[:m.start()].decode(errors="replace"))
    sys.exit(int(m.group(1)))


if __name__ == "__main__":
    main()
