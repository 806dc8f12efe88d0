/* config: the configuration (config.toml) and rules (rules.toml) models.
 * The only door into src/config/ besides the TOML parser it includes.
 *
 * carb_config_load reads config.toml and the rules file it names, checks
 * both against the key tables (one table per section, which also produce
 * the key reference: carb_config_describe_keys), and returns an immutable
 * snapshot.  Nothing in a snapshot changes after loading; a reload loads a
 * new snapshot and swaps it whole.
 *
 * Every value keeps where it was written (struct carb_config_loc), so a
 * check run long after loading, such as resolving a plugin function named
 * in rules.toml, can still point at `rules.toml:5:11`.
 *
 * Paths in config.toml are relative to the folder of config.toml and are
 * stored absolute.  Archive destination templates are relative to
 * archive.base_path and stored as written.
 *
 * The rules file is [service] rules, else "rules.toml" beside config.toml.
 * When that default file is missing, every rule takes its default; a rules
 * file named explicitly must exist. */
#ifndef CARB_CONFIG_H
#define CARB_CONFIG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <carbonation/plugin.h>

#include "config/toml.h"
#include "util/util.h"

struct carb_config;

/* Where a value was written.  file is the path as the user gave it (for
 * rules.toml: joined to the folder of config.toml as the user gave it),
 * owned by the snapshot.  line is 0 when the value is a default. */
struct carb_config_loc {
	const char *file;
	int line;
	int column;
};

/* A list of strings, owned by the snapshot. */
struct carb_config_strings {
	size_t count;
	char **items;
};

/* Enumerations keep the order of their names in the key tables. */
enum carb_log_level {
	CARB_LOG_DEBUG,
	CARB_LOG_INFO,
	CARB_LOG_WARNING,
	CARB_LOG_ERROR,
};

enum carb_log_format {
	CARB_LOG_FORMAT_TEXT,
	CARB_LOG_FORMAT_JSON,
};

enum carb_watch_mode {
	CARB_WATCH_AUTO,     /* inotify, or polling where inotify cannot see */
	CARB_WATCH_INOTIFY,
	CARB_WATCH_POLL,
};

/* [plugins] isolation: where plugin calls run. */
enum carb_plugin_isolation {
	CARB_ISOLATION_PROCESS,   /* in helper processes, with a timeout */
	CARB_ISOLATION_THREAD,    /* in the worker threads themselves */
};

enum carb_archive_mode {
	CARB_ARCHIVE_COPY,
	CARB_ARCHIVE_MOVE,
	CARB_ARCHIVE_HARDLINK,
	CARB_ARCHIVE_SYMLINK,
};

enum carb_verify {
	CARB_VERIFY_SIZE,
	CARB_VERIFY_SHA256,
};

enum carb_on_conflict {
	CARB_CONFLICT_VERSION,    /* keep both: the new file gets a version suffix */
	CARB_CONFLICT_FAIL,
	CARB_CONFLICT_OVERWRITE,
};

enum carb_checksum_policy {
	CARB_CHECKSUM_AUTO,       /* verify a sidecar when one is present */
	CARB_CHECKSUM_REQUIRED,   /* a missing sidecar fails the file */
	CARB_CHECKSUM_OFF,
};

enum carb_on_timeout {
	CARB_TIMEOUT_SKIP,        /* an incomplete group is left alone */
	CARB_TIMEOUT_PROCESS,     /* an incomplete group goes on as it is */
};

/* Names as written in the files ("auto", "copy", ...); static storage. */
const char *carb_log_level_name(enum carb_log_level v);
const char *carb_log_format_name(enum carb_log_format v);
const char *carb_watch_mode_name(enum carb_watch_mode v);
const char *carb_archive_mode_name(enum carb_archive_mode v);
const char *carb_verify_name(enum carb_verify v);
const char *carb_on_conflict_name(enum carb_on_conflict v);
const char *carb_checksum_policy_name(enum carb_checksum_policy v);
const char *carb_on_timeout_name(enum carb_on_timeout v);

/* Durations are milliseconds, sizes bytes.  An optional string or path
 * that was not given is NULL. */

