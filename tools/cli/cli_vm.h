/* SPDX-License-Identifier: GPL-2.0-only */
/* `kvnet vm run`: a qemu guest on a kvnet network (cli_vm.c). */
#ifndef KVNET_CLI_VM_H
#define KVNET_CLI_VM_H

#include <stdbool.h>

/* argv: what follows "vm run". Returns only on failure (an exit status);
 * on success this process has become qemu. */
int cli_vm_main(const char *sock, bool json, int argc, char **argv);

#endif /* KVNET_CLI_VM_H */
