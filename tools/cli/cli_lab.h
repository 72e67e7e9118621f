/* SPDX-License-Identifier: GPL-2.0-only */
/* `kvnet lab ...`: the lab runner (tools/lab/kvnet-lab), exec'd. */
#ifndef KVNET_CLI_LAB_H
#define KVNET_CLI_LAB_H

#include <stdbool.h>

/* Execs the runner with argv (the words after `lab`); returns only on
 * failure, with the exit status. */
int cli_lab_main(const char *sock, bool json, int argc, char **argv);

#endif /* KVNET_CLI_LAB_H */
