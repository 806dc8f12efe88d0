/* The engine the key tables drive: TOML values to section fields, with
 * defaults, positions and one message per problem. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config/config_internal.h"

/* Enumerations are stored through int; every enum of config.h is one. */
_Static_assert(sizeof(enum carb_watch_mode) == sizeof(int),
	       "enums are stored as int");

void carb_cfg_error(struct carb_cfg_ctx *ctx, int line, int column,
		    const char *fmt, ...)
{
	char *msg = NULL;
	va_list ap;

	va_start(ap, fmt);
	if (vasprintf(&msg, fmt, ap) < 0)
		msg = NULL;
	va_end(ap);
	carb_diags_add(ctx->diags, ctx->file, line, column, "%s",
		       msg ? msg : "out of memory formatting a message");
	free(msg);
}

void carb_cfg_error_at(struct carb_cfg_ctx *ctx,
		       const struct carb_toml_value *v, const char *fmt, ...)
{
	char *msg = NULL;
	va_list ap;

	va_start(ap, fmt);
	if (vasprintf(&msg, fmt, ap) < 0)
		msg = NULL;
	va_end(ap);
	carb_diags_add(ctx->diags, ctx->file, carb_toml_line(v),
		       carb_toml_column(v), "%s",
		       msg ? msg : "out of memory formatting a message");
	free(msg);
}

struct carb_config_loc carb_cfg_loc(const struct carb_cfg_ctx *ctx,
				    const struct carb_toml_value *v)
{
	struct carb_config_loc loc = { ctx->file, 0, 0 };

	if (v != NULL) {
		loc.line = carb_toml_line(v);
		loc.column = carb_toml_column(v);
	}
	return loc;
}

const struct carb_cfg_key *carb_cfg_find_key(
	const struct carb_cfg_section *sec, const char *name)
{
	for (size_t i = 0; i < sec->nkeys; i++)
		if (strcmp(sec->keys[i].name, name) == 0)
			return &sec->keys[i];
	return NULL;
}

const char *carb_cfg_suggest_key(const struct carb_cfg_section *sec,
				 const char *name)
{
	const char *names[32];
	size_t n = 0;

	for (size_t i = 0; i < sec->nkeys && n < 32; i++)
		names[n++] = sec->keys[i].name;
	return carb_suggest(name, names, n);
}

/* "string \"five\"", "integer 5", "table": what the user wrote, short
 * enough for one line. */
static void describe_value(const struct carb_toml_value *v, char *buf,
			   size_t size)
{
	enum carb_toml_type t = carb_toml_type(v);
	const char *tn = carb_toml_type_name(t);
	char dt[64];

	switch (t) {
	case CARB_TOML_STRING: {
		const char *s = carb_toml_string(v, NULL);
		size_t n = strlen(s);

		if (n > 40)
			snprintf(buf, size, "string \"%.37s...\"", s);
		else
			snprintf(buf, size, "string \"%s\"", s);
		break;
	}
	case CARB_TOML_INTEGER:
		snprintf(buf, size, "integer %lld", (long long)carb_toml_int(v));
		break;
	case CARB_TOML_FLOAT:
		snprintf(buf, size, "float %g", carb_toml_float(v));
		break;
	case CARB_TOML_BOOL:
		snprintf(buf, size, "boolean %s",
			 carb_toml_bool(v) ? "true" : "false");
		break;
	case CARB_TOML_DATETIME:
	case CARB_TOML_LOCAL_DATETIME:
	case CARB_TOML_LOCAL_DATE:
	case CARB_TOML_LOCAL_TIME:
		snprintf(buf, size, "%s %s", tn,
			 carb_toml_datetime_format(v, dt, sizeof(dt)));
		break;
	default:
		snprintf(buf, size, "%s", tn);
		break;
	}
}

