// SPDX-License-Identifier: GPL-2.0-only
/*
 * tapio: a stand-in for qemu's side of a tap. It opens an existing tap
 * exactly the way qemu does for virtio-net (IFF_TAP | IFF_NO_PI |
 * IFF_VNET_HDR, a 12-byte virtio_net_hdr_v1 header, TUNSETOFFLOAD with
 * checksum and TSO on) and then writes crafted TCP frames into it (a small
 * segment, a GSO super-frame as a guest with TSO hands its tap, a full-size
 * frame, an oversize non-GSO frame), reads frames out of it with their vnet
 * header and checks the payload, or relays frames between two taps with the
 * vnet headers intact, so that a namespace's TCP stack behind a tap behaves
 * like a virtio guest with offloads on. `sniff` prints the same report for
 * any interface (AF_PACKET with PACKET_VNET_HDR).
 *
 * Payload bytes follow a pattern keyed on the TCP sequence number, so a
 * receiver can check content whether a segment arrives whole or cut up.
 */
#include <arpa/inet.h>
#include <endian.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <inttypes.h>
#include <linux/if_ether.h>
#include <linux/if_packet.h>
#include <linux/if_tun.h>
#include <linux/virtio_net.h>
#include <net/if.h>
#include <netinet/in.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>
#include "common/addr.h"

#ifndef TUN_F_USO4
#define TUN_F_USO4 0x20
#define TUN_F_USO6 0x40
#endif

/* qemu uses the mergeable-rx-buffer header (virtio 1.0 / mrg_rxbuf): 12 B */
#define TAP_VNET_LEN ((int)sizeof(struct virtio_net_hdr_mrg_rxbuf))
/* PACKET_VNET_HDR prefixes the short legacy header: 10 B */
#define PKT_VNET_LEN ((int)sizeof(struct virtio_net_hdr))
/* Room for any frame a tap or socket hands us, GSO super-frames included. */
#define BUF_LEN (256 * 1024)
#define ETH_LEN 14
#define IP4_LEN 20
#define TCP_LEN 20
#define MTU_DEFAULT 1500
#define GSO_SIZE_DEFAULT 1448
/* Frames a relay moves from one side before looking at the other. */
#define RELAY_BATCH 64

enum cmd { CMD_NONE, CMD_WRITE, CMD_READ, CMD_RELAY, CMD_SNIFF };
enum kind { KIND_SMALL, KIND_GSO, KIND_FULL, KIND_OVERSIZE };
static const char *const kind_names[] = {
    [KIND_SMALL] = "small",
    [KIND_GSO] = "gso",
    [KIND_FULL] = "full",
    [KIND_OVERSIZE] = "oversize",
};

struct opts {
	enum cmd cmd;
	const char *dev_a, *dev_b;
	const char *netns_a, *netns_b;
	uint8_t src_mac[6], dst_mac[6];
	struct in_addr src_ip, dst_ip;
	bool have_src_mac, have_dst_mac, have_src_ip, have_dst_ip;
	enum kind kinds[8]; /* written in this order, one stream */
	int nkinds;
	uint16_t sport, dport;
	uint32_t seq, ack;
	uint8_t tcp_flags;
	long payload; /* -1: the kind's default */
	long gso_size;
	bool csum_full; /* compute the TCP checksum instead of offloading it */
	bool uso;
	bool no_offload; /* TUNSETOFFLOAD 0: the kernel segments for us */
	double timeout;
	long count;				     /* 0: until timeout */
	long port;				     /* -1: any; else match TCP sport or dport */
	enum { DIR_ANY, DIR_IN, DIR_OUT } direction; /* sniff */
	bool json;
};

/* One frame as read off the wire; every access goes through view_get(). */
struct view {
	const uint8_t *p;
	size_t len;
};

static const void *view_get(const struct view *v, size_t off, size_t len)
{
	if (off > v->len || len > v->len - off)
		return NULL;
	return v->p + off;
}

static uint16_t get16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

static uint32_t get32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static void put16(uint8_t *p, uint16_t v)
{
	p[0] = v >> 8;
	p[1] = v & 0xff;
}

static void put32(uint8_t *p, uint32_t v)
{
	put16(p, v >> 16);
	put16(p + 2, v & 0xffff);
}

/* The payload byte at TCP sequence number s. Not a plain counter, so a
 * shift by a multiple of 256 bytes is still caught. */
static uint8_t pattern_byte(uint32_t s)
{
	return (uint8_t)(s + (s >> 8) * 13);
}

/* RFC 1071 Internet checksum, as an unfolded sum of big-endian words. */
static uint32_t csum_add(uint32_t sum, const uint8_t *p, size_t len)
{
	size_t i;

	for (i = 0; i + 1 < len; i += 2)
		sum += get16(p + i);
	if (len & 1)
		sum += (uint32_t)p[len - 1] << 8;
	return sum;
}

static uint16_t csum_fold(uint32_t sum)
{
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return (uint16_t)sum;
}

/* Sum of the TCP/UDP pseudo-header (RFC 793 §3.1, RFC 8200 §8.1). */
static uint32_t csum_pseudo(const uint8_t *src, const uint8_t *dst, size_t alen, uint8_t proto,
			    uint32_t l4len)
{
	uint32_t sum = 0;

	sum = csum_add(sum, src, alen);
	sum = csum_add(sum, dst, alen);
	sum += proto;
	sum += l4len >> 16;
	sum += l4len & 0xffff;
	return sum;
}

/* ---- opening devices ---- */

/* Run the next device open inside a named netns (/run/netns/NAME) or a
 * netns path; *orig keeps the caller's namespace for netns_leave(). */
