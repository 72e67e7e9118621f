// SPDX-License-Identifier: GPL-2.0-only
/* Conntrack as text (see ct_text.h). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "nat/ct_text.h"

const char *nat_proto_name(unsigned proto, char *buf, size_t len)
{
	if (proto == KVNET_IPPROTO_TCP)
		return "tcp";
	if (proto == KVNET_IPPROTO_UDP)
		return "udp";
	if (proto == KVNET_IPPROTO_ICMP)
		return "icmp";
	snprintf(buf, len, "proto-%u", proto);
	return buf;
}

const char *nat_ct_state_name(unsigned proto, unsigned state)
{
	if (proto != KVNET_IPPROTO_TCP)
		return state == KVNET_CT_NEW ? "unreplied" : "replied";
	switch (state) {
	case KVNET_CT_NEW: return "syn-sent";
	case KVNET_CT_ESTABLISHED: return "established";
	case KVNET_CT_CLOSING: return "closing";
	case KVNET_CT_CLOSED: return "closed";
	default: return "unknown";
	}
}

/* The field of t that name sets, or NULL. */
static __u32 *nat_timeout_field(struct kvnet_nat_cfg *t, const char *name, size_t len)
{
	static const struct {
		const char *name;
		size_t off;
	} tab[] = {
		{ "tcp-syn", offsetof(struct kvnet_nat_cfg, tcp_syn_s) },
		{ "tcp-established", offsetof(struct kvnet_nat_cfg, tcp_est_s) },
		{ "tcp-closing", offsetof(struct kvnet_nat_cfg, tcp_closing_s) },
		{ "tcp-closed", offsetof(struct kvnet_nat_cfg, tcp_closed_s) },
		{ "udp", offsetof(struct kvnet_nat_cfg, udp_s) },
		{ "udp-stream", offsetof(struct kvnet_nat_cfg, udp_stream_s) },
		{ "icmp", offsetof(struct kvnet_nat_cfg, icmp_s) },
	};

	for (size_t i = 0; i < sizeof(tab) / sizeof(tab[0]); i++)
		if (strlen(tab[i].name) == len && !strncmp(tab[i].name, name, len))
			return (__u32 *)((char *)t + tab[i].off);
	return NULL;
}

/* One "name=seconds" item of len bytes. */
static int nat_timeout_item(const char *item, size_t len, struct kvnet_nat_cfg *t, char *err,
			    size_t errlen)
{
	const char *eq = memchr(item, '=', len);
	char num[16], *end;
	unsigned long v;
	__u32 *field;

	field = eq ? nat_timeout_field(t, item, (size_t)(eq - item)) : NULL;
	if (!field) {
		snprintf(err, errlen, "unknown conntrack timeout '%.*s' (known: tcp-syn, "
			 "tcp-established, tcp-closing, tcp-closed, udp, udp-stream, icmp)",
			 (int)len, item);
		return -EINVAL;
	}
	snprintf(num, sizeof(num), "%.*s", (int)(len - (size_t)(eq + 1 - item)), eq + 1);
	errno = 0;
	v = strtoul(num, &end, 10);
	if (errno || end == num || *end || v < 1 || v > 0x7fffffff) {
		snprintf(err, errlen, "invalid conntrack timeout '%.*s': seconds, 1 or more",
			 (int)len, item);
		return -EINVAL;
	}
	*field = (__u32)v;
	return 0;
}

int nat_timeouts_parse(const char *s, struct kvnet_nat_cfg *t, char *err, size_t errlen)
{
	memset(t, 0, sizeof(*t));
	while (*s) {
		size_t len = strcspn(s, ",");
		int ret = nat_timeout_item(s, len, t, err, errlen);

		if (ret < 0)
			return ret;
		s += len + (s[len] == ',');
	}
	return 0;
}
