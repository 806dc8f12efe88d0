/* Loading a plugin: find its .so, dlopen it, check what its entry symbol
 * describes against the contract, and run its init. */
#include <dirent.h>
#include <dlfcn.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "plugin/plugin_internal.h"

/* The core columns of `files`; a plugin column may not shadow one, and
 * the plugin_ prefix is kept for the host's own bookkeeping. */
static const char *const core_columns[] = {
	"id", "watch", "group_key", "generation", "complete", "status",
	"created_at", "completed_at", "deadline_at", "updated_at", "missing",
	"destination", "reason",
};

/* Words reserved in MariaDB, PostgreSQL or SQLite that a column name
 * could plausibly be: such a column would break the SQL of one backend. */
static const char *const reserved[] = {
	"all", "alter", "analyze", "and", "any", "as", "asc", "between",
	"both", "by", "case", "cast", "check", "collate", "column",
	"constraint", "create", "cross", "current_date", "current_time",
	"current_timestamp", "current_user", "default", "delete", "desc",
	"distinct", "div", "do", "drop", "else", "end", "except", "exists",
	"fetch", "for", "foreign", "from", "full", "grant", "group", "having",
	"in", "index", "inner", "insert", "intersect", "interval", "into",
	"is", "join", "key", "keys", "leading", "left", "like", "limit",
	"lines", "load", "match", "mod", "natural", "not", "null", "of",
	"offset", "on", "option", "or", "order", "outer", "over", "partition",
	"primary", "range", "read", "references", "release", "rename",
	"replace", "require", "return", "returning", "right", "row", "rows",
	"schema", "select", "separator", "session_user", "set", "show",
	"table", "then", "to", "trailing", "union", "unique", "update",
	"usage", "user", "using", "values", "when", "where", "window", "with",
	"write", "xor",
};

struct where {
	struct carb_diags *diags;
	const char *file;
	struct carb_config_loc at;
};

