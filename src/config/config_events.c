/* [[events]]: the sinks the outbox's publisher sends events to
 * (docs/events.md).  Each table is read by the events section's keys;
 * what holds across keys and sections (a sink has a url of its kind, keys
 * of the other kind are refused, the watches exist, names are unique) is
 * checked here. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config/config_internal.h"

/* The statuses that make an event (migrations/<dialect>/core/0010). */
static const char *const final_statuses[] = {
	"ARCHIVED", "FAILED", "INTEGRITY_FAILED", "NOT_SELECTED", "TIMED_OUT",
	"DUPLICATE", "CLEARED", NULL,
};

static char *sink_label(const struct carb_toml_value *t, size_t i,
			bool for_where)
{
	const struct carb_toml_value *name = carb_toml_table_get(t, "name");
	const char *s = NULL;

	if (name != NULL && carb_toml_type(name) == CARB_TOML_STRING)
		s = carb_toml_string(name, NULL);
	if (s != NULL && *s != '\0' && strlen(s) <= 64 &&
	    strspn(s, CARB_CFG_NAME_CHARS) == strlen(s))
		return for_where ? carb_xasprintf("[[events]] \"%s\"", s)
				 : carb_xasprintf("events \"%s\": ", s);
	return for_where ? carb_xasprintf("[[events]] #%zu", i + 1)
			 : carb_xasprintf("events #%zu: ", i + 1);
}

void carb_cfg_load_events(struct carb_cfg_ctx *ctx, struct carb_config *cfg,
			  const struct carb_toml_value *root)
{
	const struct carb_toml_value *arr = carb_toml_table_get(root, "events");
	size_t n;

	if (arr == NULL)
		return;
	if (carb_toml_type(arr) != CARB_TOML_ARRAY) {
		carb_cfg_type_error(ctx, "events", "array of tables ([[events]])",
				    arr);
		return;
	}
	n = carb_toml_array_count(arr);
	cfg->sinks = carb_xcalloc(n ? n : 1, sizeof(*cfg->sinks));
	for (size_t i = 0; i < n; i++) {
		const struct carb_toml_value *t = carb_toml_array_get(arr, i);
		struct carb_event_sink_config *s = &cfg->sinks[cfg->nsinks];
		char *prefix, *where;

		if (carb_toml_type(t) != CARB_TOML_TABLE) {
			char *label = carb_xasprintf("events[%zu]", i);

			carb_cfg_type_error(ctx, label, "table", t);
			free(label);
			continue;
		}
		cfg->nsinks++;
		prefix = sink_label(t, i, false);
		where = sink_label(t, i, true);
		carb_cfg_parse_section(ctx, &carb_cfg_events_section, t, prefix,
				       where, s);
		s->loc.table = carb_cfg_loc(ctx, t);
		free(prefix);
		free(where);
	}
}

/* amqp://HOST[:PORT][/VHOST]: the part after the scheme.  Credentials
 * belong in credentials_file, where a config file shown to others does
 * not carry them. */
static void check_amqp_url(struct carb_cfg_ctx *ctx, const char *label,
			   const char *url, const struct carb_toml_value *v)
{
	const char *auth = url + strlen("amqp://");
	size_t n = strcspn(auth, "/");
	const char *colon = memchr(auth, ':', n);
	char *end;
	long port;

	if (memchr(auth, '@', n) != NULL) {
		carb_cfg_error_at(ctx, v, "%s: \"%s\" holds credentials; put"
				  " USER:PASSWORD in credentials_file", label,
				  url);
		return;
	}
	if (n == 0 || colon == auth) {
		carb_cfg_error_at(ctx, v, "%s: \"%s\" names no host", label, url);
		return;
	}
	if (colon == NULL)
		return;
	port = strtol(colon + 1, &end, 10);
	if (end == colon + 1 || end != auth + n || port < 1 || port > 65535)
		carb_cfg_error_at(ctx, v, "%s: \"%s\": the port is not a"
				  " number from 1 to 65535", label, url);
}

void carb_cfg_check_event_url(struct carb_cfg_ctx *ctx, const char *label,
			      const void *field, const struct carb_toml_value *v)
{
	const char *url = *(const char *const *)field;

	if (url == NULL)
		return;
	if (strncmp(url, "amqp://", 7) == 0)
		check_amqp_url(ctx, label, url, v);
	else if (strncmp(url, "http://", 7) != 0 &&
		 strncmp(url, "https://", 8) != 0)
		carb_cfg_error_at(ctx, v, "%s: \"%s\" is not an http://,"
				  " https:// or amqp:// URL", label, url);
}