static int netns_enter(const char *ns, int *orig)
{
	char path[256];
	int fd, ret = 0;

	*orig = -1;
	if (!ns)
		return 0;
	if (strchr(ns, '/'))
		snprintf(path, sizeof(path), "%s", ns);
	else
		snprintf(path, sizeof(path), "/run/netns/%s", ns);
	*orig = open("/proc/self/ns/net", O_RDONLY | O_CLOEXEC);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (*orig < 0 || fd < 0 || setns(fd, CLONE_NEWNET) < 0) {
		ret = -errno;
		fprintf(stderr, "tapio: netns %s: %s\n", path, strerror(errno));
	}
	if (fd >= 0)
		close(fd);
	return ret;
}

static void netns_leave(int orig)
{
	if (orig < 0)
		return;
	if (setns(orig, CLONE_NEWNET) < 0)
		fprintf(stderr, "tapio: back to netns: %s\n", strerror(errno));
	close(orig);
}

/* What qemu's tap_fd_set_offload() asks for with a Linux virtio guest. */
static int tap_set_offload(int fd, bool uso, bool none)
{
	unsigned int off = none ? 0 : TUN_F_CSUM | TUN_F_TSO4 | TUN_F_TSO6;

	if (uso && !none && ioctl(fd, TUNSETOFFLOAD, off | TUN_F_USO4 | TUN_F_USO6) == 0)
		return 0;
	if (ioctl(fd, TUNSETOFFLOAD, off) < 0)
		return -errno;
	return 0;
}

/* As qemu's net/tap-linux.c tap_open() + tap_fd_set_vnet_hdr_len(). A tap
 * that was created multi-queue only accepts IFF_MULTI_QUEUE, so retry. */
static int tap_open_here(const char *name, const struct opts *o)
{
	struct ifreq ifr;
	int fd, len = TAP_VNET_LEN, err;

	fd = open("/dev/net/tun", O_RDWR | O_CLOEXEC | O_NONBLOCK);
	if (fd < 0)
		return -errno;
	memset(&ifr, 0, sizeof(ifr));
	snprintf(ifr.ifr_name, IFNAMSIZ, "%s", name);
	ifr.ifr_flags = IFF_TAP | IFF_NO_PI | IFF_VNET_HDR;
	if (ioctl(fd, TUNSETIFF, &ifr) < 0) {
		ifr.ifr_flags |= IFF_MULTI_QUEUE;
		if (errno != EINVAL || ioctl(fd, TUNSETIFF, &ifr) < 0)
			goto fail;
	}
	if (ioctl(fd, TUNSETVNETHDRSZ, &len) < 0)
		goto fail;
	err = tap_set_offload(fd, o->uso, o->no_offload);
	if (err < 0) {
		errno = -err;
		goto fail;
	}
	return fd;
fail:
	err = -errno;
	close(fd);
	return err;
}

/* Opening a tap turns its carrier on, but the kernel's linkwatch applies
 * that later (up to a second): until then the tap's qdisc drops what is
 * sent to it and a bridge keeps the port disabled. qemu just loses those
 * frames; a test must not, so wait (bounded) until the kernel reports the
 * link running. A tap that is administratively down never gets there. */
static int dev_wait_running(const char *name, double timeout)
{
	struct timespec step = {.tv_nsec = 2 * 1000 * 1000};
	struct timespec t0, t;
	struct ifreq ifr;
	int s, ret = -ETIMEDOUT;

	s = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (s < 0)
		return -errno;
	memset(&ifr, 0, sizeof(ifr));
	snprintf(ifr.ifr_name, IFNAMSIZ, "%s", name);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	do {
		if (ioctl(s, SIOCGIFFLAGS, &ifr) < 0) {
			ret = -errno;
			break;
		}
		if (ifr.ifr_flags & IFF_RUNNING) {
			ret = 0;
			break;
		}
		nanosleep(&step, NULL); /* polling interval, bounded below */
		clock_gettime(CLOCK_MONOTONIC, &t);
	} while ((double)(t.tv_sec - t0.tv_sec) + (t.tv_nsec - t0.tv_nsec) / 1e9 < timeout);
	close(s);
	if (ret < 0)
		fprintf(stderr, "tapio: %s not running: %s\n", name, strerror(-ret));
	return ret;
}

static int tap_open(const char *name, const char *ns, const struct opts *o)
{
	int orig, fd;

	fd = netns_enter(ns, &orig);
	if (fd == 0)
		fd = tap_open_here(name, o);
	if (fd >= 0)
		dev_wait_running(name, 5.0); /* late frames are better than none */
	netns_leave(orig);
	if (fd < 0)
		fprintf(stderr, "tapio: open tap %s: %s\n", name, strerror(-fd));
	return fd;
}

/* An AF_PACKET socket on IFACE that reports each frame's vnet header, so a
 * GSO skb shows up whole with its gso_type and gso_size. */
static int sniff_open(const char *name, const char *ns)
{
	struct sockaddr_ll sll = {.sll_family = AF_PACKET};
	int orig, fd, one = 1, rcvbuf = 8 << 20, err;

	err = netns_enter(ns, &orig);
	fd = err ? err
		 : socket(AF_PACKET, SOCK_RAW | SOCK_CLOEXEC | SOCK_NONBLOCK, htons(ETH_P_ALL));
	if (fd < 0 && !err)
		fd = -errno;
	sll.sll_protocol = htons(ETH_P_ALL);
	sll.sll_ifindex = (int)if_nametoindex(name);
	if (fd >= 0 && (!sll.sll_ifindex ||
			setsockopt(fd, SOL_PACKET, PACKET_VNET_HDR, &one, sizeof(one)) < 0 ||
			bind(fd, (struct sockaddr *)&sll, sizeof(sll)) < 0)) {
		err = sll.sll_ifindex ? -errno : -ENODEV;
		close(fd);
		fd = err;
	}
	netns_leave(orig);
	if (fd < 0) {
		fprintf(stderr, "tapio: sniff %s: %s\n", name, strerror(-fd));
		return fd;
	}
	/* best effort: a bigger queue only lowers the odds of losing frames */
	setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &rcvbuf, sizeof(rcvbuf));
	return fd;
}