struct carb_service_config {
	const char *name;
	int64_t workers;
	int64_t heartbeat_interval_ms;
	int64_t reconcile_interval_ms;
	int64_t shutdown_timeout_ms;
	int64_t max_job_time_ms;
	const char *rules;        /* absolute */
	const char *state_dir;    /* absolute; holds the lock files */
	int64_t event_retention_ms;  /* delivered events are kept this long */
	struct {
		struct carb_config_loc table, name, workers, heartbeat_interval,
			reconcile_interval, shutdown_timeout, max_job_time,
			rules, state_dir, event_retention;
	} loc;
};

struct carb_logging_config {
	enum carb_log_level level;
	enum carb_log_format format;
	const char *file;         /* absolute; NULL: standard error */
	struct {
		struct carb_config_loc table, level, format, file;
	} loc;
};

struct carb_database_config {
	const char *url;          /* as written: may hold a password */
	const char *password_file;  /* absolute or NULL */
	int64_t busy_timeout_ms;
	struct {
		struct carb_config_loc table, url, password_file, busy_timeout;
	} loc;
};

/* [http]: the optional listener of `carbonation run` (docs/http.md). */
struct carb_http_config {
	const char *listen;       /* as written; NULL: no listener */
	const char *token_file;   /* absolute or NULL */
	uint64_t max_upload;      /* bytes */
	struct carb_config_strings upload_watches;  /* watch names */
	bool allow_open;          /* listen beyond loopback without a token */
	struct {
		struct carb_config_loc table, listen, token_file, max_upload,
			upload_watches, allow_open;
	} loc;
};

/* Where [http] listen says to listen: a TCP address and port, or a unix
 * socket path.  Parsed by carb_http_listen_parse. */
struct carb_http_listen {
	bool is_unix;
	char host[64];            /* numeric IPv4 or IPv6, without brackets */
	int port;
	char path[108];           /* is_unix: the socket's path (absolute) */
	bool loopback;            /* 127.0.0.0/8, ::1, or a unix socket */
};

/* Parses "HOST:PORT" (HOST a numeric IPv4 address), "[IPv6]:PORT" or an
 * absolute path (a unix socket).  0, or -1 with why set. */
int carb_http_listen_parse(const char *text, struct carb_http_listen *out,
			   char *why, size_t why_size);

/* [[events]]: one sink of the outbox's events (docs/events.md). */
enum carb_event_sink_kind {
	CARB_SINK_WEBHOOK,        /* an HTTP POST of each event's JSON */
	CARB_SINK_AMQP,           /* a persistent message to an exchange */
};
const char *carb_event_sink_kind_name(enum carb_event_sink_kind v);

/* The type an amqp sink declares its exchange with. */
enum carb_exchange_type {
	CARB_EXCHANGE_FANOUT,
	CARB_EXCHANGE_DIRECT,
	CARB_EXCHANGE_TOPIC,
	CARB_EXCHANGE_HEADERS,
};
const char *carb_exchange_type_name(enum carb_exchange_type v);

struct carb_event_sink_config {
	const char *name;         /* [A-Za-z0-9_.-]+, unique among sinks */
	enum carb_event_sink_kind kind;
	struct carb_config_strings statuses;  /* final status names; empty:
					       * every final status */
	struct carb_config_strings watches;   /* watch names; empty: all */
	const char *url;          /* webhook: http:// or https://; amqp:
				   * amqp://HOST[:PORT][/VHOST], no
				   * credentials */
	const char *secret_file;  /* webhook: absolute or NULL: no signature */
	const char *credentials_file;  /* amqp: absolute or NULL: guest */
	const char *exchange;     /* amqp: declared durable */
	enum carb_exchange_type exchange_type;
	const char *routing_key;  /* amqp: a template of {status} (lower
				   * case), {watch}, {scope} */
	int64_t timeout_ms;       /* one delivery attempt */
	struct {
		struct carb_config_loc table, name, kind, statuses, watches,
			url, secret_file, credentials_file, exchange,
			exchange_type, routing_key, timeout;
	} loc;
};

struct carb_plugins_config {
	const char *package;
	const char *path;         /* absolute; exists */
	struct carb_config_strings search_path;  /* absolute folders */
	enum carb_plugin_isolation isolation;
	int64_t max_crashes;
	int64_t timeout_ms;
	uint64_t max_value_bytes;
	struct {
		struct carb_config_loc table, package, path, search_path,
			isolation, max_crashes, timeout, max_value_bytes;
	} loc;
};

