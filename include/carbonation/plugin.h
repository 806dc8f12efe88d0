/* The carbonation plugin contract.
 *
 * A plugin is a shared object (NAME.so) that exports one function,
 * carbonation_plugin_entry, returning a description of the plugin: its
 * name and version, the columns it adds to the catalog's `files` table
 * (one row per group), and its named functions.  rules.toml names those
 * functions by short key:
 *
 *   [completeness] function = "NAME"   a grouper: a file's group key
 *   [metadata]     extract  = "NAME"   an extractor: fills the columns
 *   [selection]    function = "NAME"   a selector: keep the group or not
 *   [routing]      function = "NAME"   a router: the destination's name
 *
 * The plugin never links against carbonation: every service it needs
 * comes through the host table (struct carb_plugin_host) handed to each
 * call.  Build it with
 *
 *   cc -shared -fPIC $(pkg-config --cflags carbonation) -o NAME.so NAME.c
 *
 * The description and everything it points to must stay valid and
 * unchanged while the plugin is loaded (static storage is the usual way).
 * Strings are NUL-terminated UTF-8 unless said otherwise; file names are
 * bytes with a length, as Linux allows any byte but '/' and NUL. */
#ifndef CARBONATION_PLUGIN_H
#define CARBONATION_PLUGIN_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Raised whenever a change to this file would break a plugin built
 * against an older copy.  carbonation refuses a plugin whose
 * description carries another number. */
#define CARB_PLUGIN_ABI_VERSION 1

/* The one exported symbol, looked up with dlsym. */
#define CARB_PLUGIN_ENTRY "carbonation_plugin_entry"

/* Declared visible here, so a plugin built with -fvisibility=hidden
 * still exports it (and nothing else). */
struct carb_plugin;
__attribute__((visibility("default")))
const struct carb_plugin *carbonation_plugin_entry(void);

/* ---- columns ------------------------------------------------------------ */

enum carb_plugin_type {
	CARB_PLUGIN_TEXT = 1,
	CARB_PLUGIN_INTEGER,      /* int64_t */
	CARB_PLUGIN_REAL,         /* double */
	CARB_PLUGIN_BOOLEAN,
	CARB_PLUGIN_TIMESTAMP,    /* int64_t microseconds since the Unix
				   * epoch, UTC, like every *_at column */
};

/* A column of the files table.  name is [a-z][a-z0-9_]*, at most 63
 * bytes, and is not one of the core columns (id, watch, group_key,
 * status, ...).  The plugin's migrations create it; `carbonation db
 * revision --autogenerate` writes those migrations from this list. */
struct carb_plugin_column {
	const char *name;
	enum carb_plugin_type type;
	int nullable;             /* 0: NOT NULL; the migration gives a default */
	int indexed;              /* the migration adds an index */
	int filterable;           /* queries may filter and sort on it */
	const char *doc;          /* one line for people; may be NULL */
};

/* ---- calls -------------------------------------------------------------- */

struct carb_plugin_host;
/* One call on one group (a grouper's: on one file).  Valid only during
 * the call; the host passes it back to every host function. */
struct carb_plugin_call;

/* Every plugin function has this shape; state is what init stored (NULL
 * without init).  What the return value means depends on the kind:
 *
 *   extractor  0 done; -1 failed: the group is FAILED with the message
 *              given to host->fail as its reason
 *   selector   1 keep the group; 0 do not (NOT_SELECTED, reason from
 *              host->fail or a default naming the function); -1 failed
 *   router     0 done: host->set_destination named the destination, or
 *              nothing was named and the declarative routing rules
 *              decide; -1 failed
 *   grouper    0 done: host->set_group_key gave the key, or the default
 *              (the stem) stays; -1 failed: the file is INTEGRITY_FAILED
 *              with the message as its reason
 *
 * By default ([plugins] isolation = "process") every call runs in a
 * helper process: a function that crashes, aborts or runs past [plugins]
 * timeout fails that call's group alone, with the signal or the timeout
 * as its reason.  With isolation = "thread" a crash takes the process
 * down; it is contained: the group is marked before the call, and a
 * group blamed through [plugins] max_crashes restarts (3 by default) is
 * FAILED with "plugin crashed in NAME". */
typedef int (*carb_plugin_fn)(const struct carb_plugin_host *host,
			      struct carb_plugin_call *call, void *state);