/* ---- building frames ---- */

static long kind_payload(const struct opts *o, enum kind k)
{
	if (o->payload >= 0)
		return o->payload;
	switch (k) {
	case KIND_SMALL:
		return 64;
	case KIND_GSO:
	case KIND_OVERSIZE:
		return 3000;
	case KIND_FULL:
	default:
		return MTU_DEFAULT - IP4_LEN - TCP_LEN;
	}
}

/* Ethernet + IPv4 + TCP headers and the patterned payload at f. */
static size_t build_tcp4(const struct opts *o, uint32_t seq, uint8_t *f, size_t plen)
{
	uint8_t *ip = f + ETH_LEN, *tcp = ip + IP4_LEN, *pl = tcp + TCP_LEN;
	size_t i;

	memcpy(f, o->dst_mac, 6);
	memcpy(f + 6, o->src_mac, 6);
	put16(f + 12, ETH_P_IP);
	memset(ip, 0, IP4_LEN + TCP_LEN);
	ip[0] = 0x45;
	put16(ip + 2, (uint16_t)(IP4_LEN + TCP_LEN + plen));
	put16(ip + 4, (uint16_t)(seq & 0xffff)); /* id */
	put16(ip + 6, 0x4000);			 /* DF, as Linux TCP */
	ip[8] = 64;
	ip[9] = IPPROTO_TCP;
	memcpy(ip + 12, &o->src_ip, 4);
	memcpy(ip + 16, &o->dst_ip, 4);
	put16(ip + 10, (uint16_t)~csum_fold(csum_add(0, ip, IP4_LEN)));
	put16(tcp, o->sport);
	put16(tcp + 2, o->dport);
	put32(tcp + 4, seq);
	put32(tcp + 8, o->ack);
	tcp[12] = (TCP_LEN / 4) << 4;
	tcp[13] = o->tcp_flags;
	put16(tcp + 14, 65535);
	for (i = 0; i < plen; i++)
		pl[i] = pattern_byte(seq + (uint32_t)i);
	return ETH_LEN + IP4_LEN + TCP_LEN + plen;
}

/* Fill the vnet header and the TCP checksum: left to offload
 * (NEEDS_CSUM, the field holds the pseudo-header sum, as a virtio guest
 * with checksum offload sends), or computed in full. */
static void build_vnet(const struct opts *o, enum kind k, struct virtio_net_hdr_mrg_rxbuf *vh,
		       uint8_t *f, size_t plen)
{
	uint8_t *ip = f + ETH_LEN, *tcp = ip + IP4_LEN;
	uint32_t l4len = (uint32_t)(TCP_LEN + plen);
	uint32_t sum = csum_pseudo(ip + 12, ip + 16, 4, IPPROTO_TCP, l4len);

	memset(vh, 0, sizeof(*vh));
	if (k == KIND_GSO) {
		vh->hdr.gso_type = VIRTIO_NET_HDR_GSO_TCPV4;
		vh->hdr.gso_size = htole16((uint16_t)o->gso_size);
		vh->hdr.hdr_len = htole16(ETH_LEN + IP4_LEN + TCP_LEN);
	}
	if (o->csum_full) {
		sum = csum_add(sum, tcp, l4len);
		put16(tcp + 16, (uint16_t)~csum_fold(sum));
		return;
	}
	vh->hdr.flags = VIRTIO_NET_HDR_F_NEEDS_CSUM;
	vh->hdr.csum_start = htole16(ETH_LEN + IP4_LEN);
	vh->hdr.csum_offset = htole16(16);
	put16(tcp + 16, csum_fold(sum));
}

static int write_frame(const struct opts *o, int fd, enum kind k, uint32_t seq, uint8_t *buf)
{
	long plen = kind_payload(o, k);
	size_t len;

	if (plen > 65000 || (k == KIND_GSO && o->csum_full)) {
		fprintf(stderr, "tapio: payload too big, or --csum-full with gso\n");
		return -EINVAL;
	}
	len = build_tcp4(o, seq, buf + TAP_VNET_LEN, (size_t)plen);
	build_vnet(o, k, (struct virtio_net_hdr_mrg_rxbuf *)buf, buf + TAP_VNET_LEN, (size_t)plen);
	if (write(fd, buf, TAP_VNET_LEN + len) < 0) {
		fprintf(stderr, "tapio: write %s: %s\n", o->dev_a, strerror(errno));
		return -errno;
	}
	fprintf(stderr,
		"tapio: wrote %s frame to %s: %zu bytes + %d vnet, payload %ld, seq %" PRIu32 "\n",
		kind_names[k], o->dev_a, len, TAP_VNET_LEN, plen, seq);
	return (int)plen;
}

/* Write each --kind in turn through one open of the tap, as one TCP
 * stream: each frame's sequence number follows the previous payload. */
