/* The filename plugin as a host sees it: plugins/filename.so loaded with
 * dlopen and driven through a small host table of the test's own, so
 * that its configuration checks, the columns it declares and what its
 * extractor sets are proved without a catalog.  The integration tests
 * (tests/integration/filename-*.sh) take it through the real host. */
#include <check.h>
#include <dlfcn.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <carbonation/plugin.h>

#define SO_PATH CARB_ABS_BUILDDIR "/plugins/filename.so"
#define EXAMPLE "{category}_{start:%Y%m%dT%H%M%S}_{stop:%Y%m%dT%H%M%S}.{ext}"

/* ---- a configuration tree ----------------------------------------------- */

struct carb_plugin_config {
	enum carb_plugin_config_type type;
	const char *str;
	size_t n;
	const char *keys[8];
	struct carb_plugin_config *items[8];
};

static struct carb_plugin_config *cfg_new(enum carb_plugin_config_type t)
{
	struct carb_plugin_config *c = calloc(1, sizeof(*c));

	ck_assert_ptr_nonnull(c);
	c->type = t;
	return c;
}

static struct carb_plugin_config *cfg_str(const char *s)
{
	struct carb_plugin_config *c = cfg_new(CARB_PLUGIN_CONFIG_STRING);

	c->str = s;
	return c;
}

/* Adds v under key (NULL: an array entry) to t; returns v. */
static struct carb_plugin_config *cfg_add(struct carb_plugin_config *t,
					  const char *key,
					  struct carb_plugin_config *v)
{
	ck_assert_uint_lt(t->n, 8);
	t->keys[t->n] = key;
	t->items[t->n++] = v;
	return v;
}

static void cfg_free(struct carb_plugin_config *c)
{
	if (c == NULL)
		return;
	for (size_t i = 0; i < c->n; i++)
		cfg_free(c->items[i]);
	free(c);
}

/* ---- the host ----------------------------------------------------------- */

struct carb_plugin_setup {
	struct carb_plugin_config *table;
	int nerrors;
	const struct carb_plugin_config *error_at[16];
	char errors[16][512];
	struct carb_plugin_column columns[16];
	size_t ncolumns;
	char migrations[256];
};

struct recorded {
	char column[64];
	char value[128];
};

struct carb_plugin_call {
	const struct carb_plugin_member *members;
	size_t nmembers;
	struct recorded set[16];
	size_t nset;
	char reason[512];
	int fail_setters;
};

static void h_log(enum carb_plugin_log_level level, const char *fmt, ...)
{
}

static const struct carb_plugin_config *h_config(struct carb_plugin_setup *s)
{
	return s->table;
}

static const struct carb_plugin_config *h_config_get(
	const struct carb_plugin_config *t, const char *key)
{
	for (size_t i = 0; i < t->n; i++)
		if (t->keys[i] != NULL && strcmp(t->keys[i], key) == 0)
			return t->items[i];
	return NULL;
}

static enum carb_plugin_config_type h_config_type(
	const struct carb_plugin_config *v)
{
	return v->type;
}

static size_t h_config_count(const struct carb_plugin_config *v)
{
	return v->type == CARB_PLUGIN_CONFIG_ARRAY ||
	       v->type == CARB_PLUGIN_CONFIG_TABLE ? v->n : 0;
}

static const struct carb_plugin_config *h_config_at(
	const struct carb_plugin_config *v, size_t i, const char **key_out)
{
	if (key_out != NULL)
		*key_out = v->keys[i];
	return v->items[i];
}

static const char *h_config_string(const struct carb_plugin_config *v)
{
	return v->type == CARB_PLUGIN_CONFIG_STRING ? v->str : NULL;
}

static int64_t h_config_integer(const struct carb_plugin_config *v)
{
	return 0;
}

static double h_config_float(const struct carb_plugin_config *v)
{
	return 0;
}

static int h_config_boolean(const struct carb_plugin_config *v)
{
	return 0;
}

