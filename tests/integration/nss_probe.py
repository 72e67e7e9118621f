# SPDX-License-Identifier: GPL-2.0-only
"""Call libnss_kvnet's entry points directly, as glibc does, and print what
they did as JSON: for tests/integration/test_nss.py, which runs this in a
process of its own (the module is loaded with ctypes).

    nss_probe.py LIB name4 NAME
    nss_probe.py LIB name3 NAME inet|inet6
    nss_probe.py LIB addr2 ADDR

Each call is made with every buffer size from 0 up until it stops asking
for a larger one (ERANGE with NSS_STATUS_TRYAGAIN), and each time the bytes
just past the buffer must stay as they were: a module that writes past the
caller's buffer fails here. Prints {"status", "errno", "h_errno",
"min_buflen", "result", "seconds"}; status is glibc's enum nss_status name.
"""

import ctypes
import errno
import json
import socket
import sys
import time

STATUS = {-2: "TRYAGAIN", -1: "UNAVAIL", 0: "NOTFOUND", 1: "SUCCESS", 2: "RETURN"}
NETDB_INTERNAL = -1
GUARD = 64
MAX_BUFLEN = 4096
AF = {"inet": socket.AF_INET, "inet6": socket.AF_INET6}


class Hostent(ctypes.Structure):
    _fields_ = [("h_name", ctypes.c_char_p),
                ("h_aliases", ctypes.POINTER(ctypes.c_char_p)),
                ("h_addrtype", ctypes.c_int),
                ("h_length", ctypes.c_int),
                ("h_addr_list", ctypes.POINTER(ctypes.POINTER(ctypes.c_ubyte)))]


class Tuple(ctypes.Structure):
    pass


Tuple._fields_ = [("next", ctypes.POINTER(Tuple)), ("name", ctypes.c_char_p),
                  ("family", ctypes.c_int), ("addr", ctypes.c_ubyte * 16),
                  ("scopeid", ctypes.c_uint32)]


def _list(ptr, convert):
    out, i = [], 0
    while ptr[i]:
        out.append(convert(ptr[i]))
        i += 1
    return out


def hostent_result(h):
    def addr(p):
        raw = bytes(p[:h.h_length])
        return socket.inet_ntop(h.h_addrtype, raw)
    return {"name": h.h_name.decode(), "aliases": _list(h.h_aliases, bytes.decode),
            "family": h.h_addrtype, "addrs": _list(h.h_addr_list, addr)}


def tuples_result(pat):
    out, t = [], pat
    while t:
        n = 4 if t.contents.family == socket.AF_INET else 16
        out.append([t.contents.name.decode(),
                    socket.inet_ntop(t.contents.family, bytes(t.contents.addr[:n]))])
        t = t.contents.next
    return out


def sweep(call):
    """call(buf, buflen, err, herr) -> (status, result thunk), for growing
    buffers; returns the first answer that is not ERANGE."""
    for buflen in range(MAX_BUFLEN):
        buf = ctypes.create_string_buffer(b"\xa5" * (buflen + GUARD), buflen + GUARD)
        err, herr = ctypes.c_int(0), ctypes.c_int(0)
        st, result = call(buf, buflen, err, herr)
        if buf.raw[buflen:] != b"\xa5" * GUARD:
            raise SystemExit(f"wrote past a buffer of {buflen} bytes")
        if st == -2 and err.value == errno.ERANGE:
            if herr.value != NETDB_INTERNAL:
                raise SystemExit(f"ERANGE with h_errno {herr.value}")
            continue
        return {"status": STATUS[st], "errno": err.value, "h_errno": herr.value,
                "min_buflen": buflen, "result": result() if st == 1 else None}
    raise SystemExit("ERANGE at every buffer size")


def probe(lib, op, arg, af_name=None):
    if op == "name4":
        fn = lib._nss_kvnet_gethostbyname4_r

        def call(buf, n, err, herr):
            pat, ttl = ctypes.POINTER(Tuple)(), ctypes.c_int32(-1)
            st = fn(arg.encode(), ctypes.byref(pat), buf, ctypes.c_size_t(n),
                    ctypes.byref(err), ctypes.byref(herr), ctypes.byref(ttl))
            return st, lambda: {"tuples": tuples_result(pat), "ttl": ttl.value}
    elif op == "name3":
        fn = lib._nss_kvnet_gethostbyname3_r

        def call(buf, n, err, herr):
            h, ttl, canon = Hostent(), ctypes.c_int32(-1), ctypes.c_char_p()
            st = fn(arg.encode(), AF[af_name], ctypes.byref(h), buf, ctypes.c_size_t(n),
                    ctypes.byref(err), ctypes.byref(herr), ctypes.byref(ttl),
                    ctypes.byref(canon))
            return st, lambda: {**hostent_result(h), "ttl": ttl.value,
                                "canon": canon.value.decode()}
    else:
        fn = lib._nss_kvnet_gethostbyaddr2_r
        af = socket.AF_INET6 if ":" in arg else socket.AF_INET
        raw = socket.inet_pton(af, arg)

        def call(buf, n, err, herr):
            h, ttl = Hostent(), ctypes.c_int32(-1)
            st = fn(raw, len(raw), af, ctypes.byref(h), buf, ctypes.c_size_t(n),
                    ctypes.byref(err), ctypes.byref(herr), ctypes.byref(ttl))
            return st, lambda: {**hostent_result(h), "ttl": ttl.value}
    fn.restype = ctypes.c_int
    return sweep(call)


def main():
    lib = ctypes.CDLL(sys.argv[1])
    start = time.monotonic()
    out = probe(lib, sys.argv[2], sys.argv[3], *sys.argv[4:5])
    out["seconds"] = time.monotonic() - start
    print(json.dumps(out))


if __name__ == "__main__":
    main()
