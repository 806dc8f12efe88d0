/* The keys of config.toml, one table per section.  These tables are the
 * whole description: loading, checking, freeing and the key reference
 * (`carbonation check config --keys`) all read them. */
#include <stdint.h>

#include "config/config_internal.h"

#define NKEYS(a) (sizeof(a) / sizeof((a)[0]))
/* The value's field and its position's field in section struct T. */
#define AT(T, f) .off = offsetof(T, f), .loc_off = offsetof(T, loc.f)
/* Durations are stored in fields named with their unit. */
#define AT_MS(T, f) .off = offsetof(T, f##_ms), .loc_off = offsetof(T, loc.f)
#define AT_DEST(T, path, f) \
	.off = offsetof(T, path.f), .loc_off = offsetof(T, path.loc.f)
#define AT_LEAST(ms) .min = (ms), .max = INT64_MAX

const char *const carb_cfg_log_levels[] = {
	"debug", "info", "warning", "error", NULL,
};
const char *const carb_cfg_log_formats[] = { "text", "json", NULL };
const char *const carb_cfg_watch_modes[] = { "auto", "inotify", "poll", NULL };
const char *const carb_cfg_archive_modes[] = {
	"copy", "move", "hardlink", "symlink", NULL,
};
const char *const carb_cfg_isolations[] = { "process", "thread", NULL };
const char *const carb_cfg_verifies[] = { "size", "sha256", NULL };
const char *const carb_cfg_on_conflicts[] = {
	"version", "fail", "overwrite", NULL,
};

/* Partial uploads and editor leftovers: what SFTP clients, browsers and
 * rsync leave while a file is still on its way. */
static const char *const default_excludes[] = {
	".*", "*.part", "*.filepart", "*.tmp", "*.crdownload", "*~", NULL,
};
static const char *const empty_list[] = { NULL };

static const struct carb_cfg_key service_keys[] = {
	{ .name = "name", .type = CARB_CFG_STRING,
	  AT(struct carb_service_config, name), .def = "carbonation",
	  .doc = "name of this instance in logs, status and the heartbeat row" },
	{ .name = "workers", .type = CARB_CFG_INT,
	  AT(struct carb_service_config, workers), .def = "4",
	  .min = 1, .max = 256,
	  .doc = "worker threads that check and archive files" },
	{ .name = "heartbeat_interval", .type = CARB_CFG_DURATION,
	  AT_MS(struct carb_service_config, heartbeat_interval), .def = "30s",
	  AT_LEAST(1000),
	  .live = true,
	  .doc = "how often the heartbeat row in the catalog is renewed" },
	{ .name = "reconcile_interval", .type = CARB_CFG_DURATION,
	  AT_MS(struct carb_service_config, reconcile_interval), .def = "1h",
	  AT_LEAST(1000),
	  .live = true,
	  .doc = "how often delivery and archive folders are compared with the catalog" },
	{ .name = "shutdown_timeout", .type = CARB_CFG_DURATION,
	  AT_MS(struct carb_service_config, shutdown_timeout), .def = "30s",
	  .live = true,
	  .doc = "how long archives in flight may finish after SIGTERM" },
	{ .name = "max_job_time", .type = CARB_CFG_DURATION,
	  AT_MS(struct carb_service_config, max_job_time), .def = "15m",
	  AT_LEAST(1000),
	  .live = true,
	  .doc = "longest one worker job (a copy batch, a checksum) may run before the watchdog takes it for hung; smaller jobs get 30s plus 1s a MiB" },
	{ .name = "rules", .type = CARB_CFG_PATH,
	  AT(struct carb_service_config, rules), .def = "rules.toml",
	  .doc = "the rules file; when the default file is absent every rule takes its default" },
	{ .name = "state_dir", .type = CARB_CFG_PATH,
	  AT(struct carb_service_config, state_dir), .def = ".",
	  .def_doc = "the config folder", .check = carb_cfg_check_directory,
	  .doc = "folder for lock files" },
	{ .name = "event_retention", .type = CARB_CFG_DURATION,
	  AT_MS(struct carb_service_config, event_retention), .def = "7d",
	  AT_LEAST(1000),
	  .doc = "how long events stay in the outbox once every [[events]] sink has them" },
};

