/* Loading config.toml: the file, its top-level tables, the repeated and
 * nested sections ([[watch]], [archive.destinations.NAME]), then the
 * checks across sections and the rules file. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "config/config_internal.h"

static const char *const config_tables[] = {
	"service", "logging", "database", "plugins", "http", "watch", "archive",
	"events",
};
#define NCONFIG_TABLES (sizeof(config_tables) / sizeof(config_tables[0]))

static int read_error(struct carb_error *err, int e)
{
	char msg[256];

	if (e == ENOENT)
		carb_error_set(err, "no such file");
	else if (e == EISDIR)
		carb_error_set(err, "is a directory");
	else {
		snprintf(msg, sizeof(msg), "%s", strerror(e));
		if (msg[0] >= 'A' && msg[0] <= 'Z')
			msg[0] = (char)(msg[0] - 'A' + 'a');
		carb_error_set(err, "cannot read: %s", msg);
	}
	return e;
}

int carb_cfg_read_file(const char *path, char **text, size_t *len,
		       struct carb_error *err)
{
	struct carb_buf b;
	struct stat st;
	char chunk[8192];
	ssize_t n;
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	*text = NULL;
	*len = 0;
	if (fd < 0)
		return read_error(err, errno);
	if (fstat(fd, &st) == 0 && S_ISDIR(st.st_mode)) {
		close(fd);
		return read_error(err, EISDIR);
	}
	carb_buf_init(&b);
	carb_buf_add(&b, "", 0);
	while ((n = read(fd, chunk, sizeof(chunk))) != 0) {
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			int e = errno;

			close(fd);
			carb_buf_release(&b);
			return read_error(err, e);
		}
		carb_buf_add(&b, chunk, (size_t)n);
	}
	close(fd);
	*len = b.len;
	*text = carb_buf_detach(&b);
	return 0;
}

int carb_cfg_parse_file(const char *path, const char *display,
			struct carb_diags *diags, bool missing_ok,
			bool *absent, struct carb_toml_value **root)
{
	struct carb_error err;
	char *text;
	size_t len;
	int e;

	*root = NULL;
	if (absent != NULL)
		*absent = false;
	carb_error_clear(&err);
	e = carb_cfg_read_file(path, &text, &len, &err);
	if (e == ENOENT && missing_ok) {
		if (absent != NULL)
			*absent = true;
		return 0;
	}
	if (e != 0) {
		carb_diags_add(diags, display, 0, 0, "%s", err.msg);
		return -1;
	}
	if (carb_toml_parse(text, len, root, &err) != 0) {
		carb_diags_add(diags, display, err.line, err.column, "%s", err.msg);
		free(text);
		return -1;
	}
	free(text);
	return 0;
}

/* A key written before any table header usually belongs to one: name it. */
static const struct carb_cfg_section *section_with_key(const char *file,
						       const char *key)
{
	for (size_t i = 0; i < carb_cfg_all_sections_count; i++) {
		const struct carb_cfg_section *sec = carb_cfg_all_sections[i];

		if (strcmp(sec->file, file) == 0 &&
		    carb_cfg_find_key(sec, key) != NULL)
			return sec;
	}
	return NULL;
}

void carb_cfg_check_top(struct carb_cfg_ctx *ctx, const char *file,
			const struct carb_toml_value *root,
			const char *const *names, size_t n)
{
	for (size_t i = 0; i < carb_toml_table_count(root); i++) {
		const char *key = carb_toml_table_key(root, i);
		const struct carb_toml_value *v = carb_toml_table_value(root, i);
		int line = carb_toml_table_key_line(root, i);
		int col = carb_toml_table_key_column(root, i);
		const struct carb_cfg_section *owner;
		const char *hint;
		size_t j;

		for (j = 0; j < n; j++)
			if (strcmp(key, names[j]) == 0)
				break;
		if (j < n)
			continue;
		hint = carb_suggest(key, names, n);
		owner = section_with_key(file, key);
		if (carb_toml_type(v) == CARB_TOML_TABLE && hint != NULL)
			carb_cfg_error(ctx, line, col, "unknown table [%s] (did you mean [%s]?)",
				       key, hint);
		else if (carb_toml_type(v) == CARB_TOML_TABLE)
			carb_cfg_error(ctx, line, col, "unknown table [%s]", key);
		else if (owner != NULL)
			carb_cfg_error(ctx, line, col, "unknown key \"%s\" outside any table (did you mean %s %s?)",
				       key, owner->header, key);
		else
			carb_cfg_error(ctx, line, col, "unknown key \"%s\" outside any table",
				       key);
	}
}

