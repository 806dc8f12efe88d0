/* The host table: what a plugin may ask of carbonation.  Every entry
 * checks what it is given, since a plugin is someone else's code: an
 * undeclared column, a value of the wrong type or text that is not UTF-8
 * is refused and becomes the call's failure, never a crash or bad SQL. */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "plugin/plugin_internal.h"

static char plugin_name[64] = "plugin";
/* Set only in a helper process, which has no log of its own. */
static void (*log_sink)(int level, const char *line);

void carb_plugin_host_set_name(const char *name)
{
	snprintf(plugin_name, sizeof(plugin_name), "%s", name);
}

void carb_plugin_host_set_log(void (*sink)(int level, const char *line))
{
	log_sink = sink;
}

static void host_log(enum carb_plugin_log_level level, const char *fmt, ...)
{
	char msg[2048];
	va_list ap;
	int l = level == CARB_PLUGIN_DEBUG ? CARB_LOGL_DEBUG
		: level == CARB_PLUGIN_INFO ? CARB_LOGL_INFO
		: level == CARB_PLUGIN_WARNING ? CARB_LOGL_WARNING : CARB_LOGL_ERROR;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (log_sink != NULL)
		log_sink(l, msg);
	else
		carb_log(l, "plugin %s: %s", plugin_name, msg);
}

/* ---- configuration (init) ------------------------------------------- */

#define TV(v) ((const struct carb_toml_value *)(const void *)(v))
#define PV(v) ((const struct carb_plugin_config *)(const void *)(v))

static const struct carb_plugin_config *host_config(struct carb_plugin_setup *s)
{
	return PV(s->table);
}

static const struct carb_plugin_config *config_get(const struct carb_plugin_config *t,
						   const char *key)
{
	if (t == NULL || key == NULL || carb_toml_type(TV(t)) != CARB_TOML_TABLE)
		return NULL;
	return PV(carb_toml_table_get(TV(t), key));
}

static enum carb_plugin_config_type config_type(const struct carb_plugin_config *v)
{
	switch (carb_toml_type(TV(v))) {
	case CARB_TOML_STRING: return CARB_PLUGIN_CONFIG_STRING;
	case CARB_TOML_INTEGER: return CARB_PLUGIN_CONFIG_INTEGER;
	case CARB_TOML_FLOAT: return CARB_PLUGIN_CONFIG_FLOAT;
	case CARB_TOML_BOOL: return CARB_PLUGIN_CONFIG_BOOLEAN;
	case CARB_TOML_ARRAY: return CARB_PLUGIN_CONFIG_ARRAY;
	case CARB_TOML_TABLE: return CARB_PLUGIN_CONFIG_TABLE;
	default: return CARB_PLUGIN_CONFIG_DATETIME;
	}
}

static size_t config_count(const struct carb_plugin_config *v)
{
	if (v == NULL)
		return 0;
	if (carb_toml_type(TV(v)) == CARB_TOML_ARRAY)
		return carb_toml_array_count(TV(v));
	if (carb_toml_type(TV(v)) == CARB_TOML_TABLE)
		return carb_toml_table_count(TV(v));
	return 0;
}

static const struct carb_plugin_config *config_at(const struct carb_plugin_config *v,
						  size_t i, const char **key)
{
	if (key != NULL)
		*key = NULL;
	if (i >= config_count(v))
		return NULL;
	if (carb_toml_type(TV(v)) == CARB_TOML_ARRAY)
		return PV(carb_toml_array_get(TV(v), i));
	if (key != NULL)
		*key = carb_toml_table_key(TV(v), i);
	return PV(carb_toml_table_value(TV(v), i));
}

static const char *config_string(const struct carb_plugin_config *v)
{
	/* datetimes are formatted once into a per-thread buffer */
	static __thread char buf[64];

	if (v == NULL)
		return NULL;
	if (carb_toml_type(TV(v)) == CARB_TOML_STRING)
		return carb_toml_string(TV(v), NULL);
	if (config_type(v) == CARB_PLUGIN_CONFIG_DATETIME)
		return carb_toml_datetime_format(TV(v), buf, sizeof(buf));
	return NULL;
}

static int64_t config_integer(const struct carb_plugin_config *v)
{
	return v && carb_toml_type(TV(v)) == CARB_TOML_INTEGER ? carb_toml_int(TV(v)) : 0;
}

static double config_float(const struct carb_plugin_config *v)
{
	if (v && carb_toml_type(TV(v)) == CARB_TOML_FLOAT)
		return carb_toml_float(TV(v));
	return v && carb_toml_type(TV(v)) == CARB_TOML_INTEGER
		? (double)carb_toml_int(TV(v)) : 0;
}

static int config_boolean(const struct carb_plugin_config *v)
{
	return v && carb_toml_type(TV(v)) == CARB_TOML_BOOL && carb_toml_bool(TV(v));
}

