/* SPDX-License-Identifier: GPL-2.0-only */
/* Per-client rate limits of a network's DNS service: one guest flooding
 * the gateway with queries must not crowd out the others' (issue 18).
 *
 * A token bucket per client address: it fills at cfg.qps queries a second
 * up to cfg.burst, and each query takes one; a query finding it empty is
 * refused (dropped, and counted by the caller). The buckets live in a
 * fixed table of DNS_RATE_SLOTS, the slot chosen by SipHash under a
 * random key with DNS_RATE_PROBE slots to try, so memory never grows with
 * the number of clients. When every slot tried is taken, the one idle
 * longest is given to the newcomer with a full bucket: a bucket lost that
 * way is refilled, so eviction can only ever let a client ask more, never
 * less, and a legitimate guest is never throttled by someone else's
 * queries. Pure: the caller passes the clock (milliseconds).
 */
#ifndef KVNET_DNS_RATE_H
#define KVNET_DNS_RATE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/hash.h"

#define DNS_RATE_QPS_DEFAULT 250
#define DNS_RATE_BURST_DEFAULT 500
#define DNS_RATE_SLOTS 1024
#define DNS_RATE_PROBE 4

struct dns_rate_cfg {
	uint32_t qps;	/* 0: no limit */
	uint32_t burst; /* queries a client may send at once */
};

struct dns_rate_bucket {
	uint32_t ip;	  /* network order */
	uint64_t milli;	  /* tokens, in thousandths of a query */
	uint64_t last_ms; /* when it was last filled; 0: a free slot */
};

struct dns_rate {
	struct dns_rate_cfg cfg;
	uint8_t key[KV_SIPHASH_KEY_LEN];
	struct dns_rate_bucket b[DNS_RATE_SLOTS];
};

/* The defaults (250 a second, a burst of 500). */
void dns_rate_cfg_default(struct dns_rate_cfg *cfg);
/* "QPS" or "QPS:BURST" (BURST defaults to twice QPS), "0" or "off" for
 * no limit: 0, or -EINVAL with a message in err. */
int dns_rate_cfg_parse(const char *spec, struct dns_rate_cfg *cfg, char *err, size_t errlen);
void dns_rate_init(struct dns_rate *r, const struct dns_rate_cfg *cfg);
/* May the client at ip (network order) ask one more query now? */
bool dns_rate_allow(struct dns_rate *r, uint32_t ip, uint64_t now_ms);

#endif /* KVNET_DNS_RATE_H */
