/* SPDX-License-Identifier: GPL-2.0-only */
/* Internals of the control protocol's handlers (control*.c): argument
 * access, and the handlers that live in files of their own. */
#ifndef KVNET_CONTROL_INT_H
#define KVNET_CONTROL_INT_H

#include <stdbool.h>
#include <jansson.h>

#include "switch/network.h"

typedef json_t *(*control_fn)(struct kvnetd *d, json_t *args, struct kv_error *e);

/* args[key] as a string; NULL (and an error if required or not a
 * string) otherwise. */
const char *arg_str(json_t *args, const char *key, bool required, struct kv_error *e);
/* An optional boolean: absent is false; anything else is an error. */
bool arg_bool(json_t *args, const char *key, struct kv_error *e);
/* The network args[key] names (finishing its adoption if pending). */
struct kv_network *arg_net(struct kvnetd *d, json_t *args, const char *key,
			   struct kv_error *e);
/* The same, and it must be active. */
struct kv_network *arg_active_net(struct kvnetd *d, json_t *args, struct kv_error *e);

/* control_dhcp.c */
json_t *control_leases(struct kvnetd *d, json_t *args, struct kv_error *e);
json_t *control_dhcp_host_add(struct kvnetd *d, json_t *args, struct kv_error *e);
json_t *control_dhcp_host_del(struct kvnetd *d, json_t *args, struct kv_error *e);

#endif /* KVNET_CONTROL_INT_H */
