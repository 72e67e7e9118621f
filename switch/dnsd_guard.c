// SPDX-License-Identifier: GPL-2.0-only
/* The DNS service's defences against its own guests (issue 18): the
 * per-client rate limit (dns/dns_rate.h) applied to each query, the
 * counting of the error answers a malformed query gets (FORMERR, NOTIMP),
 * and a receive buffer big enough that a burst from one guest does not
 * crowd the others' queries out of the socket before the limit sees it. */
#include <stdlib.h>
#include <string.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include "switch/dnsd_int.h"
#include "switch/log.h"
#include "switch/network_int.h"

#define DNS_RCODE_FORMERR 1
#define DNS_RCODE_NOTIMP 4

int dnsd_guard_open(struct dnsd *s)
{
	s->rate = malloc(sizeof(*s->rate));
	if (!s->rate)
		return -1;
	dns_rate_init(s->rate, &s->d->dns_rate);
	return 0;
}

void dnsd_guard_close(struct dnsd *s)
{
	free(s->rate);
	s->rate = NULL;
}

void dnsd_guard_rcvbuf(struct dnsd *s, int fd)
{
	int size = DNSD_UDP_RCVBUF;

	/* FORCE passes net.core.rmem_max (kvnetd has CAP_NET_ADMIN); the
	 * plain one is capped by it */
	if (setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &size, sizeof(size)) < 0 &&
	    setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &size, sizeof(size)) < 0)
		log_debug("network '%s': DNS receive buffer: %m", s->n->def.name);
}

bool dnsd_guard_admit(struct dnsd *s, const struct dns_fwd_client *c)
{
	const struct sockaddr_in *a = (const struct sockaddr_in *)&c->addr;

	if (dns_rate_allow(s->rate, a->sin_addr.s_addr, dnsd_now_ms()))
		return true;
	s->st.rate_limited++;
	return false;
}

void dnsd_guard_count_answer(struct dnsd *s, const uint8_t *out, size_t len)
{
	unsigned rcode = len >= 4 ? out[3] & 0x0f : 0;

	if (rcode == DNS_RCODE_FORMERR)
		s->st.formerr++;
	else if (rcode == DNS_RCODE_NOTIMP)
		s->st.notimp++;
	else
		s->st.answered++;
}
