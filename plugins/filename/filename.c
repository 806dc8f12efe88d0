/* The filename plugin: columns declared in config.toml and filled from a
 * pattern on the file names of a group, so that most operators need no
 * C.  [plugins.filename] holds the pattern and the columns' types;
 * init compiles the pattern (pattern.c) and declares one column per
 * placeholder; the one extractor, "filename", matches each member's base
 * name in turn and sets the columns from the first that matches.
 *
 * Built against the public header only, like any out-of-tree plugin.
 * Configuration messages do not name [plugins.filename]: the host puts
 * the table's name and the value's place before them. */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <carbonation/plugin.h>

#include "pattern.h"

#ifndef FILENAME_PLUGIN_VERSION
#define FILENAME_PLUGIN_VERSION "0"
#endif

#define KEYS "pattern, columns, indexed, on_mismatch, migrations"

struct fn_state {
	struct fn_pattern *pattern;
	char *pattern_text;
	bool mismatch_null;       /* on_mismatch = "null" */
	char **docs;              /* per placeholder, for the columns */
	size_t ndocs;
};

static void state_free(struct fn_state *st)
{
	if (st == NULL)
		return;
	fn_pattern_free(&st->pattern);
	free(st->pattern_text);
	for (size_t i = 0; i < st->ndocs; i++)
		free(st->docs[i]);
	free(st->docs);
	free(st);
}

/* ---- init --------------------------------------------------------------- */

struct setup_ctx {
	const struct carb_plugin_host *host;
	struct carb_plugin_setup *setup;
	const struct carb_plugin_config *table;
	int errors;
};

#define CONFIG_ERROR(x, v, ...)                                          \
	do {                                                             \
		(x)->host->config_error((x)->setup, (v), __VA_ARGS__);    \
		(x)->errors++;                                           \
	} while (0)

static void check_keys(struct setup_ctx *x)
{
	static const char *const known[] = {
		"pattern", "columns", "indexed", "on_mismatch", "migrations",
	};
	size_t n = x->host->config_count(x->table);

	for (size_t i = 0; i < n; i++) {
		const char *key = NULL;
		const struct carb_plugin_config *v =
			x->host->config_at(x->table, i, &key);
		bool ok = false;

		for (size_t k = 0; k < sizeof(known) / sizeof(known[0]); k++)
			if (key != NULL && strcmp(key, known[k]) == 0)
				ok = true;
		if (!ok)
			CONFIG_ERROR(x, v, "unknown key \"%s\" (valid: " KEYS
				     ")",
				     key != NULL ? key : "");
	}
}

/* A string value of key, or NULL (absent, or an error recorded). */
static const char *string_key(struct setup_ctx *x, const char *key,
			      const struct carb_plugin_config **vout)
{
	const struct carb_plugin_config *v = x->host->config_get(x->table, key);

	*vout = v;
	if (v == NULL)
		return NULL;
	if (x->host->config_type(v) != CARB_PLUGIN_CONFIG_STRING) {
		CONFIG_ERROR(x, v, "%s must be a string", key);
		return NULL;
	}
	return x->host->config_string(v);
}

/* The length of at most max bytes of s that ends on a character. */
static size_t excerpt_len(const char *s, size_t max)
{
	size_t n = strnlen(s, max);

	if (s[n] != '\0')
		while (n > 0 && ((unsigned char)s[n] & 0xc0) == 0x80)
			n--;
	return n;
}

/* Reads columns into decls (names borrowed from the config) and their
 * values, for errors, into vals, leaving out each entry that is wrong
 * after recording why (*bad counts them).  Returns the number of
 * entries kept, or (size_t)-1 when memory ran out. */
