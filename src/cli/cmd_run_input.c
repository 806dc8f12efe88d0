/* `carbonation run --input FILE [--watch NAME]`: one delivered file and
 * its group through the whole path once; which watch holds FILE, and what
 * became of it. */
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "catalog/catalog.h"
#include "cli/cli.h"
#include "config/config.h"
#include "util/util.h"

/* FILE's folder with its symlinks resolved, and its own name as given:
 * the file itself is never followed. */
static char *absolute_dir(const char *file, const char **base)
{
	const char *slash = strrchr(file, '/');
	char *dir = slash ? carb_xstrndup(file, slash == file ? 1 : (size_t)(slash - file))
			  : carb_xstrdup(".");
	char *real = realpath(dir, NULL);

	*base = slash ? slash + 1 : file;
	free(dir);
	return real;
}

/* rel of dir/base below the watch folder wpath, or NULL when outside. */
static char *below(const char *wpath, const char *dir, const char *base,
		   bool recursive)
{
	char *wreal = realpath(wpath, NULL);
	size_t n;
	char *rel = NULL;

	if (wreal == NULL)
		return NULL;
	n = strlen(wreal);
	if (strcmp(dir, wreal) == 0)
		rel = carb_xstrdup(base);
	else if (recursive && strncmp(dir, wreal, n) == 0 &&
		 (dir[n] == '/' || n == 1))
		rel = carb_xasprintf("%s/%s", dir + n + (n > 1), base);
	free(wreal);
	return rel;
}

int carb_run_input_resolve(const struct carb_config *cfg, const char *file,
			   const char *watch, const char **watch_out,
			   char **rel_out)
{
	const char *base;
	char *dir = absolute_dir(file, &base);

	if (dir == NULL || base[0] == '\0') {
		carb_cli_errorf("run: --input %s: %s", file,
				dir == NULL ? "its folder cannot be read (%m)"
					    : "names a folder, not a file");
		free(dir);
		return CARB_EXIT_USAGE;
	}
	for (size_t i = 0; i < carb_config_watch_count(cfg); i++) {
		const struct carb_watch_config *w = carb_config_watch(cfg, i);
		char *rel;

		if (watch != NULL && strcmp(w->name, watch) != 0)
			continue;
		rel = below(w->path, dir, base, w->recursive);
		if (rel != NULL) {
			*watch_out = w->name;
			*rel_out = rel;
			free(dir);
			return -1;
		}
	}
	carb_cli_errorf("run: --input %s: not in %s%s%s (a file in a watch's"
			" folder, or below it when the watch is recursive)",
			file, watch ? "watch \"" : "any watch's folder",
			watch ? watch : "", watch ? "\"" : "");
	free(dir);
	return CARB_EXIT_USAGE;
}

static void print_name(const char *s, size_t len)
{
	struct carb_buf b;

	carb_buf_init(&b);
	carb_buf_add_safe_name(&b, s, len);
	fputs(b.data ? b.data : "", stdout);
	carb_buf_release(&b);
}

int carb_run_input_report(struct carb_catalog *cat,
			  const struct carb_config *cfg, const char *watch,
			  const char *rel)
{
	struct carb_component_outcome *o = NULL;
	struct carb_error err = { 0 };
	size_t n = 0;
	int rc = CARB_EXIT_OK;

	if (carb_component_outcomes(cat, watch, rel, strlen(rel), &o, &n,
				    &err) < 0) {
		carb_cli_errorf("run: %s", err.msg);
		return CARB_EXIT_FAIL;
	}
	if (n == 0) {
		printf("watch \"%s\": ", watch);
		print_name(rel, strlen(rel));
		printf(": not recorded (the watch's include/exclude does not"
		       " take it, or it did not settle)\n");
		return CARB_EXIT_FAIL;
	}
	for (size_t i = 0; i < n; i++) {
		printf("watch \"%s\": ", watch);
		print_name(o[i].rel_path, o[i].rel_len);
		printf(": %s", carb_status_name(o[i].status));
		if (o[i].archive_path != NULL &&
		    o[i].status == CARB_STATUS_ARCHIVED) {
			printf(" at %s/", carb_config_archive(cfg)->base_path);
			print_name(o[i].archive_path, o[i].archive_len);
		}
		if (o[i].reason != NULL)
			printf(" (%s)", o[i].reason);
		putchar('\n');
		if (o[i].status != CARB_STATUS_ARCHIVED)
			rc = CARB_EXIT_FAIL;
	}
	carb_component_outcomes_free(&o, n);
	return rc;
}