static int cmd_write(const struct opts *o)
{
	static uint8_t buf[BUF_LEN];
	uint32_t seq = o->seq;
	int fd, i, ret = 0;

	if (!o->have_src_mac || !o->have_dst_mac || !o->have_src_ip || !o->have_dst_ip) {
		fprintf(stderr, "tapio: write needs --src-mac --dst-mac --src-ip --dst-ip\n");
		return 2;
	}
	fd = tap_open(o->dev_a, o->netns_a, o);
	if (fd < 0)
		return 1;
	for (i = 0; i < o->nkinds && ret >= 0; i++) {
		ret = write_frame(o, fd, o->kinds[i], seq, buf);
		seq += (uint32_t)(ret > 0 ? ret : 0);
	}
	close(fd);
	return ret < 0 ? 1 : 0;
}

/* ---- reading and reporting frames ---- */

struct summary {
	size_t len; /* frame length without the vnet header */
	bool have_vnet;
	struct virtio_net_hdr vh; /* host byte order */
	int pkttype;		  /* sniff only; -1 for a tap */
	const uint8_t *smac, *dmac;
	uint16_t ethertype;
	int l3; /* 4, 6 or 0 */
	char src[INET6_ADDRSTRLEN], dst[INET6_ADDRSTRLEN];
	uint8_t proto;
	uint32_t ip_len; /* IPv4 total length / IPv6 payload + 40 */
	int ip_csum;	 /* 1 ok, 0 bad, -1 n/a */
	bool tcp;
	uint16_t sport, dport;
	uint32_t seq, ack;
	uint8_t flags;
	size_t l4_off;
	size_t payload_len;
	int pattern; /* 1 intact, 0 not, -1 no payload */
	const char *csum;
};

static const char *gso_name(uint8_t t)
{
	switch (t & ~VIRTIO_NET_HDR_GSO_ECN) {
	case VIRTIO_NET_HDR_GSO_NONE:
		return "none";
	case VIRTIO_NET_HDR_GSO_TCPV4:
		return "tcpv4";
	case VIRTIO_NET_HDR_GSO_TCPV6:
		return "tcpv6";
	case VIRTIO_NET_HDR_GSO_UDP:
		return "udp";
	case 5:
		return "udp_l4";
	default:
		return "other";
	}
}

static const char *pkttype_name(int t)
{
	switch (t) {
	case PACKET_HOST:
		return "host";
	case PACKET_BROADCAST:
		return "broadcast";
	case PACKET_MULTICAST:
		return "multicast";
	case PACKET_OTHERHOST:
		return "otherhost";
	case PACKET_OUTGOING:
		return "outgoing";
	default:
		return "tap";
	}
}

/* Network layer: fills addresses, proto, the L4 offset and length. */
static bool parse_l3(const struct view *v, struct summary *s, size_t off, size_t *l4len)
{
	const uint8_t *ip;
	size_t ihl;

	if (s->ethertype == ETH_P_IP && (ip = view_get(v, off, IP4_LEN))) {
		ihl = (size_t)(ip[0] & 0xf) * 4;
		if ((ip[0] >> 4) != 4 || ihl < IP4_LEN || !view_get(v, off, ihl))
			return false;
		s->l3 = 4;
		s->ip_len = get16(ip + 2);
		s->ip_csum = csum_fold(csum_add(0, ip, ihl)) == 0xffff;
		s->proto = ip[9];
		inet_ntop(AF_INET, ip + 12, s->src, sizeof(s->src));
		inet_ntop(AF_INET, ip + 16, s->dst, sizeof(s->dst));
		s->l4_off = off + ihl;
		*l4len = s->ip_len > ihl ? s->ip_len - ihl : 0;
		return true;
	}
	if (s->ethertype == ETH_P_IPV6 && (ip = view_get(v, off, 40))) {
		s->l3 = 6;
		s->ip_len = get16(ip + 4) + 40u;
		s->proto = ip[6];
		inet_ntop(AF_INET6, ip + 8, s->src, sizeof(s->src));
		inet_ntop(AF_INET6, ip + 24, s->dst, sizeof(s->dst));
		s->l4_off = off + 40;
		*l4len = get16(ip + 4);
		return true;
	}
	return false;
}

/* TCP checksum state: "ok"/"bad" for a complete checksum; for a frame left
 * to offload (NEEDS_CSUM) the field must hold the pseudo-header sum:
 * "partial-ok"/"partial-bad". */
static const char *tcp_csum_state(const struct view *v, const struct summary *s, size_t l4len)
{
	const uint8_t *ip = v->p + ETH_LEN, *l4 = view_get(v, s->l4_off, l4len);
	size_t alen = s->l3 == 4 ? 4 : 16;
	const uint8_t *src = s->l3 == 4 ? ip + 12 : ip + 8;
	uint32_t sum = csum_pseudo(src, src + alen, alen, IPPROTO_TCP, (uint32_t)l4len);
	uint16_t field, want;

	if (!l4)
		return "truncated";
	if (s->have_vnet && (s->vh.flags & VIRTIO_NET_HDR_F_NEEDS_CSUM)) {
		if (s->vh.csum_start != s->l4_off || s->vh.csum_offset != 16)
			return "partial-elsewhere";
		field = get16(l4 + 16);
		want = csum_fold(sum);
		/* 0x0000 and 0xffff are the same number in ones' complement */
		if (field == want || (field | want) == 0xffff)
			return "partial-ok";
		return "partial-bad";
	}
	return csum_fold(csum_add(sum, l4, l4len)) == 0xffff ? "ok" : "bad";
}

