/* cli: the carbonation program.  One file per subcommand (cmd_*.c), one
 * table in main.c that maps names to them.  Only this layer prints. */
#ifndef CARB_CLI_H
#define CARB_CLI_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

/* Exit codes, documented in docs/usage.md and carbonation(1). */
enum {
	CARB_EXIT_OK = 0,
	CARB_EXIT_FAIL = 1,   /* the thing checked or done failed */
	CARB_EXIT_USAGE = 2,  /* usage or configuration error */
};

/* What every subcommand receives: the global options already parsed. */
struct carb_cli {
	const char *config_path;  /* -c, else $CARBONATION_CONFIG, else ./config.toml */
	const char *argv0;
};

/* A subcommand runs with argv[0] being its own name ("db", "check"...).
 * It returns one of the exit codes above. */
typedef int (*carb_cmd_fn)(struct carb_cli *cli, int argc, char **argv);

struct carb_cmd {
	const char *name;
	carb_cmd_fn fn;
	const char *summary;  /* one line for `carbonation --help` */
};

/* A subcommand that itself has subcommands ("db init") dispatches through
 * the same kind of table.  Prints usage errors with a "did you mean". */
int carb_cli_dispatch(struct carb_cli *cli, const char *prefix,
		      const struct carb_cmd *table, size_t n, int argc,
		      char **argv);

/* Prints "carbonation: " + message to stderr. */
void carb_cli_errorf(const char *fmt, ...)
	__attribute__((format(printf, 1, 2)));

/* Usage error for an option this command does not know: prints it with a
 * "did you mean" among known (NULL-terminated) and returns CARB_EXIT_USAGE. */
int carb_cli_unknown_option(const char *cmd, const char *opt,
			    const char *const *known);

/* True when opt is one of known (NULL-terminated). */
int carb_cli_known_option(const char *opt, const char *const *known);

/* True when argv holds -h or --help before any "--". */
int carb_cli_wants_help(int argc, char **argv);

/* Loads the config, printing every problem.  0 or -1. */
struct carb_config;
struct carb_catalog;
struct carb_migration_root;
int carb_cli_load_config(struct carb_cli *cli, struct carb_config **cfg);
/* Loads the plugin cfg names (*plugin NULL when none), printing every
 * problem.  0 or -1; the caller frees with carb_plugin_unload. */
struct carb_plugin_rt;
struct carb_diags;
int carb_cli_load_plugin(const struct carb_config *cfg,
			 struct carb_plugin_rt **plugin);
/* Prints each diagnostic on stderr as FILE:LINE:COLUMN: message, like a
 * compiler's so editors can jump to them; a problem with a file itself
 * reads like any other program error. */
void carb_cli_print_diags(const struct carb_diags *diags);
/* Loads the config and opens its catalog (creating an SQLite file when
 * create).  Returns -1 on success (both set, the caller frees), else the
 * exit status with nothing left open. */
int carb_cli_open_catalog(struct carb_cli *cli, bool create,
			  struct carb_config **cfg, struct carb_catalog **cat);
/* Opens the catalog cfg names.  Returns -1 on success (*cat set, the
 * caller closes it), else the exit status (the error printed). */
int carb_cli_connect(const struct carb_config *cfg, bool create,
		     struct carb_catalog **cat);
/* The catalog must be at the schema this program writes (core's branch,
 * and plugin's when not NULL): 0, or -1 with the reason printed
 * (prefixed with cmd). */
int carb_cli_require_schema(struct carb_catalog *cat,
			    const struct carb_plugin_rt *plugin, const char *cmd);
/* A --watch NAME that is no watch of cfg is a usage error: prints it with
 * a "did you mean" and the valid names and returns CARB_EXIT_USAGE; -1
 * when name is NULL or a watch. */
int carb_cli_check_watch(const struct carb_config *cfg, const char *cmd,
			 const char *name);
/* The migration roots: core, then the branch of plugin p (may be NULL),
 * whose folder need not exist yet.  roots has room for
 * CARB_CLI_MAX_ROOTS; *dir is the caller's to free; the roots point into
 * *dir and p.  Returns how many of roots were filled. */
#define CARB_CLI_MAX_ROOTS 2
struct carb_plugin_rt;
size_t carb_cli_migration_roots(const struct carb_plugin_rt *p,
				struct carb_migration_root *roots, char **dir);

/* The heartbeat row of `run` (run_heartbeat.c): begin writes it on a
 * connection of its own (NULL when the catalog cannot be reached: the
 * service runs without one), end marks it stopped and closes. */
struct carb_cli_heartbeat;
struct carb_cli_heartbeat *carb_cli_heartbeat_begin(const struct carb_cli *cli,
						    const struct carb_config *cfg);
/* The heartbeat's connection, for carb_catalog_heartbeat_renew. */
struct carb_catalog *carb_cli_heartbeat(struct carb_cli_heartbeat *h);
/* Renews the row with the service's counters (a failure is logged). */
struct carb_heartbeat_counters;
void carb_cli_heartbeat_renew(struct carb_cli_heartbeat *h,
			      const struct carb_heartbeat_counters *c);
void carb_cli_heartbeat_end(struct carb_cli_heartbeat **h);

/* The subcommands. */
int carb_cmd_check(struct carb_cli *cli, int argc, char **argv);
int carb_cmd_db(struct carb_cli *cli, int argc, char **argv);
int carb_cmd_init(struct carb_cli *cli, int argc, char **argv);
int carb_cmd_events(struct carb_cli *cli, int argc, char **argv);
/* `db revision`, in cmd_db_revision.c. */
int carb_cmd_db_revision(struct carb_cli *cli, int argc, char **argv);
int carb_cmd_poll(struct carb_cli *cli, int argc, char **argv);
int carb_cmd_status(struct carb_cli *cli, int argc, char **argv);
/* `clear`, in cmd_query.c: it takes query files's filters. */
int carb_cmd_clear(struct carb_cli *cli, int argc, char **argv);
int carb_cmd_query(struct carb_cli *cli, int argc, char **argv);
int carb_cmd_reconcile(struct carb_cli *cli, int argc, char **argv);
int carb_cmd_retry(struct carb_cli *cli, int argc, char **argv);
int carb_cmd_run(struct carb_cli *cli, int argc, char **argv);
/* `run --input`, in cmd_run_input.c.  resolve: the watch (cfg's) and the
 * path in it (*rel_out, the caller frees) of file, of watch when not
 * NULL; -1 on success, else the exit status (printed).  report: prints
 * what became of the file and its group; the exit status (0: all
 * ARCHIVED). */
int carb_run_input_resolve(const struct carb_config *cfg, const char *file,
			   const char *watch, const char **watch_out,
			   char **rel_out);
int carb_run_input_report(struct carb_catalog *cat,
			  const struct carb_config *cfg, const char *watch,
			  const char *rel);

#endif