struct carb_watch_config {
	const char *name;         /* [A-Za-z0-9_.-]+, unique */
	const char *path;         /* absolute; an existing folder */
	int64_t settle_ms;
	bool recursive;
	struct carb_config_strings include;  /* globs; empty: every name */
	struct carb_config_strings exclude;  /* globs */
	enum carb_watch_mode mode;
	int64_t poll_interval_ms;
	const char *manifest;     /* checksum manifest file name, or NULL */
	struct {
		struct carb_config_loc table, name, path, settle, recursive,
			include, exclude, mode, poll_interval, manifest;
	} loc;
};

/* A place in the archive.  The [archive] section itself describes the one
 * named "default"; [archive.destinations.NAME] add more, each key falling
 * back to the [archive] value. */
struct carb_destination_config {
	const char *name;
	const char *destination;  /* path template, relative to base_path */
	enum carb_archive_mode mode;
	enum carb_verify verify;
	enum carb_on_conflict on_conflict;
	/* An http destination (docs/http-destination.md): files are PUT to
	 * url, a URL template whose values are percent-encoded; NULL: a
	 * folder under base_path. */
	const char *url;
	const char *token_file;   /* absolute, or NULL: no Authorization */
	int64_t connect_timeout_ms;
	int64_t timeout_ms;       /* one PUT, connecting included */
	struct {
		struct carb_config_loc table, destination, mode, verify,
			on_conflict, url, token_file, connect_timeout, timeout;
	} loc;
};

/* Whether d sends its files over HTTP rather than to base_path. */
bool carb_destination_is_http(const struct carb_destination_config *d);

struct carb_archive_config {
	const char *base_path;    /* absolute; an existing folder */
	struct carb_destination_config default_destination;
	int64_t max_retries;
	int64_t retry_delay_ms;
	int64_t retry_max_delay_ms;
	bool hardlink_fallback;   /* hardlink across filesystems: copy instead */
	struct {
		struct carb_config_loc table, base_path, max_retries,
			retry_delay, retry_max_delay, hardlink_fallback,
			destinations;
	} loc;
};

/* rules.toml.  Plugin function names are stored as written: they are
 * resolved when the plugin is loaded. */
struct carb_integrity_rules {
	uint64_t min_size;
	enum carb_checksum_policy checksum;
	/* content hashes to record: "sha256" (always; the one verification
	 * uses), "xxh128" */
	struct carb_config_strings hashes;
	struct {
		struct carb_config_loc table, min_size, checksum, hashes;
	} loc;
};

/* Whether [integrity] hashes asks for xxh128 beside SHA-256. */
bool carb_integrity_wants_xxh128(const struct carb_integrity_rules *r);

struct carb_completeness_rules {
	struct carb_config_strings required;  /* extensions: ".dat" */
	struct carb_config_strings optional;
	int64_t timeout_ms;
	enum carb_on_timeout on_timeout;
	const char *function;     /* plugin grouping function, or NULL */
	struct {
		struct carb_config_loc table, required, optional, timeout,
			on_timeout, function;
	} loc;
};

struct carb_metadata_rules {
	const char *extract;      /* plugin extractor, or NULL */
	struct {
		struct carb_config_loc table, extract;
	} loc;
};

/* Declarative rules: [[selection.rule]] and [[routing.rule]].  A rule
 * holds when every condition it gives holds; a condition that lists values
 * holds when any one of them does.  An empty list, or a has_ flag that is
 * false, is a condition not given. */
enum carb_rule_action {
	CARB_RULE_ACCEPT,
	CARB_RULE_REJECT,
};

/* One value a column condition accepts. */
struct carb_rule_value {
	enum carb_toml_type type;   /* STRING, INTEGER, FLOAT or BOOL */
	const char *text;
	size_t text_len;
	int64_t integer;
	double real;
	bool boolean;
	struct carb_config_loc loc;
};

struct carb_rule_column {
	const char *name;
	size_t nvalues;
	struct carb_rule_value *values;
	struct carb_config_loc loc;   /* the key */
};