const struct carb_toml_value *carb_cfg_table(struct carb_cfg_ctx *ctx,
					     const struct carb_toml_value *root,
					     const char *name)
{
	const struct carb_toml_value *v = carb_toml_table_get(root, name);

	if (v == NULL || carb_toml_type(v) == CARB_TOML_TABLE)
		return v;
	carb_cfg_type_error(ctx, name, "table", v);
	return NULL;
}

/* Messages about a watch name it, when it has a name that can be shown;
 * otherwise its place among the [[watch]] tables. */
static char *watch_label(const struct carb_toml_value *t, size_t i,
			 bool for_where)
{
	const struct carb_toml_value *name = carb_toml_table_get(t, "name");
	const char *s = NULL;

	if (name != NULL && carb_toml_type(name) == CARB_TOML_STRING)
		s = carb_toml_string(name, NULL);
	if (s != NULL && *s != '\0' && strlen(s) <= 64 &&
	    strspn(s, CARB_CFG_NAME_CHARS) == strlen(s))
		return for_where ? carb_xasprintf("[[watch]] \"%s\"", s)
				 : carb_xasprintf("watch \"%s\": ", s);
	return for_where ? carb_xasprintf("[[watch]] #%zu", i + 1)
			 : carb_xasprintf("watch #%zu: ", i + 1);
}

static void load_watches(struct carb_cfg_ctx *ctx, struct carb_config *cfg,
			 const struct carb_toml_value *root)
{
	const struct carb_toml_value *arr = carb_toml_table_get(root, "watch");
	size_t n;

	if (arr == NULL)
		return;
	if (carb_toml_type(arr) != CARB_TOML_ARRAY) {
		carb_cfg_type_error(ctx, "watch", "array of tables ([[watch]])", arr);
		return;
	}
	n = carb_toml_array_count(arr);
	cfg->watches = carb_xcalloc(n ? n : 1, sizeof(*cfg->watches));
	for (size_t i = 0; i < n; i++) {
		const struct carb_toml_value *t = carb_toml_array_get(arr, i);
		struct carb_watch_config *w = &cfg->watches[cfg->nwatches];
		char *prefix, *where;

		if (carb_toml_type(t) != CARB_TOML_TABLE) {
			char *label = carb_xasprintf("watch[%zu]", i);

			carb_cfg_type_error(ctx, label, "table", t);
			free(label);
			continue;
		}
		cfg->nwatches++;
		prefix = watch_label(t, i, false);
		where = watch_label(t, i, true);
		carb_cfg_parse_section(ctx, &carb_cfg_watch_section, t, prefix,
				       where, w);
		w->loc.table = carb_cfg_loc(ctx, t);
		free(prefix);
		free(where);
	}
}

/* A named destination starts from what it says and takes every other key
 * from the default destination. */
static void load_destination(struct carb_cfg_ctx *ctx, struct carb_config *cfg,
			     const struct carb_toml_value *dests, size_t i)
{
	const char *name = carb_toml_table_key(dests, i);
	const struct carb_toml_value *t = carb_toml_table_value(dests, i);
	const struct carb_cfg_section *sec = &carb_cfg_destination_section;
	struct carb_destination_config *d;
	char *prefix = carb_xasprintf("archive.destinations.%s.", name);
	char *where;

	if (strcmp(name, "default") == 0) {
		carb_cfg_error(ctx, carb_toml_table_key_line(dests, i),
			       carb_toml_table_key_column(dests, i),
			       "archive.destinations.default: the name \"default\" is reserved for the [archive] destination");
		free(prefix);
		return;
	}
	if (carb_toml_type(t) != CARB_TOML_TABLE) {
		prefix[strlen(prefix) - 1] = '\0';
		carb_cfg_type_error(ctx, prefix, "table", t);
		free(prefix);
		return;
	}
	d = &cfg->destinations[cfg->ndestinations++];
	d->name = carb_xstrdup(name);
	where = carb_xasprintf("[archive.destinations.%s]", name);
	carb_cfg_parse_section(ctx, sec, t, prefix, where, d);
	d->loc.table = carb_cfg_loc(ctx, t);
	for (size_t k = 0; k < sec->nkeys; k++) {
		const struct carb_config_loc *loc = (const struct carb_config_loc *)
			((const char *)d + sec->keys[k].loc_off);

		/* only the keys [archive] has: the others keep their own
		 * defaults */
		if (loc->line == 0 &&
		    carb_cfg_find_key(&carb_cfg_archive_section,
				      sec->keys[k].name) != NULL)
			carb_cfg_copy_value(&sec->keys[k], d,
					    &cfg->archive.default_destination);
	}
	free(prefix);
	free(where);
}

