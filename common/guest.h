/* SPDX-License-Identifier: GPL-2.0-only */
/* A guest's name (`kvnet vm run --name`) and what follows from it, shared
 * by the CLI, which derives a guest's tap and MAC, and kvnetd, which keeps
 * the name with the guest's port.
 *
 * A name is 1 to 63 letters, digits, '-', '_' and '.', not starting with
 * '-' or '.': it fits a DHCP hostname option and an interface alias, and
 * needs no quoting in a shell or a qemu option. Its tap is the name itself
 * when that is a valid interface name (15 characters at most), else
 * "kvm-" and 8 hex digits of its kv_name_hash. Its MAC is 52:54:00 (qemu's
 * and libvirt's prefix) and three bytes of a keyless SipHash of the name:
 * the same name gets the same MAC on every host and every run. Both are
 * on-host naming contracts: never change them.
 */
#ifndef KVNET_COMMON_GUEST_H
#define KVNET_COMMON_GUEST_H

#include <stdbool.h>
#include <stdint.h>
#include <net/if.h>

#define KV_GUEST_NAME_MAX 64 /* with the NUL */

bool kv_guest_name_ok(const char *name);
/* The tap for the (valid) guest name, into out[IFNAMSIZ]. */
void kv_guest_tap_name(const char *name, char out[IFNAMSIZ]);
/* The guest's stable MAC, 52:54:00:xx:xx:xx. */
void kv_guest_mac(const char *name, uint8_t mac[6]);

#endif /* KVNET_COMMON_GUEST_H */
