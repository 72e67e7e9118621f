// SPDX-License-Identifier: GPL-2.0-only
/* Links, addresses and routes through libnl-3 (see link.h). Taps are the one
 * device netlink cannot create: they are made persistent through
 * /dev/net/tun and configured through netlink like everything else. */
#include "switch/link.h"
#include "switch/fault.h"

#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <sched.h>
#include <stddef.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <net/if_arp.h>
#include <linux/if_packet.h>
#include <linux/if_tun.h>
#include <netinet/if_ether.h>
#include <linux/net_namespace.h>
#include <linux/rtnetlink.h>
#include <netlink/netlink.h>
#include <netlink/cache.h>
#include <netlink/route/link.h>
#include <netlink/route/link/veth.h>
#include <netlink/route/link/inet.h>
#include <netlink/route/link/inet6.h>
#include <linux/ip.h>
#include <netlink/route/addr.h>
#include <netlink/route/route.h>

#include "common/addr.h"
#include "switch/log.h"

int link_errno(int nlerr)
{
	static const struct { int nle, err; } map[] = {
		{ NLE_EXIST, EEXIST }, { NLE_NODEV, ENODEV }, { NLE_PERM, EPERM },
		{ NLE_BUSY, EBUSY }, { NLE_INVAL, EINVAL }, { NLE_NOMEM, ENOMEM },
		{ NLE_RANGE, ERANGE }, { NLE_OPNOTSUPP, EOPNOTSUPP }, { NLE_AGAIN, EAGAIN },
		{ NLE_OBJ_NOTFOUND, ENOENT }, { NLE_NOADDR, EADDRNOTAVAIL },
		{ NLE_AF_NOSUPPORT, EAFNOSUPPORT }, { NLE_NOACCESS, EACCES },
		{ NLE_MSGSIZE, EMSGSIZE }, { NLE_NOATTR, ENOENT },
	};
	int e = nlerr < 0 ? -nlerr : nlerr;

	for (size_t i = 0; i < sizeof(map) / sizeof(*map); i++)
		if (map[i].nle == e)
			return -map[i].err;
	return -EIO;
}

/* What a link message says beyond its ifindex: IFLA_LINK (a veth's
 * peer), and where a device that left went (IFLA_NEW_NETNSID and
 * IFLA_NEW_IFINDEX on the RTM_DELLINK of a move). */
static void link_msg_attrs(struct nlmsghdr *nlh, struct link_event *ev)
{
	struct nlattr *tb[IFLA_MAX + 1];

	if (nlmsg_parse(nlh, sizeof(struct ifinfomsg), tb, IFLA_MAX, NULL) < 0)
		return;
	if (tb[IFLA_LINK])
		ev->link = (int)nla_get_u32(tb[IFLA_LINK]);
	if (tb[IFLA_NEW_NETNSID])
		ev->new_nsid = (int)nla_get_s32(tb[IFLA_NEW_NETNSID]);
	if (tb[IFLA_NEW_IFINDEX])
		ev->new_ifindex = (int)nla_get_s32(tb[IFLA_NEW_IFINDEX]);
}

static int link_monitor_cb(struct nl_msg *msg, void *arg)
{
	struct link_ctx *l = arg;
	struct nlmsghdr *nlh = nlmsg_hdr(msg);
	struct link_event ev = { .new_nsid = -1 };
	struct ifinfomsg *ifi;

	if (nlh->nlmsg_type != RTM_NEWLINK && nlh->nlmsg_type != RTM_DELLINK)
		return NL_OK;
	if (nlh->nlmsg_len < NLMSG_LENGTH(sizeof(*ifi)))
		return NL_OK;
	ifi = nlmsg_data(nlh);
	ev.ifindex = ifi->ifi_index;
	ev.gone = nlh->nlmsg_type == RTM_DELLINK;
	link_msg_attrs(nlh, &ev);
	if (l->on_change)
		l->on_change(l->arg, &ev);
	return NL_OK;
}

static int link_open_monitor(struct link_ctx *l)
{
	l->mon = nl_socket_alloc();
	if (!l->mon)
		return -ENOMEM;
	nl_socket_disable_seq_check(l->mon);
	nl_socket_modify_cb(l->mon, NL_CB_VALID, NL_CB_CUSTOM, link_monitor_cb, l);
	if (nl_connect(l->mon, NETLINK_ROUTE) < 0)
		return -EIO;
	if (nl_socket_add_membership(l->mon, RTNLGRP_LINK) < 0)
		return -EIO;
	nl_socket_set_nonblocking(l->mon);
	nl_socket_set_buffer_size(l->mon, 4 << 20, 0);
	return 0;
}