static void parse_tcp(const struct view *v, struct summary *s, size_t l4len)
{
	const uint8_t *th = view_get(v, s->l4_off, TCP_LEN), *pl;
	size_t doff, i;

	if (!th || l4len < TCP_LEN)
		return;
	doff = (size_t)(th[12] >> 4) * 4;
	if (doff < TCP_LEN || doff > l4len)
		return;
	s->tcp = true;
	s->sport = get16(th);
	s->dport = get16(th + 2);
	s->seq = get32(th + 4);
	s->ack = get32(th + 8);
	s->flags = th[13];
	s->payload_len = l4len - doff;
	s->csum = tcp_csum_state(v, s, l4len);
	pl = view_get(v, s->l4_off + doff, s->payload_len);
	s->pattern = -1;
	if (!pl || !s->payload_len) {
		s->pattern = pl ? -1 : 0;
		return;
	}
	s->pattern = 1;
	for (i = 0; i < s->payload_len; i++) {
		if (pl[i] != pattern_byte(s->seq + (uint32_t)i)) {
			s->pattern = 0;
			break;
		}
	}
}

/* v: the frame without its vnet header; vh: that header, or NULL. */
static void summarize(const struct view *v, const struct virtio_net_hdr *vh, struct summary *s)
{
	const uint8_t *eth = view_get(v, 0, ETH_LEN);
	size_t l4len = 0;

	memset(s, 0, sizeof(*s));
	s->len = v->len;
	s->ip_csum = -1;
	s->pattern = -1;
	s->csum = "n/a";
	s->pkttype = -1;
	if (vh) {
		s->have_vnet = true;
		s->vh.flags = vh->flags;
		s->vh.gso_type = vh->gso_type;
		s->vh.hdr_len = le16toh(vh->hdr_len);
		s->vh.gso_size = le16toh(vh->gso_size);
		s->vh.csum_start = le16toh(vh->csum_start);
		s->vh.csum_offset = le16toh(vh->csum_offset);
	}
	if (!eth)
		return;
	s->dmac = eth;
	s->smac = eth + 6;
	s->ethertype = get16(eth + 12);
	if (!parse_l3(v, s, ETH_LEN, &l4len))
		return;
	if (s->proto == IPPROTO_TCP)
		parse_tcp(v, s, l4len);
}

static void mac_str(char *out, const uint8_t *m)
{
	if (!m) {
		strcpy(out, "-");
		return;
	}
	kv_mac_format(m, out);
}

static void tcp_flags_str(char *out, uint8_t f)
{
	static const char names[] = "FSRPAUEC";
	int i, n = 0;

	for (i = 0; i < 8; i++)
		if (f & (1 << i))
			out[n++] = names[i];
	out[n] = 0;
}

static void print_json(const struct summary *s)
{
	char sm[18], dm[18], fl[9];

	mac_str(sm, s->smac);
	mac_str(dm, s->dmac);
	printf("{\"len\":%zu,\"dir\":\"%s\"", s->len, pkttype_name(s->pkttype));
	if (s->have_vnet)
		printf(",\"vnet\":{\"flags\":%u,\"gso_type\":\"%s\",\"hdr_len\":%u,"
		       "\"gso_size\":%u,\"csum_start\":%u,\"csum_offset\":%u}",
		       s->vh.flags, gso_name(s->vh.gso_type), s->vh.hdr_len, s->vh.gso_size,
		       s->vh.csum_start, s->vh.csum_offset);
	printf(",\"src_mac\":\"%s\",\"dst_mac\":\"%s\",\"ethertype\":%u", sm, dm, s->ethertype);
	if (s->l3)
		printf(",\"ip\":%d,\"src\":\"%s\",\"dst\":\"%s\",\"proto\":%u,\"ip_len\":%u", s->l3,
		       s->src, s->dst, s->proto, s->ip_len);
	if (s->ip_csum >= 0)
		printf(",\"ip_csum_ok\":%s", s->ip_csum ? "true" : "false");
	if (s->tcp) {
		tcp_flags_str(fl, s->flags);
		printf(
		    ",\"sport\":%u,\"dport\":%u,\"seq\":%" PRIu32 ",\"ack\":%" PRIu32
		    ",\"tcp_flags\":\"%s\",\"payload_len\":%zu,\"pattern_ok\":%s,\"csum\":\"%s\"",
		    s->sport, s->dport, s->seq, s->ack, fl, s->payload_len,
		    s->pattern < 0 ? "null"
		    : s->pattern   ? "true"
				   : "false",
		    s->csum);
	}
	printf("}\n");
}

static void print_text(const struct summary *s)
{
	char sm[18], dm[18], fl[9];

	mac_str(sm, s->smac);
	mac_str(dm, s->dmac);
	printf("len %zu", s->len);
	if (s->pkttype >= 0)
		printf(" %s", pkttype_name(s->pkttype));
	if (s->have_vnet)
		printf(" vnet flags 0x%x gso %s hdr_len %u gso_size %u csum %u+%u", s->vh.flags,
		       gso_name(s->vh.gso_type), s->vh.hdr_len, s->vh.gso_size, s->vh.csum_start,
		       s->vh.csum_offset);
	printf(" | %s > %s type 0x%04x", sm, dm, s->ethertype);
	if (s->l3)
		printf(" | ipv%d %s > %s proto %u len %u%s", s->l3, s->src, s->dst, s->proto,
		       s->ip_len, s->ip_csum == 0 ? " BAD-IP-CSUM" : "");
	if (s->tcp) {
		tcp_flags_str(fl, s->flags);
		printf(" | tcp %u > %u seq %" PRIu32 " ack %" PRIu32 " [%s] payload %zu %s csum %s",
		       s->sport, s->dport, s->seq, s->ack, fl, s->payload_len,
		       s->pattern < 0 ? "-"
		       : s->pattern   ? "pattern-ok"
				      : "PATTERN-BAD",
		       s->csum);
	}
	printf("\n");
}