void carb_cfg_type_error(struct carb_cfg_ctx *ctx, const char *label,
		       const char *expected, const struct carb_toml_value *v)
{
	char got[128];

	describe_value(v, got, sizeof(got));
	carb_cfg_error_at(ctx, v, "%s: expected %s, got %s", label, expected,
			  got);
}

static size_t value_size(enum carb_cfg_type t)
{
	switch (t) {
	case CARB_CFG_STRING:
	case CARB_CFG_PATH:
	case CARB_CFG_TEMPLATE:
		return sizeof(char *);
	case CARB_CFG_INT:
	case CARB_CFG_DURATION:
		return sizeof(int64_t);
	case CARB_CFG_SIZE:
		return sizeof(uint64_t);
	case CARB_CFG_BOOL:
		return sizeof(bool);
	case CARB_CFG_ENUM:
		return sizeof(int);
	case CARB_CFG_STRINGS:
	case CARB_CFG_PATHS:
		return sizeof(struct carb_config_strings);
	case CARB_CFG_TABLE:
	case CARB_CFG_TABLES:
		break;
	}
	return 0;
}

/* Fields are reached by offset, so they are read and written with memcpy:
 * a `const char *` field is never accessed through a `char **`. */
static void store(const struct carb_cfg_key *k, void *obj, const void *val)
{
	memcpy((char *)obj + k->off, val, value_size(k->type));
}

static void store_loc(const struct carb_cfg_key *k, void *obj,
		      struct carb_config_loc loc)
{
	memcpy((char *)obj + k->loc_off, &loc, sizeof(loc));
}

static char *field_string(const struct carb_cfg_key *k, const void *obj)
{
	char *s;

	memcpy(&s, (const char *)obj + k->off, sizeof(s));
	return s;
}

static int enum_index(const char *const *choices, const char *s)
{
	for (int i = 0; choices[i] != NULL; i++)
		if (strcmp(choices[i], s) == 0)
			return i;
	return -1;
}

static void strings_add(struct carb_config_strings *l, char *s)
{
	l->items = carb_xrealloc(l->items, (l->count + 1) * sizeof(*l->items));
	l->items[l->count++] = s;
}

static void strings_release(struct carb_config_strings *l)
{
	for (size_t i = 0; i < l->count; i++)
		free(l->items[i]);
	free(l->items);
	l->items = NULL;
	l->count = 0;
}

/* A converted value before it is stored at its key's offset. */
union cfg_value {
	char *s;
	int64_t i;
	uint64_t u;
	bool b;
	int e;
	struct carb_config_strings l;
};

/* Sets key k of obj to its default.  The table's defaults are known to be
 * valid, so parse errors cannot happen here. */
static void apply_default(struct carb_cfg_ctx *ctx, const struct carb_cfg_key *k,
			  void *obj)
{
	union cfg_value val;

	memset(&val, 0, sizeof(val));
	store_loc(k, obj, carb_cfg_loc(ctx, NULL));
	if (k->def == NULL && k->def_list == NULL)
		return;
	switch (k->type) {
	case CARB_CFG_STRING:
	case CARB_CFG_TEMPLATE:
		val.s = carb_xstrdup(k->def);
		break;
	case CARB_CFG_PATH:
		val.s = carb_cfg_path_resolve(ctx->base_dir, k->def);
		break;
	case CARB_CFG_INT:
		val.i = strtoll(k->def, NULL, 10);
		break;
	case CARB_CFG_BOOL:
		val.b = strcmp(k->def, "true") == 0;
		break;
	case CARB_CFG_DURATION:
		carb_parse_duration(k->def, &val.i, NULL);
		break;
	case CARB_CFG_SIZE:
		carb_parse_size(k->def, &val.u, NULL);
		break;
	case CARB_CFG_ENUM:
		val.e = enum_index(k->choices, k->def);
		break;
	case CARB_CFG_STRINGS:
	case CARB_CFG_PATHS:
		for (size_t i = 0; k->def_list[i] != NULL; i++)
			strings_add(&val.l, k->type == CARB_CFG_PATHS
				    ? carb_cfg_path_resolve(ctx->base_dir, k->def_list[i])
				    : carb_xstrdup(k->def_list[i]));
		break;
	case CARB_CFG_TABLE:
	case CARB_CFG_TABLES:
		return;
	}
	store(k, obj, &val);
}