__attribute__((format(printf, 3, 4)))
static void h_config_error(struct carb_plugin_setup *s,
			   const struct carb_plugin_config *v,
			   const char *fmt, ...)
{
	va_list ap;

	ck_assert_int_lt(s->nerrors, 16);
	s->error_at[s->nerrors] = v;
	va_start(ap, fmt);
	vsnprintf(s->errors[s->nerrors], sizeof(s->errors[0]), fmt, ap);
	va_end(ap);
	s->nerrors++;
}

static int h_declare_column(struct carb_plugin_setup *s,
			    const struct carb_plugin_column *c)
{
	struct carb_plugin_column *d = &s->columns[s->ncolumns];

	if (strcmp(c->name, "status") == 0) {
		h_config_error(s, NULL, "column \"status\" is a core column");
		return -1;
	}
	ck_assert_uint_lt(s->ncolumns, 16);
	*d = *c;
	d->name = strdup(c->name);
	d->doc = c->doc != NULL ? strdup(c->doc) : NULL;
	s->ncolumns++;
	return 0;
}

static void h_set_migrations(struct carb_plugin_setup *s, const char *dir)
{
	snprintf(s->migrations, sizeof(s->migrations), "%s", dir);
}

static const char *h_watch(struct carb_plugin_call *c)
{
	return "in";
}

static const char *h_group_key(struct carb_plugin_call *c, size_t *len)
{
	*len = 1;
	return "g";
}

static size_t h_member_count(struct carb_plugin_call *c)
{
	return c->nmembers;
}

static const struct carb_plugin_member *h_member(struct carb_plugin_call *c,
						  size_t i)
{
	return &c->members[i];
}

static int h_open_member(struct carb_plugin_call *c, size_t i)
{
	return -1;
}

__attribute__((format(printf, 3, 4)))
static int record(struct carb_plugin_call *c, const char *column,
		  const char *fmt, ...)
{
	struct recorded *r = &c->set[c->nset];
	va_list ap;

	if (c->fail_setters) {
		snprintf(c->reason, sizeof(c->reason), "setter refused %s",
			 column);
		return -1;
	}
	ck_assert_uint_lt(c->nset, 16);
	snprintf(r->column, sizeof(r->column), "%s", column);
	va_start(ap, fmt);
	vsnprintf(r->value, sizeof(r->value), fmt, ap);
	va_end(ap);
	c->nset++;
	return 0;
}

static int h_set_text(struct carb_plugin_call *c, const char *column,
		      const char *text, size_t len)
{
	return record(c, column, "text:%.*s", (int)len, text);
}

static int h_set_integer(struct carb_plugin_call *c, const char *column,
			 int64_t v)
{
	return record(c, column, "integer:%lld", (long long)v);
}

static int h_set_real(struct carb_plugin_call *c, const char *column, double v)
{
	return record(c, column, "real:%g", v);
}

static int h_set_boolean(struct carb_plugin_call *c, const char *column, int v)
{
	return record(c, column, "boolean:%d", v);
}

static int h_set_timestamp(struct carb_plugin_call *c, const char *column,
			   int64_t usec)
{
	return record(c, column, "timestamp:%lld", (long long)usec);
}

static int h_set_null(struct carb_plugin_call *c, const char *column)
{
	return record(c, column, "null");
}

static int h_get(struct carb_plugin_call *c, const char *column,
		 struct carb_plugin_value *out)
{
	return -1;
}

static int h_set_destination(struct carb_plugin_call *c, const char *name)
{
	return -1;
}

static int h_set_group_key(struct carb_plugin_call *c, const char *key,
			   size_t len)
{
	return -1;
}

__attribute__((format(printf, 2, 3)))
static int h_fail(struct carb_plugin_call *c, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(c->reason, sizeof(c->reason), fmt, ap);
	va_end(ap);
	return -1;
}

