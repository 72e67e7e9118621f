// SPDX-License-Identifier: GPL-2.0-only
/* Unit tests of the eBPF datapath's paged FDB reading (dpe_fdb_page in
 * switch/dp_ebpf_fdb.c): page after page lists every entry once, pinned
 * ones first and flagged, a learned entry for a pinned MAC not at all,
 * whatever the page size, and an entry that stays in the map while it
 * changes between pages is still listed exactly once. The datapath is
 * loaded but attached nowhere, so no device is touched. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "switch/dp_ebpf.h"
#include "switch/log.h"

#define NLEARNED 3000
#define NPINNED 3
#define FDB_CAP 4096

/* MAC number i: 02:00:00:00:hi:lo (learned) or 52:54:00:00:00:i (pinned). */
static void mac_of(unsigned i, bool pinned, uint8_t mac[6])
{
	const uint8_t l[6] = { 0x02, 0, 0, (uint8_t)(i >> 16), (uint8_t)(i >> 8), (uint8_t)i };
	const uint8_t p[6] = { 0x52, 0x54, 0, 0, 0, (uint8_t)i };

	memcpy(mac, pinned ? p : l, 6);
}

static void learn(struct dp *dp, const uint8_t mac[6])
{
	struct kvnet_fdb_key k = { .vlan = 0 };
	struct kvnet_fdb_val v = { .ifindex = 7, .last_seen_ns = dp_now_ns() };

	memcpy(k.mac, mac, 6);
	assert_int_equal(bpf_map_update_elem(dpe(dp)->fd[KVNET_MAPID_FDB], &k, &v, BPF_ANY), 0);
}

static void forget(struct dp *dp, const uint8_t mac[6])
{
	struct kvnet_fdb_key k = { .vlan = 0 };

	memcpy(k.mac, mac, 6);
	assert_int_equal(bpf_map_delete_elem(dpe(dp)->fd[KVNET_MAPID_FDB], &k), 0);
}

static int group_setup(void **state)
{
	struct dp_open_args a = { .bpffs = "", .net = "pg", .fdb_max = FDB_CAP };
	struct kv_error e = { 0 };
	struct dp *dp;
	uint8_t mac[6];

	log_set_level(LOG_LVL_ERR);
	if (dp_open(&dp_ebpf_ops, &dp, &a, &e) < 0)
		return -1;
	for (unsigned i = 0; i < NPINNED; i++) {
		mac_of(i, true, mac);
		if (dp_fdb_pin(dp, mac, 1, &e) < 0)
			return -1;
	}
	for (unsigned i = 0; i < NLEARNED; i++) {
		mac_of(i, false, mac);
		learn(dp, mac);
	}
	mac_of(1, true, mac); /* a pinned MAC that talked: listed once, as the pin */
	learn(dp, mac);
	*state = dp;
	return 0;
}

static int group_teardown(void **state)
{
	dp_close(*state);
	return 0;
}

/* How often each MAC was listed: seen[i] learned i, seen[NLEARNED + i]
 * pinned i; -1 for an entry that is neither or has the wrong flag. */
static int tally(const struct dp_fdb_entry *v, int n, int *seen)
{
	for (int i = 0; i < n; i++) {
		const uint8_t *m = v[i].key.mac;
		bool pinned = v[i].val.flags & KVNET_FDB_STATIC;
		unsigned idx = pinned ? m[5] : (unsigned)(m[3] << 16 | m[4] << 8 | m[5]);

		if (pinned ? m[0] != 0x52 || idx >= NPINNED : m[0] != 0x02 || idx >= NLEARNED)
			return -1;
		seen[pinned ? NLEARNED + idx : idx]++;
	}
	return 0;
}

/* Every page of the FDB at max entries a page; between pages, change()
 * may change the map. Returns the number of pages. */
static int page_all(struct dp *dp, int max, int *seen, void (*change)(struct dp *, int))
{
	uint64_t cursor = 0;
	int pages = 0;

	do {
		struct dp_fdb_entry *v;
		int n;

		assert_int_equal(dp_fdb_page(dp, &cursor, max, &v, &n), 0);
		assert_true(n <= max || max < 8); /* only a bucket splits no further */
		assert_int_equal(tally(v, n, seen), 0);
		free(v);
		if (change)
			change(dp, pages);
		pages++;
	} while (cursor);
	return pages;
}

static void test_every_entry_once(void **state)
{
	static const int sizes[] = { 1, 7, 100, 1000, 100000 };

	for (unsigned s = 0; s < sizeof(sizes) / sizeof(*sizes); s++) {
		int *seen = calloc(NLEARNED + NPINNED, sizeof(int));
		int pages = page_all(*state, sizes[s], seen, NULL);

		for (int i = 0; i < NLEARNED + NPINNED; i++)
			assert_int_equal(seen[i], 1);
		assert_true(sizes[s] < 8 || pages >= (NLEARNED + NPINNED) / sizes[s]);
		free(seen);
	}
}

/* Between pages, MAC NLEARNED-1-p goes and comes back, and a new one
 * (03:...) comes: every other entry is still listed exactly once. */
static void churn(struct dp *dp, int page)
{
	uint8_t mac[6];

	mac_of(NLEARNED - 1 - (unsigned)page, false, mac);
	forget(dp, mac);
	learn(dp, mac);
	mac_of((unsigned)page, false, mac);
	mac[0] = 0x03;
	learn(dp, mac);
}

static void test_changes_between_pages(void **state)
{
	int *seen = calloc(NLEARNED + NPINNED, sizeof(int));
	uint64_t cursor = 0;
	int pages = 0;
	uint8_t mac[6];

	do {
		struct dp_fdb_entry *v;
		int n, k = 0;

		assert_int_equal(dp_fdb_page(*state, &cursor, 500, &v, &n), 0);
		for (int i = 0; i < n; i++)
			if (v[i].key.mac[0] != 0x03)
				v[k++] = v[i];
		assert_int_equal(tally(v, k, seen), 0);
		free(v);
		churn(*state, pages++);
	} while (cursor);
	assert_true(pages >= 6);
	for (int i = 0; i < NLEARNED - pages; i++)
		assert_int_equal(seen[i], 1);
	for (int i = NLEARNED - pages; i < NLEARNED + NPINNED; i++)
		assert_true(seen[i] <= 1 && (i < NLEARNED || seen[i] == 1));
	for (int p = 0; p < pages; p++) {
		mac_of((unsigned)p, false, mac);
		mac[0] = 0x03;
		forget(*state, mac);
	}
	free(seen);
}

static void test_bad_cursor(void **state)
{
	uint64_t cursor = 7ULL << 32;
	struct dp_fdb_entry *v;
	int n;

	assert_int_equal(dp_fdb_page(*state, &cursor, 10, &v, &n), -EINVAL);
	cursor = 2ULL << 32 | 0xffffff; /* a bucket past the end: nothing more */
	assert_int_equal(dp_fdb_page(*state, &cursor, 10, &v, &n), 0);
	assert_int_equal(n, 0);
	assert_int_equal(cursor, 0);
	free(v);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_every_entry_once),
		cmocka_unit_test(test_changes_between_pages),
		cmocka_unit_test(test_bad_cursor),
	};

	return cmocka_run_group_tests_name("dp_fdb_page", tests, group_setup, group_teardown);
}