static int problem(const struct where *w, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static int problem(const struct where *w, const char *fmt, ...)
{
	char msg[1024];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	carb_diags_add(w->diags, w->file, w->at.line, w->at.column, "%s", msg);
	return -1;
}

static bool is_ident(const char *s, size_t max)
{
	size_t n = s ? strlen(s) : 0;

	if (n == 0 || n > max || s[0] < 'a' || s[0] > 'z')
		return false;
	return strspn(s, "abcdefghijklmnopqrstuvwxyz0123456789_") == n;
}

int carb_plugin_add_column(struct carb_plugin_rt *p,
			   const struct carb_plugin_column *c,
			   struct carb_error *err)
{
	struct carb_plugin_column *dst;

	if (!is_ident(c->name, 63))
		return carb_error_set(err, "column name \"%s\" is not [a-z][a-z0-9_]* of at most 63 bytes",
				      c->name ? c->name : "(null)");
	for (size_t i = 0; i < sizeof(core_columns) / sizeof(*core_columns); i++)
		if (strcmp(c->name, core_columns[i]) == 0)
			return carb_error_set(err, "column \"%s\" is a core column of files", c->name);
	for (size_t i = 0; i < sizeof(reserved) / sizeof(*reserved); i++)
		if (strcmp(c->name, reserved[i]) == 0)
			return carb_error_set(err, "column \"%s\" is a reserved word of SQL (MariaDB, PostgreSQL or SQLite); choose another name",
					      c->name);
	if (strncmp(c->name, "plugin_", 7) == 0)
		return carb_error_set(err, "column \"%s\": the prefix plugin_ is carbonation's own", c->name);
	if (c->type < CARB_PLUGIN_TEXT || c->type > CARB_PLUGIN_TIMESTAMP)
		return carb_error_set(err, "column \"%s\" has no valid type (%d)", c->name, (int)c->type);
	if (carb_plugin_column_index(p, c->name, strlen(c->name)) >= 0)
		return carb_error_set(err, "column \"%s\" is declared twice", c->name);
	p->columns = carb_xrealloc(p->columns, (p->ncolumns + 1) * sizeof(*p->columns));
	dst = &p->columns[p->ncolumns++];
	*dst = *c;
	dst->name = carb_xstrdup(c->name);
	dst->doc = c->doc ? carb_xstrdup(c->doc) : NULL;
	return 0;
}

/* ---- finding the .so ------------------------------------------------ */

static char *in_folder(const char *dir, const char *name)
{
	char *path = carb_xasprintf("%s/%s.so", dir, name);
	struct stat st;

	if (stat(path, &st) == 0 && S_ISREG(st.st_mode))
		return path;
	free(path);
	return NULL;
}

/* Appends "NAME" of each NAME.so in dir to list, once. */
static void list_folder(const char *dir, struct carb_config_strings *list)
{
	DIR *d = opendir(dir);
	struct dirent *de;

	if (d == NULL)
		return;
	while ((de = readdir(d)) != NULL) {
		size_t n = strlen(de->d_name);
		bool seen = false;
		char *name;

		if (n <= 3 || de->d_name[0] == '.' || strcmp(de->d_name + n - 3, ".so") != 0)
			continue;
		name = carb_xstrndup(de->d_name, n - 3);
		for (size_t i = 0; i < list->count && !seen; i++)
			seen = strcmp(list->items[i], name) == 0;
		if (seen) {
			free(name);
			continue;
		}
		list->items = carb_xrealloc(list->items, (list->count + 1) * sizeof(*list->items));
		list->items[list->count++] = name;
	}
	closedir(d);
}

static void folders_text(const struct carb_plugins_config *pc, struct carb_buf *b)
{
	carb_buf_adds(b, carb_plugin_dir());
	for (size_t i = 0; i < pc->search_path.count; i++) {
		carb_buf_adds(b, ", ");
		carb_buf_adds(b, pc->search_path.items[i]);
	}
}

static void names_text(const struct carb_config_strings *l, struct carb_buf *b)
{
	for (size_t i = 0; i < l->count; i++) {
		carb_buf_adds(b, i ? ", " : "");
		carb_buf_adds(b, l->items[i]);
	}
	if (l->count == 0)
		carb_buf_adds(b, "none");
}

static void free_strings(struct carb_config_strings *l)
{
	for (size_t i = 0; i < l->count; i++)
		free((char *)l->items[i]);
	free(l->items);
}

static char *find_plugin(const struct carb_plugins_config *pc, struct where *w)
{
	struct carb_config_strings found = { 0 };
	struct carb_buf dirs, names;
	char *path = NULL;

	if (pc->path != NULL)
		return carb_xstrdup(pc->path);
	if (pc->package != NULL && !is_ident(pc->package, 63)) {
		w->at = pc->loc.package;
		problem(w, "[plugins] package \"%s\" is not a plugin name ([a-z][a-z0-9_]*)", pc->package);
		return NULL;
	}
	if (pc->package != NULL) {
		path = in_folder(carb_plugin_dir(), pc->package);
		for (size_t i = 0; path == NULL && i < pc->search_path.count; i++)
			path = in_folder(pc->search_path.items[i], pc->package);
		if (path != NULL)
			return path;
	}
	list_folder(carb_plugin_dir(), &found);
	for (size_t i = 0; i < pc->search_path.count; i++)
		list_folder(pc->search_path.items[i], &found);
	if (pc->package == NULL && found.count == 1)
		path = in_folder(carb_plugin_dir(), found.items[0]);
	for (size_t i = 0; path == NULL && pc->package == NULL && found.count == 1 &&
	     i < pc->search_path.count; i++)
		path = in_folder(pc->search_path.items[i], found.items[0]);
	if (path == NULL) {
		carb_buf_init(&dirs);
		carb_buf_init(&names);
		folders_text(pc, &dirs);
		names_text(&found, &names);
		w->at = pc->package ? pc->loc.package : pc->loc.table;
		if (pc->package != NULL)
			problem(w, "[plugins] package \"%s\": no %s.so in %s (plugins there: %s)",
				pc->package, pc->package, dirs.data, names.data);
		else if (found.count == 0)
			problem(w, "[plugins] names no package or path, and there is no plugin in %s",
				dirs.data);
		else
			problem(w, "[plugins] names no package or path, and there are several plugins in %s: %s; choose one with package = \"NAME\"",
				dirs.data, names.data);
		carb_buf_release(&dirs);
		carb_buf_release(&names);
	}
	free_strings(&found);
	return path;
}

/* ---- checking the description --------------------------------------- */

static int check_functions(const struct carb_plugin_rt *p, struct where *w)
{
	static const enum carb_plugin_kind kinds[] = {
		CARB_PLUGIN_GROUPER, CARB_PLUGIN_EXTRACTOR,
		CARB_PLUGIN_SELECTOR, CARB_PLUGIN_ROUTER,
	};

	for (size_t k = 0; k < sizeof(kinds) / sizeof(*kinds); k++) {
		const struct carb_plugin_function *f = carb_plugin_functions(p, kinds[k]);

		for (size_t i = 0; f != NULL && f[i].name != NULL; i++) {
			size_t n = strlen(f[i].name);

			if (n == 0 || n > 63 || strspn(f[i].name,
				"abcdefghijklmnopqrstuvwxyz0123456789_.-") != n)
				return problem(w, "plugin %s: function name \"%s\" is not [a-z0-9_.-]+",
					       p->path, f[i].name);
			if (f[i].fn == NULL)
				return problem(w, "plugin %s: function \"%s\" has no code", p->path, f[i].name);
		}
	}
	return 0;
}

static int check_description(struct carb_plugin_rt *p, struct where *w)
{
	const struct carb_plugin *d = p->desc;
	struct carb_error err = { 0 };

	if (d->abi_version != CARB_PLUGIN_ABI_VERSION)
		return problem(w, "plugin %s was built for plugin ABI %d, but this carbonation speaks ABI %d: rebuild it against this carbonation's <carbonation/plugin.h>",
			       p->path, d->abi_version, CARB_PLUGIN_ABI_VERSION);
	if (!is_ident(d->name, 63))
		return problem(w, "plugin %s: its name \"%s\" is not [a-z][a-z0-9_]*",
			       p->path, d->name ? d->name : "(null)");
	if (strcmp(d->name, "core") == 0)
		return problem(w, "plugin %s: the name \"core\" is the core migration branch's", p->path);
	for (size_t i = 0; d->columns != NULL && d->columns[i].name != NULL; i++)
		if (carb_plugin_add_column(p, &d->columns[i], &err) < 0)
			return problem(w, "plugin %s: %s", p->path, err.msg);
	return check_functions(p, w);
}

static void set_migrations(struct carb_plugin_rt *p)
{
	const char *m = p->desc->migrations;
	char *dir;

	if (m == NULL || *m == '\0')
		return;
	if (m[0] == '/') {
		p->migrations = carb_xstrdup(m);
		return;
	}
	dir = carb_xstrdup(p->path);
	*strrchr(dir, '/') = '\0';
	p->migrations = carb_xasprintf("%s/%s", dir, m);
	free(dir);
}

static int open_so(struct carb_plugin_rt *p, struct where *w)
{
	const struct carb_plugin *(*entry)(void);
	void *sym;

	p->dl = dlopen(p->path, RTLD_NOW | RTLD_LOCAL);
	if (p->dl == NULL)
		return problem(w, "cannot load plugin %s: %s", p->path, dlerror());
	sym = dlsym(p->dl, CARB_PLUGIN_ENTRY);
	if (sym == NULL)
		return problem(w, "%s is not a carbonation plugin: it exports no %s symbol",
			       p->path, CARB_PLUGIN_ENTRY);
	memcpy(&entry, &sym, sizeof(entry));
	p->desc = entry();
	if (p->desc == NULL)
		return problem(w, "plugin %s: %s returned no description", p->path,
			       CARB_PLUGIN_ENTRY);
	return check_description(p, w);
}

static int run_init(struct carb_plugin_rt *p, const struct carb_config *cfg,
		    struct where *w)
{
	struct carb_plugin_setup setup = {
		.p = p, .cfg = cfg, .diags = w->diags, .file = w->file,
		.table = carb_config_plugin_table(cfg, p->desc->name),
		.fallback = carb_config_plugins(cfg)->loc.table,
	};
	struct carb_error err = { 0 };
	int rc;

	if (p->desc->init == NULL)
		return 0;
	if (setup.table == NULL) {
		carb_toml_parse("", 0, &p->empty, &err);
		setup.table = p->empty;
	}
	rc = p->desc->init(&carb_plugin_host_table, &setup, &p->state);
	p->inited = true;
	if (rc != 0 && setup.errors == 0)
		return problem(w, "plugin %s: init failed", p->desc->name);
	return rc != 0 || setup.errors > 0 ? -1 : 0;
}

/* A new runtime with what it keeps of cfg. */
static struct carb_plugin_rt *rt_new(const struct carb_config *cfg)
{
	const struct carb_plugins_config *pc = carb_config_plugins(cfg);
	struct carb_plugin_rt *p = carb_xcalloc(1, sizeof(*p));

	pthread_mutex_init(&p->serial, NULL);
	p->max_value_bytes = pc->max_value_bytes;
	p->isolation = pc->isolation;
	p->timeout_ms = pc->timeout_ms;
	p->config_path = carb_xstrdup(carb_config_path(cfg));
	if (p->isolation == CARB_ISOLATION_PROCESS)
		p->pool = carb_plugin_pool_new();
	return p;
}

/* Opens the .so p->path names, checks it and runs its init. */
static int open_and_init(struct carb_plugin_rt *p,
			 const struct carb_config *cfg, struct where *w)
{
	if (p->path == NULL || open_so(p, w) < 0)
		return -1;
	carb_plugin_host_set_name(p->desc->name);
	set_migrations(p);
	return run_init(p, cfg, w);
}

int carb_plugin_load_path(const struct carb_config *cfg, const char *path,
			  struct carb_plugin_rt **out, struct carb_diags *diags)
{
	const struct carb_plugins_config *pc = carb_config_plugins(cfg);
	struct where w = { diags, carb_config_display_path(cfg), pc->loc.table };
	struct carb_plugin_rt *p = rt_new(cfg);

	*out = NULL;
	p->path = carb_xstrdup(path);
	if (open_and_init(p, cfg, &w) < 0) {
		carb_plugin_unload(&p);
		return -1;
	}
	*out = p;
	return 0;
}

int carb_plugin_load(const struct carb_config *cfg,
		     struct carb_plugin_rt **out, struct carb_diags *diags)
{
	const struct carb_plugins_config *pc = carb_config_plugins(cfg);
	struct where w = { diags, carb_config_display_path(cfg), pc->loc.table };
	struct carb_plugin_rt *p;

	*out = NULL;
	if (!carb_config_has_plugin(cfg))
		return 0;
	p = rt_new(cfg);
	p->path = find_plugin(pc, &w);
	if (pc->path != NULL)
		w.at = pc->loc.path;
	else if (pc->package != NULL)
		w.at = pc->loc.package;
	if (open_and_init(p, cfg, &w) < 0 ||
	    carb_plugin_check_rules(p, carb_config_rules(cfg), diags) < 0 ||
	    carb_plugin_check_templates(p, cfg, diags) < 0) {
		carb_plugin_unload(&p);
		return -1;
	}
	*out = p;
	return 0;
}

void carb_plugin_unload(struct carb_plugin_rt **pp)
{
	struct carb_plugin_rt *p = *pp;

	if (p == NULL)
		return;
	/* the helpers first: they run the plugin's fini themselves */
	carb_plugin_pool_free(&p->pool);
	if (p->inited && p->desc->fini != NULL)
		p->desc->fini(&carb_plugin_host_table, p->state);
	for (size_t i = 0; i < p->ncolumns; i++) {
		free((char *)p->columns[i].name);
		free((char *)p->columns[i].doc);
	}
	free(p->columns);
	free(p->migrations);
	carb_toml_free(&p->empty);
	/* Never dlclose: a thread-local destructor or atexit handler the
	 * plugin registered would be left pointing at unmapped code. */
	free(p->path);
	free(p->config_path);
	pthread_mutex_destroy(&p->serial);
	free(p);
	*pp = NULL;
}