static const struct carb_cfg_key logging_keys[] = {
	{ .name = "level", .type = CARB_CFG_ENUM,
	  AT(struct carb_logging_config, level), .def = "info",
	  .choices = carb_cfg_log_levels,
	  .live = true,
	  .doc = "least severe message written" },
	{ .name = "format", .type = CARB_CFG_ENUM,
	  AT(struct carb_logging_config, format), .def = "text",
	  .choices = carb_cfg_log_formats,
	  .live = true,
	  .doc = "one line of text, or one JSON object, per message" },
	{ .name = "file", .type = CARB_CFG_PATH,
	  AT(struct carb_logging_config, file), .def_doc = "none (standard error)",
	  .live = true,
	  .doc = "log file" },
};

static const struct carb_cfg_key database_keys[] = {
	{ .name = "url", .type = CARB_CFG_STRING,
	  AT(struct carb_database_config, url),
	  .def = "sqlite:carbonation.db", .check = carb_cfg_check_database_url,
	  .doc = "catalog: sqlite:PATH (relative to the config folder), postgresql://... or mariadb://..." },
	{ .name = "password_file", .type = CARB_CFG_PATH,
	  AT(struct carb_database_config, password_file),
	  .check = carb_cfg_check_file,
	  .doc = "file holding the database password, so the URL need not" },
	{ .name = "busy_timeout", .type = CARB_CFG_DURATION,
	  AT_MS(struct carb_database_config, busy_timeout), .def = "5s",
	  .doc = "how long a write waits for a locked database" },
};

static const struct carb_cfg_key plugins_keys[] = {
	{ .name = "package", .type = CARB_CFG_STRING,
	  AT(struct carb_plugins_config, package),
	  .doc = "name of an installed plugin, looked up in the plugin folder and search_path" },
	{ .name = "path", .type = CARB_CFG_PATH,
	  AT(struct carb_plugins_config, path), .check = carb_cfg_check_file,
	  .doc = "a plugin's .so file" },
	{ .name = "search_path", .type = CARB_CFG_PATHS,
	  AT(struct carb_plugins_config, search_path), .def_list = empty_list,
	  .doc = "more folders to look for plugin packages in" },
	{ .name = "isolation", .type = CARB_CFG_ENUM,
	  AT(struct carb_plugins_config, isolation), .def = "process",
	  .choices = carb_cfg_isolations,
	  .doc = "where plugin calls run: \"process\", in helper processes, so a crash, abort or endless loop costs only its group; \"thread\", in the workers themselves: faster, but a crash takes the service down" },
	{ .name = "max_crashes", .type = CARB_CFG_INT,
	  AT(struct carb_plugins_config, max_crashes), .def = "3",
	  .min = 1, .max = 100,
	  .live = true,
	  .doc = "with isolation = \"thread\": restarts a group run alone may crash the plugin through before it is FAILED" },
	{ .name = "timeout", .type = CARB_CFG_DURATION,
	  AT_MS(struct carb_plugins_config, timeout), .def = "60s",
	  AT_LEAST(100),
	  .live = true,
	  .doc = "longest one plugin call may take; past it the call fails its group (isolation = \"process\"), or counts as hung and the watchdog stops (\"thread\")" },
	{ .name = "max_value_bytes", .type = CARB_CFG_SIZE,
	  AT(struct carb_plugins_config, max_value_bytes), .def = "64KiB",
	  .doc = "largest text value a plugin may set; a larger one fails the call" },
};

