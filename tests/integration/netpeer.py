# SPDX-License-Identifier: GPL-2.0-only
"""A tiny TCP/UDP peer for the NAT tests, run inside a test's namespaces.

  netpeer.py tcp-server PORT      accept; answer each connection with the
  netpeer.py udp-server PORT      peer's "ip:port" as the server saw it
                                  (prints "ready" once bound)
  netpeer.py tcp-client HOST PORT [--sport N] [--timeout S]
  netpeer.py udp-client HOST PORT [--sport N] [--timeout S]
                                  print what the server answered, or
                                  "refused" / "timeout" (exit 1)
"""

import argparse
import socket
import sys


def serve_tcp(port):
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.bind(("0.0.0.0", port))
    s.listen(64)
    print("ready", flush=True)
    while True:
        c, addr = s.accept()
        try:
            c.sendall(f"{addr[0]}:{addr[1]}\n".encode())
        finally:
            c.close()


def serve_udp(port):
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.bind(("0.0.0.0", port))
    print("ready", flush=True)
    while True:
        _, addr = s.recvfrom(2048)
        s.sendto(f"{addr[0]}:{addr[1]}\n".encode(), addr)


def client(kind, host, port, sport, timeout):
    stype = socket.SOCK_STREAM if kind == "tcp" else socket.SOCK_DGRAM
    s = socket.socket(socket.AF_INET, stype)
    s.settimeout(timeout)
    if sport:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        s.bind(("0.0.0.0", sport))
    try:
        s.connect((host, port))
        if kind == "udp":
            s.send(b"hello\n")
        data = s.recv(256)
    except ConnectionRefusedError:
        print("refused")
        return 1
    except (socket.timeout, TimeoutError):
        print("timeout")
        return 1
    print(data.decode().strip())
    return 0


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("mode", choices=["tcp-server", "udp-server", "tcp-client",
                                     "udp-client"])
    ap.add_argument("args", nargs="+")
    ap.add_argument("--sport", type=int, default=0)
    ap.add_argument("--timeout", type=float, default=3.0)
    a = ap.parse_args()
    if a.mode == "tcp-server":
        serve_tcp(int(a.args[0]))
    elif a.mode == "udp-server":
        serve_udp(int(a.args[0]))
    else:
        sys.exit(client(a.mode[:3], a.args[0], int(a.args[1]), a.sport,
                        a.timeout))


if __name__ == "__main__":
    main()
