// SPDX-License-Identifier: GPL-2.0-only
/* Per-client rate limits of a network's DNS service (see dns_rate.h). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>

#include "dns/dns_rate.h"

#define DNS_RATE_MAX 10000000u /* no sane limit is higher */

void dns_rate_cfg_default(struct dns_rate_cfg *cfg)
{
	cfg->qps = DNS_RATE_QPS_DEFAULT;
	cfg->burst = DNS_RATE_BURST_DEFAULT;
}

static bool dns_rate_number(const char *s, char **end, uint32_t *out)
{
	unsigned long v;

	if (*s < '0' || *s > '9')
		return false;
	errno = 0;
	v = strtoul(s, end, 10);
	if (errno || v > DNS_RATE_MAX)
		return false;
	*out = (uint32_t)v;
	return true;
}

int dns_rate_cfg_parse(const char *spec, struct dns_rate_cfg *cfg, char *err, size_t errlen)
{
	struct dns_rate_cfg c = { 0 };
	char *end;

	if (!strcmp(spec, "off")) {
		*cfg = c;
		return 0;
	}
	if (!dns_rate_number(spec, &end, &c.qps))
		goto bad;
	c.burst = c.qps > DNS_RATE_MAX / 2 ? DNS_RATE_MAX : c.qps * 2;
	if (*end == ':' && !dns_rate_number(end + 1, &end, &c.burst))
		goto bad;
	if (*end || (c.qps && !c.burst))
		goto bad;
	*cfg = c;
	return 0;
bad:
	snprintf(err, errlen, "DNS rate '%s': want QPS or QPS:BURST (whole numbers up to %u; "
		 "0 or off: no limit)", spec, DNS_RATE_MAX);
	return -EINVAL;
}

void dns_rate_init(struct dns_rate *r, const struct dns_rate_cfg *cfg)
{
	memset(r, 0, sizeof(*r));
	r->cfg = *cfg;
	if (getrandom(r->key, sizeof(r->key), 0) != (ssize_t)sizeof(r->key))
		for (size_t i = 0; i < sizeof(r->key); i++) /* never in practice */
			r->key[i] = (uint8_t)random();
}

/* ip's bucket: the one it has, else a free one or the one idle longest
 * among the slots it may use, given to it full. */
static struct dns_rate_bucket *dns_rate_bucket(struct dns_rate *r, uint32_t ip, uint64_t now_ms)
{
	uint32_t h = (uint32_t)kv_siphash24(r->key, &ip, sizeof(ip));
	struct dns_rate_bucket *b, *victim = NULL;

	for (unsigned i = 0; i < DNS_RATE_PROBE; i++) {
		b = &r->b[(h + i) % DNS_RATE_SLOTS];
		if (b->last_ms && b->ip == ip)
			return b;
		if (!victim || b->last_ms < victim->last_ms)
			victim = b;
	}
	victim->ip = ip;
	victim->milli = (uint64_t)r->cfg.burst * 1000;
	victim->last_ms = now_ms ? now_ms : 1;
	return victim;
}

bool dns_rate_allow(struct dns_rate *r, uint32_t ip, uint64_t now_ms)
{
	struct dns_rate_bucket *b;
	uint64_t full;

	if (!r->cfg.qps)
		return true;
	b = dns_rate_bucket(r, ip, now_ms);
	full = (uint64_t)r->cfg.burst * 1000;
	if (now_ms > b->last_ms) {
		uint64_t gap = now_ms - b->last_ms;
		/* an hour idle is as good as any longer: no overflow */
		uint64_t add = (gap < 3600000 ? gap : 3600000) * r->cfg.qps;

		b->milli = add >= full - b->milli ? full : b->milli + add;
		b->last_ms = now_ms;
	}
	if (b->milli < 1000)
		return false;
	b->milli -= 1000;
	return true;
}
