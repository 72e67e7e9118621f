/* SPDX-License-Identifier: GPL-2.0-only */
/* The kvnet CLI's print layer: renders the daemon's JSON results either as
 * text (aligned tables, "Label: value" blocks, confirmation lines) or as one
 * pretty JSON document, chosen inside each call so that a command's output
 * code is the same for both (see cli_print.h). Text cells are formatted
 * first and the column widths taken from them, so long names never break
 * the alignment; a table that comes in pages keeps only its formatted
 * cells, and with --json prints each page as it comes.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli_print.h"

#define CLI_COL_GAP "  "
#define CLI_MAX_COLS 16
#define CLI_JSON_FLAGS (JSON_INDENT(2) | JSON_REAL_PRECISION(9) | JSON_ENCODE_ANY)

static const char *const cli_dash = "-";

static bool cli_type_numeric(enum cli_print_type t)
{
	return t == CLI_T_INT || t == CLI_T_AGE;
}

static void cli_fmt_list(FILE *m, const json_t *v)
{
	size_t i, n = 0;
	json_t *e;

	json_array_foreach(v, i, e) {
		if (!json_is_string(e))
			continue;
		fprintf(m, "%s%s", n++ ? ", " : "", json_string_value(e));
	}
	if (!n)
		fputs(cli_dash, m);
}

static void cli_fmt_counts(FILE *m, const json_t *v)
{
	const char *k;
	size_t n = 0;
	json_t *e;

	json_object_foreach((json_t *)v, k, e) {
		if (!json_is_integer(e) || json_integer_value(e) == 0)
			continue;
		fprintf(m, "%s%s=%" JSON_INTEGER_FORMAT, n++ ? " " : "", k,
			json_integer_value(e));
	}
	if (!n)
		fputs(cli_dash, m);
}

/* The text of a scalar: a constant, the string's own text, or buf. */
static const char *cli_fmt_scalar(char *buf, size_t len, enum cli_print_type t,
				  const json_t *v)
{
	if (t == CLI_T_BOOL && json_is_boolean(v))
		return json_is_true(v) ? "yes" : "no";
	if (t == CLI_T_STATE && json_is_boolean(v))
		return json_is_true(v) ? "active" : "inactive";
	if (t == CLI_T_AGE && json_is_number(v))
		snprintf(buf, len, "%lld", (long long)json_number_value(v));
	else if (json_is_string(v) && json_string_length(v))
		return json_string_value(v);
	else if (json_is_integer(v))
		snprintf(buf, len, "%" JSON_INTEGER_FORMAT, json_integer_value(v));
	else if (json_is_real(v))
		snprintf(buf, len, "%g", json_real_value(v));
	else if (json_is_boolean(v))
		return json_is_true(v) ? "yes" : "no";
	else
		return cli_dash;
	return buf;
}

char *cli_print_format(enum cli_print_type t, const json_t *v)
{
	char *buf = NULL, num[64];
	size_t len = 0;
	FILE *m;

	if ((t != CLI_T_LIST || !json_is_array(v)) && (t != CLI_T_COUNTS || !json_is_object(v)))
		return strdup(cli_fmt_scalar(num, sizeof(num), t, v));
	m = open_memstream(&buf, &len);
	if (!m)
		return NULL;
	if (t == CLI_T_LIST)
		cli_fmt_list(m, v);
	else
		cli_fmt_counts(m, v);
	if (fclose(m)) {
		free(buf);
		return NULL;
	}
	return buf;
}

/* ---- output ------------------------------------------------------ */

static int cli_flush(const struct cli_print *p)
{
	if (fflush(p->fp))
		return -errno;
	return ferror(p->fp) ? -EIO : 0;
}

static int cli_print_json(const struct cli_print *p, const json_t *doc)
{
	if (json_dumpf(doc ? doc : json_null(), p->fp, CLI_JSON_FLAGS))
		return -EIO;
	fputc('\n', p->fp);
	return cli_flush(p);
}

/* ---- tables --------------------------------------------------------- */

/* A table being printed: its columns, and (text) every cell so far,
 * formatted, NUL-terminated, row after row in one buffer, or (--json) how
 * many elements are out. */
struct cli_rows {
	const struct cli_print *p;
	const struct cli_field *col[CLI_MAX_COLS]; /* the text columns */
	size_t ncol, nrow;
	size_t width[CLI_MAX_COLS];
	char *text;
	size_t len, cap;
	size_t printed; /* --json: elements printed */
};

static int cli_rows_put(struct cli_rows *t, const char *cell)
{
	size_t n = strlen(cell) + 1;

	if (t->len + n > t->cap) {
		size_t cap = t->cap ? t->cap * 2 : 64 * 1024;
		char *nt;

		while (cap < t->len + n)
			cap *= 2;
		nt = realloc(t->text, cap);
		if (!nt)
			return -ENOMEM;
		t->text = nt;
		t->cap = cap;
	}
	memcpy(t->text + t->len, cell, n);
	t->len += n;
	return 0;
}

static int cli_rows_keep(struct cli_rows *t, const json_t *row)
{
	for (size_t c = 0; c < t->ncol; c++) {
		char *cell = cli_print_format(t->col[c]->type,
					      json_object_get(row, t->col[c]->key));
		int ret = cell ? cli_rows_put(t, cell) : -ENOMEM;

		if (cell && strlen(cell) > t->width[c])
			t->width[c] = strlen(cell);
		free(cell);
		if (ret < 0)
			return ret;
	}
	t->nrow++;
	return 0;
}