/* A TOML string for a key that takes text: no NUL inside, since every
 * consumer is C. */
static const char *text_of(struct carb_cfg_ctx *ctx, const char *label,
			   const struct carb_toml_value *v)
{
	size_t len;
	const char *s;

	if (carb_toml_type(v) != CARB_TOML_STRING) {
		carb_cfg_type_error(ctx, label, "string", v);
		return NULL;
	}
	s = carb_toml_string(v, &len);
	if (strlen(s) != len) {
		carb_cfg_error_at(ctx, v, "%s: contains a NUL character", label);
		return NULL;
	}
	return s;
}

static int convert_strings(struct carb_cfg_ctx *ctx,
			   const struct carb_cfg_key *k, const char *label,
			   const struct carb_toml_value *v,
			   struct carb_config_strings *out)
{
	size_t n;
	int bad = 0;

	if (carb_toml_type(v) != CARB_TOML_ARRAY) {
		carb_cfg_type_error(ctx, label, "array of strings", v);
		return -1;
	}
	n = carb_toml_array_count(v);
	for (size_t i = 0; i < n; i++) {
		const struct carb_toml_value *item = carb_toml_array_get(v, i);
		char *item_label = carb_xasprintf("%s[%zu]", label, i);
		const char *s = text_of(ctx, item_label, item);

		free(item_label);
		if (s == NULL) {
			bad = 1;
			continue;
		}
		if (k->type == CARB_CFG_PATHS && *s == '\0') {
			carb_cfg_error_at(ctx, item, "%s[%zu]: empty path", label, i);
			bad = 1;
			continue;
		}
		strings_add(out, k->type == CARB_CFG_PATHS
			    ? carb_cfg_path_resolve(ctx->base_dir, s)
			    : carb_xstrdup(s));
	}
	if (bad)
		strings_release(out);
	return bad ? -1 : 0;
}

/* The written form of a duration value, for range messages. */
static void duration_text(const struct carb_toml_value *v, char *buf,
			  size_t size)
{
	if (carb_toml_type(v) == CARB_TOML_STRING)
		snprintf(buf, size, "\"%s\"", carb_toml_string(v, NULL));
	else
		snprintf(buf, size, "%lld", (long long)carb_toml_int(v));
}

static int convert_duration(struct carb_cfg_ctx *ctx,
			    const struct carb_cfg_key *k, const char *label,
			    const struct carb_toml_value *v, int64_t *ms)
{
	struct carb_error err;
	char text[96], lo[32], hi[32];

	if (carb_toml_type(v) == CARB_TOML_INTEGER) {
		int64_t s = carb_toml_int(v);

		if (s < 0) {
			carb_cfg_error_at(ctx, v, "%s: duration %lld is negative",
					  label, (long long)s);
			return -1;
		}
		if (s > INT64_MAX / 1000) {
			carb_cfg_error_at(ctx, v, "%s: duration %lld is too large",
					  label, (long long)s);
			return -1;
		}
		*ms = s * 1000;
	} else if (carb_toml_type(v) == CARB_TOML_STRING) {
		if (carb_parse_duration(carb_toml_string(v, NULL), ms, &err) != 0) {
			carb_cfg_error_at(ctx, v, "%s: %s", label, err.msg);
			return -1;
		}
	} else {
		carb_cfg_type_error(ctx, label, "duration", v);
		return -1;
	}
	if ((k->min != 0 || k->max != 0) && (*ms < k->min || *ms > k->max)) {
		duration_text(v, text, sizeof(text));
		carb_config_format_duration(k->min, lo, sizeof(lo));
		carb_config_format_duration(k->max, hi, sizeof(hi));
		if (k->max == INT64_MAX)
			carb_cfg_error_at(ctx, v, "%s: %s is out of range (at least %s)",
					  label, text, lo);
		else
			carb_cfg_error_at(ctx, v, "%s: %s is out of range %s..%s",
					  label, text, lo, hi);
		return -1;
	}
	return 0;
}

