// SPDX-License-Identifier: GPL-2.0-only
/* A network's DNS names once filled (see dns_zone.h): made ready for the
 * answering engine's lookups. */
#include <ctype.h>

#include "common/hash.h"
#include "dns/dns_zone.h"

void dns_zone_finish(struct dns_zone *z)
{
	for (int i = 0; i < z->nhosts && i < DNS_ZONE_HOSTS; i++) {
		struct dns_host *h = &z->hosts[i];

		for (char *c = h->name; *c; c++)
			*c = (char)tolower((unsigned char)*c);
		h->hash = kv_name_hash(h->name);
	}
}