struct carb_plugin_function {
	const char *name;         /* the key rules.toml uses: [a-z0-9_.-]+ */
	carb_plugin_fn fn;
	const char *doc;          /* may be NULL */
};

/* One file of the group, as the catalog knows it. */
struct carb_plugin_member {
	const char *rel_path;     /* relative to the watch's folder; bytes */
	size_t rel_len;
	const char *extension;    /* ".dat", ".tar.gz"; "" when none; bytes */
	size_t ext_len;
	int64_t size;             /* bytes */
	const char *content_hash; /* "sha256:HEX", or NULL when not taken */
};

/* A column value read back (host->get). */
struct carb_plugin_value {
	enum carb_plugin_type type;
	int is_null;
	int64_t integer;          /* INTEGER, BOOLEAN (0/1), TIMESTAMP */
	double real;
	const char *text;         /* TEXT: valid until the call returns */
	size_t text_len;
};

enum carb_plugin_log_level {
	CARB_PLUGIN_DEBUG,
	CARB_PLUGIN_INFO,
	CARB_PLUGIN_WARNING,
	CARB_PLUGIN_ERROR,
};

/* ---- configuration ------------------------------------------------------ */

/* The plugin's own table of config.toml, [plugins.NAME], and the values
 * in it: read-only views valid until fini. */
struct carb_plugin_config;
/* What init uses to declare columns and report configuration errors. */
struct carb_plugin_setup;

enum carb_plugin_config_type {
	CARB_PLUGIN_CONFIG_STRING = 1,
	CARB_PLUGIN_CONFIG_INTEGER,
	CARB_PLUGIN_CONFIG_FLOAT,
	CARB_PLUGIN_CONFIG_BOOLEAN,
	CARB_PLUGIN_CONFIG_DATETIME,  /* read it with config_string: RFC 3339 */
	CARB_PLUGIN_CONFIG_ARRAY,
	CARB_PLUGIN_CONFIG_TABLE,
};

/* ---- the host ----------------------------------------------------------- */

/* What carbonation offers a plugin.  Every pointer is set. */
struct carb_plugin_host {
	int abi_version;          /* CARB_PLUGIN_ABI_VERSION of the host */

	/* Writes one line to the service's log, prefixed with the plugin's
	 * name.  Callable from init, fini and every function. */
	void (*log)(enum carb_plugin_log_level level, const char *fmt, ...)
		__attribute__((format(printf, 2, 3)));

	/* ---- init only -------------------------------------------------- */

	/* The table [plugins.NAME] of config.toml; an empty table when the
	 * file has none. */
	const struct carb_plugin_config *(*config)(struct carb_plugin_setup *setup);
	/* Entry key of table t (a table value), or NULL when absent. */
	const struct carb_plugin_config *(*config_get)(
		const struct carb_plugin_config *t, const char *key);
	enum carb_plugin_config_type (*config_type)(const struct carb_plugin_config *v);
	/* Number of entries of an array or a table; 0 otherwise. */
	size_t (*config_count)(const struct carb_plugin_config *v);
	/* Entry i of an array or table; key_out (may be NULL) receives a
	 * table entry's key, or NULL for an array. */
	const struct carb_plugin_config *(*config_at)(
		const struct carb_plugin_config *v, size_t i, const char **key_out);
	/* Scalars; a type that does not match gives NULL or 0. */
	const char *(*config_string)(const struct carb_plugin_config *v);
	int64_t (*config_integer)(const struct carb_plugin_config *v);
	double (*config_float)(const struct carb_plugin_config *v);
	int (*config_boolean)(const struct carb_plugin_config *v);
	/* Records a configuration error at value v (NULL: the table) with its
	 * file, line and column; init then returns -1. */
	void (*config_error)(struct carb_plugin_setup *setup,
			     const struct carb_plugin_config *v,
			     const char *fmt, ...)
		__attribute__((format(printf, 3, 4)));
	/* Adds a column besides the static ones (the description's columns),
	 * e.g. from configuration.  The host copies c.  Returns -1, with a
	 * configuration error recorded, for a bad or repeated name. */
	int (*declare_column)(struct carb_plugin_setup *setup,
			      const struct carb_plugin_column *c);
	/* Sets the migrations folder instead of the description's, e.g.
	 * when the columns come from configuration; relative to the folder
	 * of config.toml.  The host copies dir. */
	void (*set_migrations)(struct carb_plugin_setup *setup, const char *dir);