static const struct carb_plugin_host host = {
	.abi_version = CARB_PLUGIN_ABI_VERSION,
	.log = h_log,
	.config = h_config,
	.config_get = h_config_get,
	.config_type = h_config_type,
	.config_count = h_config_count,
	.config_at = h_config_at,
	.config_string = h_config_string,
	.config_integer = h_config_integer,
	.config_float = h_config_float,
	.config_boolean = h_config_boolean,
	.config_error = h_config_error,
	.declare_column = h_declare_column,
	.set_migrations = h_set_migrations,
	.watch = h_watch,
	.group_key = h_group_key,
	.member_count = h_member_count,
	.member = h_member,
	.open_member = h_open_member,
	.set_text = h_set_text,
	.set_integer = h_set_integer,
	.set_real = h_set_real,
	.set_boolean = h_set_boolean,
	.set_timestamp = h_set_timestamp,
	.set_null = h_set_null,
	.get = h_get,
	.set_destination = h_set_destination,
	.set_group_key = h_set_group_key,
	.fail = h_fail,
};

/* ---- the plugin --------------------------------------------------------- */

static void *so;
static const struct carb_plugin *plugin;

static void load(void)
{
	const struct carb_plugin *(*entry)(void);

	so = dlopen(SO_PATH, RTLD_NOW | RTLD_LOCAL);
	ck_assert_msg(so != NULL, "dlopen %s: %s", SO_PATH, dlerror());
	*(void **)&entry = dlsym(so, CARB_PLUGIN_ENTRY);
	ck_assert_ptr_nonnull(entry);
	plugin = entry();
	ck_assert_ptr_nonnull(plugin);
}

static void unload(void)
{
	if (so != NULL)
		dlclose(so);
	so = NULL;
	plugin = NULL;
}

static void setup_release(struct carb_plugin_setup *s)
{
	for (size_t i = 0; i < s->ncolumns; i++) {
		free((char *)s->columns[i].name);
		free((char *)s->columns[i].doc);
	}
	cfg_free(s->table);
}

/* Runs init on table; returns its result, *state as it left it. */
static int init(struct carb_plugin_setup *s, struct carb_plugin_config *table,
		void **state)
{
	memset(s, 0, sizeof(*s));
	s->table = table;
	*state = (void *)1;
	return plugin->init(&host, s, state);
}

static struct carb_plugin_config *example_table(void)
{
	struct carb_plugin_config *t = cfg_new(CARB_PLUGIN_CONFIG_TABLE);
	struct carb_plugin_config *cols, *idx;

	cfg_add(t, "pattern", cfg_str(EXAMPLE));
	cols = cfg_add(t, "columns", cfg_new(CARB_PLUGIN_CONFIG_TABLE));
	cfg_add(cols, "category", cfg_str("text"));
	cfg_add(cols, "start", cfg_str("timestamp"));
	idx = cfg_add(t, "indexed", cfg_new(CARB_PLUGIN_CONFIG_ARRAY));
	cfg_add(idx, NULL, cfg_str("start"));
	return t;
}

static const char *value_of(const struct carb_plugin_call *c,
			    const char *column)
{
	for (size_t i = 0; i < c->nset; i++)
		if (strcmp(c->set[i].column, column) == 0)
			return c->set[i].value;
	return "(unset)";
}

static struct carb_plugin_member member(const char *rel)
{
	struct carb_plugin_member m = { .rel_path = rel, .rel_len = strlen(rel),
					.extension = "", .size = 1 };
	return m;
}

static int extract(void *state, const struct carb_plugin_member *members,
		   size_t n, struct carb_plugin_call *call)
{
	memset(call, 0, sizeof(*call));
	call->members = members;
	call->nmembers = n;
	return plugin->extractors[0].fn(&host, call, state);
}

/* ---- cases -------------------------------------------------------------- */