static const struct carb_cfg_key http_keys[] = {
	{ .name = "listen", .type = CARB_CFG_STRING,
	  AT(struct carb_http_config, listen), .def_doc = "none (no listener)",
	  .check = carb_cfg_check_listen,
	  .doc = "where `run` answers HTTP: \"127.0.0.1:9464\", \"[::1]:9464\", or a unix socket's absolute path" },
	{ .name = "token_file", .type = CARB_CFG_PATH,
	  AT(struct carb_http_config, token_file), .check = carb_cfg_check_file,
	  .doc = "file holding the bearer token the API, the dashboard's data and uploads ask for; /health and /metrics stay open" },
	{ .name = "max_upload", .type = CARB_CFG_SIZE,
	  AT(struct carb_http_config, max_upload), .def = "1GiB",
	  .doc = "largest body an upload may have; a larger one is refused (413) before anything is written" },
	{ .name = "upload_watches", .type = CARB_CFG_STRINGS,
	  AT(struct carb_http_config, upload_watches), .def_list = empty_list,
	  .doc = "the watches that accept uploads (PUT /upload/WATCH/NAME); none by default" },
	{ .name = "allow_open", .type = CARB_CFG_BOOL,
	  AT(struct carb_http_config, allow_open), .def = "false",
	  .doc = "allow listening on a non-loopback address without token_file" },
};

static const struct carb_cfg_key watch_keys[] = {
	{ .name = "name", .type = CARB_CFG_STRING,
	  AT(struct carb_watch_config, name), .required = true,
	  .check = carb_cfg_check_watch_name,
	  .doc = "unique name of the watch: letters, digits, \"_\", \".\", \"-\"" },
	{ .name = "path", .type = CARB_CFG_PATH,
	  AT(struct carb_watch_config, path), .required = true,
	  .check = carb_cfg_check_directory,
	  .doc = "delivery folder; watches may not overlap nor hold the archive" },
	{ .name = "settle", .type = CARB_CFG_DURATION,
	  AT_MS(struct carb_watch_config, settle), .def = "5s",
	  .live = true,
	  .doc = "how long a file must stay unchanged before it is taken" },
	{ .name = "recursive", .type = CARB_CFG_BOOL,
	  AT(struct carb_watch_config, recursive), .def = "false",
	  .doc = "watch the folders below path too" },
	{ .name = "include", .type = CARB_CFG_STRINGS,
	  AT(struct carb_watch_config, include), .def_list = empty_list,
	  .check = carb_cfg_check_globs,
	  .live = true,
	  .doc = "glob patterns a file name must match; empty: every name" },
	{ .name = "exclude", .type = CARB_CFG_STRINGS,
	  AT(struct carb_watch_config, exclude), .def_list = default_excludes,
	  .check = carb_cfg_check_globs,
	  .live = true,
	  .doc = "glob patterns of names to ignore; giving exclude replaces the defaults" },
	{ .name = "mode", .type = CARB_CFG_ENUM,
	  AT(struct carb_watch_config, mode), .def = "auto",
	  .choices = carb_cfg_watch_modes,
	  .doc = "how changes are noticed; auto polls where inotify cannot see" },
	{ .name = "poll_interval", .type = CARB_CFG_DURATION,
	  AT_MS(struct carb_watch_config, poll_interval), .def = "30s",
	  AT_LEAST(1000),
	  .doc = "time between scans when polling" },
	{ .name = "manifest", .type = CARB_CFG_STRING,
	  AT(struct carb_watch_config, manifest),
	  .check = carb_cfg_check_file_name,
	  .doc = "name of a checksum manifest file listing many files (\"SHA256SUMS\")" },
};

