#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0-only
"""Write the seed corpus of fuzz_dns_cache.

Each seed is a query, upstream's answer to it and a second query, in the
harness's framing (age in half seconds, the query's length, the answer's
length, then the three). Answers are as resolvers send them: compressed
names, a CNAME chain, NXDOMAIN and NODATA with an SOA, EDNS with a cookie,
DO and CD, a large answer for a small EDNS size, SERVFAIL, TC, TTL 0 and
a client-subnet query. Run from the repository root:

    /usr/bin/python3 tests/fuzz/gen_dns_cache_corpus.py
"""
import os
import struct

OUT = "tests/fuzz/corpus/fuzz_dns_cache"
A, NS, CNAME, SOA, AAAA, OPT = 1, 2, 5, 6, 28, 41


def name(text):
    out = b""
    for label in text.rstrip(".").split("."):
        if label:
            out += bytes([len(label)]) + label.encode()
    return out + b"\x00"


def ptr(off):
    return struct.pack(">H", 0xC000 | off)


def header(qid, flags, qd=1, an=0, ns=0, ar=0):
    return struct.pack(">HHHHHH", qid, flags, qd, an, ns, ar)


def opt(size=1232, do=False, options=b""):
    return (b"\x00" + struct.pack(">HHBBHH", OPT, size, 0, 0, 0x8000 if do else 0,
                                  len(options)) + options)


def rr(owner, rtype, ttl, rdata):
    return owner + struct.pack(">HHIH", rtype, 1, ttl, len(rdata)) + rdata


def query(qname, qtype=A, qid=0x1234, flags=0x0100, edns=None):
    q = header(qid, flags, ar=1 if edns is not None else 0) + name(qname)
    q += struct.pack(">HH", qtype, 1)
    return q + (edns if edns is not None else b"")


def answer(q, flags=0x8180, an=(), ns=(), ar=(), edns=None):
    """q turned round: its question, then the records given."""
    qd_end = 12 + q[12:].index(b"\x00") + 5
    extra = list(ar) + ([edns] if edns is not None else [])
    return (header(0xBEEF, flags, 1, len(an), len(ns), len(extra)) + q[12:qd_end] +
            b"".join(an) + b"".join(ns) + b"".join(extra))


def soa(ttl=3600, minimum=60):
    rdata = (name("ns1.example.org") + name("host.example.org") +
             struct.pack(">IIIII", 2024010101, 7200, 900, 1209600, minimum))
    return rr(name("example.org"), SOA, ttl, rdata)


def seed(age, q, r, q2=b""):
    return struct.pack(">BHH", age, len(q), len(r)) + q + r + q2


def seeds():
    s = {}
    q = query("www.example.org")
    web = rr(ptr(12), CNAME, 300, b"\x03web" + ptr(16))
    a = rr(ptr(len(q) + 12), A, 120, bytes([192, 0, 2, 7]))
    s["cname-a"] = seed(20, q, answer(q, an=[web, a]), query("WwW.ExAmple.ORG", qid=7))
    s["a-again"] = seed(0, q, answer(q, an=[rr(ptr(12), A, 300, bytes([192, 0, 2, 7]))]))
    s["a-expired"] = seed(255, q, answer(q, an=[rr(ptr(12), A, 60, bytes([192, 0, 2, 7]))]))
    s["nxdomain"] = seed(10, query("nope.example.org"),
                         answer(query("nope.example.org"), flags=0x8183, ns=[soa()]))
    qa = query("www.example.org", AAAA)
    s["nodata"] = seed(10, qa, answer(qa, ns=[soa(3600, 600)]))
    s["nx-no-soa"] = seed(1, query("x.example.org"),
                          answer(query("x.example.org"), flags=0x8183))
    cookie = struct.pack(">HH", 10, 8) + bytes(range(1, 9))
    qe = query("www.example.org", edns=opt(1232, options=cookie))
    s["edns-cookie"] = seed(3, qe, answer(qe, an=[rr(ptr(12), A, 300, bytes([192, 0, 2, 7]))],
                                          edns=opt(1232, options=cookie + cookie[:4])),
                            query("www.example.org", qid=99, edns=opt(4096)))
    qd = query("www.example.org", flags=0x0110, edns=opt(4096, do=True))
    s["do-cd"] = seed(3, qd, answer(qd, flags=0x81b0, an=[rr(ptr(12), A, 300, bytes(4))],
                                    edns=opt(4096, do=True)))
    qb = query("big.example.org", edns=opt(4096))
    big = [rr(ptr(12), A, 300, bytes([192, 0, 2, i])) for i in range(40)]
    s["big-small-edns"] = seed(2, qb, answer(qb, an=big, edns=opt(4096)),
                               query("big.example.org", edns=opt(512)))
    s["servfail"] = seed(0, q, answer(q, flags=0x8182, ns=[soa()]))
    s["truncated"] = seed(0, q, answer(q, flags=0x8380, an=[rr(ptr(12), A, 300, bytes(4))]))
    s["ttl0"] = seed(0, q, answer(q, an=[rr(ptr(12), A, 0, bytes(4))]))
    ecs = struct.pack(">HHHBB", 8, 7, 1, 24, 0) + bytes([192, 0, 2])
    qs = query("www.example.org", edns=opt(1232, options=ecs))
    s["ecs"] = seed(0, qs, answer(qs, an=[rr(ptr(12), A, 300, bytes(4))], edns=opt(1232)))
    ns = rr(name("example.org"), NS, 600, name("ns1.example.org"))
    glue = rr(name("ns1.example.org"), A, 900, bytes([192, 0, 2, 53]))
    s["auth-glue"] = seed(4, q, answer(q, an=[rr(ptr(12), A, 300, bytes(4))], ns=[ns],
                                       ar=[glue]))
    return s


def main():
    os.makedirs(OUT, exist_ok=True)
    for label, data in seeds().items():
        with open(os.path.join(OUT, "seed-" + label + ".bin"), "wb") as f:
            f.write(data)


if __name__ == "__main__":
    main()