	/* ---- calls ------------------------------------------------------ */

	/* The watch's name and the group's key (bytes: the stem of its files
	 * by default; a grouper's call: the default key). */
	const char *(*watch)(struct carb_plugin_call *call);
	const char *(*group_key)(struct carb_plugin_call *call, size_t *len);
	/* The group's members (a grouper's call: the one file), in the order
	 * of their names. */
	size_t (*member_count)(struct carb_plugin_call *call);
	const struct carb_plugin_member *(*member)(struct carb_plugin_call *call,
						   size_t i);
	/* Opens member i read-only for reading (never through a symlink):
	 * a file descriptor the plugin closes, or -1 with errno set. */
	int (*open_member)(struct carb_plugin_call *call, size_t i);

	/* Column values of the group.  Setters return -1 (and record why, as
	 * the call's failure) for an undeclared column or a value of the
	 * wrong type; text must be valid UTF-8 without NUL.  Values set by
	 * the extractor are what selectors, routers, rules and path
	 * templates see. */
	int (*set_text)(struct carb_plugin_call *call, const char *column,
			const char *text, size_t len);
	int (*set_integer)(struct carb_plugin_call *call, const char *column,
			   int64_t v);
	int (*set_real)(struct carb_plugin_call *call, const char *column,
			double v);
	int (*set_boolean)(struct carb_plugin_call *call, const char *column,
			   int v);
	int (*set_timestamp)(struct carb_plugin_call *call, const char *column,
			     int64_t usec);
	int (*set_null)(struct carb_plugin_call *call, const char *column);
	/* 0 with *out filled, or -1 for an undeclared column. */
	int (*get)(struct carb_plugin_call *call, const char *column,
		   struct carb_plugin_value *out);

	/* Router: the destination, an [archive.destinations.NAME] or
	 * "default".  Grouper: the file's group key (bytes, no '/'). */
	int (*set_destination)(struct carb_plugin_call *call, const char *name);
	int (*set_group_key)(struct carb_plugin_call *call, const char *key,
			     size_t len);

	/* The reason a failing (or, for a selector, rejecting) call gives;
	 * it lands in the catalog.  Returns -1, so a function can end with
	 * `return host->fail(call, "...")`. */
	int (*fail)(struct carb_plugin_call *call, const char *fmt, ...)
		__attribute__((format(printf, 2, 3)));
};

/* ---- the description ---------------------------------------------------- */

/* Functions may be called from several threads at once.  Without it the
 * host calls the plugin's functions one at a time in one process (in
 * process isolation several helper processes, each with its own state,
 * may run calls at the same time). */
#define CARB_PLUGIN_CONCURRENT 0x1u

struct carb_plugin {
	/* CARB_PLUGIN_ABI_VERSION as the plugin was built.  First, so any
	 * carbonation can read it whatever else changed. */
	int abi_version;
	const char *name;         /* [a-z][a-z0-9_]*: also its migration branch */
	const char *version;      /* the plugin's own, e.g. "1.2.0" */
	const char *description;  /* one line; may be NULL */
	unsigned flags;           /* CARB_PLUGIN_CONCURRENT */

	/* Each array ends with an entry whose name is NULL; NULL: none. */
	const struct carb_plugin_column *columns;
	const struct carb_plugin_function *extractors;
	const struct carb_plugin_function *selectors;
	const struct carb_plugin_function *groupers;
	const struct carb_plugin_function *routers;

	/* Folder of the plugin's migrations, laid out as
	 * DIR/<dialect>/<name>/NNNN_what.sql with dialect sqlite, postgresql
	 * and mariadb; relative to the folder of the .so.  NULL: none. */
	const char *migrations;
	/* Order of `carbonation query files` when none is asked for: a
	 * column, "-" first for descending (e.g. "-start").  May be NULL. */
	const char *default_order;

	/* Optional.  init runs once after loading, before any call: it may
	 * read [plugins.NAME], declare columns and store *state; it returns
	 * 0, or -1 after host->config_error.  fini runs once before
	 * unloading, also when init failed. */
	int (*init)(const struct carb_plugin_host *host,
		    struct carb_plugin_setup *setup, void **state);
	void (*fini)(const struct carb_plugin_host *host, void *state);
};

#ifdef __cplusplus
}
#endif

#endif