/* AMQP's rule for names, and RabbitMQ's: amq.* is the broker's own. */
void carb_cfg_check_exchange(struct carb_cfg_ctx *ctx, const char *label,
			     const void *field, const struct carb_toml_value *v)
{
	const char *x = *(const char *const *)field;
	static const char ok[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
		"abcdefghijklmnopqrstuvwxyz0123456789-_.:";

	if (x == NULL)
		return;
	if (*x == '\0' || strlen(x) > 127 || strspn(x, ok) != strlen(x))
		carb_cfg_error_at(ctx, v, "%s: \"%s\" is not an exchange name"
				  " (1 to 127 letters, digits, \"-\", \"_\","
				  " \".\", \":\")", label, x);
	else if (strncmp(x, "amq.", 4) == 0)
		carb_cfg_error_at(ctx, v, "%s: \"%s\": names starting with"
				  " \"amq.\" are the broker's own", label, x);
}

/* The placeholders amqp.c fills in a routing key. */
static const char *const routing_placeholders[] = {
	"status", "watch", "scope", NULL,
};

static bool routing_placeholder(const char *name, size_t n)
{
	for (size_t i = 0; routing_placeholders[i] != NULL; i++)
		if (strlen(routing_placeholders[i]) == n &&
		    strncmp(routing_placeholders[i], name, n) == 0)
			return true;
	return false;
}

void carb_cfg_check_routing_key(struct carb_cfg_ctx *ctx, const char *label,
				const void *field,
				const struct carb_toml_value *v)
{
	const char *t = *(const char *const *)field;

	if (t == NULL)
		return;
	if (strlen(t) > 255) {
		carb_cfg_error_at(ctx, v, "%s: longer than 255 bytes", label);
		return;
	}
	for (const char *p = t; *p != '\0'; p++) {
		size_t n;

		if (*p == '}') {
			carb_cfg_error_at(ctx, v, "%s: \"%s\": a \"}\" without"
					  " its \"{\"", label, t);
			return;
		}
		if (*p != '{')
			continue;
		n = strcspn(p + 1, "{}");
		if (p[1 + n] != '}' || !routing_placeholder(p + 1, n)) {
			carb_cfg_error_at(ctx, v, "%s: \"%s\": placeholders are"
					  " {status}, {watch} and {scope}",
					  label, t);
			return;
		}
		p += n + 1;
	}
}

static bool is_final(const char *s)
{
	for (size_t i = 0; final_statuses[i] != NULL; i++)
		if (strcmp(final_statuses[i], s) == 0)
			return true;
	return false;
}

static void check_lists(struct carb_cfg_ctx *ctx, const struct carb_config *cfg,
			const struct carb_event_sink_config *s)
{
	for (size_t k = 0; k < s->statuses.count; k++) {
		if (is_final(s->statuses.items[k]))
			continue;
		carb_cfg_error(ctx, s->loc.statuses.line, s->loc.statuses.column,
			       "events \"%s\": statuses: \"%s\" is not a final"
			       " status (ARCHIVED, FAILED, INTEGRITY_FAILED,"
			       " NOT_SELECTED, TIMED_OUT, DUPLICATE, CLEARED)",
			       s->name, s->statuses.items[k]);
	}
	for (size_t k = 0; k < s->watches.count; k++) {
		if (carb_config_watch_find(cfg, s->watches.items[k]) != NULL)
			continue;
		carb_cfg_error(ctx, s->loc.watches.line, s->loc.watches.column,
			       "events \"%s\": watches: no watch is named \"%s\"",
			       s->name, s->watches.items[k]);
	}
}

/* A key of the other kind, written in the table: refused rather than
 * ignored, since whoever wrote it expects it to do something. */
static void foreign_key(struct carb_cfg_ctx *ctx,
			const struct carb_event_sink_config *s,
			const struct carb_config_loc *loc, const char *key)
{
	if (loc->line == 0)
		return;
	carb_cfg_error(ctx, loc->line, loc->column, "events \"%s\": %s: only"
		       " %s sink has it", s->name, key,
		       s->kind == CARB_SINK_AMQP ? "a webhook" : "an amqp");
}

static void check_kind(struct carb_cfg_ctx *ctx,
		       const struct carb_event_sink_config *s)
{
	bool amqp = s->kind == CARB_SINK_AMQP;
	bool amqp_url = s->url != NULL && strncmp(s->url, "amqp://", 7) == 0;
	bool http_url = s->url != NULL && (strncmp(s->url, "http://", 7) == 0 ||
					   strncmp(s->url, "https://", 8) == 0);

	if (s->url == NULL)
		carb_cfg_error(ctx, s->loc.table.line, s->loc.table.column,
			       "events \"%s\": %s needs url", s->name,
			       amqp ? "an amqp sink" : "a webhook");
	else if (amqp ? http_url : amqp_url)
		carb_cfg_error(ctx, s->loc.url.line, s->loc.url.column,
			       "events \"%s\": url: \"%s\": %s", s->name,
			       s->url, amqp ? "an amqp sink needs an amqp://"
			       " URL" : "a webhook needs an http:// or"
			       " https:// URL");
	if (amqp) {
		foreign_key(ctx, s, &s->loc.secret_file, "secret_file");
		return;
	}
	foreign_key(ctx, s, &s->loc.credentials_file, "credentials_file");
	foreign_key(ctx, s, &s->loc.exchange, "exchange");
	foreign_key(ctx, s, &s->loc.exchange_type, "exchange_type");
	foreign_key(ctx, s, &s->loc.routing_key, "routing_key");
}

void carb_cfg_check_events(struct carb_cfg_ctx *ctx,
			   const struct carb_config *cfg)
{
	for (size_t i = 0; i < cfg->nsinks; i++) {
		const struct carb_event_sink_config *s = &cfg->sinks[i];

		if (s->name == NULL)
			continue;
		for (size_t j = 0; j < i; j++)
			if (cfg->sinks[j].name != NULL &&
			    strcmp(cfg->sinks[j].name, s->name) == 0)
				carb_cfg_error(ctx, s->loc.name.line,
					       s->loc.name.column,
					       "events \"%s\": name: another"
					       " [[events]] table has that name",
					       s->name);
		check_kind(ctx, s);
		check_lists(ctx, cfg, s);
	}
}

void carb_cfg_free_events(struct carb_config *cfg)
{
	for (size_t i = 0; i < cfg->nsinks; i++)
		carb_cfg_release_section(&carb_cfg_events_section,
					 &cfg->sinks[i]);
	free(cfg->sinks);
	cfg->sinks = NULL;
	cfg->nsinks = 0;
}