static size_t read_types(struct setup_ctx *x, struct fn_type_decl **decls,
			 const struct carb_plugin_config ***vals, size_t *bad)
{
	const struct carb_plugin_config *t = x->host->config_get(x->table,
								 "columns");
	size_t n, kept = 0;

	*decls = NULL;
	*vals = NULL;
	*bad = 0;
	if (t == NULL)
		return 0;
	if (x->host->config_type(t) != CARB_PLUGIN_CONFIG_TABLE) {
		CONFIG_ERROR(x, t, "columns must be a table of column = "
			     "\"type\" (types: " FN_TYPE_NAMES ")");
		(*bad)++;
		return 0;
	}
	n = x->host->config_count(t);
	*decls = calloc(n + 1, sizeof(**decls));
	*vals = calloc(n + 1, sizeof(**vals));
	if (*decls == NULL || *vals == NULL) {
		CONFIG_ERROR(x, t, "out of memory");
		return (size_t)-1;
	}
	for (size_t i = 0; i < n; i++) {
		const char *key = NULL;
		const struct carb_plugin_config *v =
			x->host->config_at(t, i, &key);
		const char *name = key != NULL ? key : "";
		const char *s = NULL;
		enum fn_type type;

		if (x->host->config_type(v) == CARB_PLUGIN_CONFIG_STRING)
			s = x->host->config_string(v);
		if (s == NULL) {
			CONFIG_ERROR(x, v, "type of column \"%s\" must be a "
				     "string, one of " FN_TYPE_NAMES, name);
			(*bad)++;
			continue;
		}
		type = fn_type_from_name(s, strlen(s));
		if (type == 0) {
			CONFIG_ERROR(x, v, "unknown type \"%s\" for column "
				     "\"%s\" (valid: " FN_TYPE_NAMES ")", s,
				     name);
			(*bad)++;
			continue;
		}
		(*decls)[kept].name = name;
		(*decls)[kept].type = type;
		(*vals)[kept++] = v;
	}
	return kept;
}

static int compile_pattern(struct setup_ctx *x, struct fn_state *st)
{
	const struct carb_plugin_config *pv;
	const char *text = string_key(x, "pattern", &pv);
	struct fn_type_decl *decls;
	const struct carb_plugin_config **vals;
	struct fn_pattern_error err;
	size_t ntypes, bad;
	int rc;

	if (pv == NULL) {
		CONFIG_ERROR(x, NULL, "pattern is required, e.g. pattern = "
			     "\"{category}_{start:%%Y%%m%%d}.{ext}\"");
		return -1;
	}
	/* The types that are right go on to the pattern, so that one run
	 * reports the problems of both. */
	ntypes = read_types(x, &decls, &vals, &bad);
	if (text == NULL || ntypes == (size_t)-1) {
		free(decls);
		free(vals);
		return -1;
	}
	rc = fn_pattern_compile(text, strlen(text), decls, ntypes,
				&st->pattern, &err);
	if (rc == -1 && err.at == FN_AT_PATTERN) {
		const char *at = text + err.offset;

		CONFIG_ERROR(x, pv, "bad pattern at byte %zu (\"%.*s\"): %s",
			     err.offset + 1, (int)excerpt_len(at, 16), at,
			     err.msg);
	} else if (rc == -1) {
		CONFIG_ERROR(x, vals[err.index], "columns: %s", err.msg);
	} else if (rc < 0) {
		CONFIG_ERROR(x, pv, "out of memory");
	}
	free(decls);
	free(vals);
	if (rc < 0 || bad > 0)
		return -1;
	st->pattern_text = strdup(text);
	if (st->pattern_text == NULL) {
		CONFIG_ERROR(x, pv, "out of memory");
		return -1;
	}
	return 0;
}