START_TEST(description)
{
	load();
	ck_assert_int_eq(plugin->abi_version, CARB_PLUGIN_ABI_VERSION);
	ck_assert_str_eq(plugin->name, "filename");
	ck_assert_ptr_nonnull(plugin->version);
	ck_assert_uint_eq(plugin->flags & CARB_PLUGIN_CONCURRENT,
			  CARB_PLUGIN_CONCURRENT);
	ck_assert_ptr_null(plugin->columns);
	ck_assert_str_eq(plugin->extractors[0].name, "filename");
	ck_assert_ptr_null(plugin->extractors[1].name);
	ck_assert_ptr_null(plugin->selectors);
	ck_assert_ptr_null(plugin->groupers);
	ck_assert_ptr_null(plugin->routers);
	ck_assert_ptr_nonnull(plugin->init);
	ck_assert_ptr_nonnull(plugin->fini);
	/* only the entry symbol is exported */
	ck_assert_ptr_null(dlsym(so, "fn_pattern_compile"));
	ck_assert_ptr_null(dlsym(so, "fn_pattern_match"));
	unload();
}
END_TEST

START_TEST(init_declares_columns)
{
	struct carb_plugin_setup s;
	void *state;

	load();
	ck_assert_int_eq(init(&s, example_table(), &state), 0);
	ck_assert_int_eq(s.nerrors, 0);
	ck_assert_ptr_nonnull(state);
	ck_assert_uint_eq(s.ncolumns, 4);
	ck_assert_str_eq(s.columns[0].name, "category");
	ck_assert_int_eq(s.columns[0].type, CARB_PLUGIN_TEXT);
	ck_assert_int_eq(s.columns[0].indexed, 0);
	ck_assert_str_eq(s.columns[1].name, "start");
	ck_assert_int_eq(s.columns[1].type, CARB_PLUGIN_TIMESTAMP);
	ck_assert_int_eq(s.columns[1].indexed, 1);
	ck_assert_str_eq(s.columns[2].name, "stop");
	ck_assert_int_eq(s.columns[2].type, CARB_PLUGIN_TIMESTAMP);
	ck_assert_str_eq(s.columns[3].name, "ext");
	for (size_t i = 0; i < 4; i++) {
		ck_assert_int_eq(s.columns[i].nullable, 1);
		ck_assert_int_eq(s.columns[i].filterable, 1);
		ck_assert_ptr_nonnull(s.columns[i].doc);
	}
	ck_assert_str_eq(s.migrations, "migrations");
	plugin->fini(&host, state);
	setup_release(&s);
	unload();
}
END_TEST

START_TEST(init_types_and_migrations)
{
	struct carb_plugin_setup s;
	struct carb_plugin_config *t = cfg_new(CARB_PLUGIN_CONFIG_TABLE);
	struct carb_plugin_config *cols;
	void *state;

	load();
	cfg_add(t, "pattern", cfg_str("{n}-{v}-{b}-{s}.csv"));
	cols = cfg_add(t, "columns", cfg_new(CARB_PLUGIN_CONFIG_TABLE));
	cfg_add(cols, "n", cfg_str("integer"));
	cfg_add(cols, "v", cfg_str("real"));
	cfg_add(cols, "b", cfg_str("boolean"));
	cfg_add(t, "migrations", cfg_str("db/filename"));
	cfg_add(t, "on_mismatch", cfg_str("fail"));
	ck_assert_int_eq(init(&s, t, &state), 0);
	ck_assert_int_eq(s.columns[0].type, CARB_PLUGIN_INTEGER);
	ck_assert_int_eq(s.columns[1].type, CARB_PLUGIN_REAL);
	ck_assert_int_eq(s.columns[2].type, CARB_PLUGIN_BOOLEAN);
	ck_assert_int_eq(s.columns[3].type, CARB_PLUGIN_TEXT);
	ck_assert_str_eq(s.migrations, "db/filename");
	plugin->fini(&host, state);
	setup_release(&s);
	unload();
}
END_TEST

/* init fails with one error, at value at (NULL: the table), saying part. */
static void init_bad(struct carb_plugin_config *t,
		     const struct carb_plugin_config *at, const char *part)
{
	struct carb_plugin_setup s;
	void *state;

	ck_assert_int_eq(init(&s, t, &state), -1);
	ck_assert_ptr_null(state);
	ck_assert_int_ge(s.nerrors, 1);
	ck_assert_msg(strstr(s.errors[0], part) != NULL, "error lacks \"%s\": "
		      "%s", part, s.errors[0]);
	ck_assert_ptr_eq(s.error_at[0], at);
	plugin->fini(&host, state);
	setup_release(&s);
}

