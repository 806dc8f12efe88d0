/* Private to src/config/: the key tables and the engine they drive.
 *
 * A section (one TOML table such as [service]) is a struct in config.h and
 * one array of struct carb_cfg_key here.  Each key names the field that
 * receives its value and the struct carb_config_loc that receives its
 * position, so parsing, defaults, checks, freeing and the key reference
 * are written once, for every section. */
#ifndef CARB_CONFIG_INTERNAL_H
#define CARB_CONFIG_INTERNAL_H

#include <stddef.h>

#include "config/config.h"

enum carb_cfg_type {
	CARB_CFG_STRING,     /* char * */
	CARB_CFG_PATH,       /* char *, made absolute against the config folder */
	CARB_CFG_TEMPLATE,   /* char *, a path template under archive.base_path */
	CARB_CFG_INT,        /* int64_t */
	CARB_CFG_BOOL,       /* bool */
	CARB_CFG_DURATION,   /* int64_t milliseconds; a TOML integer is seconds */
	CARB_CFG_SIZE,       /* uint64_t bytes; a TOML integer is bytes */
	CARB_CFG_ENUM,       /* an enum of config.h, in the order of choices */
	CARB_CFG_STRINGS,    /* struct carb_config_strings */
	CARB_CFG_PATHS,      /* struct carb_config_strings of absolute paths */
	CARB_CFG_TABLE,      /* sub-tables the caller reads itself */
	CARB_CFG_TABLES,     /* an array of tables ([[x.y]]) the caller reads
	                      * itself */
};

struct carb_cfg_ctx;

/* A check on a value the user gave (defaults are valid by construction).
 * label names the value in messages ("archive.base_path", `watch "in":
 * path`); field is the converted value; v is where it was written.  Reports
 * through carb_cfg_error. */
typedef void (*carb_cfg_check_fn)(struct carb_cfg_ctx *ctx, const char *label,
				  const void *field,
				  const struct carb_toml_value *v);

struct carb_cfg_key {
	const char *name;
	enum carb_cfg_type type;
	size_t off;                  /* the value's field in the section struct */
	size_t loc_off;              /* its struct carb_config_loc */
	bool required;
	const char *def;             /* default, written as in a file; NULL: none */
	const char *const *def_list; /* default of an array, NULL-terminated */
	const char *def_doc;         /* the reference's words for a default it
	                              * cannot show as a value ("stderr") */
	int64_t min, max;            /* INT and DURATION (ms); both 0: no bound */
	const char *const *choices;  /* ENUM names, NULL-terminated */
	carb_cfg_check_fn check;
	const char *doc;
	bool live;                   /* a reload (SIGHUP) applies it while
	                              * running; else it waits for a restart */
};

struct carb_cfg_section {
	const char *file;            /* "config.toml" or "rules.toml" */
	const char *name;            /* dotted: "archive.destinations.NAME" */
	const char *header;          /* "[service]", "[[watch]]" */
	const char *doc;
	const struct carb_cfg_key *keys;
	size_t nkeys;
};

/* What the engine needs while reading one file. */
struct carb_cfg_ctx {
	struct carb_diags *diags;
	const char *file;            /* as shown; the snapshot owns it */
	const char *base_dir;        /* relative paths resolve against it */
	const struct carb_config *cfg;  /* the config being built, for checks
	                                 * that look across sections */
	bool lenient;                /* values only: no checks of keys
	                              * against the disk or each other */
};