static int convert_size(struct carb_cfg_ctx *ctx, const char *label,
			const struct carb_toml_value *v, uint64_t *bytes)
{
	struct carb_error err;

	if (carb_toml_type(v) == CARB_TOML_INTEGER) {
		if (carb_toml_int(v) < 0) {
			carb_cfg_error_at(ctx, v, "%s: size %lld is negative", label,
					  (long long)carb_toml_int(v));
			return -1;
		}
		*bytes = (uint64_t)carb_toml_int(v);
		return 0;
	}
	if (carb_toml_type(v) != CARB_TOML_STRING) {
		carb_cfg_type_error(ctx, label, "size", v);
		return -1;
	}
	if (carb_parse_size(carb_toml_string(v, NULL), bytes, &err) != 0) {
		carb_cfg_error_at(ctx, v, "%s: %s", label, err.msg);
		return -1;
	}
	return 0;
}

static int convert_enum(struct carb_cfg_ctx *ctx, const struct carb_cfg_key *k,
			const char *label, const struct carb_toml_value *v,
			int *out)
{
	const char *s = text_of(ctx, label, v);
	struct carb_buf b;

	if (s == NULL)
		return -1;
	*out = enum_index(k->choices, s);
	if (*out >= 0)
		return 0;
	carb_buf_init(&b);
	for (size_t i = 0; k->choices[i] != NULL; i++)
		carb_buf_addf(&b, "%s\"%s\"", i ? ", " : "", k->choices[i]);
	carb_cfg_error_at(ctx, v, "%s: \"%s\" is not one of %s", label, s, b.data);
	carb_buf_release(&b);
	return -1;
}

static int convert_int(struct carb_cfg_ctx *ctx, const struct carb_cfg_key *k,
		       const char *label, const struct carb_toml_value *v,
		       int64_t *out)
{
	if (carb_toml_type(v) != CARB_TOML_INTEGER) {
		carb_cfg_type_error(ctx, label, "integer", v);
		return -1;
	}
	*out = carb_toml_int(v);
	if ((k->min != 0 || k->max != 0) && (*out < k->min || *out > k->max)) {
		carb_cfg_error_at(ctx, v, "%s: %lld is out of range %lld..%lld",
				  label, (long long)*out, (long long)k->min,
				  (long long)k->max);
		return -1;
	}
	return 0;
}

/* Only the array is checked here: its tables are the caller's to read,
 * each against a section of its own. */
static int convert_tables(struct carb_cfg_ctx *ctx, const struct carb_cfg_key *k,
			  const char *label, const struct carb_toml_value *v,
			  void *obj)
{
	char *expected;

	if (carb_toml_type(v) != CARB_TOML_ARRAY) {
		expected = carb_xasprintf("array of tables ([[%s]])", label);
		carb_cfg_type_error(ctx, label, expected, v);
		free(expected);
		return -1;
	}
	store_loc(k, obj, carb_cfg_loc(ctx, v));
	return 0;
}

/* Converts v for key k and stores it in obj.  Returns 0, or -1 when it
 * reported a problem and stored nothing. */
