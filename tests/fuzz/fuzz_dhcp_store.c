// SPDX-License-Identifier: GPL-2.0-only
/* libFuzzer harness for the lease store's loader (dhcp/dhcp_store), which
 * replays a journal that a crash or a full disk may have damaged and whose
 * host names and client identifiers come from guests.
 *
 * An input is the whole journal file. Loading it must succeed and account
 * for every line: each complete line replayed or reported garbled, a last
 * line without its '\n' reported torn and cut off the file. Compacting the
 * loaded store and loading it again must give the same live records and
 * no garbled line (quarantines over by then are left out); the status
 * JSON must be built. Anything else aborts so
 * the fuzzer records the input.
 *
 * The journal lives in a directory of its own under $TMPDIR (else
 * /dev/shm, where fsync is free, else /tmp), made once, reused by every
 * input and removed at exit.
 *
 * Targets: dhcp/dhcp_store.c
 */
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>

#include "dhcp/dhcp_store.h"

#define FUZZ_STORE_NAME "fuzz"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static char fuzz_store_dir[256], fuzz_store_path[320];

static void fuzz_store_fail(const char *what, int rc)
{
	fprintf(stderr, "fuzz_dhcp_store: %s: %s\n", what, strerror(rc < 0 ? -rc : rc));
	abort();
}

/* At exit (libFuzzer's end of a run): the journal and its directory go. */
static void fuzz_store_cleanup(void)
{
	unlink(fuzz_store_path);
	rmdir(fuzz_store_dir);
}

static void fuzz_store_setup(void)
{
	const char *tmp = getenv("TMPDIR");
	struct stat st;

	if (!tmp || tmp[0] != '/')
		tmp = stat("/dev/shm", &st) == 0 && S_ISDIR(st.st_mode) ? "/dev/shm" : "/tmp";
	snprintf(fuzz_store_dir, sizeof(fuzz_store_dir), "%s/kvnet-fuzz-store-XXXXXX", tmp);
	if (!mkdtemp(fuzz_store_dir))
		fuzz_store_fail("mkdtemp", errno);
	snprintf(fuzz_store_path, sizeof(fuzz_store_path), "%s/%s.leases", fuzz_store_dir,
		 FUZZ_STORE_NAME);
	atexit(fuzz_store_cleanup);
}

static void fuzz_store_write(const uint8_t *data, size_t size)
{
	int fd = open(fuzz_store_path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);

	if (fd < 0 || write(fd, data, size) != (ssize_t)size || close(fd) < 0)
		fuzz_store_fail("write the journal", errno);
}

static off_t fuzz_store_size(void)
{
	struct stat st;

	if (stat(fuzz_store_path, &st) < 0)
		fuzz_store_fail("stat the journal", errno);
	return st.st_size;
}

static struct dhcp_store *fuzz_store_load(struct dhcp_store_stats *stats)
{
	struct dhcp_store *st;
	int rc = dhcp_store_open(fuzz_store_dir, FUZZ_STORE_NAME, &st);

	if (rc < 0)
		fuzz_store_fail("open", rc);
	rc = dhcp_store_load(st, NULL, NULL, NULL, stats);
	if (rc < 0)
		fuzz_store_fail("load", rc);
	return st;
}

/* Every complete line replayed or garbled; a torn tail cut off. */
static void fuzz_store_check_load(const uint8_t *data, size_t size,
				  const struct dhcp_store_stats *s)
{
	size_t lines = 0, good = 0;

	for (size_t i = 0; i < size; i++)
		if (data[i] == '\n')
			lines++, good = i + 1;
	if (s->records + s->garbled != lines)
		fuzz_store_fail("a line neither replayed nor garbled", EPROTO);
	if (s->torn != (good != size))
		fuzz_store_fail("torn tail misreported", EPROTO);
	if (fuzz_store_size() != (off_t)good)
		fuzz_store_fail("torn tail not cut off the file", EPROTO);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct dhcp_store_stats s, again;
	struct dhcp_store *st;
	size_t live;
	char *status = NULL;
	int rc;

	if (!fuzz_store_dir[0])
		fuzz_store_setup();
	fuzz_store_write(data, size);
	st = fuzz_store_load(&s);
	fuzz_store_check_load(data, size, &s);
	if (dhcp_store_status_json(st, 0, &status) < 0)
		fuzz_store_fail("status JSON", ENOMEM);
	free(status);
	rc = dhcp_store_compact(st, 0);
	if (rc < 0)
		fuzz_store_fail("compact", rc);
	live = dhcp_store_count(st); /* quarantines over by now are gone */
	dhcp_store_close(st);
	st = fuzz_store_load(&again);
	if (again.garbled || again.torn || again.records != live ||
	    dhcp_store_count(st) != live) {
		fprintf(stderr, "fuzz_dhcp_store: %zu live, replayed %u (%u garbled, %s) into %zu\n",
			live, again.records, again.garbled, again.torn ? "torn" : "whole",
			dhcp_store_count(st));
		fuzz_store_fail("the compacted journal replays differently", EPROTO);
	}
	dhcp_store_close(st);
	return 0;
}
