/* Checks of config.toml beyond types: single values the tables name
 * (folders exist, names are well-formed), then the checks that compare
 * sections and watches with each other. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "catalog/catalog.h"
#include "config/config_internal.h"

static const char *field_str(const void *field)
{
	const char *s;

	memcpy(&s, field, sizeof(s));
	return s;
}

/* strerror's text in the message grammar's lower case. */
static void report_errno(struct carb_cfg_ctx *ctx,
			 const struct carb_toml_value *v, const char *label,
			 const char *path, int e)
{
	char msg[256];

	if (e == ENOENT) {
		carb_cfg_error_at(ctx, v, "%s %s does not exist", label, path);
		return;
	}
	snprintf(msg, sizeof(msg), "%s", strerror(e));
	if (msg[0] >= 'A' && msg[0] <= 'Z' && !(msg[1] >= 'A' && msg[1] <= 'Z'))
		msg[0] = (char)(msg[0] - 'A' + 'a');
	carb_cfg_error_at(ctx, v, "%s %s: %s", label, path, msg);
}

void carb_cfg_check_directory(struct carb_cfg_ctx *ctx, const char *label,
			      const void *field,
			      const struct carb_toml_value *v)
{
	const char *path = field_str(field);
	struct stat st;

	if (stat(path, &st) != 0)
		report_errno(ctx, v, label, path, errno);
	else if (!S_ISDIR(st.st_mode))
		carb_cfg_error_at(ctx, v, "%s %s is not a directory", label, path);
}

void carb_cfg_check_file(struct carb_cfg_ctx *ctx, const char *label,
			 const void *field, const struct carb_toml_value *v)
{
	const char *path = field_str(field);
	struct stat st;

	if (stat(path, &st) != 0)
		report_errno(ctx, v, label, path, errno);
	else if (S_ISDIR(st.st_mode))
		carb_cfg_error_at(ctx, v, "%s %s is a directory", label, path);
}

/* Watch names become catalog values, log fields and template parts
 * ({watch}), so they stay within what every one of those takes as is. */
void carb_cfg_check_watch_name(struct carb_cfg_ctx *ctx, const char *label,
			       const void *field,
			       const struct carb_toml_value *v)
{
	const char *name = field_str(field);

	if (strlen(name) > CARB_CFG_WATCH_NAME_MAX) {
		carb_cfg_error_at(ctx, v, "%s: \"%.20s...\" is %zu characters long; at most %d fit the lock file name (watch-NAME.lock)",
				  label, name, strlen(name), CARB_CFG_WATCH_NAME_MAX);
		return;
	}
	if (*name != '\0' &&
	    strspn(name, CARB_CFG_NAME_CHARS) == strlen(name) &&
	    strcmp(name, ".") != 0 && strcmp(name, "..") != 0)
		return;
	carb_cfg_error_at(ctx, v, "%s: \"%s\" is not a valid watch name (letters, digits, \"_\", \".\", \"-\")",
			  label, name);
}

void carb_cfg_check_file_name(struct carb_cfg_ctx *ctx, const char *label,
			      const void *field,
			      const struct carb_toml_value *v)
{
	const char *name = field_str(field);

	if (*name == '\0')
		carb_cfg_error_at(ctx, v, "%s: empty file name", label);
	else if (strchr(name, '/') != NULL)
		carb_cfg_error_at(ctx, v, "%s: \"%s\" is not a file name (it contains \"/\")",
				  label, name);
}

/* Where glob g has a bracket expression that is never closed (fnmatch
 * would take the "[" literally, so "[abc" silently matches nothing the
 * author meant); NULL when every one is.  A "]" right after "[", "[!" or
 * "[^" is a member, as in fnmatch(3). */
static const char *unclosed_bracket(const char *g)
{
	for (const char *p = g; *p != '\0'; p++) {
		const char *q;

		if (*p == '\\' && p[1] != '\0') {
			p++;
			continue;
		}
		if (*p != '[')
			continue;
		q = p + 1;
		if (*q == '!' || *q == '^')
			q++;
		if (*q == ']')
			q++;
		q = strchr(q, ']');
		if (q == NULL)
			return p;
		p = q;
	}
	return NULL;
}

void carb_cfg_check_globs(struct carb_cfg_ctx *ctx, const char *label,
			  const void *field, const struct carb_toml_value *v)
{
	const struct carb_config_strings *l = field;

	for (size_t i = 0; i < l->count; i++) {
		const char *bad = unclosed_bracket(l->items[i]);

		if (l->items[i][0] == '\0')
			carb_cfg_error_at(ctx, carb_toml_array_get(v, i),
					  "%s[%zu]: empty pattern", label, i);
		else if (bad != NULL)
			carb_cfg_error_at(ctx, carb_toml_array_get(v, i),
					  "%s[%zu]: \"%s\": the \"[\" at character %zu is never closed by \"]\"",
					  label, i, l->items[i],
					  (size_t)(bad - l->items[i]) + 1);
	}
}