static int convert(struct carb_cfg_ctx *ctx, const struct carb_cfg_key *k,
		   const char *label, const struct carb_toml_value *v, void *obj)
{
	union cfg_value val;
	const char *s;
	int rc = 0;

	memset(&val, 0, sizeof(val));
	switch (k->type) {
	case CARB_CFG_STRING:
	case CARB_CFG_TEMPLATE:
	case CARB_CFG_PATH:
		s = text_of(ctx, label, v);
		if (s == NULL)
			return -1;
		if (k->type == CARB_CFG_PATH && *s == '\0') {
			carb_cfg_error_at(ctx, v, "%s: empty path", label);
			return -1;
		}
		val.s = k->type == CARB_CFG_PATH
			? carb_cfg_path_resolve(ctx->base_dir, s)
			: carb_xstrdup(s);
		break;
	case CARB_CFG_INT:
		rc = convert_int(ctx, k, label, v, &val.i);
		break;
	case CARB_CFG_BOOL:
		if (carb_toml_type(v) != CARB_TOML_BOOL) {
			carb_cfg_type_error(ctx, label, "boolean", v);
			return -1;
		}
		val.b = carb_toml_bool(v);
		break;
	case CARB_CFG_DURATION:
		rc = convert_duration(ctx, k, label, v, &val.i);
		break;
	case CARB_CFG_SIZE:
		rc = convert_size(ctx, label, v, &val.u);
		break;
	case CARB_CFG_ENUM:
		rc = convert_enum(ctx, k, label, v, &val.e);
		break;
	case CARB_CFG_STRINGS:
	case CARB_CFG_PATHS:
		rc = convert_strings(ctx, k, label, v, &val.l);
		break;
	case CARB_CFG_TABLE:
		if (carb_toml_type(v) != CARB_TOML_TABLE) {
			carb_cfg_type_error(ctx, label, "table", v);
			return -1;
		}
		store_loc(k, obj, carb_cfg_loc(ctx, v));
		return 0;
	case CARB_CFG_TABLES:
		return convert_tables(ctx, k, label, v, obj);
	}
	if (rc != 0)
		return -1;
	store(k, obj, &val);
	store_loc(k, obj, carb_cfg_loc(ctx, v));
	return 0;
}

static void report_unknown_keys(struct carb_cfg_ctx *ctx,
				const struct carb_cfg_section *sec,
				const struct carb_toml_value *t,
				const char *where)
{
	for (size_t i = 0; i < carb_toml_table_count(t); i++) {
		const char *key = carb_toml_table_key(t, i);
		int line = carb_toml_table_key_line(t, i);
		int col = carb_toml_table_key_column(t, i);
		const char *hint;

		if (strlen(key) == carb_toml_table_key_len(t, i) &&
		    carb_cfg_find_key(sec, key) != NULL)
			continue;
		/* [plugins.NAME] is the plugin's own table: its init reads it */
		if (sec == &carb_cfg_plugins_section && carb_toml_type(
			    carb_toml_table_value(t, i)) == CARB_TOML_TABLE)
			continue;
		hint = carb_cfg_suggest_key(sec, key);
		if (hint != NULL)
			carb_cfg_error(ctx, line, col,
				       "unknown key \"%s\" in %s (did you mean \"%s\"?)",
				       key, where, hint);
		else
			carb_cfg_error(ctx, line, col, "unknown key \"%s\" in %s",
				       key, where);
	}
}

size_t carb_cfg_parse_section(struct carb_cfg_ctx *ctx,
			      const struct carb_cfg_section *sec,
			      const struct carb_toml_value *t,
			      const char *prefix, const char *where,
			      void *obj)
{
	size_t before = ctx->diags->count;

	if (t != NULL)
		report_unknown_keys(ctx, sec, t, where);
	for (size_t i = 0; i < sec->nkeys; i++) {
		const struct carb_cfg_key *k = &sec->keys[i];
		const struct carb_toml_value *v =
			t ? carb_toml_table_get(t, k->name) : NULL;
		char *label;

		if (v == NULL) {
			if (k->required)
				carb_cfg_error(ctx, t ? carb_toml_line(t) : 1,
					       t ? carb_toml_column(t) : 1,
					       "missing required key \"%s\" in %s",
					       k->name, where);
			apply_default(ctx, k, obj);
			continue;
		}
		label = carb_xasprintf("%s%s", prefix, k->name);
		/* A value that failed keeps its default, so the checks
		 * across sections still see a well-formed section. */
		if (convert(ctx, k, label, v, obj) != 0)
			apply_default(ctx, k, obj);
		else if (k->check != NULL && !ctx->lenient)
			k->check(ctx, label, (const char *)obj + k->off, v);
		free(label);
	}
	return ctx->diags->count - before;
}

