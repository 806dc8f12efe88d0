/* `carbonation poll --cursor-file FILE`: the groups that reached a final
 * status since the cursor in FILE, for shell and cron consumers.  The
 * cursor is replaced (a temporary file renamed over it) only after every
 * row was written and stdout flushed, so a consumer killed half-way sees
 * those rows again at its next poll and never loses one. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "catalog/catalog.h"
#include "cli/cli.h"
#include "report/report.h"
#include "config/config.h"
#include "plugin/plugin.h"
#include "util/util.h"

struct poll_opts {
	const char *cursor_file;
	const char *columns;
	int64_t limit;
	int64_t gap_timeout_ms;
	enum carb_out_format format;
};

static void usage(FILE *out)
{
	fprintf(out,
		"usage: carbonation [-c FILE] poll --cursor-file FILE [OPTIONS]\n"
		"\n"
		"Print the groups that reached a final status (ARCHIVED,\n"
		"NOT_SELECTED, FAILED, TIMED_OUT, CLEARED) since the cursor kept\n"
		"in FILE, oldest first, then advance the cursor.  No group is\n"
		"skipped, even when several writers commit out of order; a group\n"
		"that reaches a final status again (FAILED, retried, ARCHIVED)\n"
		"comes again.  FILE is replaced only after the output was written\n"
		"and flushed: a consumer that dies reads the same rows again.\n"
		"A missing FILE starts from the first completion.\n"
		"\n"
		"options:\n"
		"  --cursor-file FILE  where the cursor is kept (required)\n"
		"  --format F          jsonl (default), json, csv, tsv, table\n"
		"  --columns A,B       the columns of each group (as query files)\n"
		"  --limit N           at most N groups this time\n"
		"  --gap-timeout D     how long an id missing below the newest one\n"
		"                      is waited for (default 10m)\n"
		"  -h, --help          show this help\n"
		"\n"
		"Exit status: 0 done (also when nothing is new), 1 the catalog or\n"
		"the output failed (the cursor is unchanged), 2 usage error.\n");
}

static int parse_args(int argc, char **argv, struct poll_opts *o)
{
	static const char *const known[] = {
		"--cursor-file", "--format", "--columns", "--limit",
		"--gap-timeout", "--help", NULL,
	};

	for (int i = 1; i < argc; i++) {
		const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
		bool value = true;

		if (strcmp(a, "-h") == 0 || strcmp(a, "--help") == 0) {
			usage(stdout);
			return CARB_EXIT_OK;
		}
		if (!carb_cli_known_option(a, known))
			return carb_cli_unknown_option("poll", a, known);
		if (v == NULL) {
			carb_cli_errorf("poll: option \"%s\" needs a value", a);
			return CARB_EXIT_USAGE;
		}
		if (strcmp(a, "--cursor-file") == 0) {
			o->cursor_file = v;
		} else if (strcmp(a, "--columns") == 0) {
			o->columns = v;
		} else if (strcmp(a, "--format") == 0) {
			value = carb_out_format_parse(v, &o->format) == 0;
		} else if (strcmp(a, "--limit") == 0) {
			char *end;

			o->limit = strtoll(v, &end, 10);
			value = end != v && *end == '\0' && o->limit >= 0;
		} else {
			value = carb_parse_duration(v, &o->gap_timeout_ms, NULL) == 0;
		}
		if (!value) {
			carb_cli_errorf("poll: %s: bad value \"%s\"", a, v);
			return CARB_EXIT_USAGE;
		}
		i++;
	}
	if (o->cursor_file == NULL) {
		carb_cli_errorf("poll: --cursor-file FILE is required");
		usage(stderr);
		return CARB_EXIT_USAGE;
	}
	return -1;
}

/* The cursor's text from path; "" when there is no file yet. */
static int read_cursor(const char *path, char **text)
{
	FILE *f = fopen(path, "r");
	char buf[65536];
	size_t n;

	*text = NULL;
	if (f == NULL && errno == ENOENT) {
		*text = carb_xstrdup("");
		return 0;
	}
	if (f == NULL) {
		carb_cli_errorf("poll: cannot read %s: %s", path, strerror(errno));
		return -1;
	}
	n = fread(buf, 1, sizeof(buf) - 1, f);
	fclose(f);
	buf[n] = '\0';
	*text = carb_xstrdup(buf);
	return 0;
}

/* Writes text to path through a temporary file in its folder, synced,
 * then renamed over it. */
static int save_cursor(const char *path, const char *text)
{
	char *tmp = carb_xasprintf("%s.tmp.%ld", path, (long)getpid());
	int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	size_t len = strlen(text);
	int rc = -1;

	if (fd >= 0 && write(fd, text, len) == (ssize_t)len &&
	    write(fd, "\n", 1) == 1 && fsync(fd) == 0 && close(fd) == 0) {
		fd = -1;
		rc = rename(tmp, path);
	}
	if (rc < 0) {
		carb_cli_errorf("poll: cannot write the cursor to %s: %s", path,
				strerror(errno));
		if (fd >= 0)
			close(fd);
		unlink(tmp);
	}
	free(tmp);
	return rc;
}