static void load_archive(struct carb_cfg_ctx *ctx, struct carb_config *cfg,
			 const struct carb_toml_value *root)
{
	const struct carb_toml_value *t = carb_cfg_table(ctx, root, "archive");
	const struct carb_toml_value *dests;
	size_t n;

	carb_cfg_parse_section(ctx, &carb_cfg_archive_section, t, "archive.",
			       "[archive]", &cfg->archive);
	cfg->archive.loc.table = carb_cfg_loc(ctx, t);
	cfg->archive.default_destination.name = carb_xstrdup("default");
	cfg->archive.default_destination.loc.table = carb_cfg_loc(ctx, t);
	dests = t ? carb_toml_table_get(t, "destinations") : NULL;
	if (dests == NULL || carb_toml_type(dests) != CARB_TOML_TABLE)
		return;
	n = carb_toml_table_count(dests);
	cfg->destinations = carb_xcalloc(n ? n : 1, sizeof(*cfg->destinations));
	for (size_t i = 0; i < n; i++)
		load_destination(ctx, cfg, dests, i);
}

/* Where the rules are and how messages name them. */
static void rules_location(const struct carb_config *cfg,
			   const struct carb_toml_value *root,
			   const char *override, char **path, char **display,
			   bool *must_exist)
{
	const struct carb_toml_value *svc = carb_toml_table_get(root, "service");
	const struct carb_toml_value *v = NULL;
	char *cwd;

	if (override != NULL) {
		cwd = getcwd(NULL, 0);
		*path = carb_cfg_path_resolve(cwd ? cwd : "/", override);
		*display = carb_xstrdup(override);
		*must_exist = true;
		free(cwd);
		return;
	}
	if (svc != NULL && carb_toml_type(svc) == CARB_TOML_TABLE)
		v = carb_toml_table_get(svc, "rules");
	*path = carb_xstrdup(cfg->service.rules);
	*must_exist = cfg->service.loc.rules.line > 0;
	*display = carb_cfg_path_display_join(cfg->display, *must_exist
		? carb_toml_string(v, NULL) : "rules.toml");
}

static void load_sections(struct carb_cfg_ctx *ctx, struct carb_config *cfg,
			  const struct carb_toml_value *root)
{
	static const struct {
		const struct carb_cfg_section *sec;
		size_t off;
		size_t loc_off;
	} simple[] = {
#define SIMPLE(s, f) { &s, offsetof(struct carb_config, f), \
		       offsetof(struct carb_config, f.loc.table) }
		SIMPLE(carb_cfg_service_section, service),
		SIMPLE(carb_cfg_logging_section, logging),
		SIMPLE(carb_cfg_database_section, database),
		SIMPLE(carb_cfg_plugins_section, plugins),
		SIMPLE(carb_cfg_http_section, http),
#undef SIMPLE
	};

	carb_cfg_check_top(ctx, "config.toml", root, config_tables, NCONFIG_TABLES);
	for (size_t i = 0; i < sizeof(simple) / sizeof(simple[0]); i++) {
		const struct carb_cfg_section *sec = simple[i].sec;
		const struct carb_toml_value *t = carb_cfg_table(ctx, root, sec->name);
		char *prefix = carb_xasprintf("%s.", sec->name);
		struct carb_config_loc loc = carb_cfg_loc(ctx, t);

		carb_cfg_parse_section(ctx, sec, t, prefix, sec->header,
				       (char *)cfg + simple[i].off);
		memcpy((char *)cfg + simple[i].loc_off, &loc, sizeof(loc));
		free(prefix);
	}
	load_watches(ctx, cfg, root);
	load_archive(ctx, cfg, root);
	carb_cfg_load_events(ctx, cfg, root);
	if (ctx->lenient)
		return;
	carb_cfg_check_watches(ctx, cfg);
	carb_cfg_check_archive(ctx, cfg);
	carb_cfg_check_http_destinations(ctx, cfg);
	carb_cfg_check_http(ctx, cfg);
	carb_cfg_check_events(ctx, cfg);
}

/* Opens the config file far enough to know its folder; NULL when it
 * cannot be read (reported). */
static struct carb_config *config_open(const char *config_path,
				       struct carb_diags *diags,
				       struct carb_toml_value **root)
{
	struct carb_config *cfg;
	const char *base;