int link_open(struct link_ctx *l, void (*on_change)(void *, const struct link_event *),
	      void *arg, struct kv_error *e)
{
	memset(l, 0, sizeof(*l));
	l->pkt_fd = -1;
	l->on_change = on_change;
	l->arg = arg;
	l->sk = nl_socket_alloc();
	if (!l->sk || nl_connect(l->sk, NETLINK_ROUTE) < 0)
		return kv_fail(e, KV_ERR_SYSTEM, -EIO, "cannot open rtnetlink socket");
	if (link_open_monitor(l) < 0)
		return kv_fail(e, KV_ERR_SYSTEM, -EIO, "cannot subscribe to link notifications");
	/* for frames kvnetd sends itself (STP's BPDUs); protocol 0: it
	 * receives nothing */
	l->pkt_fd = socket(AF_PACKET, SOCK_RAW | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (l->pkt_fd < 0)
		return kv_fail(e, KV_ERR_SYSTEM, -errno, "cannot open a packet socket: %s",
			       strerror(errno));
	return 0;
}

void link_close(struct link_ctx *l)
{
	if (l->mon)
		nl_socket_free(l->mon);
	if (l->sk)
		nl_socket_free(l->sk);
	if (l->pkt_fd >= 0)
		close(l->pkt_fd);
	l->pkt_fd = -1;
	l->mon = l->sk = NULL;
}

int link_monitor_fd(const struct link_ctx *l)
{
	return nl_socket_get_fd(l->mon);
}

int link_monitor_read(struct link_ctx *l)
{
	int ret = nl_recvmsgs_default(l->mon);

	/* -NLE_NOMEM is ENOBUFS: notifications were lost; tell the owner to
	 * re-check everything (ifindex 0). */
	if (ret == -NLE_NOMEM && l->on_change) {
		struct link_event all = { .new_nsid = -1 };

		l->on_change(l->arg, &all);
	}
	return ret == -NLE_AGAIN ? 0 : ret;
}

static void link_fill_info(struct rtnl_link *link, struct link_info *out)
{
	struct nl_addr *addr = rtnl_link_get_addr(link);
	const char *type = rtnl_link_get_type(link);
	const char *alias = rtnl_link_get_ifalias(link);
	int32_t nsid;

	memset(out, 0, sizeof(*out));
	out->ifindex = rtnl_link_get_ifindex(link);
	snprintf(out->name, sizeof(out->name), "%s", rtnl_link_get_name(link));
	snprintf(out->kind_name, sizeof(out->kind_name), "%s", type ? type : "");
	if (type && !strcmp(type, "veth"))
		out->kind = LINK_KIND_VETH;
	else if (type && !strcmp(type, "tun"))
		out->kind = LINK_KIND_TAP;
	if (addr && nl_addr_get_len(addr) == 6)
		memcpy(out->mac, nl_addr_get_binary_addr(addr), 6);
	out->mtu = rtnl_link_get_mtu(link);
	out->up = rtnl_link_get_flags(link) & IFF_UP;
	out->carrier = rtnl_link_get_flags(link) & 0x10000; /* IFF_LOWER_UP */
	out->promisc = rtnl_link_get_flags(link) & IFF_PROMISC;
	out->ether = rtnl_link_get_arptype(link) == ARPHRD_ETHER;
	out->peer_other_ns = out->kind == LINK_KIND_VETH &&
			     rtnl_link_get_link_netnsid(link, &nsid) == 0;
	if (out->kind == LINK_KIND_VETH && !out->peer_other_ns)
		out->peer_ifindex = (int)rtnl_link_get_link(link);
	if (alias)
		snprintf(out->alias, sizeof(out->alias), "%s", alias);
	out->master = rtnl_link_get_master(link);
	out->group = rtnl_link_get_group(link);
}

int link_get(struct link_ctx *l, int ifindex, const char *name,
	     struct link_info *out)
{
	struct rtnl_link *link = NULL;

	if (name && strlen(name) >= IFNAMSIZ)
		return -ENODEV;
	if (rtnl_link_get_kernel(l->sk, ifindex, ifindex ? NULL : name, &link) < 0)
		return -ENODEV;
	link_fill_info(link, out);
	rtnl_link_put(link);
	return 0;
}

static int link_nl_err(struct kv_error *e, int nlerr, const char *what,
		       const char *name)
{
	return kv_fail(e, KV_ERR_SYSTEM, link_errno(nlerr), "%s '%s': %s", what, name,
		       nl_geterror(nlerr));
}

static struct nl_addr *link_mac_addr(const uint8_t *mac)
{
	return nl_addr_build(AF_LLC, mac, 6);
}

int link_create_veth(struct link_ctx *l, const char *name, const uint8_t *mac,
		     const char *peer_name, struct kv_error *e)
{
	struct rtnl_link *link = rtnl_link_veth_alloc();
	struct rtnl_link *peer;
	struct nl_addr *addr = NULL;
	int ret;

	if (!link)
		return kv_fail(e, KV_ERR_SYSTEM, -ENOMEM, "out of memory");
	rtnl_link_set_name(link, name);
	rtnl_link_set_group(link, LINK_KVNET_GROUP);
	if (mac) {
		addr = link_mac_addr(mac);
		rtnl_link_set_addr(link, addr);
	}
	peer = rtnl_link_veth_get_peer(link);
	rtnl_link_set_name(peer, peer_name);
	rtnl_link_set_group(peer, LINK_KVNET_GROUP);
	FAULT("link.veth.create");
	ret = rtnl_link_add(l->sk, link, NLM_F_CREATE | NLM_F_EXCL);
	rtnl_link_put(peer);
	rtnl_link_veth_release(link);
	if (addr)
		nl_addr_put(addr);
	if (ret < 0)
		return link_nl_err(e, ret, "cannot create veth pair", name);
	FAULT("link.veth.created");
	return 0;
}

/* Apply the changes in chg (which this consumes) to the link ifindex. A
 * NULL chg (allocation failed) is -NLE_NOMEM. Returns a libnl error. */
static int link_change(struct link_ctx *l, int ifindex, struct rtnl_link *chg)
{
	struct rtnl_link *orig = rtnl_link_alloc();
	int ret = -NLE_NOMEM;

	if (orig && chg) {
		rtnl_link_set_ifindex(orig, ifindex);
		ret = rtnl_link_change(l->sk, orig, chg, 0);
	}
	if (orig)
		rtnl_link_put(orig);
	if (chg)
		rtnl_link_put(chg);
	return ret;
}

static int link_set_mac(struct link_ctx *l, int ifindex, const uint8_t *mac)
{
	struct rtnl_link *chg = rtnl_link_alloc();
	struct nl_addr *addr = link_mac_addr(mac);
	int ret;

	if (chg && addr)
		rtnl_link_set_addr(chg, addr);
	ret = addr ? link_change(l, ifindex, chg) : -NLE_NOMEM;
	if (!addr && chg)
		rtnl_link_put(chg);
	if (addr)
		nl_addr_put(addr);
	return ret;
}

/* Open the tap name on fd (creating it if new) as qemu opens it. */
static int link_tap_attach(int fd, const char *name, const struct tap_opts *o)
{
	struct ifreq ifr = { 0 };

	/* The flags qemu opens the tap with (virtio-net with a vnet header);
	 * IFF_MULTI_QUEUE only with queues > 1, as qemu asks for it. */
	ifr.ifr_flags = IFF_TAP | IFF_NO_PI | IFF_VNET_HDR;
	if (o->queues > 1)
		ifr.ifr_flags |= IFF_MULTI_QUEUE;
	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", name);
	return ioctl(fd, TUNSETIFF, &ifr) < 0 ? -errno : 0;
}

/* Make the tap with its owner and group, persistent unless o->fds is to
 * hold it; fd is its first queue. */
static int link_tap_setup(int fd, const char *name, const struct tap_opts *o)
{
	int ret = link_tap_attach(fd, name, o);

	if (ret < 0)
		return ret;
	if (o->owner >= 0 && ioctl(fd, TUNSETOWNER, (unsigned long)o->owner) < 0)
		return -errno;
	if (o->group >= 0 && ioctl(fd, TUNSETGROUP, (unsigned long)o->group) < 0)
		return -errno;
	if (o->fds)
		return 0;
	return ioctl(fd, TUNSETPERSIST, 1) < 0 ? -errno : 0;
}

static void link_close_fds(int *fds, unsigned n)
{
	for (unsigned i = 0; i < n; i++)
		if (fds[i] >= 0)
			close(fds[i]);
}

/* The tap's other queues into o->fds[1..]; fd 0 is open already. */
static int link_tap_queues(const char *name, const struct tap_opts *o)
{
	unsigned n = o->queues > 1 ? o->queues : 1;
	int ret;

	for (unsigned i = 1; i < n; i++) {
		o->fds[i] = open("/dev/net/tun", O_RDWR | O_CLOEXEC);
		if (o->fds[i] < 0)
			return -errno;
		ret = link_tap_attach(o->fds[i], name, o);
		if (ret < 0)
			return ret;
	}
	return 0;
}

/* Make the tap; with o->fds, leave its queues open there (all closed on
 * failure, which then takes the tap along). */
static int link_tap_open(const char *name, const struct tap_opts *o, struct kv_error *e)
{
	unsigned n = o->queues > 1 ? o->queues : 1;
	int fd, ret;

	fd = open("/dev/net/tun", O_RDWR | O_CLOEXEC);
	if (fd < 0)
		return kv_fail(e, KV_ERR_SYSTEM, -errno, "cannot open /dev/net/tun: %s",
			       strerror(errno));
	FAULT("link.tap.create");
	ret = link_tap_setup(fd, name, o);
	if (!o->fds) {
		close(fd);
	} else {
		for (unsigned i = 0; i < n; i++)
			o->fds[i] = i ? -1 : fd;
		if (ret == 0)
			ret = link_tap_queues(name, o);
		if (ret < 0)
			link_close_fds(o->fds, n);
	}
	if (ret < 0)
		return kv_fail(e, KV_ERR_SYSTEM, ret, "cannot create tap '%s': %s",
			       name, strerror(-ret));
	return 0;
}

int link_create_tap(struct link_ctx *l, const char *name, const struct tap_opts *o,
		    struct kv_error *e)
{
	struct link_info info;
	int ret = link_tap_open(name, o, e);

	if (ret < 0)
		return ret;
	FAULT("link.tap.created");
	if (o->mac) {
		if (link_get(l, 0, name, &info) < 0)
			ret = kv_fail(e, KV_ERR_SYSTEM, -ENODEV, "tap '%s' vanished", name);
		else if ((ret = link_set_mac(l, info.ifindex, o->mac)) < 0)
			ret = link_nl_err(e, ret, "cannot set MAC of tap", name);
	}
	if (ret < 0 && o->fds)
		link_close_fds(o->fds, o->queues > 1 ? o->queues : 1);
	return ret;
}

/* Delete the link with this ifindex (or, if 0, this name). */
static int link_delete_obj(struct link_ctx *l, int ifindex, const char *name)
{
	struct rtnl_link *link = rtnl_link_alloc();
	int ret;

	if (!link)
		return -ENOMEM;
	FAULT("link.delete");
	if (ifindex)
		rtnl_link_set_ifindex(link, ifindex);
	else
		rtnl_link_set_name(link, name);
	ret = rtnl_link_delete(l->sk, link);
	rtnl_link_put(link);
	return ret < 0 ? link_errno(ret) : 0;
}

int link_delete(struct link_ctx *l, int ifindex)
{
	return link_delete_obj(l, ifindex, NULL);
}

int link_delete_name(struct link_ctx *l, const char *name)
{
	return link_delete_obj(l, 0, name);
}

int link_set_up(struct link_ctx *l, int ifindex, const char *alias,
		unsigned mtu, struct kv_error *e)
{
	struct rtnl_link *chg = rtnl_link_alloc();
	int ret;

	FAULT("link.set_up");
	if (chg) {
		rtnl_link_set_flags(chg, IFF_UP);
		if (alias) {
			rtnl_link_set_ifalias(chg, alias);
			rtnl_link_set_group(chg, LINK_KVNET_GROUP);
		}
		if (mtu)
			rtnl_link_set_mtu(chg, mtu);
	}
	ret = link_change(l, ifindex, chg);
	if (ret < 0)
		return kv_fail(e, KV_ERR_SYSTEM, link_errno(ret),
			       "cannot bring up ifindex %d: %s", ifindex, nl_geterror(ret));
	return 0;
}

int link_set_promisc(struct link_ctx *l, int ifindex, bool on, struct kv_error *e)
{
	struct rtnl_link *chg = rtnl_link_alloc();
	int ret;

	if (chg && on)
		rtnl_link_set_flags(chg, IFF_PROMISC);
	else if (chg)
		rtnl_link_unset_flags(chg, IFF_PROMISC);
	ret = link_change(l, ifindex, chg);
	if (ret < 0)
		return kv_fail(e, KV_ERR_SYSTEM, link_errno(ret),
			       "cannot turn promiscuous mode %s on ifindex %d: %s",
			       on ? "on" : "off", ifindex, nl_geterror(ret));
	return 0;
}

#define LINK_IN6_ADDR_GEN_MODE_NONE 1

/* Write val to /proc/sys/net/ipv6/conf/<dev>/<key> (no netlink attribute
 * sets these; the file belongs to the daemon's own network namespace). */
static int link_ipv6_sysctl(int ifindex, const char *key, const char *val)
{
	char dev[IF_NAMESIZE], path[128];
	ssize_t n;
	int fd;

	if (!if_indextoname((unsigned)ifindex, dev))
		return -errno;
	snprintf(path, sizeof(path), "/proc/sys/net/ipv6/conf/%s/%s", dev, key);
	fd = open(path, O_WRONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	n = write(fd, val, strlen(val));
	close(fd);
	return n < 0 ? -errno : 0;
}

int link_ipv6_off(int ifindex, struct kv_error *e)
{
	int ret = link_ipv6_sysctl(ifindex, "accept_ra", "0");

	if (!ret)
		ret = link_ipv6_sysctl(ifindex, "disable_ipv6", "1");
	/* no IPv6 in the kernel at all: nothing to turn off */
	if (ret == -ENOENT)
		return 0;
	if (ret < 0)
		return kv_fail(e, KV_ERR_SYSTEM, ret, "cannot turn IPv6 off on ifindex %d: %s",
			       ifindex, strerror(-ret));
	return 0;
}

int link_gateway_setup(struct link_ctx *l, int ifindex, bool route, bool ipv6,
		       struct kv_error *e)
{
	struct rtnl_link *chg = rtnl_link_alloc();
	int ret = chg ? 0 : -NLE_NOMEM;

	FAULT("link.gateway_setup");
	if (!ret)
		ret = rtnl_link_inet_set_conf(chg, IPV4_DEVCONF_FORWARDING, route ? 1 : 0);
	if (!ret && !ipv6)
		ret = rtnl_link_inet6_set_addr_gen_mode(chg, LINK_IN6_ADDR_GEN_MODE_NONE);
	if (!ret)
		ret = link_change(l, ifindex, chg);
	else if (chg)
		rtnl_link_put(chg);
	if (ret < 0)
		return kv_fail(e, KV_ERR_SYSTEM, link_errno(ret),
			       "cannot set up the gateway ifindex %d: %s", ifindex,
			       nl_geterror(ret));
	return ipv6 ? 0 : link_ipv6_off(ifindex, e);
}

int link_send_frame(struct link_ctx *l, int ifindex, const void *frame, size_t len)
{
	struct sockaddr_ll sll = { .sll_family = AF_PACKET, .sll_ifindex = ifindex,
				   .sll_halen = ETH_ALEN };

	if (len < ETH_HLEN || l->pkt_fd < 0)
		return -EINVAL;
	memcpy(sll.sll_addr, frame, ETH_ALEN);
	if (sendto(l->pkt_fd, frame, len, 0, (struct sockaddr *)&sll, sizeof(sll)) < 0)
		return -errno;
	return 0;
}

int link_add_ipv4(struct link_ctx *l, int ifindex, struct in_addr ip,
		  unsigned prefix, struct kv_error *e)
{
	struct rtnl_addr *addr = rtnl_addr_alloc();
	struct nl_addr *local = nl_addr_build(AF_INET, &ip, sizeof(ip));
	int ret = -NLE_NOMEM;

	FAULT("link.addr");
	if (addr && local) {
		nl_addr_set_prefixlen(local, (int)prefix);
		rtnl_addr_set_ifindex(addr, ifindex);
		rtnl_addr_set_local(addr, local);
		ret = rtnl_addr_add(l->sk, addr, 0);
	}
	if (local)
		nl_addr_put(local);
	if (addr)
		rtnl_addr_put(addr);
	if (ret < 0)
		return kv_fail(e, KV_ERR_SYSTEM, link_errno(ret), "cannot add %s/%u: %s",
			       inet_ntoa(ip), prefix, nl_geterror(ret));
	return 0;
}

struct subnet_probe {
	struct in_addr net;
	unsigned prefix;
	struct link_ctx *l;
	char culprit[160];
};

static void link_describe_dev(struct link_ctx *l, int ifindex, char *buf, size_t len)
{
	struct link_info info;

	if (ifindex > 0 && !link_get(l, ifindex, NULL, &info))
		snprintf(buf, len, "%s", info.name);
	else
		snprintf(buf, len, "ifindex %d", ifindex);
}

static void link_probe_route(struct nl_object *obj, void *arg)
{
	struct rtnl_route *r = (struct rtnl_route *)obj;
	struct subnet_probe *p = arg;
	struct nl_addr *dst = rtnl_route_get_dst(r);
	struct rtnl_nexthop *nh;
	struct in_addr a;
	char dev[IFNAMSIZ + 16] = "?";
	unsigned plen;

	if (p->culprit[0] || !dst || rtnl_route_get_table(r) != RT_TABLE_MAIN)
		return;
	plen = nl_addr_get_prefixlen(dst);
	if (plen == 0 || nl_addr_get_len(dst) != 4)
		return;
	memcpy(&a, nl_addr_get_binary_addr(dst), 4);
	if (!kv_prefix_overlap(a, plen, p->net, p->prefix))
		return;
	nh = rtnl_route_nexthop_n(r, 0);
	if (nh)
		link_describe_dev(p->l, rtnl_route_nh_get_ifindex(nh), dev, sizeof(dev));
	snprintf(p->culprit, sizeof(p->culprit), "route %s/%u dev %s",
		 inet_ntoa(a), plen, dev);
}

static void link_probe_addr(struct nl_object *obj, void *arg)
{
	struct rtnl_addr *ra = (struct rtnl_addr *)obj;
	struct subnet_probe *p = arg;
	struct nl_addr *local = rtnl_addr_get_local(ra);
	struct in_addr a;
	char dev[IFNAMSIZ + 16];
	unsigned plen;

	if (p->culprit[0] || !local || nl_addr_get_len(local) != 4)
		return;
	memcpy(&a, nl_addr_get_binary_addr(local), 4);
	if ((ntohl(a.s_addr) >> 24) == 127)
		return;
	plen = rtnl_addr_get_prefixlen(ra);
	if (!kv_prefix_overlap(a, plen, p->net, p->prefix))
		return;
	link_describe_dev(p->l, rtnl_addr_get_ifindex(ra), dev, sizeof(dev));
	snprintf(p->culprit, sizeof(p->culprit), "address %s/%u on %s",
		 inet_ntoa(a), plen, dev);
}

int link_check_subnet_free(struct link_ctx *l, struct in_addr net,
			   unsigned prefix, struct kv_error *e)
{
	struct subnet_probe p = { .prefix = prefix, .l = l };
	struct nl_cache *routes = NULL, *addrs = NULL;
	char want[INET_ADDRSTRLEN];

	net.s_addr &= htonl(kv_prefix_mask(prefix));
	p.net = net;

	if (rtnl_route_alloc_cache(l->sk, AF_INET, 0, &routes) < 0 ||
	    rtnl_addr_alloc_cache(l->sk, &addrs) < 0) {
		if (routes)
			nl_cache_free(routes);
		return kv_fail(e, KV_ERR_SYSTEM, -EIO, "cannot read routes");
	}
	nl_cache_foreach(routes, link_probe_route, &p);
	nl_cache_foreach(addrs, link_probe_addr, &p);
	nl_cache_free(routes);
	nl_cache_free(addrs);
	if (!p.culprit[0])
		return 0;
	inet_ntop(AF_INET, &net, want, sizeof(want));
	return kv_fail(e, KV_ERR_CONFLICT, -EEXIST,
		       "subnet %s/%u collides with existing %s", want, prefix,
		       p.culprit);
}

struct link_list_ctx {
	void (*fn)(void *arg, const struct link_info *li);
	void *arg;
};

static void link_list_one(struct nl_object *obj, void *arg)
{
	struct link_list_ctx *c = arg;
	struct link_info li;

	link_fill_info((struct rtnl_link *)obj, &li);
	c->fn(c->arg, &li);
}

int link_list(struct link_ctx *l, void (*fn)(void *arg, const struct link_info *li),
	      void *arg)
{
	struct link_list_ctx c = { fn, arg };
	struct nl_cache *cache = NULL;
	int ret = rtnl_link_alloc_cache(l->sk, AF_UNSPEC, &cache);

	if (ret < 0)
		return link_errno(ret);
	nl_cache_foreach(cache, link_list_one, &c);
	nl_cache_free(cache);
	return 0;
}

/* ---- other namespaces ------------------------------------------------ */

struct link_nsid_reply {
	int nsid;
};

static int link_nsid_cb(struct nl_msg *msg, void *arg)
{
	struct link_nsid_reply *r = arg;
	struct nlattr *tb[NETNSA_MAX + 1];

	if (nlmsg_parse(nlmsg_hdr(msg), sizeof(struct rtgenmsg), tb, NETNSA_MAX, NULL) == 0 &&
	    tb[NETNSA_NSID])
		r->nsid = (int)nla_get_s32(tb[NETNSA_NSID]);
	return NL_OK;
}

/* The id our namespace gives the namespace of ns_fd, or -1. */
static int link_nsid_of(int ns_fd)
{
	struct rtgenmsg g = { .rtgen_family = AF_UNSPEC };
	struct link_nsid_reply r = { -1 };
	struct nl_sock *sk = nl_socket_alloc();
	struct nl_msg *msg = nlmsg_alloc_simple(RTM_GETNSID, 0);

	if (sk && msg && nl_connect(sk, NETLINK_ROUTE) == 0 &&
	    nlmsg_append(msg, &g, sizeof(g), NLMSG_ALIGNTO) == 0 &&
	    nla_put_u32(msg, NETNSA_FD, (uint32_t)ns_fd) == 0 && nl_send_auto(sk, msg) >= 0) {
		nl_socket_modify_cb(sk, NL_CB_VALID, NL_CB_CUSTOM, link_nsid_cb, &r);
		nl_recvmsgs_default(sk);
	}
	if (msg)
		nlmsg_free(msg);
	if (sk)
		nl_socket_free(sk);
	return r.nsid;
}

/* Enter fd's namespace if its id is nsid; run fn there and come back. */
static int link_try_ns(int fd, int nsid, int self, int (*fn)(void *), void *arg, int *ret)
{
	if (link_nsid_of(fd) != nsid || setns(fd, CLONE_NEWNET) < 0)
		return 0;
	*ret = fn(arg);
	if (setns(self, CLONE_NEWNET) < 0)
		log_err("cannot return to kvnetd's network namespace: %s", strerror(errno));
	return 1;
}

/* Look at the namespace of path (a /run/netns name, or /proc/<pid>/ns/net). */
static int link_try_path(const char *path, int nsid, int self, int (*fn)(void *), void *arg,
			 int *ret)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC), found;

	if (fd < 0)
		return 0;
	found = link_try_ns(fd, nsid, self, fn, arg, ret);
	close(fd);
	return found;
}

static int link_try_dir(const char *dir, const char *suffix, int nsid, int self,
			int (*fn)(void *), void *arg, int *ret)
{
	char path[PATH_MAX];
	struct dirent *de;
	DIR *d = opendir(dir);
	int found = 0;

	if (!d)
		return 0;
	while (!found && (de = readdir(d))) {
		if (de->d_name[0] == '.' || (suffix[0] && (de->d_name[0] < '0' || de->d_name[0] > '9')))
			continue;
		snprintf(path, sizeof(path), "%s/%s%s", dir, de->d_name, suffix);
		found = link_try_path(path, nsid, self, fn, arg, ret);
	}
	closedir(d);
	return found;
}

int link_in_nsid(struct link_ctx *l, int nsid, int (*fn)(void *arg), void *arg)
{
	int self = open("/proc/self/ns/net", O_RDONLY | O_CLOEXEC), ret = -ENOENT;

	(void)l;
	if (self < 0 || nsid < 0)
		return self < 0 ? -errno : -ENOENT;
	if (!link_try_dir("/run/netns", "", nsid, self, fn, arg, &ret))
		link_try_dir("/proc", "/ns/net", nsid, self, fn, arg, &ret);
	close(self);
	return ret;
}