static bool wanted(const struct opts *o, const struct summary *s)
{
	if (o->direction == DIR_IN && s->pkttype == PACKET_OUTGOING)
		return false;
	if (o->direction == DIR_OUT && s->pkttype != PACKET_OUTGOING)
		return false;
	if (o->port >= 0 && (!s->tcp || (s->sport != o->port && s->dport != o->port)))
		return false;
	return true;
}

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

/* Read one frame from fd (tap or packet socket) and report it if wanted.
 * Returns 1 if reported, 0 if not, -EAGAIN when nothing is queued. */
static int read_one(const struct opts *o, int fd, bool is_tap, uint8_t *buf)
{
	struct sockaddr_ll sll;
	socklen_t slen = sizeof(sll);
	int vlen = is_tap ? TAP_VNET_LEN : PKT_VNET_LEN;
	struct summary s;
	struct view v;
	ssize_t n;

	memset(&sll, 0, sizeof(sll));
	n = is_tap ? read(fd, buf, BUF_LEN)
		   : recvfrom(fd, buf, BUF_LEN, MSG_TRUNC, (struct sockaddr *)&sll, &slen);
	if (n < 0)
		return errno == EAGAIN || errno == EINTR ? -EAGAIN : -errno;
	if (n < vlen || n > BUF_LEN)
		return 0;
	v.p = buf + vlen;
	v.len = (size_t)n - (size_t)vlen;
	summarize(&v, (const struct virtio_net_hdr *)buf, &s);
	if (!is_tap)
		s.pkttype = sll.sll_pkttype;
	if (!wanted(o, &s))
		return 0;
	if (o->json)
		print_json(&s);
	else
		print_text(&s);
	fflush(stdout);
	return 1;
}

static int cmd_read(const struct opts *o, bool is_tap)
{
	static uint8_t buf[BUF_LEN];
	double end = now_s() + o->timeout, left;
	struct pollfd pfd = {.events = POLLIN};
	long seen = 0;
	int ret;

	pfd.fd = is_tap ? tap_open(o->dev_a, o->netns_a, o) : sniff_open(o->dev_a, o->netns_a);
	if (pfd.fd < 0)
		return 1;
	fprintf(stderr, "tapio: ready %s\n", o->dev_a);
	while ((!o->count || seen < o->count) && (left = end - now_s()) > 0) {
		ret = poll(&pfd, 1, (int)(left * 1000) + 1);
		if (ret < 0 && errno != EINTR) {
			perror("tapio: poll");
			break;
		}
		while (ret > 0 && (!o->count || seen < o->count)) {
			ret = read_one(o, pfd.fd, is_tap, buf);
			if (ret == -EAGAIN)
				break;
			if (ret < 0) {
				fprintf(stderr, "tapio: read: %s\n", strerror(-ret));
				break;
			}
			seen += ret;
		}
	}
	close(pfd.fd);
	fprintf(stderr, "tapio: %ld frame(s)\n", seen);
	return o->count && seen < o->count ? 3 : 0;
}

/* ---- relay ---- */

struct relay_dir {
	const char *name;
	int in, out;
	uint64_t frames, bytes, gso, errors;
};

/* Move up to RELAY_BATCH frames from d->in to d->out, vnet header and all.
 * A failed write drops that frame (as a full NIC queue would) and counts
 * it; only a read error other than "nothing queued" is fatal. */
static int relay_pump(struct relay_dir *d, uint8_t *buf)
{
	const struct virtio_net_hdr *vh = (const void *)buf;
	ssize_t n;
	int i;

	for (i = 0; i < RELAY_BATCH; i++) {
		n = read(d->in, buf, BUF_LEN);
		if (n < 0)
			return errno == EAGAIN || errno == EINTR ? 0 : -errno;
		if (write(d->out, buf, (size_t)n) != n) {
			d->errors++;
			continue;
		}
		d->frames++;
		d->bytes += (uint64_t)(n - TAP_VNET_LEN);
		if (vh->gso_type != VIRTIO_NET_HDR_GSO_NONE)
			d->gso++;
	}
	return 0;
}

static int signalfd_term(void)
{
	sigset_t set;

	sigemptyset(&set);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	if (sigprocmask(SIG_BLOCK, &set, NULL) < 0)
		return -errno;
	return signalfd(-1, &set, SFD_CLOEXEC);
}

static void relay_report(const struct relay_dir *d)
{
	fprintf(stderr,
		"tapio: %s: %" PRIu64 " frames, %" PRIu64 " bytes, %" PRIu64 " gso, %" PRIu64
		" write errors\n",
		d->name, d->frames, d->bytes, d->gso, d->errors);
}

static int cmd_relay(const struct opts *o)
{
	static uint8_t buf[BUF_LEN];
	struct relay_dir ab = {.name = "a->b"}, ba = {.name = "b->a"};
	struct pollfd pfd[3];
	int ret = 1, err = 0;

	pfd[0].fd = tap_open(o->dev_a, o->netns_a, o);
	pfd[1].fd = tap_open(o->dev_b, o->netns_b, o);
	pfd[2].fd = signalfd_term();
	if (pfd[0].fd < 0 || pfd[1].fd < 0 || pfd[2].fd < 0)
		goto out;
	ab.in = ba.out = pfd[0].fd;
	ab.out = ba.in = pfd[1].fd;
	pfd[0].events = pfd[1].events = pfd[2].events = POLLIN;
	fprintf(stderr, "tapio: relay ready %s <-> %s\n", o->dev_a, o->dev_b);
	while (!err) {
		if (poll(pfd, 3, -1) < 0 && errno != EINTR) {
			err = -errno;
			break;
		}
		if (pfd[2].revents)
			break;
		if (pfd[0].revents & (POLLERR | POLLHUP | POLLNVAL) ||
		    pfd[1].revents & (POLLERR | POLLHUP | POLLNVAL))
			err = -EIO;
		if (!err && pfd[0].revents & POLLIN)
			err = relay_pump(&ab, buf);
		if (!err && pfd[1].revents & POLLIN)
			err = relay_pump(&ba, buf);
	}
	if (err)
		fprintf(stderr, "tapio: relay: %s\n", strerror(-err));
	relay_report(&ab);
	relay_report(&ba);
	ret = err ? 1 : 0;
out:
	for (int i = 0; i < 3; i++)
		if (pfd[i].fd >= 0)
			close(pfd[i].fd);
	return ret;
}

