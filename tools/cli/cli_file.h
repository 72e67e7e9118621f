/* SPDX-License-Identifier: GPL-2.0-only */
/* Reading a whole file for the CLI: `net define` sends the file's text. */
#ifndef KVNET_CLI_FILE_H
#define KVNET_CLI_FILE_H

#include <stddef.h>

/* The whole file into a new buffer (*len bytes; malloc'd, one spare byte
 * at the end); -EFBIG over max bytes, or -errno. */
int cli_slurp(const char *path, size_t max, char **buf, size_t *len);

#endif /* KVNET_CLI_FILE_H */