const char *carb_config_template_braces(const char *t, size_t *at)
{
	for (const char *p = t; *p != '\0'; p++) {
		size_t n;

		*at = (size_t)(p - t) + 1;
		if ((p[0] == '{' && p[1] == '{') || (p[0] == '}' && p[1] == '}')) {
			p++;
			continue;
		}
		if (*p == '}')
			return "a \"}\" without its \"{\" (write \"}}\" for a brace)";
		if (*p != '{')
			continue;
		n = strcspn(p + 1, "{}");
		if (p[1 + n] != '}')
			return "a \"{\" without its \"}\" (write \"{{\" for a brace)";
		if (n == 0)
			return "an empty variable \"{}\"";
		p += n + 1;
	}
	return NULL;
}

/* A template is joined under archive.base_path; refusing "/" and ".." here
 * is the first of the guards that keep writes inside it.  A "." segment
 * is refused too, as rendering refuses it: otherwise every file routed
 * there would fail one by one. */
void carb_cfg_check_template(struct carb_cfg_ctx *ctx, const char *label,
			     const void *field,
			     const struct carb_toml_value *v)
{
	const char *t = field_str(field);
	const char *p = t, *why;
	size_t at;

	if (*t == '\0') {
		carb_cfg_error_at(ctx, v, "%s: empty template", label);
		return;
	}
	why = carb_config_template_braces(t, &at);
	if (why != NULL) {
		carb_cfg_error_at(ctx, v, "%s: \"%s\": %s at character %zu",
				  label, t, why, at);
		return;
	}
	if (*t == '/') {
		carb_cfg_error_at(ctx, v, "%s: \"%s\" must be relative to archive.base_path",
				  label, t);
		return;
	}
	while (*p != '\0') {
		size_t n = strcspn(p, "/");

		if ((n == 2 && p[0] == '.' && p[1] == '.') ||
		    (n == 1 && p[0] == '.')) {
			carb_cfg_error_at(ctx, v, "%s: \"%s\" must not contain a \"%.*s\" component",
					  label, t, (int)n, p);
			return;
		}
		p += n;
		if (*p == '/')
			p++;
	}
}

void carb_cfg_check_database_url(struct carb_cfg_ctx *ctx, const char *label,
				 const void *field,
				 const struct carb_toml_value *v)
{
	struct carb_db_url url;
	struct carb_error err;

	memset(&url, 0, sizeof(url));
	carb_error_clear(&err);
	if (carb_db_url_parse(field_str(field), ctx->base_dir, &url, &err) != 0)
		carb_cfg_error_at(ctx, v, "%s: %s", label, err.msg);
	carb_db_url_release(&url);
}

/* The realpath of each watch, or NULL where the folder is unusable (that
 * was reported already). */
static char **watch_realpaths(const struct carb_watch_config *w, size_t n)
{
	char **real = carb_xcalloc(n ? n : 1, sizeof(*real));

	for (size_t i = 0; i < n; i++)
		real[i] = w[i].path ? realpath(w[i].path, NULL) : NULL;
	return real;
}

static void check_watch_pair(struct carb_cfg_ctx *ctx,
			     const struct carb_watch_config *a, const char *ra,
			     const struct carb_watch_config *b, const char *rb)
{
	if (strcmp(ra, rb) == 0)
		carb_cfg_error(ctx, b->loc.path.line, b->loc.path.column,
			       "watch \"%s\": path %s is the same folder as watch \"%s\"",
			       b->name, b->path, a->name);
	else if (carb_cfg_path_within(rb, ra))
		carb_cfg_error(ctx, b->loc.path.line, b->loc.path.column,
			       "watch \"%s\": path %s is inside watch \"%s\" (%s)",
			       b->name, b->path, a->name, a->path);
	else if (carb_cfg_path_within(ra, rb))
		carb_cfg_error(ctx, b->loc.path.line, b->loc.path.column,
			       "watch \"%s\": path %s contains watch \"%s\" (%s)",
			       b->name, b->path, a->name, a->path);
}

