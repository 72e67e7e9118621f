/* SPDX-License-Identifier: GPL-2.0-only */
/* The kvnet CLI's print layer: renders the daemon's JSON results either as
 * text (aligned tables, "Label: value" blocks, confirmation lines) or as one
 * pretty JSON document, chosen inside each call so that a command's output
 * code is the same for both (see cli_print.h). Text cells are formatted first and the column widths taken
 * from them, so long names never break the alignment.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "cli_print.h"

#define CLI_COL_GAP "  "
#define CLI_MAX_COLS 16

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

static void cli_fmt_scalar(FILE *m, enum cli_print_type t, const json_t *v)
{
	if (t == CLI_T_BOOL && json_is_boolean(v))
		fputs(json_is_true(v) ? "yes" : "no", m);
	else if (t == CLI_T_STATE && json_is_boolean(v))
		fputs(json_is_true(v) ? "active" : "inactive", m);
	else if (t == CLI_T_AGE && json_is_number(v))
		fprintf(m, "%lld", (long long)json_number_value(v));
	else if (json_is_string(v) && json_string_length(v))
		fputs(json_string_value(v), m);
	else if (json_is_integer(v))
		fprintf(m, "%" JSON_INTEGER_FORMAT, json_integer_value(v));
	else if (json_is_real(v))
		fprintf(m, "%g", json_real_value(v));
	else if (json_is_boolean(v))
		fputs(json_is_true(v) ? "yes" : "no", m);
	else
		fputs(cli_dash, m);
}

char *cli_print_format(enum cli_print_type t, const json_t *v)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *m;

	m = open_memstream(&buf, &len);
	if (!m)
		return NULL;
	if (t == CLI_T_LIST && json_is_array(v))
		cli_fmt_list(m, v);
	else if (t == CLI_T_COUNTS && json_is_object(v))
		cli_fmt_counts(m, v);
	else
		cli_fmt_scalar(m, t, v);
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
	const size_t flags = JSON_INDENT(2) | JSON_REAL_PRECISION(9) |
			     JSON_ENCODE_ANY;

	if (json_dumpf(doc ? doc : json_null(), p->fp, flags))
		return -EIO;
	fputc('\n', p->fp);
	return cli_flush(p);
}

/* ---- text ---------------------------------------------------------- */

struct cli_table {
	const struct cli_field *col[CLI_MAX_COLS]; /* the text columns */
	size_t ncol, nrow;
	size_t width[CLI_MAX_COLS];
	char **cell; /* nrow * ncol, row-major */
};

static void cli_table_free(struct cli_table *t)
{
	size_t i;

	for (i = 0; t->cell && i < t->nrow * t->ncol; i++)
		free(t->cell[i]);
	free(t->cell);
}

static void cli_table_cols(struct cli_table *t, const struct cli_field *f)
{
	for (; f->key && t->ncol < CLI_MAX_COLS; f++) {
		t->width[t->ncol] = strlen(f->label);
		t->col[t->ncol++] = f;
	}
}

static int cli_table_fill(struct cli_table *t, const json_t *rows)
{
	size_t r, c, w;
	char **cell;

	t->nrow = json_array_size(rows);
	t->cell = calloc(t->nrow * t->ncol + 1, sizeof(*t->cell));
	if (!t->cell)
		return -ENOMEM;
	for (r = 0; r < t->nrow; r++) {
		const json_t *row = json_array_get(rows, r);

		for (c = 0; c < t->ncol; c++) {
			cell = &t->cell[r * t->ncol + c];
			*cell = cli_print_format(t->col[c]->type,
				json_object_get(row, t->col[c]->key));
			if (!*cell)
				return -ENOMEM;
			w = strlen(*cell);
			if (w > t->width[c])
				t->width[c] = w;
		}
	}
	return 0;
}

static void cli_table_line(const struct cli_print *p,
			   const struct cli_table *t, const char *const *text)
{
	size_t c;

	for (c = 0; c < t->ncol; c++) {
		bool last = c + 1 == t->ncol;
		int w = (int)t->width[c];

		if (c)
			fputs(CLI_COL_GAP, p->fp);
		if (cli_type_numeric(t->col[c]->type))
			fprintf(p->fp, "%*s", w, text[c]);
		else if (last)
			fputs(text[c], p->fp);
		else
			fprintf(p->fp, "%-*s", w, text[c]);
	}
	fputc('\n', p->fp);
}

static int cli_table_text(const struct cli_print *p,
			  const struct cli_field *f, const json_t *rows)
{
	struct cli_table t = { .ncol = 0 };
	const char *head[CLI_MAX_COLS] = { NULL };
	size_t c, r;
	int ret;

	cli_table_cols(&t, f);
	ret = cli_table_fill(&t, rows);
	if (ret < 0)
		goto out;
	for (c = 0; c < t.ncol; c++)
		head[c] = t.col[c]->label;
	cli_table_line(p, &t, head);
	for (r = 0; r < t.nrow; r++)
		cli_table_line(p, &t,
			       (const char *const *)&t.cell[r * t.ncol]);
	ret = cli_flush(p);
out:
	cli_table_free(&t);
	return ret;
}

int cli_print_table(const struct cli_print *p, const struct cli_field *f,
		    const json_t *rows)
{
	if (!json_is_array(rows))
		return -EBADMSG;
	if (p->json)
		return cli_print_json(p, rows);
	return cli_table_text(p, f, rows);
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