struct carb_rule {
	const char *name;             /* as written, or "selection.rule[N]" */
	enum carb_rule_action action; /* selection rules */
	const char *destination;      /* routing rules: a destination name */
	struct carb_config_strings watch;      /* watch names */
	struct carb_config_strings extension;  /* ".dat": some member's */
	struct carb_config_strings glob;       /* fnmatch(3): some member's name */
	bool has_min_size, has_max_size, has_complete;
	uint64_t min_size, max_size;  /* bytes, the group's total, inclusive */
	bool complete;
	/* { column = value or [values] }: the plugin column has one of the
	 * values.  Column names and types are checked when the plugin is
	 * loaded. */
	size_t ncolumns;
	struct carb_rule_column *columns;
	struct {
		struct carb_config_loc table, name, action, destination, watch,
			extension, glob, min_size, max_size, complete, columns;
	} loc;
};

struct carb_selection_rules {
	const char *function;     /* plugin selection function, or NULL */
	enum carb_rule_action default_action;  /* key "default" */
	size_t nrules;
	struct carb_rule *rules;  /* in the order written */
	struct {
		struct carb_config_loc table, function, default_action, rules;
	} loc;
};

struct carb_routing_rules {
	const char *function;     /* plugin routing function, or NULL */
	const char *default_destination;  /* key "default": a destination name */
	size_t nrules;
	struct carb_rule *rules;  /* in the order written */
	struct {
		struct carb_config_loc table, function, default_destination,
			rules;
	} loc;
};

struct carb_rules {
	const char *path;         /* absolute */
	const char *display_path; /* as shown in messages */
	bool found;               /* false: the default file was absent */
	struct carb_integrity_rules integrity;
	struct carb_completeness_rules completeness;
	struct carb_metadata_rules metadata;
	struct carb_selection_rules selection;
	struct carb_routing_rules routing;
};

/* What the declarative rules look at: one group, as the pipeline sees it. */
struct carb_member_facts {
	const char *name;         /* base name: bytes, not NUL-terminated,
	                           * not necessarily UTF-8 */
	size_t name_len;
	const char *extension;    /* ".dat"; "" (or NULL) when none */
	size_t ext_len;
	uint64_t size;
};

struct carb_group_facts {
	const char *watch;        /* the watch's name */
	bool complete;            /* false: taken after its timeout with
	                           * completeness.on_timeout = "process" */
	uint64_t size;            /* the sum of the members' sizes */
	const struct carb_member_facts *members;
	size_t nmembers;
	/* The plugin's column values; NULL without a plugin.  A column the
	 * lookup does not know, or NULL, holds no condition. */
	const struct carb_plugin_value *(*column)(void *ctx, const char *name);
	void *column_ctx;
};

/* Whether group g is kept: the action of the first [[selection.rule]]
 * that holds, else selection.default.  *rule (when rule is not NULL)
 * receives the name of the deciding rule, owned by the snapshot, or NULL
 * when selection.default decided.  selection.function is the caller's
 * business. */
bool carb_rules_select(const struct carb_rules *r,
		       const struct carb_group_facts *g, const char **rule);
/* The destination name for group g (a snapshot string): that of the first
 * [[routing.rule]] that holds, else routing.default.  *rule as above (NULL:
 * routing.default decided). */
const char *carb_rules_route(const struct carb_rules *r,
			     const struct carb_group_facts *g,
			     const char **rule);
/* Name as written in rules.toml ("accept", "reject"); static storage. */
const char *carb_rule_action_name(enum carb_rule_action v);

/* Loads config_path (the path as the user gave it) and its rules file.
 * Returns 0 with *out a new snapshot the caller frees with
 * carb_config_free.  Returns -1 when there is any problem, with *out NULL
 * and every problem appended to diags, each with file, line and column
 * (line 0 when the problem is the file itself, e.g. it does not exist). */
int carb_config_load(const char *config_path, struct carb_config **out,
		     struct carb_diags *diags);
/* Same, but reads the rules from rules_path (relative to the current
 * folder, shown as given) instead of the file config.toml names; the file
 * must exist.  Serves `check rules FILE`. */
int carb_config_load_with_rules(const char *config_path,
				const char *rules_path,
				struct carb_config **out,
				struct carb_diags *diags);
/* Loads config_path's values without checking them against the disk or
 * each other (a watch folder may be gone), and no rules: what a plugin
 * helper needs to run the plugin's init as the service did. */