static void check_watch_archive(struct carb_cfg_ctx *ctx,
				const struct carb_watch_config *w,
				const char *rw, const char *base,
				const char *rbase)
{
	if (carb_cfg_path_within(rbase, rw))
		carb_cfg_error(ctx, w->loc.path.line, w->loc.path.column,
			       "watch \"%s\": path %s contains archive.base_path %s",
			       w->name, w->path, base);
	else if (carb_cfg_path_within(rw, rbase))
		carb_cfg_error(ctx, w->loc.path.line, w->loc.path.column,
			       "watch \"%s\": path %s is inside archive.base_path %s",
			       w->name, w->path, base);
}

/* The realpath of the folder of file path (which need not exist). */
static char *real_dir_of(const char *path)
{
	const char *slash = strrchr(path, '/');
	char *dir = carb_xstrndup(path, slash && slash > path ? (size_t)(slash - path) : 1);
	char *real = realpath(dir, NULL);

	free(dir);
	return real;
}

/* Whether the watch at rw sees files in folder rdir. */
static bool sees(const struct carb_watch_config *w, const char *rw,
		 const char *rdir)
{
	return rdir != NULL && (strcmp(rdir, rw) == 0 ||
				(w->recursive && carb_cfg_path_within(rdir, rw)));
}

/* A watch must not see the service's own files: its lock files (in the
 * state folder), the SQLite catalog and the log file would be recorded
 * and archived (moved, with mode = "move") from under the service.  A
 * watch below the state folder sees none of them (the default state
 * folder is the config's, beside the watches). */
static void check_watch_own_files(struct carb_cfg_ctx *ctx,
				  const struct carb_config *cfg,
				  const struct carb_watch_config *w,
				  const char *rw)
{
	const char *state = carb_config_service(cfg)->state_dir;
	const char *log = carb_config_logging(cfg)->file;
	char *rstate = state ? realpath(state, NULL) : NULL;
	char *rlog = log ? real_dir_of(log) : NULL;
	char *rdb = NULL;
	struct carb_db_url url;
	struct carb_error err;
	int line = w->loc.path.line, col = w->loc.path.column;

	memset(&url, 0, sizeof(url));
	carb_error_clear(&err);
	if (carb_db_url_parse(carb_config_database_url(cfg), cfg->dir, &url,
			      &err) == 0 && url.kind == CARB_DB_SQLITE &&
	    url.path != NULL && url.path[0] == '/')
		rdb = real_dir_of(url.path);
	if (sees(w, rw, rstate))
		carb_cfg_error(ctx, line, col, "watch \"%s\": path %s sees service.state_dir %s (the lock files)",
			       w->name, w->path, state);
	else if (sees(w, rw, rdb))
		carb_cfg_error(ctx, line, col, "watch \"%s\": path %s sees the catalog %s",
			       w->name, w->path, url.path);
	if (sees(w, rw, rlog))
		carb_cfg_error(ctx, line, col, "watch \"%s\": path %s sees logging.file %s",
			       w->name, w->path, log);
	carb_db_url_release(&url);
	free(rstate);
	free(rlog);
	free(rdb);
}

/* Names are unique and no folder is seen twice: a file in two watches, or
 * a watch that sees the archive, would be archived again and again. */
void carb_cfg_check_watches(struct carb_cfg_ctx *ctx,
			    const struct carb_config *cfg)
{
	size_t n = carb_config_watch_count(cfg);
	const struct carb_watch_config *w = carb_config_watch(cfg, 0);
	const struct carb_archive_config *ar = carb_config_archive(cfg);
	char **real = watch_realpaths(w, n);
	char *rbase = ar->base_path ? realpath(ar->base_path, NULL) : NULL;

	for (size_t i = 0; i < n; i++) {
		for (size_t j = 0; j < i && w[i].name != NULL; j++) {
			if (w[j].name == NULL || strcmp(w[i].name, w[j].name) != 0)
				continue;
			carb_cfg_error(ctx, w[i].loc.name.line, w[i].loc.name.column,
				       "watch \"%s\": duplicate name (first defined at %s:%d:%d)",
				       w[i].name, ctx->file, w[j].loc.name.line,
				       w[j].loc.name.column);
			break;
		}
		if (real[i] == NULL)
			continue;
		for (size_t j = 0; j < i; j++)
			if (real[j] != NULL)
				check_watch_pair(ctx, &w[j], real[j], &w[i], real[i]);
		if (rbase != NULL)
			check_watch_archive(ctx, &w[i], real[i], ar->base_path, rbase);
		check_watch_own_files(ctx, cfg, &w[i], real[i]);
	}
	for (size_t i = 0; i < n; i++)
		free(real[i]);
	free(real);
	free(rbase);
}