START_TEST(init_errors)
{
	struct carb_plugin_config *t, *v, *cols, *idx;

	load();
	t = cfg_new(CARB_PLUGIN_CONFIG_TABLE);
	init_bad(t, NULL, "pattern is required");

	t = cfg_new(CARB_PLUGIN_CONFIG_TABLE);
	v = cfg_add(t, "pattern", cfg_new(CARB_PLUGIN_CONFIG_INTEGER));
	init_bad(t, v, "pattern must be a string");

	t = cfg_new(CARB_PLUGIN_CONFIG_TABLE);
	v = cfg_add(t, "pattern", cfg_str("{a}{b}.dat"));
	init_bad(t, v, "bad pattern at byte 4 (\"{b}.dat\"): placeholder \"b\" "
		 "follows placeholder \"a\"");

	/* the excerpt is cut on a character */
	t = cfg_new(CARB_PLUGIN_CONFIG_TABLE);
	v = cfg_add(t, "pattern",
		    cfg_str("{a}}\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9"
			    "\xc3\xa9\xc3\xa9{b}"));
	init_bad(t, v, "bad pattern at byte 4 (\"}\xc3\xa9\xc3\xa9\xc3\xa9\xc3"
		 "\xa9\xc3\xa9\xc3\xa9\xc3\xa9\"): a single \"}\"");

	t = cfg_new(CARB_PLUGIN_CONFIG_TABLE);
	cfg_add(t, "pattern", cfg_str("{a}_{t:%Y}"));
	cols = cfg_add(t, "columns", cfg_new(CARB_PLUGIN_CONFIG_TABLE));
	v = cfg_add(cols, "a", cfg_str("string"));
	init_bad(t, v, "unknown type \"string\" for column \"a\" (valid: text, "
		 "integer, real, boolean, timestamp)");

	t = cfg_new(CARB_PLUGIN_CONFIG_TABLE);
	cfg_add(t, "pattern", cfg_str("{a}_{t:%Y}"));
	cols = cfg_add(t, "columns", cfg_new(CARB_PLUGIN_CONFIG_TABLE));
	cfg_add(cols, "a", cfg_str("text"));
	v = cfg_add(cols, "b", cfg_str("integer"));
	init_bad(t, v, "columns: \"b\" names no placeholder of the pattern "
		 "(placeholders: a, t)");

	t = cfg_new(CARB_PLUGIN_CONFIG_TABLE);
	cfg_add(t, "pattern", cfg_str("{a}_{t:%Y}"));
	cols = cfg_add(t, "columns", cfg_new(CARB_PLUGIN_CONFIG_TABLE));
	v = cfg_add(cols, "t", cfg_str("real"));
	init_bad(t, v, "column \"t\" is declared real but its placeholder has "
		 "a format");

	t = cfg_new(CARB_PLUGIN_CONFIG_TABLE);
	cfg_add(t, "pattern", cfg_str("{a}_{t:%Y}"));
	v = cfg_add(t, "columns", cfg_str("text"));
	init_bad(t, v, "columns must be a table");

	t = cfg_new(CARB_PLUGIN_CONFIG_TABLE);
	cfg_add(t, "pattern", cfg_str("{a}_{t:%Y}"));
	idx = cfg_add(t, "indexed", cfg_new(CARB_PLUGIN_CONFIG_ARRAY));
	cfg_add(idx, NULL, cfg_str("a"));
	v = cfg_add(idx, NULL, cfg_str("start"));
	init_bad(t, v, "indexed: \"start\" names no placeholder of the pattern "
		 "(placeholders: a, t)");

	t = cfg_new(CARB_PLUGIN_CONFIG_TABLE);
	cfg_add(t, "pattern", cfg_str("{a}.dat"));
	v = cfg_add(t, "on_mismatch", cfg_str("skip"));
	init_bad(t, v, "unknown on_mismatch \"skip\" (valid: fail, null)");

	t = cfg_new(CARB_PLUGIN_CONFIG_TABLE);
	cfg_add(t, "pattern", cfg_str("{a}.dat"));
	v = cfg_add(t, "migrations", cfg_str(""));
	init_bad(t, v, "migrations is empty");

	t = cfg_new(CARB_PLUGIN_CONFIG_TABLE);
	v = cfg_add(t, "patern", cfg_str("{a}.dat"));
	init_bad(t, v, "unknown key \"patern\" (valid: "
		 "pattern, columns, indexed, on_mismatch, migrations)");

	/* the host refuses a column: init fails */
	t = cfg_new(CARB_PLUGIN_CONFIG_TABLE);
	cfg_add(t, "pattern", cfg_str("{status}.dat"));
	init_bad(t, NULL, "core column");
	unload();
}
END_TEST

