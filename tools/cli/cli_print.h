/* SPDX-License-Identifier: GPL-2.0-only */
/* The kvnet CLI's one print layer. A command describes its output once, as
 * a table of typed fields (key in the daemon's JSON, label for people, type),
 * and calls one cli_print_* function with it and the daemon's result. That
 * call renders text (aligned tables, "Label: value" blocks, one-line
 * confirmations, verbatim documents) or, with --json, one pretty JSON
 * document: the daemon's result exactly as sent, so scripts see every
 * field, including those the text leaves out.
 */
#ifndef KVNET_CLI_PRINT_H
#define KVNET_CLI_PRINT_H

#include <stdbool.h>
#include <stdio.h>

#include <jansson.h>

/* How a field's JSON value is shown as text. Missing, null or empty values
 * show as "-" whatever the type. */
enum cli_print_type {
	CLI_T_STR,    /* string, verbatim */
	CLI_T_INT,    /* integer, right-aligned in tables */
	CLI_T_BOOL,   /* "yes" / "no" */
	CLI_T_STATE,  /* bool: "active" / "inactive" */
	CLI_T_AGE,    /* seconds (number): whole seconds, right-aligned */
	CLI_T_LIST,   /* array of strings, joined by ", " */
	CLI_T_COUNTS, /* object of counters: "name=N name=N", zeros left out */
};

/* One field; tables of them end with an entry whose key is NULL. */
struct cli_field {
	const char *key;   /* member of the daemon's JSON object */
	const char *label; /* table heading, or "Label:" in a block */
	enum cli_print_type type;
};

/* Output context: passed to every call, never global. */
struct cli_print {
	FILE *fp;
	bool json;
};

/* A JSON array of objects: a table with a heading and one row per element
 * (text), or the array (--json). -EBADMSG if rows is not an array. */
int cli_print_table(const struct cli_print *p, const struct cli_field *f,
		    const json_t *rows);

/* A table whose rows come in batches (the pages of a long listing): with
 * --json each batch is printed as it comes, and the whole is the same JSON
 * array cli_print_table prints; as text, the rows are kept (as formatted
 * cells only) until cli_rows_end knows the column widths. */
struct cli_rows;

int cli_rows_begin(const struct cli_print *p, const struct cli_field *f,
		   struct cli_rows **out);
/* rows: a JSON array of objects; -EBADMSG if it is not an array. */
int cli_rows_add(struct cli_rows *t, const json_t *rows);
/* With print, print the rest (the text table, or the end of the array);
 * without (after an error), print nothing more. Frees t. */
int cli_rows_end(struct cli_rows *t, bool print);

/* One JSON object: "Label: value" lines (text) or the object (--json). */
int cli_print_object(const struct cli_print *p, const struct cli_field *f,
		     const json_t *obj);

/* The reply to a command that changes something: the line msg (text), or
 * the result (--json). */
int cli_print_done(const struct cli_print *p, const json_t *result,
		   const char *msg);

/* A document the daemon returns as the string member key of result (e.g.
 * dumpxml): the text verbatim (text), or the result (--json). */
int cli_print_verbatim(const struct cli_print *p, const char *key,
		       const json_t *result);

/* Text of one value as type t shows it, newly allocated (free() it);
 * NULL when out of memory. */
char *cli_print_format(enum cli_print_type t, const json_t *v);

#endif /* KVNET_CLI_PRINT_H */
