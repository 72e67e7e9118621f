// SPDX-License-Identifier: GPL-2.0-only
/* DHCP server configuration: defaults, validation and the subnet helpers
 * (see dhcp_config.h).
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "dhcp/dhcp_config.h"

void dhcp_config_init(struct dhcp_config *c)
{
	memset(c, 0, sizeof(*c));
	c->lease_s = DHCP_LEASE_DEFAULT;
	c->quarantine_s = DHCP_QUARANTINE_DEFAULT;
	c->offer_hold_s = DHCP_OFFER_HOLD_DEFAULT;
	c->router = true;
}

uint32_t dhcp_config_mask(const struct dhcp_config *c)
{
	return c->prefix ? ~0u << (32 - c->prefix) : 0;
}

uint32_t dhcp_config_broadcast(const struct dhcp_config *c)
{
	return c->subnet | ~dhcp_config_mask(c);
}

bool dhcp_config_in_subnet(const struct dhcp_config *c, uint32_t ip)
{
	return (ip & dhcp_config_mask(c)) == c->subnet;
}

bool dhcp_config_special(const struct dhcp_config *c, uint32_t ip)
{
	return ip == c->subnet || ip == dhcp_config_broadcast(c) ||
	       ip == c->server_ip;
}

__attribute__((format(printf, 3, 4))) static int
dhcp_config_fail(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;

	if (err && errlen) {
		va_start(ap, fmt);
		vsnprintf(err, errlen, fmt, ap);
		va_end(ap);
	}
	return -EINVAL;
}

static int dhcp_config_check_ranges(const struct dhcp_config *c, char *err,
				    size_t errlen)
{
	const struct dhcp_range *r;
	uint64_t total = 0;
	int i, j;

	if (c->nranges < 0 || c->nranges > DHCP_MAX_RANGES)
		return dhcp_config_fail(err, errlen, "%d ranges (at most %d)",
					c->nranges, DHCP_MAX_RANGES);
	for (i = 0; i < c->nranges; i++) {
		r = &c->ranges[i];
		if (r->start > r->end || !dhcp_config_in_subnet(c, r->start) ||
		    !dhcp_config_in_subnet(c, r->end))
			return dhcp_config_fail(err, errlen, "range %d is not "
						"an address span inside the "
						"subnet", i + 1);
		for (j = 0; j < i; j++)
			if (r->start <= c->ranges[j].end &&
			    c->ranges[j].start <= r->end)
				return dhcp_config_fail(err, errlen, "ranges %d "
							"and %d overlap",
							j + 1, i + 1);
		total += (uint64_t)r->end - r->start + 1;
	}
	if (total > DHCP_POOL_MAX)
		return dhcp_config_fail(err, errlen, "ranges hold %llu "
					"addresses (at most %u)",
					(unsigned long long)total,
					DHCP_POOL_MAX);
	return 0;
}

static int dhcp_config_check_names(const struct dhcp_config *c, char *err,
				   size_t errlen)
{
	int i;

	if (c->domain[0] && !dhcp_opt_domain_valid(c->domain))
		return dhcp_config_fail(err, errlen, "invalid domain name");
	if (c->nsearch < 0 || c->nsearch > DHCP_MAX_SEARCH)
		return dhcp_config_fail(err, errlen, "%d search domains (at "
					"most %d)", c->nsearch, DHCP_MAX_SEARCH);
	for (i = 0; i < c->nsearch; i++)
		if (!dhcp_opt_domain_valid(c->search[i]))
			return dhcp_config_fail(err, errlen, "invalid search "
						"domain %d", i + 1);
	if (!memchr(c->boot_file, '\0', sizeof(c->boot_file)))
		return dhcp_config_fail(err, errlen, "boot file name too long");
	return 0;
}

static int dhcp_config_check_lists(const struct dhcp_config *c, char *err,
				   size_t errlen)
{
	int i;

	if (c->ndns < 0 || c->ndns > DHCP_MAX_DNS)
		return dhcp_config_fail(err, errlen, "%d DNS servers (at most "
					"%d)", c->ndns, DHCP_MAX_DNS);
	if (c->nroutes < 0 || c->nroutes > DHCP_MAX_ROUTES)
		return dhcp_config_fail(err, errlen, "%d routes (at most %d)",
					c->nroutes, DHCP_MAX_ROUTES);
	for (i = 0; i < c->nroutes; i++)
		if (c->routes[i].prefix > 32)
			return dhcp_config_fail(err, errlen, "route %d: prefix "
						"over 32", i + 1);
	/* RFC 2132 §5.1: "The minimum legal value for the MTU is 68." */
	if (c->mtu && c->mtu < 68)
		return dhcp_config_fail(err, errlen, "MTU %u below 68", c->mtu);
	return 0;
}

int dhcp_config_check(const struct dhcp_config *c, char *err, size_t errlen)
{
	int rc;

	if (c->prefix < 8 || c->prefix > 30)
		return dhcp_config_fail(err, errlen, "prefix /%u (8 to 30)",
					c->prefix);
	if (c->subnet & ~dhcp_config_mask(c))
		return dhcp_config_fail(err, errlen, "subnet address has host "
					"bits set");
	if (!dhcp_config_in_subnet(c, c->server_ip) ||
	    c->server_ip == c->subnet ||
	    c->server_ip == dhcp_config_broadcast(c))
		return dhcp_config_fail(err, errlen, "server address is not a "
					"host address of the subnet");
	if (!c->lease_s || !c->offer_hold_s)
		return dhcp_config_fail(err, errlen, "lease and offer hold "
					"times must be positive");
	rc = dhcp_config_check_ranges(c, err, errlen);
	if (rc == 0)
		rc = dhcp_config_check_names(c, err, errlen);
	if (rc == 0)
		rc = dhcp_config_check_lists(c, err, errlen);
	return rc;
}