/* ---- command line ---- */

static void usage(FILE *f)
{
	fprintf(f, "usage: tapio write TAP --src-mac M --dst-mac M --src-ip A --dst-ip A\n"
		   "                 --kind K[,K...] [--sport P] [--dport P]\n"
		   "                 [--seq N] [--ack N] [--flags FSRPAU] [--payload N]\n"
		   "                 [--gso-size N] [--csum-full]\n"
		   "       tapio read TAP [--timeout S] [--count N] [--port P] [--json]\n"
		   "       tapio sniff IFACE [--timeout S] [--count N] [--port P]\n"
		   "                 [--direction in|out] [--json]   (in: received by IFACE)\n"
		   "       tapio relay TAP_A TAP_B [--netns-b NS]   (until SIGTERM)\n"
		   "common: [--netns NS] (TAP/IFACE/TAP_A lives in /run/netns/NS or path NS)\n"
		   "        [--uso] also offer TUN_F_USO4|USO6; [--no-offload] offer nothing\n"
		   "K is small|gso|full|oversize; several kinds go out as one stream.\n"
		   "read/sniff exit 3 if --count frames did not arrive within --timeout.\n");
}

static int parse_flags(const char *s, uint8_t *f)
{
	static const char names[] = "FSRPAUEC";
	const char *c;

	*f = 0;
	for (; *s; s++) {
		c = strchr(names, *s);
		if (!c)
			return -EINVAL;
		*f |= (uint8_t)(1 << (c - names));
	}
	return 0;
}

/* A comma-separated list of kinds. */
static int parse_kinds(const char *arg, struct opts *o)
{
	size_t i, n, max = sizeof(o->kinds) / sizeof(o->kinds[0]);
	const char *s = arg;

	o->nkinds = 0;
	while (*s) {
		n = strcspn(s, ",");
		for (i = 0; i < sizeof(kind_names) / sizeof(kind_names[0]); i++)
			if (strlen(kind_names[i]) == n && !strncmp(s, kind_names[i], n))
				break;
		if (i == sizeof(kind_names) / sizeof(kind_names[0]) || (size_t)o->nkinds == max)
			return -EINVAL;
		o->kinds[o->nkinds++] = (enum kind)i;
		s += n + (s[n] == ',');
	}
	return o->nkinds ? 0 : -EINVAL;
}

/* Unsigned number within [0, max]. */
static int parse_num(const char *s, unsigned long max, unsigned long *v)
{
	char *end;

	errno = 0;
	*v = strtoul(s, &end, 0);
	if (errno || end == s || *end || *v > max || s[0] == '-')
		return -EINVAL;
	return 0;
}

enum {
	OPT_SRC_MAC = 256,
	OPT_DST_MAC,
	OPT_SRC_IP,
	OPT_DST_IP,
	OPT_KIND,
	OPT_SPORT,
	OPT_DPORT,
	OPT_SEQ,
	OPT_ACK,
	OPT_FLAGS,
	OPT_PAYLOAD,
	OPT_GSO_SIZE,
	OPT_CSUM_FULL,
	OPT_TIMEOUT,
	OPT_COUNT,
	OPT_PORT,
	OPT_JSON,
	OPT_NETNS,
	OPT_NETNS_B,
	OPT_USO,
	OPT_DIRECTION,
	OPT_NO_OFFLOAD,
	OPT_HELP,
};

static const struct option long_opts[] = {
    {"src-mac", required_argument, NULL, OPT_SRC_MAC},
    {"dst-mac", required_argument, NULL, OPT_DST_MAC},
    {"src-ip", required_argument, NULL, OPT_SRC_IP},
    {"dst-ip", required_argument, NULL, OPT_DST_IP},
    {"kind", required_argument, NULL, OPT_KIND},
    {"sport", required_argument, NULL, OPT_SPORT},
    {"dport", required_argument, NULL, OPT_DPORT},
    {"seq", required_argument, NULL, OPT_SEQ},
    {"ack", required_argument, NULL, OPT_ACK},
    {"flags", required_argument, NULL, OPT_FLAGS},
    {"payload", required_argument, NULL, OPT_PAYLOAD},
    {"gso-size", required_argument, NULL, OPT_GSO_SIZE},
    {"csum-full", no_argument, NULL, OPT_CSUM_FULL},
    {"timeout", required_argument, NULL, OPT_TIMEOUT},
    {"count", required_argument, NULL, OPT_COUNT},
    {"port", required_argument, NULL, OPT_PORT},
    {"json", no_argument, NULL, OPT_JSON},
    {"netns", required_argument, NULL, OPT_NETNS},
    {"netns-a", required_argument, NULL, OPT_NETNS},
    {"netns-b", required_argument, NULL, OPT_NETNS_B},
    {"uso", no_argument, NULL, OPT_USO},
    {"no-offload", no_argument, NULL, OPT_NO_OFFLOAD},
    {"direction", required_argument, NULL, OPT_DIRECTION},
    {"help", no_argument, NULL, OPT_HELP},
    {NULL, 0, NULL, 0},
};