/* Runs the poll and prints it; advances c over the rows printed. */
static int poll_print(struct carb_catalog *cat, const struct poll_opts *o,
		      const struct carb_query *q, struct carb_cursor *c)
{
	struct carb_error err = { 0 };
	struct carb_qrows *rows = NULL;
	struct carb_out *out;
	int rc = CARB_STEP_DONE, wrc;

	if (carb_poll_run(cat, q, c, o->limit, &rows, &err) < 0) {
		carb_cli_errorf("poll: %s", err.msg);
		return CARB_EXIT_FAIL;
	}
	out = carb_out_new(o->format, stdout, q);
	wrc = carb_out_begin(out);
	while (wrc == 0 && (rc = carb_qrows_next(rows, &err)) == CARB_STEP_ROW) {
		int64_t id;
		const char *status;

		wrc = carb_out_row(out, rows);
		carb_qrows_completion(rows, &id, &status);
		carb_cursor_advance(c, id, carb_now_us());
	}
	if (wrc == 0 && rc == CARB_STEP_DONE)
		wrc = carb_out_end(out);
	carb_out_free(&out);
	carb_qrows_free(&rows);
	if (wrc == 0 && fflush(stdout) != 0)
		wrc = -1;
	if (wrc < 0) {
		carb_cli_errorf("poll: writing the rows: %s", strerror(errno));
		return CARB_EXIT_FAIL;
	}
	if (rc < 0) {
		carb_cli_errorf("poll: %s", err.msg);
		return CARB_EXIT_FAIL;
	}
	return -1;
}

static int poll_once(struct carb_cli *cli, const struct poll_opts *o)
{
	struct carb_config *cfg = NULL;
	struct carb_plugin_rt *plugin = NULL;
	struct carb_catalog *cat = NULL;
	struct carb_query *q = NULL;
	struct carb_cursor c = { 0 };
	struct carb_error err = { 0 };
	struct carb_plugin_column *pcols = NULL;
	size_t npcols = 0;
	char *text = NULL, *next;
	int rc = -1;

	if (read_cursor(o->cursor_file, &text) < 0)
		return CARB_EXIT_FAIL;
	if (carb_cursor_parse(text, &c, &err) < 0) {
		carb_cli_errorf("poll: %s: %s", o->cursor_file, err.msg);
		rc = CARB_EXIT_USAGE;
	} else if (carb_cli_load_config(cli, &cfg) != 0 ||
		   carb_cli_load_plugin(cfg, &plugin) != 0) {
		rc = CARB_EXIT_USAGE;
	}
	if (rc < 0) {
		npcols = plugin != NULL ? carb_plugin_ncolumns(plugin) : 0;
		pcols = carb_xcalloc(npcols + 1, sizeof(*pcols));
		for (size_t i = 0; i < npcols; i++)
			pcols[i] = *carb_plugin_column(plugin, i);
		q = carb_query_new(CARB_QUERY_FILES, pcols, npcols);
		if (carb_query_select(q, o->columns, &err) < 0) {
			carb_cli_errorf("poll: %s", err.msg);
			rc = CARB_EXIT_USAGE;
		}
	}
	if (rc < 0)
		rc = carb_cli_connect(cfg, false, &cat);
	if (rc < 0 && carb_cli_require_schema(cat, plugin, "poll") < 0)
		rc = CARB_EXIT_FAIL;
	if (rc < 0) {
		carb_cursor_expire(&c, carb_now_us(), o->gap_timeout_ms * 1000);
		rc = poll_print(cat, o, q, &c);
	}
	if (rc < 0) {
		carb_cursor_expire(&c, carb_now_us(), o->gap_timeout_ms * 1000);
		next = carb_cursor_format(&c);
		rc = save_cursor(o->cursor_file, next) < 0 ? CARB_EXIT_FAIL
			: CARB_EXIT_OK;
		free(next);
	}
	carb_catalog_close(&cat);
	carb_query_free(&q);
	free(pcols);
	carb_plugin_unload(&plugin);
	carb_config_free(&cfg);
	carb_cursor_release(&c);
	free(text);
	return rc;
}

int carb_cmd_poll(struct carb_cli *cli, int argc, char **argv)
{
	struct poll_opts o = {
		.limit = -1,
		.gap_timeout_ms = CARB_POLL_GAP_TIMEOUT_US / 1000,
		.format = CARB_OUT_JSONL,
	};
	int rc = parse_args(argc, argv, &o);

	return rc >= 0 ? rc : poll_once(cli, &o);
}
