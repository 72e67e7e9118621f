// SPDX-License-Identifier: GPL-2.0-only
/* Conflict detection for the DHCP service (see dhcpd.h), ahead of time:
 * a few free pool addresses a second are ARP-probed from the gateway
 * (RFC 5227 probes: sender address 0.0.0.0, so no cache learns from
 * them), and every ARP packet the gateway sees is read. A pool address
 * that answers, or that a guest claims as its own, without a lease to that
 * guest is quarantined, and the engine hands it to nobody. A new client
 * never waits for a probe, unlike libvirt's dnsmasq, which pings every
 * address for about 3 s before it offers it. */
#include <errno.h>
#include <stddef.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <net/if.h>
#include <netinet/if_ether.h>
#include <linux/if_packet.h>
#include <sys/socket.h>

#include "switch/dhcpd_int.h"
#include "switch/log.h"
#include "switch/network_int.h"

#define DHCPD_ARP_LEN 28

static void dhcpd_arp_frame(const struct dhcpd *s, uint32_t target, uint8_t f[42])
{
	uint32_t tpa = htonl(target);

	memset(f, 0, 42);
	memset(f, 0xff, 6);
	memcpy(f + 6, s->gw_mac, 6);
	f[12] = 0x08, f[13] = 0x06;
	f[14] = 0, f[15] = 1;	 /* Ethernet */
	f[16] = 0x08, f[17] = 0; /* IPv4 */
	f[18] = 6, f[19] = 4;
	f[21] = 1; /* request */
	memcpy(f + 22, s->gw_mac, 6);
	/* sender IP 0.0.0.0 (f + 28), target MAC zero (f + 32) */
	memcpy(f + 38, &tpa, 4);
}

/* Is ip held by mac (bound or offered to it)? */
static bool dhcpd_held_by(const struct dhcpd *s, uint32_t ip, const uint8_t mac[6])
{
	struct dhcp_lease_rec r;

	if (dhcp_server_lease_find(s->srv, ip, &r) < 0)
		return false;
	return (r.state == DHCP_LEASE_BOUND || r.state == DHCP_LEASE_OFFERED) &&
	       r.hlen == 6 && !memcmp(r.chaddr, mac, 6);
}

/* An ARP packet seen on the gateway: sender mac claims ip. */
static void dhcpd_arp_seen(struct dhcpd *s, uint32_t ip, const uint8_t mac[6])
{
	struct dhcp_changes ch = { 0 };
	char m[KV_MAC_STRLEN];
	struct in_addr a = { htonl(ip) };

	if (!ip || ip == s->gw_ip || dhcpd_held_by(s, ip, mac))
		return;
	if (dhcp_server_conflict(s->srv, ip, (uint64_t)time(NULL), &ch) < 0 || !ch.n)
		return;
	dhcpd_persist(s, &ch);
	kv_mac_format(mac, m);
	log_warn("network '%s': %s answers for %s without a lease: quarantined",
		 s->n->def.name, m, inet_ntoa(a));
}

static void dhcpd_arp_ready(struct loop_watch *w)
{
	struct dhcpd *s = (struct dhcpd *)((char *)w - offsetof(struct dhcpd, arp));
	uint8_t f[128];
	uint32_t spa;
	ssize_t n;

	while ((n = recv(w->fd, f, sizeof(f), MSG_DONTWAIT)) > 0) {
		if (n < 14 + DHCPD_ARP_LEN || f[12] != 0x08 || f[13] != 0x06 || f[18] != 6 ||
		    f[19] != 4 || f[16] != 0x08 || f[17] != 0)
			continue;
		memcpy(&spa, f + 28, 4);
		dhcpd_arp_seen(s, ntohl(spa), f + 22);
	}
}

int dhcpd_probe_open(struct dhcpd *s)
{
	struct sockaddr_ll sll = { .sll_family = AF_PACKET, .sll_protocol = htons(ETH_P_ARP) };
	int fd;

	sll.sll_ifindex = (int)if_nametoindex(s->n->def.bridge);
	if (!sll.sll_ifindex)
		return -ENODEV;
	fd = socket(AF_PACKET, SOCK_RAW | SOCK_CLOEXEC | SOCK_NONBLOCK, htons(ETH_P_ARP));
	if (fd < 0)
		return -errno;
	s->arp.fn = dhcpd_arp_ready;
	if (bind(fd, (struct sockaddr *)&sll, sizeof(sll)) < 0 ||
	    loop_add(&s->d->loop, &s->arp, fd) < 0) {
		close(fd);
		return -errno;
	}
	s->gw_ifindex = sll.sll_ifindex;
	return 0;
}

void dhcpd_probe_close(struct dhcpd *s)
{
	int fd = s->arp.fd;

	if (fd < 0)
		return;
	loop_del(&s->d->loop, &s->arp);
	close(fd);
}

void dhcpd_probe_tick(struct dhcpd *s)
{
	struct sockaddr_ll sll = { .sll_family = AF_PACKET, .sll_ifindex = s->gw_ifindex,
				   .sll_halen = 6 };
	uint8_t f[42];
	uint32_t ip;

	if (s->arp.fd < 0)
		return;
	memset(sll.sll_addr, 0xff, 6);
	for (int i = 0; i < DHCPD_PROBES_PER_TICK; i++) {
		if (dhcp_server_free_next(s->srv, s->probe_after, &ip) < 0) {
			s->probe_after = 0; /* round again */
			return;
		}
		s->probe_after = ip;
		dhcpd_arp_frame(s, ip, f);
		sendto(s->arp.fd, f, sizeof(f), 0, (struct sockaddr *)&sll, sizeof(sll));
	}
}