#define ARCHIVE struct carb_archive_config
static const struct carb_cfg_key archive_keys[] = {
	{ .name = "base_path", .type = CARB_CFG_PATH,
	  AT(ARCHIVE, base_path), .required = true,
	  .check = carb_cfg_check_directory,
	  .doc = "folder that holds the archive; nothing is written outside it" },
	{ .name = "destination", .type = CARB_CFG_TEMPLATE,
	  AT_DEST(ARCHIVE, default_destination, destination),
	  .def = "{watch}/{yyyy}/{mm}/{dd}", .check = carb_cfg_check_template,
	  .doc = "path template of the default destination, relative to base_path" },
	{ .name = "mode", .type = CARB_CFG_ENUM,
	  AT_DEST(ARCHIVE, default_destination, mode), .def = "copy",
	  .choices = carb_cfg_archive_modes,
	  .doc = "how a file reaches the archive" },
	{ .name = "max_retries", .type = CARB_CFG_INT,
	  AT(ARCHIVE, max_retries), .def = "5", .min = 0, .max = 1000,
	  .live = true,
	  .doc = "attempts after a failed archive before the file is FAILED" },
	{ .name = "retry_delay", .type = CARB_CFG_DURATION,
	  AT_MS(ARCHIVE, retry_delay), .def = "1m", AT_LEAST(1000),
	  .live = true,
	  .doc = "wait before the first retry; later waits grow up to retry_max_delay" },
	{ .name = "retry_max_delay", .type = CARB_CFG_DURATION,
	  AT_MS(ARCHIVE, retry_max_delay), .def = "1h", AT_LEAST(1000),
	  .live = true,
	  .doc = "longest wait between retries; at least retry_delay" },
	{ .name = "verify", .type = CARB_CFG_ENUM,
	  AT_DEST(ARCHIVE, default_destination, verify), .def = "size",
	  .choices = carb_cfg_verifies,
	  .doc = "how an archived copy is proved equal to its original" },
	{ .name = "on_conflict", .type = CARB_CFG_ENUM,
	  AT_DEST(ARCHIVE, default_destination, on_conflict), .def = "version",
	  .choices = carb_cfg_on_conflicts,
	  .doc = "when the archive name is taken: add a version suffix, fail, or overwrite" },
	{ .name = "hardlink_fallback", .type = CARB_CFG_BOOL,
	  AT(ARCHIVE, hardlink_fallback), .def = "false",
	  .doc = "with mode hardlink, copy when the archive is on another filesystem" },
	{ .name = "destinations", .type = CARB_CFG_TABLE,
	  .loc_off = offsetof(ARCHIVE, loc.destinations),
	  .doc = "named destinations for routing: [archive.destinations.NAME]" },
};
#undef ARCHIVE

/* A named destination starts as a copy of the default one; the keys
 * [archive] has too override it, so none of those has a default of its
 * own.  The http keys are a named destination's alone. */
#define DEST struct carb_destination_config
static const struct carb_cfg_key destination_keys[] = {
	{ .name = "destination", .type = CARB_CFG_TEMPLATE,
	  AT(struct carb_destination_config, destination),
	  .def_doc = "archive.destination", .check = carb_cfg_check_template,
	  .doc = "path template, relative to archive.base_path" },
	{ .name = "mode", .type = CARB_CFG_ENUM,
	  AT(struct carb_destination_config, mode), .def_doc = "archive.mode",
	  .choices = carb_cfg_archive_modes,
	  .doc = "how a file reaches this destination" },
	{ .name = "verify", .type = CARB_CFG_ENUM,
	  AT(struct carb_destination_config, verify),
	  .def_doc = "archive.verify", .choices = carb_cfg_verifies,
	  .doc = "how an archived copy is proved equal to its original" },
	{ .name = "on_conflict", .type = CARB_CFG_ENUM,
	  AT(struct carb_destination_config, on_conflict),
	  .def_doc = "archive.on_conflict", .choices = carb_cfg_on_conflicts,
	  .doc = "when the archive name is taken" },
	{ .name = "url", .type = CARB_CFG_STRING,
	  AT(DEST, url), .def_doc = "none (a folder under archive.base_path)",
	  .check = carb_cfg_check_destination_url,
	  .doc = "makes it an http destination: the http:// or https:// URL template each file is PUT to, with {name} (\"http://host:9464/upload/in/{name}\"); values are percent-encoded; excludes destination; docs/http-destination.md" },
	{ .name = "token_file", .type = CARB_CFG_PATH,
	  AT(DEST, token_file), .check = carb_cfg_check_file,
	  .doc = "http destination: file holding the bearer token sent to the receiver (its [http] token_file)" },
	{ .name = "connect_timeout", .type = CARB_CFG_DURATION,
	  AT_MS(DEST, connect_timeout), .def = "10s", .min = 100,
	  .max = 300000,
	  .doc = "http destination: longest wait for a connection; past it the destination pauses" },
	{ .name = "timeout", .type = CARB_CFG_DURATION,
	  AT_MS(DEST, timeout), .def = "10m", AT_LEAST(1000),
	  .doc = "http destination: longest one PUT may take, connecting included; at most service.max_job_time" },
};
#undef DEST