static void config_error(struct carb_plugin_setup *s,
			 const struct carb_plugin_config *v, const char *fmt, ...)
{
	char msg[1024];
	va_list ap;
	const struct carb_toml_value *at = v ? TV(v) : s->table;
	struct carb_config_loc loc = s->fallback;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (at != s->p->empty) {
		loc.line = carb_toml_line(at);
		loc.column = carb_toml_column(at);
	}
	carb_diags_add(s->diags, s->file, loc.line, loc.column,
		       "[plugins.%s]: %s", s->p->desc->name, msg);
	s->errors++;
}

static int declare_column(struct carb_plugin_setup *s,
			  const struct carb_plugin_column *c)
{
	struct carb_error err = { 0 };

	if (c == NULL || carb_plugin_add_column(s->p, c, &err) < 0) {
		config_error(s, NULL, "%s", c ? err.msg : "no column given");
		return -1;
	}
	return 0;
}

static void set_migrations(struct carb_plugin_setup *s, const char *dir)
{
	free(s->p->migrations);
	s->p->migrations = NULL;
	if (dir == NULL || *dir == '\0')
		return;
	s->p->migrations = dir[0] == '/' ? carb_xstrdup(dir)
		: carb_xasprintf("%s/%s", carb_config_dir(s->cfg), dir);
}

/* ---- calls ---------------------------------------------------------- */

static const char *call_watch(struct carb_plugin_call *c) { return c->g->watch; }

static const char *call_key(struct carb_plugin_call *c, size_t *len)
{
	if (len != NULL)
		*len = c->g->key_len;
	return c->g->key;
}

static size_t call_count(struct carb_plugin_call *c) { return c->g->nmembers; }

static const struct carb_plugin_member *call_member(struct carb_plugin_call *c,
						    size_t i)
{
	return i < c->g->nmembers ? &c->g->members[i] : NULL;
}

static int call_open(struct carb_plugin_call *c, size_t i)
{
	if (i >= c->g->nmembers) {
		errno = EINVAL;
		return -1;
	}
	return carb_open_beneath(c->g->dirfd, c->g->members[i].rel_path,
				 O_RDONLY | O_NOFOLLOW | O_NOCTTY | O_NONBLOCK);
}