/* Reports one problem at line:column of ctx->file. */
void carb_cfg_error(struct carb_cfg_ctx *ctx, int line, int column,
		    const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
/* Same, at the position of v. */
void carb_cfg_error_at(struct carb_cfg_ctx *ctx,
		       const struct carb_toml_value *v, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* Fills obj from table t (NULL: the table is absent) by sec: every key
 * gets its value or its default, every problem is reported.  prefix goes
 * before each key in value messages ("archive.", `watch "in": `); where
 * names the table in key messages ("[service]").  Returns the number of
 * problems. */
size_t carb_cfg_parse_section(struct carb_cfg_ctx *ctx,
			      const struct carb_cfg_section *sec,
			      const struct carb_toml_value *t,
			      const char *prefix, const char *where,
			      void *obj);
/* Frees what the section's keys own in obj. */
void carb_cfg_release_section(const struct carb_cfg_section *sec, void *obj);
/* Copies key k's value and position from src to dst, two structs of the
 * kind k describes. */
void carb_cfg_copy_value(const struct carb_cfg_key *k, void *dst,
			 const void *src);
/* Whether key k has the same value in a and b, two structs of its kind. */
bool carb_cfg_value_equal(const struct carb_cfg_key *k, const void *a,
			  const void *b);
/* Exchanges key k's value and position between a and b. */
void carb_cfg_swap_value(const struct carb_cfg_key *k, void *a, void *b);
const struct carb_cfg_key *carb_cfg_find_key(
	const struct carb_cfg_section *sec, const char *name);
/* "did you mean" for an unknown key among the section's keys; NULL when
 * none is close. */
const char *carb_cfg_suggest_key(const struct carb_cfg_section *sec,
				 const char *name);
/* "archive.max_retries: expected integer, got string \"five\"" at v. */
void carb_cfg_type_error(struct carb_cfg_ctx *ctx, const char *label,
			 const char *expected, const struct carb_toml_value *v);
/* The position of v (or the default position when v is NULL). */
struct carb_config_loc carb_cfg_loc(const struct carb_cfg_ctx *ctx,
				    const struct carb_toml_value *v);

/* The snapshot.  Sections are filled by the tables; the rest by
 * config_load.c. */
struct carb_config {
	char *path;                /* absolute */
	char *display;             /* as the user gave it */
	char *dir;                 /* absolute folder of path */
	struct carb_service_config service;
	struct carb_logging_config logging;
	struct carb_database_config database;
	struct carb_plugins_config plugins;
	struct carb_http_config http;
	struct carb_watch_config *watches;
	size_t nwatches;
	struct carb_archive_config archive;
	struct carb_destination_config *destinations;  /* the named ones */
	size_t ndestinations;
	struct carb_event_sink_config *sinks;          /* [[events]] */
	size_t nsinks;
	struct carb_rules rules;
	struct carb_toml_value *root;  /* kept for the plugin's own table */
};

/* The tables. */
extern const struct carb_cfg_section carb_cfg_service_section;
extern const struct carb_cfg_section carb_cfg_logging_section;
extern const struct carb_cfg_section carb_cfg_database_section;
extern const struct carb_cfg_section carb_cfg_plugins_section;
extern const struct carb_cfg_section carb_cfg_http_section;
extern const struct carb_cfg_section carb_cfg_watch_section;
extern const struct carb_cfg_section carb_cfg_archive_section;
extern const struct carb_cfg_section carb_cfg_destination_section;
extern const struct carb_cfg_section carb_cfg_events_section;
extern const struct carb_cfg_section carb_cfg_integrity_section;
extern const struct carb_cfg_section carb_cfg_completeness_section;
extern const struct carb_cfg_section carb_cfg_metadata_section;
extern const struct carb_cfg_section carb_cfg_selection_section;
extern const struct carb_cfg_section carb_cfg_routing_section;
extern const struct carb_cfg_section carb_cfg_selection_rule_section;
extern const struct carb_cfg_section carb_cfg_routing_rule_section;

/* Every section, config.toml's then rules.toml's, in reference order. */
extern const struct carb_cfg_section *const carb_cfg_all_sections[];
extern const size_t carb_cfg_all_sections_count;

/* Enumeration names, NULL-terminated, in the order of config.h's enums. */
extern const char *const carb_cfg_log_levels[];
extern const char *const carb_cfg_log_formats[];
extern const char *const carb_cfg_watch_modes[];
extern const char *const carb_cfg_archive_modes[];
extern const char *const carb_cfg_isolations[];
extern const char *const carb_cfg_verifies[];
extern const char *const carb_cfg_on_conflicts[];
extern const char *const carb_cfg_checksum_policies[];
extern const char *const carb_cfg_on_timeouts[];
extern const char *const carb_cfg_rule_actions[];

/* The longest watch name: its lock file, watch-NAME.lock, must be a file
 * name (NAME_MAX, 255). */
#define CARB_CFG_WATCH_NAME_MAX 245

/* What a watch name may hold. */
#define CARB_CFG_NAME_CHARS "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz" \
	"0123456789_.-"

/* Field checks named by the tables (config_check.c, rules_load.c). */
void carb_cfg_check_directory(struct carb_cfg_ctx *ctx, const char *label,
			      const void *field,
			      const struct carb_toml_value *v);
void carb_cfg_check_file(struct carb_cfg_ctx *ctx, const char *label,
			 const void *field, const struct carb_toml_value *v);
void carb_cfg_check_watch_name(struct carb_cfg_ctx *ctx, const char *label,
			       const void *field,
			       const struct carb_toml_value *v);
void carb_cfg_check_file_name(struct carb_cfg_ctx *ctx, const char *label,
			      const void *field,
			      const struct carb_toml_value *v);
void carb_cfg_check_listen(struct carb_cfg_ctx *ctx, const char *label,
			   const void *field, const struct carb_toml_value *v);
void carb_cfg_check_globs(struct carb_cfg_ctx *ctx, const char *label,
			  const void *field, const struct carb_toml_value *v);
void carb_cfg_check_template(struct carb_cfg_ctx *ctx, const char *label,
			     const void *field,
			     const struct carb_toml_value *v);
void carb_cfg_check_database_url(struct carb_cfg_ctx *ctx, const char *label,
				 const void *field,
				 const struct carb_toml_value *v);
void carb_cfg_check_extensions(struct carb_cfg_ctx *ctx, const char *label,
			       const void *field,
			       const struct carb_toml_value *v);
/* [integrity] hashes: known names, each once, "sha256" among them. */
void carb_cfg_check_hashes(struct carb_cfg_ctx *ctx, const char *label,
			   const void *field, const struct carb_toml_value *v);
/* The conditions of [[selection.rule]] and [[routing.rule]]: names of
 * [[watch]] in the config, extensions, globs on a base name; none may be
 * an empty list. */
void carb_cfg_check_rule_name(struct carb_cfg_ctx *ctx, const char *label,
			      const void *field,
			      const struct carb_toml_value *v);
void carb_cfg_check_rule_watches(struct carb_cfg_ctx *ctx, const char *label,
				 const void *field,
				 const struct carb_toml_value *v);
void carb_cfg_check_rule_extensions(struct carb_cfg_ctx *ctx,
				    const char *label, const void *field,
				    const struct carb_toml_value *v);
void carb_cfg_check_rule_globs(struct carb_cfg_ctx *ctx, const char *label,
			       const void *field,
			       const struct carb_toml_value *v);

/* The checks that look across sections, after every section is read. */
void carb_cfg_check_watches(struct carb_cfg_ctx *ctx,
			    const struct carb_config *cfg);
/* [[events]]: the sinks, as a whole (config_events.c). */
void carb_cfg_load_events(struct carb_cfg_ctx *ctx, struct carb_config *cfg,
			  const struct carb_toml_value *root);
void carb_cfg_check_events(struct carb_cfg_ctx *ctx,
			   const struct carb_config *cfg);
void carb_cfg_free_events(struct carb_config *cfg);
/* An amqp sink's exchange name and routing key template (config_events.c). */
void carb_cfg_check_exchange(struct carb_cfg_ctx *ctx, const char *label,
			     const void *field,
			     const struct carb_toml_value *v);
void carb_cfg_check_routing_key(struct carb_cfg_ctx *ctx, const char *label,
				const void *field,
				const struct carb_toml_value *v);
void carb_cfg_check_event_url(struct carb_cfg_ctx *ctx, const char *label,
			      const void *field,
			      const struct carb_toml_value *v);
extern const char *const carb_cfg_sink_kinds[];
extern const char *const carb_cfg_exchange_types[];
void carb_cfg_check_http(struct carb_cfg_ctx *ctx,
			 const struct carb_config *cfg);
void carb_cfg_check_archive(struct carb_cfg_ctx *ctx,
			    const struct carb_config *cfg);
/* http destinations (config_destinations.c): the url's shape, and what
 * an http destination may not have (a folder, modes but copy...). */
void carb_cfg_check_destination_url(struct carb_cfg_ctx *ctx,
				    const char *label, const void *field,
				    const struct carb_toml_value *v);
void carb_cfg_check_http_destinations(struct carb_cfg_ctx *ctx,
				      const struct carb_config *cfg);

/* Reads the rules file into rules (which the caller releases with
 * carb_rules_release, also on failure).  display is the name shown in
 * messages; a missing file is a problem only when must_exist.  The checks
 * against the config (destination names, plugin functions) use cfg. */
void carb_rules_load(struct carb_rules *rules, const char *path,
		     const char *display, bool must_exist,
		     const struct carb_config *cfg, struct carb_diags *diags);
void carb_rules_release(struct carb_rules *rules);

/* Reads a whole file into *text (NUL-terminated; the caller frees it).
 * Returns 0, or the errno value with a message in err ("no such file"). */
int carb_cfg_read_file(const char *path, char **text, size_t *len,
		       struct carb_error *err);
/* Reads and parses a TOML file into *root (NULL on failure,
 * when the problem is in diags).  missing_ok: an absent file is not a
 * problem; *root stays NULL and *absent is set. */
int carb_cfg_parse_file(const char *path, const char *display,
			struct carb_diags *diags, bool missing_ok,
			bool *absent, struct carb_toml_value **root);

/* Top-level tables of file ("config.toml" or "rules.toml"): reports every
 * key not in names, with a "did you mean". */
void carb_cfg_check_top(struct carb_cfg_ctx *ctx, const char *file,
			const struct carb_toml_value *root,
			const char *const *names, size_t n);
/* The table root[name], or NULL when absent or not a table (reported). */
const struct carb_toml_value *carb_cfg_table(struct carb_cfg_ctx *ctx,
					     const struct carb_toml_value *root,
					     const char *name);

/* Paths (config_paths.c).  All results are new strings the caller frees. */
/* base_dir + "/" + p cleaned of ".", ".." and repeated slashes; p as is
 * (cleaned) when absolute. */
char *carb_cfg_path_resolve(const char *base_dir, const char *p);
/* The absolute folder of an existing file, symlinks resolved; NULL with
 * errno set on failure. */
char *carb_cfg_path_dir_of(const char *file);
/* The path shown for a file named relative to the folder of a file shown
 * as display: "rules.toml" beside "config.toml", "etc/rules.toml" beside
 * "etc/config.toml"; an absolute p as is. */
char *carb_cfg_path_display_join(const char *display, const char *p);
/* True when inner is outer or lies below it (both clean, absolute). */
bool carb_cfg_path_within(const char *inner, const char *outer);
/* A "{" without its "}", a "}" without its "{", a "{" inside a variable
 * or an empty "{}": NULL when the braces of template t balance, else
 * what is wrong, *at its 1-based offset ("{{" and "}}" are literal
 * braces).  For folder templates and http destinations' URLs alike. */
const char *carb_config_template_braces(const char *t, size_t *at);

#endif
