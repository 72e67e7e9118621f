# SPDX-License-Identifier: GPL-2.0-only
"""The DNS service on each network's gateway (issue 16), with real clients
(dig, busybox udhcpc and nslookup) in guest namespaces and a real DNS
server (dnsmasq) in an upstream namespace standing in for the internet's
resolver: guests' names from reservations and DHCP hostnames, forward and
reverse; forwarding with the guest's ID kept and the host's own ID sent;
TCP; DHCP handing out the gateway; no answers for strangers; malformed
queries survived."""

import struct
import subprocess

import pytest

from kvnet_harness import Capture, poll

GW = "10.77.0.1"
UP = "10.201.0.2"      # the upstream namespace's resolver
UP_ANSWER = "192.0.2.7"  # what it says example.test is
RANGE = ("10.77.0.100", "10.77.0.150")
RES_MAC, RES_IP = "52:54:00:d5:00:20", "10.77.0.20"

UDHCPC_SCRIPT = """#!/bin/sh
case "$1" in
bound|renew) ip addr add "$ip/$mask" dev "$interface"
             echo "$1 $ip dns=$dns domain=$domain search=$search" >> "$LOG" ;;
esac
"""


def dns_xml(env, dns="", domain="lab.test", extra=""):
    dom = f"<domain name='{domain}'/>" if domain else ""
    return env.isolated_xml("t0", extra=dom + dns + extra).replace(
        f"<ip address='{GW}' prefix='24'/>",
        f"<ip address='{GW}' prefix='24'><dhcp><range start='{RANGE[0]}' "
        f"end='{RANGE[1]}'/><host mac='{RES_MAC}' name='vmres' ip='{RES_IP}'/>"
        "</dhcp></ip>")


def start(env, **kw):
    env.define_xml(dns_xml(env, **kw))
    env.cli("net", "start", "t0")


def dig(ns, *args, server=GW, check=True):
    """dig's answer lines (+short), or the whole output with check=False."""
    cp = ns.run(["dig", f"@{server}", "+time=2", "+tries=1", *args], check=False, timeout=20)
    if check:
        assert cp.returncode == 0, cp.stdout + cp.stderr
    return cp.stdout


def short(ns, *args, **kw):
    return dig(ns, "+short", *args, **kw).split()


def status(ns, *args, **kw):
    out = dig(ns, *args, **kw)
    for w in out.split():
        if w.rstrip(",") in ("NOERROR", "NXDOMAIN", "REFUSED", "SERVFAIL", "FORMERR",
                             "NOTIMP"):
            return w.rstrip(",")
    return out