void carb_cfg_release_section(const struct carb_cfg_section *sec, void *obj)
{
	for (size_t i = 0; i < sec->nkeys; i++) {
		const struct carb_cfg_key *k = &sec->keys[i];
		char *null = NULL;

		switch (k->type) {
		case CARB_CFG_STRING:
		case CARB_CFG_PATH:
		case CARB_CFG_TEMPLATE:
			free(field_string(k, obj));
			store(k, obj, &null);
			break;
		case CARB_CFG_STRINGS:
		case CARB_CFG_PATHS:
			strings_release((struct carb_config_strings *)
					((char *)obj + k->off));
			break;
		default:
			break;
		}
	}
}

static bool strings_equal(const struct carb_config_strings *a,
			  const struct carb_config_strings *b)
{
	if (a->count != b->count)
		return false;
	for (size_t i = 0; i < a->count; i++)
		if (strcmp(a->items[i], b->items[i]) != 0)
			return false;
	return true;
}

bool carb_cfg_value_equal(const struct carb_cfg_key *k, const void *a,
			  const void *b)
{
	const char *sa, *sb;

	switch (k->type) {
	case CARB_CFG_STRING:
	case CARB_CFG_PATH:
	case CARB_CFG_TEMPLATE:
		sa = field_string(k, a);
		sb = field_string(k, b);
		return sa == sb || (sa != NULL && sb != NULL && strcmp(sa, sb) == 0);
	case CARB_CFG_STRINGS:
	case CARB_CFG_PATHS:
		return strings_equal(
			(const struct carb_config_strings *)((const char *)a + k->off),
			(const struct carb_config_strings *)((const char *)b + k->off));
	case CARB_CFG_TABLE:
	case CARB_CFG_TABLES:
		return true;  /* compared by their callers */
	default:
		return memcmp((const char *)a + k->off, (const char *)b + k->off,
			      value_size(k->type)) == 0;
	}
}

static void swap_bytes(void *a, void *b, size_t n)
{
	unsigned char t[sizeof(struct carb_config_strings) > sizeof(struct carb_config_loc)
			? sizeof(struct carb_config_strings) : sizeof(struct carb_config_loc)];

	memcpy(t, a, n);
	memcpy(a, b, n);
	memcpy(b, t, n);
}

void carb_cfg_swap_value(const struct carb_cfg_key *k, void *a, void *b)
{
	swap_bytes((char *)a + k->off, (char *)b + k->off, value_size(k->type));
	swap_bytes((char *)a + k->loc_off, (char *)b + k->loc_off,
		   sizeof(struct carb_config_loc));
}

void carb_cfg_copy_value(const struct carb_cfg_key *k, void *dst,
			 const void *src)
{
	const struct carb_config_strings *from =
		(const struct carb_config_strings *)((const char *)src + k->off);
	struct carb_config_strings list = { 0, NULL };
	char *s;

	switch (k->type) {
	case CARB_CFG_STRING:
	case CARB_CFG_PATH:
	case CARB_CFG_TEMPLATE:
		s = field_string(k, src);
		s = s ? carb_xstrdup(s) : NULL;
		store(k, dst, &s);
		break;
	case CARB_CFG_STRINGS:
	case CARB_CFG_PATHS:
		for (size_t i = 0; i < from->count; i++)
			strings_add(&list, carb_xstrdup(from->items[i]));
		store(k, dst, &list);
		break;
	case CARB_CFG_TABLE:
	case CARB_CFG_TABLES:
		break;
	default:
		store(k, dst, (const char *)src + k->off);
		break;
	}
	memcpy((char *)dst + k->loc_off, (const char *)src + k->loc_off,
	       sizeof(struct carb_config_loc));
}
