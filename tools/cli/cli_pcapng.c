// SPDX-License-Identifier: GPL-2.0-only
/* The pcapng writer (see cli_pcapng.h), after the pcapng specification
 * (draft-ietf-opsawg-pcapng): blocks in the host's byte order, which the
 * section header's byte-order magic announces. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "cli_pcapng.h"

#define PCAPNG_SHB 0x0A0D0D0Au
#define PCAPNG_IDB 1u
#define PCAPNG_EPB 6u
#define PCAPNG_MAGIC 0x1A2B3C4Du
#define PCAPNG_LINKTYPE_ETHERNET 1
#define PCAPNG_OPT_END 0
#define PCAPNG_OPT_COMMENT 1
#define PCAPNG_OPT_IF_NAME 2
#define PCAPNG_OPT_IF_TSRESOL 9
#define PCAPNG_MAX_IFS 256
#define PCAPNG_NAME_MAX 64

struct cli_pcapng {
	FILE *f;
	char ifs[PCAPNG_MAX_IFS][PCAPNG_NAME_MAX];
	int nifs;
	int err;
};

static size_t pad4(size_t n)
{
	return (n + 3) & ~(size_t)3;
}

static void put(struct cli_pcapng *w, const void *p, size_t n)
{
	static const uint8_t zeros[4];

	if (!w->err && n && fwrite(p, 1, n, w->f) != n)
		w->err = errno ? errno : EIO;
	if (!w->err && pad4(n) != n && fwrite(zeros, 1, pad4(n) - n, w->f) != pad4(n) - n)
		w->err = errno ? errno : EIO;
}

static void put32(struct cli_pcapng *w, uint32_t v)
{
	put(w, &v, 4);
}

/* An option: code, length, value padded to 4. */
static void put_opt(struct cli_pcapng *w, uint16_t code, const void *val, size_t n)
{
	uint16_t h[2] = { code, (uint16_t)n };

	put(w, h, sizeof(h));
	put(w, val, n);
}

static size_t opt_size(size_t n)
{
	return 4 + pad4(n);
}

struct cli_pcapng *cli_pcapng_open(const char *path)
{
	struct cli_pcapng *w = calloc(1, sizeof(*w));
	uint16_t version[2] = { 1, 0 };
	int64_t section_len = -1;

	if (!w)
		return NULL;
	w->f = fopen(path, "wb");
	if (!w->f) {
		free(w);
		return NULL;
	}
	put32(w, PCAPNG_SHB);
	put32(w, 28);
	put32(w, PCAPNG_MAGIC);
	put(w, version, sizeof(version));
	put(w, &section_len, sizeof(section_len));
	put32(w, 28);
	return w;
}

/* The interface of hop, declared on first use: its index, or -1. */
static int pcapng_iface(struct cli_pcapng *w, const char *hop)
{
	uint16_t link[2] = { PCAPNG_LINKTYPE_ETHERNET, 0 };
	uint8_t tsresol = 9; /* nanoseconds */
	size_t nlen, total;
	int i;

	for (i = 0; i < w->nifs; i++)
		if (!strcmp(w->ifs[i], hop))
			return i;
	if (w->nifs == PCAPNG_MAX_IFS)
		return -1;
	snprintf(w->ifs[w->nifs], PCAPNG_NAME_MAX, "%s", hop);
	nlen = strlen(w->ifs[w->nifs]);
	total = 20 + opt_size(nlen) + opt_size(1) + 4;
	put32(w, PCAPNG_IDB);
	put32(w, (uint32_t)total);
	put(w, link, sizeof(link));
	put32(w, 65535); /* snaplen */
	put_opt(w, PCAPNG_OPT_IF_NAME, w->ifs[w->nifs], nlen);
	put_opt(w, PCAPNG_OPT_IF_TSRESOL, &tsresol, 1);
	put_opt(w, PCAPNG_OPT_END, NULL, 0);
	put32(w, (uint32_t)total);
	return w->nifs++;
}

int cli_pcapng_write(struct cli_pcapng *w, const char *hop, uint64_t ts_ns, const uint8_t *data,
		     size_t cap, size_t len, const char *comment)
{
	int ifi = pcapng_iface(w, hop);
	size_t clen = comment ? strlen(comment) : 0;
	size_t total = 32 + pad4(cap) + (clen ? opt_size(clen) + 4 : 0);

	if (ifi < 0)
		return -ENOSPC;
	put32(w, PCAPNG_EPB);
	put32(w, (uint32_t)total);
	put32(w, (uint32_t)ifi);
	put32(w, (uint32_t)(ts_ns >> 32));
	put32(w, (uint32_t)ts_ns);
	put32(w, (uint32_t)cap);
	put32(w, (uint32_t)len);
	put(w, data, cap);
	if (clen) {
		put_opt(w, PCAPNG_OPT_COMMENT, comment, clen);
		put_opt(w, PCAPNG_OPT_END, NULL, 0);
	}
	put32(w, (uint32_t)total);
	return w->err ? -w->err : 0;
}

int cli_pcapng_close(struct cli_pcapng *w)
{
	int err;

	if (!w)
		return 0;
	err = w->err;
	if (fclose(w->f) && !err)
		err = errno ? errno : EIO;
	free(w);
	return -err;
}