const char *const carb_cfg_sink_kinds[] = { "webhook", "amqp", NULL };
const char *const carb_cfg_exchange_types[] = {
	"fanout", "direct", "topic", "headers", NULL,
};

#define SINK struct carb_event_sink_config
static const struct carb_cfg_key events_keys[] = {
	{ .name = "name", .type = CARB_CFG_STRING,
	  AT(SINK, name), .required = true,
	  .check = carb_cfg_check_watch_name,
	  .doc = "unique name of the sink: letters, digits, \"_\", \".\", \"-\"; deliveries are recorded under it" },
	{ .name = "kind", .type = CARB_CFG_ENUM,
	  AT(SINK, kind), .required = true, .choices = carb_cfg_sink_kinds,
	  .doc = "\"webhook\": an HTTP POST of each event; \"amqp\": a persistent message to an AMQP 0-9-1 exchange (RabbitMQ), with publisher confirms" },
	{ .name = "statuses", .type = CARB_CFG_STRINGS,
	  AT(SINK, statuses), .def_list = empty_list,
	  .doc = "the final statuses sent (ARCHIVED, FAILED, INTEGRITY_FAILED, NOT_SELECTED, TIMED_OUT, DUPLICATE, CLEARED); empty: all" },
	{ .name = "watches", .type = CARB_CFG_STRINGS,
	  AT(SINK, watches), .def_list = empty_list,
	  .doc = "the watches whose events are sent; empty: all" },
	{ .name = "url", .type = CARB_CFG_STRING,
	  AT(SINK, url), .check = carb_cfg_check_event_url,
	  .doc = "webhook: the http:// or https:// URL each event is POSTed to; amqp: the broker, amqp://HOST[:PORT][/VHOST] (port 5672, vhost \"/\" written %2F), without credentials" },
	{ .name = "secret_file", .type = CARB_CFG_PATH,
	  AT(SINK, secret_file), .check = carb_cfg_check_file,
	  .doc = "webhook: file holding the shared secret; the body's HMAC-SHA256 goes in X-Carbonation-Signature: sha256=HEX" },
	{ .name = "credentials_file", .type = CARB_CFG_PATH,
	  AT(SINK, credentials_file), .check = carb_cfg_check_file,
	  .def_doc = "none (guest:guest)",
	  .doc = "amqp: file whose first line is USER:PASSWORD for the broker" },
	{ .name = "exchange", .type = CARB_CFG_STRING,
	  AT(SINK, exchange), .def = "carbonation",
	  .check = carb_cfg_check_exchange,
	  .doc = "amqp: the exchange events are published to, declared durable (letters, digits, \"-\", \"_\", \".\", \":\"; not amq.*)" },
	{ .name = "exchange_type", .type = CARB_CFG_ENUM,
	  AT(SINK, exchange_type), .def = "fanout",
	  .choices = carb_cfg_exchange_types,
	  .doc = "amqp: the type the exchange is declared with" },
	{ .name = "routing_key", .type = CARB_CFG_STRING,
	  AT(SINK, routing_key), .def = "file.{status}",
	  .check = carb_cfg_check_routing_key,
	  .doc = "amqp: each message's routing key, a template of {status} (the final status in lower case), {watch} and {scope} (group or component)" },
	{ .name = "timeout", .type = CARB_CFG_DURATION,
	  AT_MS(SINK, timeout), .def = "10s", AT_LEAST(100),
	  .doc = "longest one delivery may take before it counts as failed and is retried" },
};
#undef SINK