static void set_reason(struct carb_plugin_call *c, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static void set_reason(struct carb_plugin_call *c, const char *fmt, ...)
{
	va_list ap;

	free(c->o->reason);
	va_start(ap, fmt);
	if (vasprintf(&c->o->reason, fmt, ap) < 0)
		c->o->reason = NULL;
	va_end(ap);
}

static int call_fail(struct carb_plugin_call *c, const char *fmt, ...)
{
	char msg[1024];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	/* the reason reaches logs and terminals: keep it printable */
	for (char *s = msg; *s != '\0'; s++)
		if ((unsigned char)*s < 0x20 || *s == 0x7f)
			*s = ' ';
	set_reason(c, "%s", msg);
	return -1;
}

bool carb_plugin_utf8_valid(const unsigned char *s, size_t n)
{
	for (size_t i = 0; i < n;) {
		unsigned char b = s[i];
		size_t len = b < 0x80 ? 1 : (b & 0xe0) == 0xc0 ? 2
			: (b & 0xf0) == 0xe0 ? 3 : (b & 0xf8) == 0xf0 ? 4 : 0;
		uint32_t cp;

		if (b == 0 || len == 0 || i + len > n)
			return false;
		cp = len == 1 ? b : (uint32_t)(b & (0x7f >> len));
		for (size_t k = 1; k < len; k++) {
			if ((s[i + k] & 0xc0) != 0x80)
				return false;
			cp = (cp << 6) | (s[i + k] & 0x3f);
		}
		if ((len == 2 && cp < 0x80) || (len == 3 && cp < 0x800) ||
		    (len == 4 && (cp < 0x10000 || cp > 0x10ffff)) ||
		    (cp >= 0xd800 && cp <= 0xdfff))
			return false;
		i += len;
	}
	return true;
}

/* The slot of column name for a value of type t, or NULL after recording
 * why. */
static struct carb_plugin_value *slot(struct carb_plugin_call *c,
				      const char *name, enum carb_plugin_type t)
{
	int i = name ? carb_plugin_column_index(c->p, name, strlen(name)) : -1;
	enum carb_plugin_type have;

	if (c->kind == CARB_PLUGIN_GROUPER) {
		call_fail(c, "%s: a grouping function sets no column", c->fname);
		return NULL;
	}
	if (i < 0) {
		call_fail(c, "%s set column \"%s\", which the plugin does not declare",
			  c->fname, name ? name : "(null)");
		return NULL;
	}
	have = c->p->columns[i].type;
	if (have != t && !(have == CARB_PLUGIN_REAL && t == CARB_PLUGIN_INTEGER)) {
		call_fail(c, "%s set %s column \"%s\" with a %s value", c->fname,
			  carb_plugin_type_name(have), name, carb_plugin_type_name(t));
		return NULL;
	}
	c->o->set[i] = true;
	free((char *)c->o->values[i].text);
	memset(&c->o->values[i], 0, sizeof(c->o->values[i]));
	c->o->values[i].type = have;
	return &c->o->values[i];
}

static int set_text(struct carb_plugin_call *c, const char *col,
		    const char *text, size_t len)
{
	struct carb_plugin_value *v;

	if (text == NULL || !carb_plugin_utf8_valid((const unsigned char *)text, len))
		return call_fail(c, "%s set column \"%s\" to text that is not UTF-8 without NUL",
				 c->fname, col ? col : "(null)");
	/* Checked before it is copied: a runaway value costs no memory. */
	if (len > c->p->max_value_bytes)
		return call_fail(c, "%s set column \"%s\" to %zu bytes of text,"
				 " more than [plugins] max_value_bytes (%llu)",
				 c->fname, col ? col : "(null)", len,
				 (unsigned long long)c->p->max_value_bytes);
	v = slot(c, col, CARB_PLUGIN_TEXT);
	if (v == NULL)
		return -1;
	v->text = carb_xstrndup(text, len);
	v->text_len = len;
	return 0;
}

static int set_integer(struct carb_plugin_call *c, const char *col, int64_t x)
{
	struct carb_plugin_value *v = slot(c, col, CARB_PLUGIN_INTEGER);

	if (v == NULL)
		return -1;
	if (v->type == CARB_PLUGIN_REAL)
		v->real = (double)x;
	else
		v->integer = x;
	return 0;
}

static int set_real(struct carb_plugin_call *c, const char *col, double x)
{
	struct carb_plugin_value *v;

	if (x != x || x - x != 0)
		return call_fail(c, "%s set column \"%s\" to a value that is not a finite number",
				 c->fname, col ? col : "(null)");
	v = slot(c, col, CARB_PLUGIN_REAL);
	if (v == NULL)
		return -1;
	v->real = x;
	return 0;
}

static int set_boolean(struct carb_plugin_call *c, const char *col, int x)
{
	struct carb_plugin_value *v = slot(c, col, CARB_PLUGIN_BOOLEAN);

	if (v == NULL)
		return -1;
	v->integer = x != 0;
	return 0;
}

static int set_timestamp(struct carb_plugin_call *c, const char *col, int64_t us)
{
	struct carb_plugin_value *v = slot(c, col, CARB_PLUGIN_TIMESTAMP);

	if (v == NULL)
		return -1;
	v->integer = us;
	return 0;
}

static int set_null(struct carb_plugin_call *c, const char *col)
{
	int i = col ? carb_plugin_column_index(c->p, col, strlen(col)) : -1;
	/* NULL fits every type: the column's own, asked for so that slot()
	 * reports an unknown column or a grouper the same way as a setter. */
	struct carb_plugin_value *v =
		slot(c, col, i >= 0 ? c->p->columns[i].type : CARB_PLUGIN_TEXT);

	if (v == NULL)
		return -1;
	v->is_null = 1;
	return 0;
}

static int get(struct carb_plugin_call *c, const char *col,
	       struct carb_plugin_value *out)
{
	int i = col ? carb_plugin_column_index(c->p, col, strlen(col)) : -1;

	if (i < 0)
		return -1;
	if (c->o->set[i]) {
		*out = c->o->values[i];
	} else {
		memset(out, 0, sizeof(*out));
		out->type = c->p->columns[i].type;
		out->is_null = 1;
	}
	return 0;
}

static int set_destination(struct carb_plugin_call *c, const char *name)
{
	if (c->kind != CARB_PLUGIN_ROUTER)
		return call_fail(c, "%s: only a routing function names a destination", c->fname);
	if (name == NULL || *name == '\0')
		return call_fail(c, "%s named an empty destination", c->fname);
	free(c->o->destination);
	c->o->destination = carb_xstrdup(name);
	return 0;
}

static int set_group_key(struct carb_plugin_call *c, const char *key, size_t len)
{
	if (c->kind != CARB_PLUGIN_GROUPER)
		return call_fail(c, "%s: only a grouping function sets the group key", c->fname);
	if (key == NULL || len == 0 || memchr(key, '/', len) || memchr(key, '\0', len))
		return call_fail(c, "%s gave a group key that is empty or holds \"/\" or NUL",
				 c->fname);
	free(c->o->group_key);
	c->o->group_key = carb_xstrndup(key, len);
	c->o->group_key_len = len;
	return 0;
}

const struct carb_plugin_host carb_plugin_host_table = {
	.abi_version = CARB_PLUGIN_ABI_VERSION,
	.log = host_log,
	.config = host_config,
	.config_get = config_get,
	.config_type = config_type,
	.config_count = config_count,
	.config_at = config_at,
	.config_string = config_string,
	.config_integer = config_integer,
	.config_float = config_float,
	.config_boolean = config_boolean,
	.config_error = config_error,
	.declare_column = declare_column,
	.set_migrations = set_migrations,
	.watch = call_watch,
	.group_key = call_key,
	.member_count = call_count,
	.member = call_member,
	.open_member = call_open,
	.set_text = set_text,
	.set_integer = set_integer,
	.set_real = set_real,
	.set_boolean = set_boolean,
	.set_timestamp = set_timestamp,
	.set_null = set_null,
	.get = get,
	.set_destination = set_destination,
	.set_group_key = set_group_key,
	.fail = call_fail,
};