int carb_config_load_values(const char *config_path, struct carb_config **out,
			    struct carb_diags *diags);
void carb_config_free(struct carb_config **cfg);

/* A reload: fresh is config.toml read again.  Each changed key is passed
 * to cb with its name ("logging.level", `watch "in": include`) and
 * whether it was applied: the keys a reload applies (logging, retry
 * settings, watch settle/include/exclude, time limits; `check config
 * --keys` marks them) take their fresh values in live, which keeps
 * running; fresh receives the old values and must outlive every use of
 * them (keep it until the next reload).  Returns how many changes wait
 * for a restart. */
typedef void (*carb_config_change_cb)(void *ctx, const char *key,
				      bool applied);
size_t carb_config_reload(struct carb_config *live, struct carb_config *fresh,
			  carb_config_change_cb cb, void *ctx);
/* Exchanges the rules of a and b: a reload puts the fresh rules into the
 * live snapshot, so an intake opened again later starts with them. */
void carb_config_swap_rules(struct carb_config *a, struct carb_config *b);

/* Read access.  Every pointer returned lives as long as the snapshot. */
const char *carb_config_path(const struct carb_config *cfg);     /* absolute */
const char *carb_config_display_path(const struct carb_config *cfg);
const char *carb_config_dir(const struct carb_config *cfg);      /* absolute */
const char *carb_config_rules_path(const struct carb_config *cfg);  /* absolute */
const char *carb_config_database_url(const struct carb_config *cfg);
const char *carb_config_database_password_file(const struct carb_config *cfg);
int64_t carb_config_database_busy_timeout_ms(const struct carb_config *cfg);

const struct carb_service_config *carb_config_service(
	const struct carb_config *cfg);
const struct carb_logging_config *carb_config_logging(
	const struct carb_config *cfg);
const struct carb_database_config *carb_config_database(
	const struct carb_config *cfg);
const struct carb_plugins_config *carb_config_plugins(
	const struct carb_config *cfg);
const struct carb_http_config *carb_config_http(const struct carb_config *cfg);
/* The [[events]] sinks, in file order. */
size_t carb_config_event_sink_count(const struct carb_config *cfg);
const struct carb_event_sink_config *carb_config_event_sink(
	const struct carb_config *cfg, size_t i);
/* True when config.toml has a [plugins] table. */
bool carb_config_has_plugin(const struct carb_config *cfg);
/* The plugin's own table [plugins.NAME], or NULL; owned by cfg. */
const struct carb_toml_value *carb_config_plugin_table(
	const struct carb_config *cfg, const char *name);

size_t carb_config_watch_count(const struct carb_config *cfg);
const struct carb_watch_config *carb_config_watch(
	const struct carb_config *cfg, size_t i);
/* NULL when no watch has that name. */
const struct carb_watch_config *carb_config_watch_find(
	const struct carb_config *cfg, const char *name);

const struct carb_archive_config *carb_config_archive(
	const struct carb_config *cfg);
/* Destination 0 is "default" (the [archive] values); the named ones follow
 * in the order written. */
size_t carb_config_destination_count(const struct carb_config *cfg);
const struct carb_destination_config *carb_config_destination(
	const struct carb_config *cfg, size_t i);
/* NULL when no destination has that name. */
const struct carb_destination_config *carb_config_destination_find(
	const struct carb_config *cfg, const char *name);

const struct carb_rules *carb_config_rules(const struct carb_config *cfg);

/* The path template variables the core provides ({watch}, {yyyy}...),
 * NULL-terminated. */
extern const char *const carb_template_vars[];

/* Writes a duration the way an operator would: "30s", "1h30m", "250ms",
 * "0s".  Returns buf. */
char *carb_config_format_duration(int64_t ms, char *buf, size_t size);

/* The key reference of config.toml and rules.toml, produced from the same
 * tables that drive loading: every key with its type, default and a one
 * line description.  Appends to out, which the caller owns. */
enum carb_config_keys_format {
	CARB_CONFIG_KEYS_TEXT,
	CARB_CONFIG_KEYS_MARKDOWN,
	CARB_CONFIG_KEYS_MAN,       /* roff, the body of carbonation.toml(5) */
};
void carb_config_describe_keys(struct carb_buf *out,
			       enum carb_config_keys_format format);

#endif
