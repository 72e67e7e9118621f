/* SPDX-License-Identifier: GPL-2.0-only */
/* A cache of upstream's answers for a network's DNS forwarder (issue 16),
 * so a name asked again is answered without going upstream, as dnsmasq's
 * cache answers it for a libvirt network.
 *
 * What is kept (RFC 2308 for the negative answers):
 *  - answers to a QUERY with one question, QR set, TC clear, rcode
 *    NOERROR with data, NOERROR without (NODATA) or NXDOMAIN, no TSIG;
 *  - for as long as the smallest TTL of its records (OPT aside), at most
 *    DNS_CACHE_TTL_MAX; a NODATA or NXDOMAIN answer only with the zone's
 *    SOA in authority, for at most min(SOA TTL, SOA MINIMUM) and
 *    DNS_CACHE_NEG_TTL_MAX. A TTL of 0 (or one with its top bit set,
 *    RFC 2181 §8) is not cached;
 *  - keyed by the question (the name in any case, type, class IN) and
 *    what else in a query changes the answer: its RD, CD and AD bits,
 *    whether it has EDNS and its DO bit. A query with an EDNS
 *    client-subnet option is neither cached nor answered from the cache,
 *    and neither are meta-types (ANY, AXFR, IXFR, ...), other classes,
 *    or an answer with an OPT record to a query without one;
 *  - an answer is served only when it fits in the query's UDP limit (512
 *    without EDNS, else its EDNS size, RFC 6891 §6.2.5) and in outmax.
 *
 * The answer is stored as ldns writes it back after reading upstream's:
 * AA cleared (a cache is no authority, RFC 1035 §4.1.1), the OPT
 * record's options dropped (a cookie or padding was for the one client
 * that asked), TTLs over the cap lowered to it, the SOA TTL of a negative
 * answer lowered to its MINIMUM. A hit copies it with the query's ID and
 * the query's own spelling of the name (0x20), each TTL lowered by the
 * whole seconds it has been cached.
 *
 * Memory: at most max_entries answers of at most DNS_CACHE_ANSWER_MAX
 * bytes, each with its key (<= 260 bytes), the offsets of its TTLs (2
 * bytes per record) and about 60 bytes of bookkeeping: under 1.8 KB per
 * entry, about 7 MB for 4096 entries, plus 8 to 16 bytes per entry of
 * hash buckets. When full, the least recently used entry goes. Lookups hash the
 * key with SipHash-2-4 under a key from getrandom(), so guests cannot
 * aim their names at one bucket.
 *
 * Pure: no sockets, no clock (times are the caller's ms, monotonic), no
 * global state. ldns reads every query and answer stored; a lookup reads
 * the query's header, question and OPT record with a strict,
 * bounds-checked walk (anything unusual is a miss), which the fuzzer
 * (tests/fuzz/fuzz_dns_cache.c) holds to never accept what ldns refuses.
 *
 * Use: ask the cache only for queries dns_answer() leaves to forward (the
 * network's own names never come from it); offer it each answer
 * dns_fwd_answer() takes, with the query as forwarded (its wire); flush it
 * when the upstreams change.
 */
#ifndef KVNET_DNS_CACHE_H
#define KVNET_DNS_CACHE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define DNS_CACHE_ANSWER_MAX 1232     /* longest answer kept (DNS flag day 2020) */
#define DNS_CACHE_TTL_MAX 86400	      /* s: a day, as unbound's cache-max-ttl */
#define DNS_CACHE_NEG_TTL_MAX 3600    /* s: an hour (RFC 2308 §5: "one to three hours") */
#define DNS_CACHE_ENTRIES_MAX 1048576 /* the most dns_cache_new takes */

struct dns_cache;

/* A cache of at most max_entries answers (1..DNS_CACHE_ENTRIES_MAX), or
 * NULL when out of memory or max_entries is out of range. */
struct dns_cache *dns_cache_new(unsigned max_entries);
void dns_cache_free(struct dns_cache *c);

/* Keep upstream's answer resp (rlen bytes) to the guest's query (qlen
 * bytes) when it may be kept (see above); else do nothing. dns_forward has
 * checked that resp answers query (the same question, from the server
 * asked); the IDs may differ. Replaces an entry with the same key. */
void dns_cache_put(struct dns_cache *c, const uint8_t *query, size_t qlen, const uint8_t *resp,
		   size_t rlen, uint64_t now_ms);

/* The cached answer to query, if there is a fresh one that fits: written
 * to out (room for outmax) with the query's ID, its spelling of the name
 * and the TTLs aged, its length in *outlen. False (out untouched) on a
 * miss; an expired entry met on the way is dropped. */
bool dns_cache_get(struct dns_cache *c, const uint8_t *query, size_t qlen, uint64_t now_ms,
		   uint8_t *out, size_t outmax, size_t *outlen);

/* Forget every answer (the upstreams changed). */
void dns_cache_flush(struct dns_cache *c);

/* How many answers it holds (fresh or not yet found expired). */
unsigned dns_cache_entries(const struct dns_cache *c);

#endif /* KVNET_DNS_CACHE_H */