def upstream_dns(env, name="example.test"):
    """An upstream namespace whose dnsmasq answers name (and only it);
    returns (namespace, log path)."""
    up = env.add_upstream()
    log = env.tmp / "up-dnsmasq.log"
    p = up.popen(["dnsmasq", "-k", "--conf-file=/dev/null", "--no-resolv", "--no-hosts",
                  "--user=root", f"--listen-address={UP}", "--bind-interfaces",
                  f"--address=/{name}/{UP_ANSWER}", "--txt-record=up.example.test,upstream",
                  "--local-ttl=300",
                  *[f"--txt-record=big.example.test,{c * 200}" for c in "abcd"],
                  "--log-queries", f"--log-facility={log}",
                  f"--pid-file={env.tmp / 'up-dnsmasq.pid'}"],
                 stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    poll(lambda: "started" in (log.read_text() if log.exists() else ""), 10,
         "the upstream dnsmasq to start")
    return up, log, p


@pytest.fixture
def upstream(kvnet):
    up, log, p = upstream_dns(kvnet)
    yield up, log
    p.terminate()
    p.wait(5)


def dhcp_guest(env, name, hostname):
    """A guest that leases its address with busybox udhcpc, asking for
    hostname (option 12) and the search list: (namespace, the words its
    script logged: event, address, dns=, domain=, search=)."""
    d = env.new_ns(f"kvg-{name}-")
    port = f"kv-{name}"
    d.sysctl("net.ipv6.conf.all.disable_ipv6=1", "net.ipv6.conf.default.disable_ipv6=1")
    env.host.ip("link", "add", port, "type", "veth", "peer", "name", "eth0", "netns", d.name)
    d.ip("link", "set", "eth0", "up")
    env.host.ip("link", "set", port, "up")
    env.cli("port", "add", "t0", port)
    script = env.tmp / "udhcpc.sh"
    script.write_text(UDHCPC_SCRIPT)
    script.chmod(0o755)
    log = env.tmp / f"udhcpc-{name}.log"
    d.run(["env", f"LOG={log}", "busybox", "udhcpc", "-q", "-n", "-i", "eth0", "-s",
           str(script), "-x", f"hostname:{hostname}", "-O", "search", "-t", "5", "-T", "1"],
          timeout=30)
    return d, log.read_text().split()


def test_reserved_and_leased_names(kvnet):
    """A reservation's name and a DHCP client's hostname answer A (plain
    and under the domain) and PTR, over UDP and TCP; DHCP hands out the
    gateway as the DNS server with the domain."""
    env = kvnet
    start(env)
    g = env.add_guest("t0", "q", "10.77.0.5")
    assert short(g.ns, "vmres") == [RES_IP]
    assert short(g.ns, "vmres.lab.test") == [RES_IP]
    assert short(g.ns, "+tcp", "vmres.lab.test") == [RES_IP]
    assert short(g.ns, "-x", RES_IP) == ["vmres.lab.test."]

    d, bound = dhcp_guest(env, "dyn", "dyn1")
    ip = bound[1]
    assert bound[2:] == [f"dns={GW}", "domain=lab.test", "search=lab.test"], bound
    assert short(g.ns, "dyn1") == [ip]
    assert short(g.ns, "dyn1.lab.test") == [ip]
    assert short(g.ns, "-x", ip) == ["dyn1.lab.test."]
    # busybox nslookup, the resolver of the smallest guests
    out = d.run(["busybox", "nslookup", "vmres.lab.test", GW], timeout=20).stdout
    assert RES_IP in out
    # a reservation added live is a name at once; removed, it is gone
    env.cli("dhcp", "host", "add", "t0", "--mac", "52:54:00:d5:00:40", "--ip", "10.77.0.40",
            "--name", "newvm")
    assert short(g.ns, "newvm") == ["10.77.0.40"]
    env.cli("dhcp", "host", "del", "t0", "--mac", "52:54:00:d5:00:40", "--ip", "10.77.0.40")
    assert short(g.ns, "newvm", check=False) != ["10.77.0.40"]
    show = env.net("t0")
    assert show["dns"] == f"{GW} port 53"
    assert show["dns_counters"]["answered"] >= 8 and show["dns_counters"]["forwarded"] == 0


def test_forwarded_with_the_hosts_own_id(kvnet, upstream):
    """Names not the network's go to the host's resolvers (resolv.conf):
    the answer comes back to the guest under its own ID, and the query
    upstream carries another."""
    env = kvnet
    up, uplog = upstream
    env.resolv_conf.write_text(f"# the host's resolvers\nnameserver {UP}\n")
    start(env)
    g = env.add_guest("t0", "q", "10.77.0.5")
    assert short(g.ns, "www.example.test") == [UP_ANSWER]
    # asked again: from the cache, with the TTL it has left
    out = dig(g.ns, "+noall", "+answer", "www.example.test").split()
    assert out[-1] == UP_ANSWER and 0 < int(out[1]) <= 300, out
    assert uplog.read_text().count("query[A] www.example.test") == 1
    assert env.net("t0")["dns_counters"]["cached"] == 1
    assert short(g.ns, "+tcp", "example.test") == [UP_ANSWER]
    assert short(g.ns, "TXT", "up.example.test") == ['"upstream"']
    # an answer longer than 512 bytes: truncated over UDP without EDNS,
    # whole over TCP (forwarded over TCP: RFC 7766)
    out = dig(g.ns, "+noedns", "+ignore", "TXT", "big.example.test")
    assert " tc" in out.split("flags:")[1].split(";")[0], out
    out = short(g.ns, "+tcp", "+noedns", "TXT", "big.example.test")
    assert sorted(out) == sorted(f'"{c * 200}"' for c in "abcd"), out
    assert "query[A] www.example.test from 10.201.0.1" in uplog.read_text()
    with Capture(up, "eth0", bpf_filter="udp dst port 53") as cap:
        reply = udp_query(g, b"id-1.example.test", 0x4242)
        assert reply[:2] == b"\x42\x42" and struct.unpack("!H", reply[6:8])[0] == 1
        f = cap.wait_for(lambda f: b"id-1" in bytes(f), what="the forwarded query")[0]
    b = bytes(f)
    dns_at = 14 + (b[14] & 0xF) * 4 + 8
    assert b[dns_at:dns_at + 2] != b"\x42\x42", "the guest's ID went upstream"


def test_forwarder_from_the_definition(kvnet, upstream):
    """<forwarder addr=> replaces the host's resolvers (none here)."""
    env = kvnet
    start(env, dns=f"<dns><forwarder addr='{UP}'/></dns>")
    g = env.add_guest("t0", "q", "10.77.0.5")
    assert short(g.ns, "example.test") == [UP_ANSWER]


def test_no_upstream_servfail(kvnet):
    """Without any upstream a foreign name gets SERVFAIL at once, and the
    network's own names still answer."""
    env = kvnet
    start(env)
    g = env.add_guest("t0", "q", "10.77.0.5")
    assert status(g.ns, "www.example.test") == "SERVFAIL"
    assert short(g.ns, "vmres") == [RES_IP]


def test_not_an_open_resolver(kvnet, upstream):
    """A query from outside the subnet is REFUSED (a guest that lies about
    its address), and the gateway answers nothing that reaches it from
    another device (the upstream)."""
    env = kvnet
    up, uplog = upstream
    env.resolv_conf.write_text(f"nameserver {UP}\n")
    start(env)
    g = env.add_guest("t0", "liar", "10.99.0.5")
    g.ns.ip("route", "add", f"{GW}/32", "dev", "eth0")
    assert status(g.ns, "example.test") == "REFUSED"
    assert env.net("t0")["dns_counters"]["refused"] == 1
    out = dig(up, "example.test", check=False)
    assert "timed out" in out or "no servers could be reached" in out, out
    assert "example.test from 10.99" not in uplog.read_text()


def udp_query(g, name, qid, qtype=1, raw=None, timeout=3):
    """Send one query (or raw bytes) from guest g to the gateway; the reply
    or None."""
    if raw is None:
        q = struct.pack("!HHHHHH", qid, 0x0100, 1, 0, 0, 0)
        q += b"".join(bytes([len(x)]) + x for x in name.split(b".")) + b"\0"
        raw = q + struct.pack("!HH", qtype, 1)
    code = ("import socket,sys; s=socket.socket(socket.AF_INET,socket.SOCK_DGRAM); "
            f"s.settimeout({timeout}); s.sendto(bytes.fromhex(sys.argv[1]),('{GW}',53))\n"
            "try: sys.stdout.write(s.recv(65535).hex())\nexcept socket.timeout: pass")
    out = g.ns.run(["/usr/bin/python3", "-c", code, raw.hex()], timeout=20).stdout
    return bytes.fromhex(out) if out else None


def test_malformed_queries(kvnet):
    """Garbage is dropped or gets FORMERR, a response is ignored, and the
    service keeps answering."""
    env = kvnet
    start(env)
    g = env.add_guest("t0", "q", "10.77.0.5")
    assert udp_query(g, None, 0, raw=b"\x01\x02\x03") is None, "a 3-byte query answered"
    bad = struct.pack("!HHHHHH", 0x1111, 0x0100, 1, 0, 0, 0) + b"\x3fabc"
    r = udp_query(g, None, 0, raw=bad)
    assert r is not None and r[:2] == b"\x11\x11" and r[3] & 0xF == 1, r  # FORMERR
    resp = struct.pack("!HHHHHH", 0x2222, 0x8180, 0, 0, 0, 0)
    assert udp_query(g, None, 0, raw=resp, timeout=1) is None, "a response answered"
    # a TCP client that sends a length and hangs up, and one that lies
    for data in (b"\x00", b"\xff\xff" + b"x" * 100):
        cp = g.ns.run(["/usr/bin/python3", "-c",
                       "import socket,sys; s=socket.create_connection(('%s',53),3); "
                       "s.sendall(bytes.fromhex(sys.argv[1])); s.close()" % GW, data.hex()],
                      timeout=20)
        assert cp.returncode == 0, cp.stderr
    assert short(g.ns, "vmres") == [RES_IP]
    assert short(g.ns, "+tcp", "vmres") == [RES_IP]
    assert env.daemon_alive()


def test_disabled_dns_serves_nothing(kvnet):
    """<dns enable='no'/>: nothing on port 53, and DHCP hands out no DNS."""
    env = kvnet
    start(env, dns="<dns enable='no'/>")
    g = env.add_guest("t0", "q", "10.77.0.5")
    out = dig(g.ns, "vmres", check=False)
    assert "status:" not in out, out
    assert env.net("t0")["dns"] == "off"


def test_port_taken_is_noted(kvnet):
    """Another program holding TCP port 53 on every address: the network
    still starts, without DNS, and says why."""
    env = kvnet
    code = ("import socket,sys; s=socket.socket(); s.bind(('0.0.0.0',53)); s.listen(); "
            "print('ok', flush=True); sys.stdin.read()")
    p = env.host.popen(["/usr/bin/python3", "-c", code], stdin=subprocess.PIPE,
                       stdout=subprocess.PIPE, text=True)
    try:
        assert p.stdout.readline().strip() == "ok"
        start(env)
        show = env.net("t0")
        assert show["active"] and show["dns"].startswith("not served"), show
        assert any("DNS not served" in n and "Address already in use" in n
                   for n in show["notes"]), show["notes"]
    finally:
        p.stdin.close()
        p.wait(5)


def test_served_again_after_kill(kvnet):
    """kill -9 of kvnetd: once it is back (adopting the running network),
    names answer again, a lease's hostname included."""
    env = kvnet
    start(env)
    g = env.add_guest("t0", "q", "10.77.0.5")
    assert short(g.ns, "vmres") == [RES_IP]
    env.kill_daemon()
    env.start_daemon()
    poll(lambda: short(g.ns, "vmres", check=False) == [RES_IP], 20,
         "an answer from the restarted kvnetd")


DNS_RECORDS = """<dns forwardPlainNames='no'>
  <forwarder domain='corp.test' addr='10.201.0.3'/>
  <forwarder domain='hidden.test'/>
  <txt name='info.lab.test' value='v=1,mode=test'/>
  <srv service='http' protocol='tcp' domain='lab.test' target='web.lab.test'
       port='8080' priority='10' weight='20'/>
  <host ip='10.77.0.30'><hostname>web</hostname><hostname>www.lab.test</hostname></host>
  <host ip='fd00:77::30'><hostname>web</hostname></host>
  <host ip='10.77.0.31'><hostname>web</hostname></host>
</dns>"""


def test_records_domains_and_plain_names(kvnet, upstream):
    """<dns><host> (an IPv6 address on an IPv4 network too), <txt>, <srv>;
    a domain sent to its own forwarder, one kept local, a localOnly domain
    and forwardPlainNames='no' answered here and never forwarded, while
    other names still go to the host's resolvers."""
    env = kvnet
    up, uplog = upstream
    up.ip("addr", "add", "10.201.0.3/24", "dev", "eth0")
    corp_log = env.tmp / "corp-dnsmasq.log"
    corp = up.popen(["dnsmasq", "-k", "--conf-file=/dev/null", "--no-resolv", "--no-hosts",
                     "--user=root", "--listen-address=10.201.0.3", "--bind-interfaces",
                     "--address=/corp.test/192.0.2.8", "--log-queries",
                     f"--log-facility={corp_log}",
                     f"--pid-file={env.tmp / 'corp-dnsmasq.pid'}"],
                    stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        poll(lambda: "started" in (corp_log.read_text() if corp_log.exists() else ""), 10,
             "the corp dnsmasq to start")
        env.resolv_conf.write_text(f"nameserver {UP}\n")
        env.define_xml(dns_xml(env, dns=DNS_RECORDS).replace(
            "<domain name='lab.test'/>", "<domain name='lab.test' localOnly='yes'/>"))
        env.cli("net", "start", "t0")
        g = env.add_guest("t0", "q", "10.77.0.5")
        assert sorted(short(g.ns, "web")) == ["10.77.0.30", "10.77.0.31"]
        assert short(g.ns, "www.lab.test") == ["10.77.0.30"]
        # a guest whose DHCP hostname is a name the definition gives does
        # not take it; its own lease's name is still given
        _, bound = dhcp_guest(env, "web", "web")
        assert sorted(short(g.ns, "web")) == ["10.77.0.30", "10.77.0.31"]
        _, bound = dhcp_guest(env, "dyn", "dyn2")
        assert short(g.ns, "dyn2") == [bound[1]]
        assert short(g.ns, "AAAA", "web.lab.test") == ["fd00:77::30"]
        assert short(g.ns, "-x", "fd00:77::30") == ["web.lab.test."]
        assert short(g.ns, "TXT", "info.lab.test") == ['"v=1"', '"mode=test"']
        assert short(g.ns, "SRV", "_http._tcp.lab.test") == ["10", "20", "8080",
                                                             "web.lab.test."]
        assert short(g.ns, "www.corp.test") == ["192.0.2.8"]
        assert short(g.ns, "example.test") == [UP_ANSWER]
        for name in ("nosuch.lab.test", "x.hidden.test", "plainname"):
            assert status(g.ns, name) == "NXDOMAIN", name
        assert status(g.ns, "-x", "10.77.0.99") == "NXDOMAIN"  # the subnet's reverse
        logs = uplog.read_text() + corp_log.read_text()
        for name in ("nosuch.lab.test", "hidden.test", "plainname", "10.77.0.99",
                     "99.0.77.10"):
            assert name not in logs, f"{name} was forwarded"
        assert "www.corp.test" not in uplog.read_text()
    finally:
        corp.terminate()
        corp.wait(5)


def test_plain_names_forwarded_by_default(kvnet, upstream):
    """libvirt's default (forwardPlainNames='yes'): a plain name that is not
    the network's goes upstream."""
    env = kvnet
    up, uplog = upstream
    env.resolv_conf.write_text(f"nameserver {UP}\n")
    start(env)
    g = env.add_guest("t0", "q", "10.77.0.5")
    status(g.ns, "plainname")
    assert "query[A] plainname from" in uplog.read_text()


def test_silent_upstream_servfail(kvnet, upstream):
    """An upstream that never answers: after the retries the guest gets
    SERVFAIL under its own ID."""
    env = kvnet
    env.resolv_conf.write_text("nameserver 10.201.0.9\n")  # nothing listens there
    start(env)
    g = env.add_guest("t0", "q", "10.77.0.5")
    r = udp_query(g, b"www.example.test", 0x5151, timeout=10)
    assert r is not None and r[:2] == b"\x51\x51" and r[3] & 0xF == 2, r
    assert env.net("t0")["dns_counters"]["servfail"] == 1


def test_served_after_gateway_recreated(kvnet):
    """The gateway deleted by hand: kvnetd recreates it, and DNS answers on
    the new device (its sockets were bound to the old one)."""
    env = kvnet
    start(env)
    g = env.add_guest("t0", "q", "10.77.0.5")
    assert short(g.ns, "vmres") == [RES_IP]
    env.host.ip("link", "del", "kvnet-t0")
    poll(lambda: any("recreated" in n for n in env.net("t0")["notes"]), 5,
         "the gateway recreated")
    poll(lambda: short(g.ns, "vmres", check=False) == [RES_IP], 10,
         "an answer on the recreated gateway")


FLOOD = """
import socket, struct, sys, time
gw, n = sys.argv[1], int(sys.argv[2])
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
for i in range(n):
    name = b"".join(bytes([len(x)]) + x for x in (b"f%d" % i, b"example", b"test")) + b"\\0"
    s.sendto(struct.pack("!HHHHHH", i, 0x0100, 1, 0, 0, 0) + name + b"\\0\\1\\0\\1", (gw, 53))
s.settimeout(1)
got = 0
try:
    while True:
        r = s.recv(512)
        got += (r[3] & 0xF) == 2
except socket.timeout:
    pass
print(got)
"""


def test_one_guest_cannot_starve_the_others(kvnet):
    """With upstream silent, one guest's flood of queries takes its share of
    the waiting slots (the rest get SERVFAIL at once) and another guest's
    query is still taken; one guest's TCP connections are capped too."""
    env = kvnet
    env.resolv_conf.write_text("nameserver 10.201.0.9\n")  # nothing answers
    env.add_upstream()  # 10.201.0.9 is on its link: nothing leaves the namespaces
    start(env)
    a = env.add_guest("t0", "a", "10.77.0.5")
    b = env.add_guest("t0", "b", "10.77.0.6")
    out = a.ns.run(["/usr/bin/python3", "-c", FLOOD, GW, "100"], timeout=30).stdout
    assert int(out) == 100 - 32, out  # DNS_FWD_PER_CLIENT wait, the rest SERVFAIL
    assert udp_query(b, b"other.example.test", 0x7777, timeout=1) is None, \
        "b's query was refused at once"
    conns = ("import socket,sys\n"
             "ss=[socket.create_connection((sys.argv[1],53),2) for _ in range(8)]\n"
             "n=0\n"
             "for s in ss:\n"
             "    s.settimeout(1)\n"
             "    try: n += s.recv(1) == b''\n"
             "    except socket.timeout: pass\n"
             "print(n)")
    p = a.ns.popen(["/usr/bin/python3", "-c", conns, GW], stdout=subprocess.PIPE, text=True)
    try:
        closed = int(p.communicate(timeout=30)[0])
        assert closed == 8 - 4, closed  # DNSD_TCP_PER_PEER
    finally:
        if p.poll() is None:
            p.kill()
    assert short(b.ns, "+tcp", "vmres") == [RES_IP]


def test_loopback_stub_upstream(kvnet, upstream):
    """A stub resolver on the host's loopback (systemd-resolved's
    127.0.0.53) serves as the upstream: kvnetd asks from the host."""
    env = kvnet
    log = env.tmp / "stub.log"
    stub = env.host.popen(["dnsmasq", "-k", "--conf-file=/dev/null", "--no-resolv",
                           "--no-hosts", "--user=root", "--listen-address=127.0.0.53",
                           "--bind-interfaces", f"--server={UP}", "--log-queries",
                           f"--log-facility={log}", f"--pid-file={env.tmp / 'stub.pid'}"],
                          stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        poll(lambda: "started" in (log.read_text() if log.exists() else ""), 10,
             "the loopback stub to start")
        env.resolv_conf.write_text("nameserver 127.0.0.53\n")
        start(env)
        g = env.add_guest("t0", "q", "10.77.0.5")
        assert short(g.ns, "stub.example.test") == [UP_ANSWER]
        assert "query[A] stub.example.test from 127.0.0.1" in log.read_text()
    finally:
        stub.terminate()
        stub.wait(5)