/* Marks in indexed[] the placeholders [plugins.filename] indexed names. */
static void read_indexed(struct setup_ctx *x, const struct fn_state *st,
			 int *indexed)
{
	const struct carb_plugin_config *a = x->host->config_get(x->table,
								 "indexed");
	size_t n;

	if (a == NULL)
		return;
	if (x->host->config_type(a) != CARB_PLUGIN_CONFIG_ARRAY) {
		CONFIG_ERROR(x, a, "indexed must be an array of column names");
		return;
	}
	n = x->host->config_count(a);
	for (size_t i = 0; i < n; i++) {
		const struct carb_plugin_config *v = x->host->config_at(a, i,
									NULL);
		const char *s = NULL;
		int k;

		if (x->host->config_type(v) == CARB_PLUGIN_CONFIG_STRING)
			s = x->host->config_string(v);
		if (s == NULL) {
			CONFIG_ERROR(x, v, "indexed: each entry must be a "
				     "column name (a string)");
			continue;
		}
		k = fn_pattern_find(st->pattern, s);
		if (k < 0) {
			char names[256];
			size_t used = 0;

			names[0] = '\0';
			for (size_t j = 0; j < fn_pattern_count(st->pattern);
			     j++) {
				int w = snprintf(names + used,
						 sizeof(names) - used, "%s%s",
						 j > 0 ? ", " : "",
						 fn_pattern_name(st->pattern, j));

				if (w < 0 || (size_t)w >= sizeof(names) - used)
					break;
				used += (size_t)w;
			}
			CONFIG_ERROR(x, v, "indexed: \"%s\" names no placeholder "
				     "of the pattern (placeholders: %s)", s,
				     names);
			continue;
		}
		indexed[k] = 1;
	}
}

static enum carb_plugin_type column_type(enum fn_type t)
{
	switch (t) {
	case FN_INTEGER: return CARB_PLUGIN_INTEGER;
	case FN_REAL: return CARB_PLUGIN_REAL;
	case FN_BOOLEAN: return CARB_PLUGIN_BOOLEAN;
	case FN_TIMESTAMP: return CARB_PLUGIN_TIMESTAMP;
	default: return CARB_PLUGIN_TEXT;
	}
}

static int declare_columns(struct setup_ctx *x, struct fn_state *st)
{
	size_t n = fn_pattern_count(st->pattern);
	int *indexed = calloc(n, sizeof(*indexed));
	int rc = 0;

	st->docs = calloc(n, sizeof(*st->docs));
	if (indexed == NULL || st->docs == NULL) {
		free(indexed);
		CONFIG_ERROR(x, NULL, "out of memory");
		return -1;
	}
	read_indexed(x, st, indexed);
	for (size_t i = 0; i < n; i++) {
		const char *name = fn_pattern_name(st->pattern, i);
		struct carb_plugin_column c = {
			.name = name,
			.type = column_type(fn_pattern_type(st->pattern, i)),
			.nullable = 1,
			.indexed = indexed[i],
			.filterable = 1,
		};
		int w;

		w = snprintf(NULL, 0, "{%s} of the file name pattern", name);
		st->docs[i] = malloc((size_t)w + 1);
		if (st->docs[i] != NULL)
			snprintf(st->docs[i], (size_t)w + 1,
				 "{%s} of the file name pattern", name);
		st->ndocs = i + 1;
		c.doc = st->docs[i];
		if (x->host->declare_column(x->setup, &c) < 0) {
			x->errors++;
			rc = -1;
		}
	}
	free(indexed);
	return rc;
}

static int fn_init(const struct carb_plugin_host *host,
		   struct carb_plugin_setup *setup, void **state)
{
	struct setup_ctx x = { .host = host, .setup = setup };
	struct fn_state *st = calloc(1, sizeof(*st));
	const struct carb_plugin_config *v;
	const char *s;

	*state = NULL;
	if (st == NULL) {
		host->config_error(setup, NULL, "out of memory");
		return -1;
	}
	x.table = host->config(setup);
	check_keys(&x);

	s = string_key(&x, "on_mismatch", &v);
	if (s != NULL && strcmp(s, "null") == 0)
		st->mismatch_null = true;
	else if (s != NULL && strcmp(s, "fail") != 0)
		CONFIG_ERROR(&x, v, "unknown on_mismatch \"%s\" (valid: fail, "
			     "null)", s);