START_TEST(init_reports_every_problem)
{
	struct carb_plugin_setup s;
	struct carb_plugin_config *t = cfg_new(CARB_PLUGIN_CONFIG_TABLE);
	struct carb_plugin_config *cols;
	void *state;

	load();
	cfg_add(t, "patern", cfg_str("x"));
	cfg_add(t, "on_mismatch", cfg_str("maybe"));
	cfg_add(t, "pattern", cfg_str("{a"));
	ck_assert_int_eq(init(&s, t, &state), -1);
	ck_assert_int_eq(s.nerrors, 3);
	ck_assert_ptr_nonnull(strstr(s.errors[0], "unknown key \"patern\""));
	ck_assert_ptr_nonnull(strstr(s.errors[1], "unknown on_mismatch"));
	ck_assert_ptr_nonnull(strstr(s.errors[2], "not closed"));
	plugin->fini(&host, state);
	setup_release(&s);

	/* a wrong type and a wrong pattern: both said */
	t = cfg_new(CARB_PLUGIN_CONFIG_TABLE);
	cfg_add(t, "pattern", cfg_str("{a}_{t:%Y%q}_{b}"));
	cols = cfg_add(t, "columns", cfg_new(CARB_PLUGIN_CONFIG_TABLE));
	cfg_add(cols, "a", cfg_str("string"));
	cfg_add(cols, "b", cfg_str("integer"));
	ck_assert_int_eq(init(&s, t, &state), -1);
	ck_assert_int_eq(s.nerrors, 2);
	ck_assert_ptr_nonnull(strstr(s.errors[0], "unknown type \"string\""));
	ck_assert_ptr_nonnull(strstr(s.errors[1], "unknown directive \"%q\""));
	plugin->fini(&host, state);
	setup_release(&s);

	/* a wrong type alone fails init too, and declares nothing */
	t = cfg_new(CARB_PLUGIN_CONFIG_TABLE);
	cfg_add(t, "pattern", cfg_str("{a}_{b}"));
	cols = cfg_add(t, "columns", cfg_new(CARB_PLUGIN_CONFIG_TABLE));
	cfg_add(cols, "a", cfg_new(CARB_PLUGIN_CONFIG_INTEGER));
	ck_assert_int_eq(init(&s, t, &state), -1);
	ck_assert_int_eq(s.nerrors, 1);
	ck_assert_ptr_nonnull(strstr(s.errors[0], "type of column \"a\" must "
				     "be a string"));
	ck_assert_uint_eq(s.ncolumns, 0);
	plugin->fini(&host, state);
	setup_release(&s);
	unload();
}
END_TEST

