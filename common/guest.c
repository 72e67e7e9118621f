/* SPDX-License-Identifier: GPL-2.0-only */
/* A guest's name, its tap's name and its stable MAC (see guest.h). */
#include "common/guest.h"
#include "common/hash.h"

#include <stdio.h>
#include <string.h>

static bool kv_guest_char_ok(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
	       c == '-' || c == '_' || c == '.';
}

bool kv_guest_name_ok(const char *name)
{
	size_t len = strlen(name);

	if (len == 0 || len >= KV_GUEST_NAME_MAX || name[0] == '-' || name[0] == '.')
		return false;
	for (size_t i = 0; i < len; i++)
		if (!kv_guest_char_ok(name[i]))
			return false;
	return true;
}

void kv_guest_tap_name(const char *name, char out[IFNAMSIZ])
{
	if (strlen(name) < IFNAMSIZ)
		snprintf(out, IFNAMSIZ, "%s", name);
	else
		snprintf(out, IFNAMSIZ, "kvm-%08x", kv_name_hash(name));
}

void kv_guest_mac(const char *name, uint8_t mac[6])
{
	static const uint8_t key[KV_SIPHASH_KEY_LEN];
	uint64_t h = kv_siphash24(key, name, strlen(name));

	mac[0] = 0x52;
	mac[1] = 0x54;
	mac[2] = 0x00;
	mac[3] = (uint8_t)(h >> 16);
	mac[4] = (uint8_t)(h >> 8);
	mac[5] = (uint8_t)h;
}