	s = string_key(&x, "migrations", &v);
	if (v == NULL)
		host->set_migrations(setup, "migrations");
	else if (s != NULL && s[0] == '\0')
		CONFIG_ERROR(&x, v, "migrations is empty: name a folder "
			     "(default \"migrations\")");
	else if (s != NULL)
		host->set_migrations(setup, s);

	if (compile_pattern(&x, st) == 0)
		declare_columns(&x, st);

	if (x.errors > 0) {
		state_free(st);
		return -1;
	}
	*state = st;
	return 0;
}

static void fn_fini(const struct carb_plugin_host *host, void *state)
{
	state_free(state);
}

/* ---- the extractor ------------------------------------------------------ */

static int set_values(const struct carb_plugin_host *host,
		      struct carb_plugin_call *call, const struct fn_state *st,
		      const struct fn_value *values)
{
	size_t n = fn_pattern_count(st->pattern);

	for (size_t i = 0; i < n; i++) {
		const char *col = fn_pattern_name(st->pattern, i);
		const struct fn_value *v = &values[i];
		int rc;

		switch (v->type) {
		case FN_INTEGER:
			rc = host->set_integer(call, col, v->integer);
			break;
		case FN_REAL:
			rc = host->set_real(call, col, v->real);
			break;
		case FN_BOOLEAN:
			rc = host->set_boolean(call, col, (int)v->integer);
			break;
		case FN_TIMESTAMP:
			rc = host->set_timestamp(call, col, v->integer);
			break;
		default:
			rc = host->set_text(call, col, v->text, v->len);
			break;
		}
		if (rc < 0)
			return -1;
	}
	return 0;
}

static int set_nulls(const struct carb_plugin_host *host,
		     struct carb_plugin_call *call, const struct fn_state *st)
{
	for (size_t i = 0; i < fn_pattern_count(st->pattern); i++)
		if (host->set_null(call, fn_pattern_name(st->pattern, i)) < 0)
			return -1;
	return 0;
}

static int fn_extract(const struct carb_plugin_host *host,
		      struct carb_plugin_call *call, void *state)
{
	const struct fn_state *st = state;
	size_t nmembers = host->member_count(call);
	struct fn_value *values;
	int rc = 0;

	if (st == NULL)
		return host->fail(call, "the filename plugin was not set up");
	values = calloc(fn_pattern_count(st->pattern), sizeof(*values));
	if (values == NULL)
		return host->fail(call, "out of memory");
	for (size_t i = 0; i < nmembers; i++) {
		const struct carb_plugin_member *m = host->member(call, i);
		const char *base = m->rel_path;
		size_t len = m->rel_len;

		for (size_t k = 0; k < m->rel_len; k++)
			if (m->rel_path[k] == '/') {
				base = m->rel_path + k + 1;
				len = m->rel_len - k - 1;
			}
		rc = fn_pattern_match(st->pattern, base, len, values);
		if (rc != 0)
			break;
	}
	if (rc == 1)
		rc = set_values(host, call, st, values);
	else if (rc < 0)
		rc = host->fail(call, "out of memory matching file names");
	else if (st->mismatch_null)
		rc = set_nulls(host, call, st);
	else
		rc = host->fail(call, "no file name of the group matches "
				"pattern \"%s\"", st->pattern_text);
	free(values);
	return rc;
}

/* ---- the description ---------------------------------------------------- */

static const struct carb_plugin_function extractors[] = {
	{ "filename", fn_extract,
	  "sets the columns from the first member whose name matches the "
	  "pattern" },
	{ NULL, NULL, NULL },
};

static const struct carb_plugin description = {
	.abi_version = CARB_PLUGIN_ABI_VERSION,
	.name = "filename",
	.version = FILENAME_PLUGIN_VERSION,
	.description = "columns declared in config.toml, filled from a pattern "
		       "on the file name",
	.flags = CARB_PLUGIN_CONCURRENT,
	.extractors = extractors,
	.init = fn_init,
	.fini = fn_fini,
};

__attribute__((visibility("default")))
const struct carb_plugin *carbonation_plugin_entry(void)
{
	return &description;
}