const struct carb_cfg_section carb_cfg_events_section = {
	"config.toml", "events", "[[events]]",
	"one sink of events (a final status of a group, a failed integrity check); repeat per sink",
	events_keys, NKEYS(events_keys),
};

const struct carb_cfg_section carb_cfg_service_section = {
	"config.toml", "service", "[service]", "the service process",
	service_keys, NKEYS(service_keys),
};
const struct carb_cfg_section carb_cfg_logging_section = {
	"config.toml", "logging", "[logging]", "log messages",
	logging_keys, NKEYS(logging_keys),
};
const struct carb_cfg_section carb_cfg_database_section = {
	"config.toml", "database", "[database]", "the catalog database",
	database_keys, NKEYS(database_keys),
};
const struct carb_cfg_section carb_cfg_plugins_section = {
	"config.toml", "plugins", "[plugins]",
	"the plugin that rules.toml names functions of; [plugins.NAME] is the plugin's own table",
	plugins_keys, NKEYS(plugins_keys),
};
const struct carb_cfg_section carb_cfg_http_section = {
	"config.toml", "http", "[http]",
	"the HTTP listener of `run`: health, metrics, the JSON API, the dashboard, uploads",
	http_keys, NKEYS(http_keys),
};
const struct carb_cfg_section carb_cfg_watch_section = {
	"config.toml", "watch", "[[watch]]", "one delivery folder; repeat per folder",
	watch_keys, NKEYS(watch_keys),
};
const struct carb_cfg_section carb_cfg_archive_section = {
	"config.toml", "archive", "[archive]",
	"where accepted files go; also the destination named \"default\"",
	archive_keys, NKEYS(archive_keys),
};
const struct carb_cfg_section carb_cfg_destination_section = {
	"config.toml", "archive.destinations.NAME", "[archive.destinations.NAME]",
	"a named destination for routing: a folder under archive.base_path, or with url an http destination (docs/http-destination.md); NAME \"default\" is reserved",
	destination_keys, NKEYS(destination_keys),
};

const struct carb_cfg_section *const carb_cfg_all_sections[] = {
	&carb_cfg_service_section,
	&carb_cfg_logging_section,
	&carb_cfg_database_section,
	&carb_cfg_plugins_section,
	&carb_cfg_http_section,
	&carb_cfg_watch_section,
	&carb_cfg_archive_section,
	&carb_cfg_destination_section,
	&carb_cfg_events_section,
	&carb_cfg_integrity_section,
	&carb_cfg_completeness_section,
	&carb_cfg_metadata_section,
	&carb_cfg_selection_section,
	&carb_cfg_selection_rule_section,
	&carb_cfg_routing_section,
	&carb_cfg_routing_rule_section,
};
const size_t carb_cfg_all_sections_count = NKEYS(carb_cfg_all_sections);

const char *carb_log_level_name(enum carb_log_level v)
{
	return carb_cfg_log_levels[v];
}

const char *carb_log_format_name(enum carb_log_format v)
{
	return carb_cfg_log_formats[v];
}

const char *carb_watch_mode_name(enum carb_watch_mode v)
{
	return carb_cfg_watch_modes[v];
}

const char *carb_archive_mode_name(enum carb_archive_mode v)
{
	return carb_cfg_archive_modes[v];
}

const char *carb_verify_name(enum carb_verify v)
{
	return carb_cfg_verifies[v];
}

const char *carb_event_sink_kind_name(enum carb_event_sink_kind v)
{
	return carb_cfg_sink_kinds[v];
}

const char *carb_exchange_type_name(enum carb_exchange_type v)
{
	return carb_cfg_exchange_types[v];
}

const char *carb_on_conflict_name(enum carb_on_conflict v)
{
	return carb_cfg_on_conflicts[v];
}