	if (carb_cfg_parse_file(config_path, config_path, diags, false, NULL,
				root) != 0)
		return NULL;
	cfg = carb_xcalloc(1, sizeof(*cfg));
	cfg->display = carb_xstrdup(config_path);
	cfg->dir = carb_cfg_path_dir_of(config_path);
	if (cfg->dir == NULL) {
		carb_diags_add(diags, config_path, 0, 0, "cannot resolve its folder: %s",
			       strerror(errno));
		carb_config_free(&cfg);
		carb_toml_free(root);
		return NULL;
	}
	base = strrchr(config_path, '/');
	cfg->path = carb_cfg_path_resolve(cfg->dir, base ? base + 1 : config_path);
	return cfg;
}

static bool same_file(const struct carb_diag *a, const struct carb_diag *b)
{
	if (a->file == NULL || b->file == NULL)
		return a->file == b->file;
	return strcmp(a->file, b->file) == 0;
}

/* Problems read top to bottom, as a compiler's do: each file's in the
 * order of their lines, whatever order the checks ran in.  Files keep the
 * order in which they first appear; the sort is stable. */
static void sort_diags(struct carb_diags *diags, size_t from)
{
	struct carb_diag *d = diags->items;

	for (size_t i = from + 1; i < diags->count; i++) {
		struct carb_diag x = d[i];
		size_t j = i;

		while (j > from && same_file(&d[j - 1], &x) &&
		       (d[j - 1].line > x.line ||
			(d[j - 1].line == x.line && d[j - 1].column > x.column))) {
			d[j] = d[j - 1];
			j--;
		}
		d[j] = x;
	}
}

static int load(const char *config_path, const char *rules_path,
		bool lenient, struct carb_config **out, struct carb_diags *diags)
{
	size_t before = diags->count;
	struct carb_toml_value *root = NULL;
	struct carb_config *cfg;
	struct carb_cfg_ctx ctx;
	char *rpath, *rdisplay;
	bool must_exist;

	*out = NULL;
	cfg = config_open(config_path, diags, &root);
	if (cfg == NULL)
		return -1;
	ctx.diags = diags;
	ctx.file = cfg->display;
	ctx.base_dir = cfg->dir;
	ctx.cfg = cfg;
	ctx.lenient = lenient;
	load_sections(&ctx, cfg, root);
	rules_location(cfg, root, rules_path, &rpath, &rdisplay, &must_exist);
	cfg->root = root;
	carb_rules_load(&cfg->rules, rpath, rdisplay, must_exist, cfg, diags);
	free(rpath);
	free(rdisplay);
	if (diags->count > before) {
		sort_diags(diags, before);
		carb_config_free(&cfg);
		return -1;
	}
	*out = cfg;
	return 0;
}

int carb_config_load_with_rules(const char *config_path,
				const char *rules_path,
				struct carb_config **out,
				struct carb_diags *diags)
{
	return load(config_path, rules_path, false, out, diags);
}

int carb_config_load(const char *config_path, struct carb_config **out,
		     struct carb_diags *diags)
{
	return load(config_path, NULL, false, out, diags);
}

int carb_config_load_values(const char *config_path, struct carb_config **out,
			    struct carb_diags *diags)
{
	/* an empty rule set: the rules are the caller's business */
	return load(config_path, "/dev/null", true, out, diags);
}

void carb_config_free(struct carb_config **cfgp)
{
	struct carb_config *cfg = *cfgp;

	if (cfg == NULL)
		return;
	carb_cfg_release_section(&carb_cfg_service_section, &cfg->service);
	carb_cfg_release_section(&carb_cfg_logging_section, &cfg->logging);
	carb_cfg_release_section(&carb_cfg_database_section, &cfg->database);
	carb_cfg_release_section(&carb_cfg_plugins_section, &cfg->plugins);
	carb_cfg_release_section(&carb_cfg_http_section, &cfg->http);
	carb_toml_free(&cfg->root);
	for (size_t i = 0; i < cfg->nwatches; i++)
		carb_cfg_release_section(&carb_cfg_watch_section, &cfg->watches[i]);
	free(cfg->watches);
	carb_cfg_release_section(&carb_cfg_archive_section, &cfg->archive);
	free((char *)cfg->archive.default_destination.name);
	for (size_t i = 0; i < cfg->ndestinations; i++) {
		carb_cfg_release_section(&carb_cfg_destination_section,
					 &cfg->destinations[i]);
		free((char *)cfg->destinations[i].name);
	}
	free(cfg->destinations);
	carb_cfg_free_events(cfg);
	carb_rules_release(&cfg->rules);
	free(cfg->path);
	free(cfg->display);
	free(cfg->dir);
	free(cfg);
	*cfgp = NULL;
}