/* The archive's retry schedule, and a password given twice. */
/* Hard links cannot cross filesystems: a hardlink destination on
 * another filesystem than a watch is refused now, not file by file,
 * unless copying instead is allowed. */
static void check_hardlinks(struct carb_cfg_ctx *ctx,
			    const struct carb_config *cfg)
{
	const struct carb_archive_config *ar = carb_config_archive(cfg);
	struct stat base, ws;

	if (ar->hardlink_fallback || ar->base_path == NULL ||
	    stat(ar->base_path, &base) < 0)
		return;
	for (size_t d = 0; d < carb_config_destination_count(cfg); d++) {
		const struct carb_destination_config *dc =
			carb_config_destination(cfg, d);
		const struct carb_config_loc *at = dc->loc.mode.line > 0
			? &dc->loc.mode : &ar->loc.table;

		if (dc->mode != CARB_ARCHIVE_HARDLINK)
			continue;
		for (size_t i = 0; i < carb_config_watch_count(cfg); i++) {
			const struct carb_watch_config *w = carb_config_watch(cfg, i);

			if (w->path != NULL && stat(w->path, &ws) == 0 &&
			    ws.st_dev != base.st_dev)
				carb_cfg_error(ctx, at->line, at->column,
					       "destination \"%s\": mode \"hardlink\" needs one filesystem, but archive.base_path %s and watch \"%s\" (%s) are on different ones; set archive.hardlink_fallback = true to copy instead, or use mode \"copy\"",
					       dc->name, ar->base_path, w->name, w->path);
		}
	}
}

/* Unknown variables in a template are found now rather than file by
 * file.  Plugin columns are variables too, so with a plugin configured
 * the plugin loader has the last word. */
const char *const carb_template_vars[] = {
	"watch", "yyyy", "mm", "dd", "hh", "group", "dir", NULL,
};

static void check_template_vars(struct carb_cfg_ctx *ctx,
				const struct carb_config *cfg)
{
	for (size_t d = 0; d < carb_config_destination_count(cfg); d++) {
		const struct carb_destination_config *dc =
			carb_config_destination(cfg, d);
		const char *p = dc->destination;

		while (p != NULL && (p = strchr(p, '{')) != NULL) {
			const char *end;
			bool known = false;

			if (p[1] == '{') {
				p += 2;
				continue;
			}
			end = strchr(p, '}');
			if (end == NULL)
				break;
			for (size_t i = 0; carb_template_vars[i] != NULL; i++)
				known |= strlen(carb_template_vars[i]) == (size_t)(end - p - 1) &&
					 memcmp(carb_template_vars[i], p + 1, (size_t)(end - p - 1)) == 0;
			if (!known && !carb_config_has_plugin(cfg))
				carb_cfg_error(ctx, dc->loc.destination.line,
					       dc->loc.destination.column,
					       "destination \"%s\": template \"%s\" uses unknown variable \"%.*s\" (valid: {watch} {yyyy} {mm} {dd} {hh} {group} {dir})",
					       dc->name, dc->destination,
					       (int)(end - p - 1), p + 1);
			p = end + 1;
		}
	}
}

void carb_cfg_check_archive(struct carb_cfg_ctx *ctx,
			    const struct carb_config *cfg)
{
	const struct carb_archive_config *ar = carb_config_archive(cfg);
	const struct carb_database_config *db = carb_config_database(cfg);
	char a[32], b[32];

	if (ar->loc.retry_max_delay.line > 0 || ar->loc.retry_delay.line > 0) {
		if (ar->retry_max_delay_ms < ar->retry_delay_ms) {
			const struct carb_config_loc *at =
				ar->loc.retry_max_delay.line > 0
				? &ar->loc.retry_max_delay : &ar->loc.retry_delay;

			carb_cfg_error(ctx, at->line, at->column,
				       "archive.retry_max_delay: %s is shorter than archive.retry_delay %s",
				       carb_config_format_duration(ar->retry_max_delay_ms, a, sizeof(a)),
				       carb_config_format_duration(ar->retry_delay_ms, b, sizeof(b)));
		}
	}
	if (db->password_file != NULL && db->url != NULL) {
		struct carb_db_url url;
		struct carb_error err;

		memset(&url, 0, sizeof(url));
		if (carb_db_url_parse(db->url, ctx->base_dir, &url, &err) == 0 &&
		    url.password != NULL)
			carb_cfg_error(ctx, db->loc.password_file.line,
				       db->loc.password_file.column,
				       "database.password_file: the database URL holds a password too; give it in one place");
		carb_db_url_release(&url);
	}
	check_hardlinks(ctx, cfg);
	check_template_vars(ctx, cfg);
}