static unsigned long num_limit(int c)
{
	if (c == OPT_SEQ || c == OPT_ACK)
		return 0xffffffffUL;
	if (c == OPT_SPORT || c == OPT_DPORT || c == OPT_PORT)
		return 0xffff;
	return 1000000UL;
}

/* Options that take a number: where it goes and its limit. */
static int parse_numeric_opt(struct opts *o, int c, const char *arg)
{
	unsigned long v;
	int err;

	err = parse_num(arg, num_limit(c), &v);
	if (err)
		return err;
	switch (c) {
	case OPT_SPORT:
		o->sport = (uint16_t)v;
		break;
	case OPT_DPORT:
		o->dport = (uint16_t)v;
		break;
	case OPT_SEQ:
		o->seq = (uint32_t)v;
		break;
	case OPT_ACK:
		o->ack = (uint32_t)v;
		break;
	case OPT_PAYLOAD:
		o->payload = (long)v;
		break;
	case OPT_GSO_SIZE:
		o->gso_size = (long)v;
		break;
	case OPT_COUNT:
		o->count = (long)v;
		break;
	case OPT_PORT:
		o->port = (long)v;
		break;
	default:
		return -EINVAL;
	}
	return 0;
}

static int parse_opt(struct opts *o, int c, const char *arg)
{
	char *end;

	switch (c) {
	case OPT_SRC_MAC:
		o->have_src_mac = true;
		return kv_mac_parse(arg, o->src_mac);
	case OPT_DST_MAC:
		o->have_dst_mac = true;
		return kv_mac_parse(arg, o->dst_mac);
	case OPT_SRC_IP:
		o->have_src_ip = true;
		return inet_pton(AF_INET, arg, &o->src_ip) == 1 ? 0 : -EINVAL;
	case OPT_DST_IP:
		o->have_dst_ip = true;
		return inet_pton(AF_INET, arg, &o->dst_ip) == 1 ? 0 : -EINVAL;
	case OPT_KIND:
		return parse_kinds(arg, o);
	case OPT_FLAGS:
		return parse_flags(arg, &o->tcp_flags);
	case OPT_CSUM_FULL:
		o->csum_full = true;
		return 0;
	case OPT_JSON:
		o->json = true;
		return 0;
	case OPT_USO:
		o->uso = true;
		return 0;
	case OPT_NO_OFFLOAD:
		o->no_offload = true;
		return 0;
	case OPT_NETNS:
		o->netns_a = arg;
		return 0;
	case OPT_NETNS_B:
		o->netns_b = arg;
		return 0;
	case OPT_TIMEOUT:
		o->timeout = strtod(arg, &end);
		return *end || end == arg || o->timeout <= 0 ? -EINVAL : 0;
	case OPT_DIRECTION:
		if (!strcmp(arg, "in"))
			o->direction = DIR_IN;
		else if (!strcmp(arg, "out"))
			o->direction = DIR_OUT;
		else
			return -EINVAL;
		return 0;
	default:
		return parse_numeric_opt(o, c, arg);
	}
}

static int parse_cmd(struct opts *o, int argc, char **argv)
{
	static const char *const cmds[] = {NULL, "write", "read", "relay", "sniff"};
	int i, need;

	for (i = 1; i < 5; i++)
		if (!strcmp(argv[optind], cmds[i]))
			o->cmd = (enum cmd)i;
	need = o->cmd == CMD_RELAY ? 3 : 2;
	if (o->cmd == CMD_NONE || argc - optind != need)
		return -EINVAL;
	o->dev_a = argv[optind + 1];
	o->dev_b = o->cmd == CMD_RELAY ? argv[optind + 2] : NULL;
	return 0;
}

static int parse_args(struct opts *o, int argc, char **argv)
{
	int c;

	memset(o, 0, sizeof(*o));
	o->sport = 40000;
	o->dport = 7777;
	o->seq = 1000000;
	o->ack = 1;
	o->tcp_flags = 0x18; /* PSH|ACK */
	o->payload = -1;
	o->gso_size = GSO_SIZE_DEFAULT;
	o->timeout = 5;
	o->port = -1;
	o->kinds[0] = KIND_SMALL;
	o->nkinds = 1;
	while ((c = getopt_long(argc, argv, "h", long_opts, NULL)) != -1) {
		if (c == 'h' || c == OPT_HELP) {
			usage(stdout);
			exit(0);
		}
		if (c == '?' || parse_opt(o, c, optarg) < 0) {
			if (c != '?')
				fprintf(stderr, "tapio: bad value '%s'\n", optarg);
			return -EINVAL;
		}
	}
	if (optind >= argc)
		return -EINVAL;
	return parse_cmd(o, argc, argv);
}

int main(int argc, char **argv)
{
	struct opts o;

	if (parse_args(&o, argc, argv) < 0) {
		usage(stderr);
		return 2;
	}
	/* a reader that a test harness pipes must not sit on a full buffer */
	setvbuf(stdout, NULL, _IOLBF, 0);
	switch (o.cmd) {
	case CMD_WRITE:
		return cmd_write(&o);
	case CMD_READ:
		return cmd_read(&o, true);
	case CMD_SNIFF:
		return cmd_read(&o, false);
	case CMD_RELAY:
		return cmd_relay(&o);
	default:
		usage(stderr);
		return 2;
	}
}