START_TEST(extract_first_match)
{
	struct carb_plugin_setup s;
	struct carb_plugin_call call;
	void *state;
	struct carb_plugin_member m[3];

	load();
	ck_assert_int_eq(init(&s, example_table(), &state), 0);
	m[0] = member("sub/README");
	m[1] = member("sub/obs_20240229T235959_20240301T000000.dat");
	m[2] = member("sub/obs_20240229T235959_20240301T000000.xml");
	ck_assert_int_eq(extract(state, m, 3, &call), 0);
	ck_assert_uint_eq(call.nset, 4);
	ck_assert_str_eq(value_of(&call, "category"), "text:obs");
	ck_assert_str_eq(value_of(&call, "start"), "timestamp:1709251199000000");
	ck_assert_str_eq(value_of(&call, "stop"), "timestamp:1709251200000000");
	ck_assert_str_eq(value_of(&call, "ext"), "text:dat");

	/* a folder that would match does not count: base names only */
	m[0] = member("x_20240101T000000_20240101T000000.d/plain");
	ck_assert_int_eq(extract(state, m, 1, &call), -1);
	ck_assert_str_eq(call.reason, "no file name of the group matches "
			 "pattern \"" EXAMPLE "\"");
	ck_assert_uint_eq(call.nset, 0);

	ck_assert_int_eq(extract(state, m, 0, &call), -1);
	ck_assert_ptr_nonnull(strstr(call.reason, "no file name"));

	/* a setter that refuses fails the call with its own reason */
	m[0] = member("a_20240101T000000_20240101T000000.b");
	memset(&call, 0, sizeof(call));
	call.members = m;
	call.nmembers = 1;
	call.fail_setters = 1;
	ck_assert_int_eq(plugin->extractors[0].fn(&host, &call, state), -1);
	ck_assert_str_eq(call.reason, "setter refused category");

	plugin->fini(&host, state);
	setup_release(&s);
	unload();
}
END_TEST

START_TEST(extract_types_and_nulls)
{
	struct carb_plugin_setup s;
	struct carb_plugin_config *t = cfg_new(CARB_PLUGIN_CONFIG_TABLE);
	struct carb_plugin_config *cols;
	struct carb_plugin_call call;
	struct carb_plugin_member m[1];
	void *state;

	load();
	cfg_add(t, "pattern", cfg_str("{site}-{n}-{ok}-{v}.csv"));
	cols = cfg_add(t, "columns", cfg_new(CARB_PLUGIN_CONFIG_TABLE));
	cfg_add(cols, "n", cfg_str("integer"));
	cfg_add(cols, "ok", cfg_str("boolean"));
	cfg_add(cols, "v", cfg_str("real"));
	cfg_add(t, "on_mismatch", cfg_str("null"));
	ck_assert_int_eq(init(&s, t, &state), 0);

	m[0] = member("oslo--7-Yes--2.5e-1.csv");
	ck_assert_int_eq(extract(state, m, 1, &call), 0);
	ck_assert_str_eq(value_of(&call, "site"), "text:oslo");
	ck_assert_str_eq(value_of(&call, "n"), "integer:-7");
	ck_assert_str_eq(value_of(&call, "ok"), "boolean:1");
	ck_assert_str_eq(value_of(&call, "v"), "real:-0.25");

	m[0] = member("oslo.txt");
	ck_assert_int_eq(extract(state, m, 1, &call), 0);
	ck_assert_uint_eq(call.nset, 4);
	ck_assert_str_eq(value_of(&call, "site"), "null");
	ck_assert_str_eq(value_of(&call, "v"), "null");
	ck_assert_str_eq(call.reason, "");

	/* a name that is not UTF-8 where text goes: no match, no bad text */
	m[0] = member("os\xfflo-1-0-1.csv");
	ck_assert_int_eq(extract(state, m, 1, &call), 0);
	ck_assert_str_eq(value_of(&call, "site"), "null");

	plugin->fini(&host, state);
	setup_release(&s);
	unload();
}
END_TEST

static Suite *plugin_suite(void)
{
	Suite *s = suite_create("filename_plugin");
	TCase *c = tcase_create("plugin");

	tcase_add_test(c, description);
	tcase_add_test(c, init_declares_columns);
	tcase_add_test(c, init_types_and_migrations);
	tcase_add_test(c, init_errors);
	tcase_add_test(c, init_reports_every_problem);
	tcase_add_test(c, extract_first_match);
	tcase_add_test(c, extract_types_and_nulls);
	suite_add_tcase(s, c);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(plugin_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