/* One element of the array, as json_dumpf would indent it inside one:
 * every line after the first two more spaces in. */
static int cli_rows_json(struct cli_rows *t, const json_t *row)
{
	char *doc = json_dumps(row, CLI_JSON_FLAGS);

	if (!doc)
		return -ENOMEM;
	fputs(t->printed++ ? ",\n  " : "[\n  ", t->p->fp);
	for (const char *l = doc, *nl; *l; l = nl + 1) {
		nl = strchr(l, '\n');
		if (!nl) {
			fputs(l, t->p->fp);
			break;
		}
		fprintf(t->p->fp, "%.*s\n  ", (int)(nl - l), l);
	}
	free(doc);
	return ferror(t->p->fp) ? -EIO : 0;
}

int cli_rows_begin(const struct cli_print *p, const struct cli_field *f,
		   struct cli_rows **out)
{
	struct cli_rows *t = calloc(1, sizeof(*t));

	if (!t)
		return -ENOMEM;
	t->p = p;
	for (; f->key && t->ncol < CLI_MAX_COLS; f++) {
		t->width[t->ncol] = strlen(f->label);
		t->col[t->ncol++] = f;
	}
	*out = t;
	return 0;
}

int cli_rows_add(struct cli_rows *t, const json_t *rows)
{
	size_t i;
	json_t *row;
	int ret = 0;

	if (!json_is_array(rows))
		return -EBADMSG;
	json_array_foreach(rows, i, row) {
		ret = t->p->json ? cli_rows_json(t, row) : cli_rows_keep(t, row);
		if (ret < 0)
			break;
	}
	return ret;
}

static void cli_table_line(const struct cli_rows *t, const char *const *text)
{
	FILE *fp = t->p->fp;

	for (size_t c = 0; c < t->ncol; c++) {
		bool last = c + 1 == t->ncol;
		int w = (int)t->width[c];

		if (c)
			fputs(CLI_COL_GAP, fp);
		if (cli_type_numeric(t->col[c]->type))
			fprintf(fp, "%*s", w, text[c]);
		else if (last)
			fputs(text[c], fp);
		else
			fprintf(fp, "%-*s", w, text[c]);
	}
	fputc('\n', fp);
}

static int cli_rows_text(const struct cli_rows *t)
{
	const char *line[CLI_MAX_COLS] = { NULL };
	const char *cell = t->text;

	for (size_t c = 0; c < t->ncol; c++)
		line[c] = t->col[c]->label;
	cli_table_line(t, line);
	for (size_t r = 0; r < t->nrow; r++) {
		for (size_t c = 0; c < t->ncol; c++) {
			line[c] = cell;
			cell += strlen(cell) + 1;
		}
		cli_table_line(t, line);
	}
	return cli_flush(t->p);
}

int cli_rows_end(struct cli_rows *t, bool print)
{
	int ret = 0;

	if (print && t->p->json) {
		fputs(t->printed ? "\n]\n" : "[]\n", t->p->fp);
		ret = cli_flush(t->p);
	} else if (print) {
		ret = cli_rows_text(t);
	}
	free(t->text);
	free(t);
	return ret;
}

int cli_print_table(const struct cli_print *p, const struct cli_field *f,
		    const json_t *rows)
{
	struct cli_rows *t;
	int ret;

	if (!json_is_array(rows))
		return -EBADMSG;
	ret = cli_rows_begin(p, f, &t);
	if (ret < 0)
		return ret;
	ret = cli_rows_add(t, rows);
	return cli_rows_end(t, ret == 0) ?: ret;
}

int cli_print_object(const struct cli_print *p, const struct cli_field *f,
		     const json_t *obj)
{
	const struct cli_field *d;
	size_t w = 0;
	char *s;

	if (!json_is_object(obj))
		return -EBADMSG;
	if (p->json)
		return cli_print_json(p, obj);
	for (d = f; d->key; d++)
		if (strlen(d->label) > w)
			w = strlen(d->label);
	for (d = f; d->key; d++) {
		s = cli_print_format(d->type, json_object_get(obj, d->key));
		if (!s)
			return -ENOMEM;
		fprintf(p->fp, "%s:%*s%s\n", d->label,
			(int)(w - strlen(d->label) + 1), "", s);
		free(s);
	}
	return cli_flush(p);
}

int cli_print_done(const struct cli_print *p, const json_t *result,
		   const char *msg)
{
	if (p->json)
		return cli_print_json(p, result);
	fprintf(p->fp, "%s\n", msg);
	return cli_flush(p);
}

int cli_print_verbatim(const struct cli_print *p, const char *key,
		       const json_t *result)
{
	const json_t *v = json_object_get(result, key);
	size_t n;

	if (!json_is_string(v))
		return -EBADMSG;
	if (p->json)
		return cli_print_json(p, result);
	n = json_string_length(v);
	fwrite(json_string_value(v), 1, n, p->fp);
	if (n && json_string_value(v)[n - 1] != '\n')
		fputc('\n', p->fp);
	return cli_flush(p);
}
