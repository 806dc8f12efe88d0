/* http destinations ([archive.destinations.NAME] url = ...): the URL
 * template's shape, and what such a destination cannot have.  Refused
 * here, once, rather than file by file in the archive step. */
#include <stdio.h>
#include <string.h>

#include "config/config_internal.h"

/* Variables a URL template knows besides the folder templates' own. */
#define URL_VARS "{watch} {yyyy} {mm} {dd} {hh} {group} {dir} {name}"

static const char *field_str(const void *field)
{
	const char *s;

	memcpy(&s, field, sizeof(s));
	return s;
}

/* The part after "scheme://", or NULL when the scheme is not http(s). */
static const char *after_scheme(const char *url)
{
	if (strncmp(url, "http://", 7) == 0)
		return url + 7;
	if (strncmp(url, "https://", 8) == 0)
		return url + 8;
	return NULL;
}

/* The host is written out: a value from a file name or a plugin may pick
 * the path on the receiver, never which receiver gets the file. */
void carb_cfg_check_destination_url(struct carb_cfg_ctx *ctx,
				    const char *label, const void *field,
				    const struct carb_toml_value *v)
{
	const char *url = field_str(field), *host = after_scheme(url), *why;
	size_t hlen, at;

	if (host == NULL) {
		carb_cfg_error_at(ctx, v, "%s: \"%s\" is not an http:// or"
				  " https:// URL", label, url);
		return;
	}
	for (const char *p = url; *p != '\0'; p++)
		if ((unsigned char)*p <= ' ' || *p == 0x7f) {
			carb_cfg_error_at(ctx, v, "%s: \"%s\" holds a space or"
					  " a control character; write it"
					  " percent-encoded", label, url);
			return;
		}
	hlen = strcspn(host, "/?#");
	if (hlen == 0 || memchr(host, '{', hlen) || memchr(host, '}', hlen)) {
		carb_cfg_error_at(ctx, v, "%s: \"%s\": the host%s", label, url,
				  hlen == 0 ? " is missing"
				  : " must be written out; placeholders go in"
				    " the path");
		return;
	}
	why = carb_config_template_braces(url, &at);
	if (why != NULL)
		carb_cfg_error_at(ctx, v, "%s: \"%s\": %s", label, url, why);
	else if (strstr(url, "{name}") == NULL)
		carb_cfg_error_at(ctx, v, "%s: \"%s\" has no {name}: every file"
				  " would go to one URL", label, url);
}

static bool known_var(const char *p, size_t n)
{
	if (n == 4 && memcmp(p, "name", 4) == 0)
		return true;
	for (size_t i = 0; carb_template_vars[i] != NULL; i++)
		if (strlen(carb_template_vars[i]) == n &&
		    memcmp(carb_template_vars[i], p, n) == 0)
			return true;
	return false;
}

/* Unknown variables, unless a plugin is configured: its columns are
 * variables too, and the plugin loader has the last word on them. */
static void check_url_vars(struct carb_cfg_ctx *ctx,
			   const struct carb_config *cfg,
			   const struct carb_destination_config *d)
{
	const char *p = d->url;

	while (!carb_config_has_plugin(cfg) && (p = strchr(p, '{')) != NULL) {
		size_t n;

		if (p[1] == '{') {
			p += 2;
			continue;
		}
		n = strcspn(p + 1, "}");
		if (p[1 + n] == '\0')
			return;
		if (!known_var(p + 1, n))
			carb_cfg_error(ctx, d->loc.url.line, d->loc.url.column,
				       "destination \"%s\": url \"%s\" uses"
				       " unknown variable \"%.*s\" (valid: "
				       URL_VARS ")", d->name, d->url, (int)n,
				       p + 1);
		p += n + 2;
	}
}

/* Where to point at a key the destination may have inherited. */
static const struct carb_config_loc *at(const struct carb_destination_config *d,
					const struct carb_config_loc *key)
{
	return key->line > 0 ? key : &d->loc.table;
}

static void check_http(struct carb_cfg_ctx *ctx, const struct carb_config *cfg,
		       const struct carb_destination_config *d)
{
	const struct carb_config_loc *l;
	int64_t job = carb_config_service(cfg)->max_job_time_ms;
	char a[32], b[32];

	if (d->loc.destination.line > 0)
		carb_cfg_error(ctx, d->loc.destination.line,
			       d->loc.destination.column,
			       "destination \"%s\": destination and url exclude"
			       " each other: an http destination has no folder"
			       " under archive.base_path", d->name);
	if (d->mode != CARB_ARCHIVE_COPY) {
		l = at(d, &d->loc.mode);
		carb_cfg_error(ctx, l->line, l->column,
			       "destination \"%s\": mode \"%s\"%s: an http"
			       " destination only copies; the delivered file"
			       " stays (valid: \"copy\")", d->name,
			       carb_archive_mode_name(d->mode),
			       d->loc.mode.line > 0 ? ""
			       : " (from archive.mode; write mode = \"copy\")");
	}
	if (d->loc.on_conflict.line > 0 && d->on_conflict != CARB_CONFLICT_FAIL)
		carb_cfg_error(ctx, d->loc.on_conflict.line,
			       d->loc.on_conflict.column,
			       "destination \"%s\": on_conflict \"%s\": the"
			       " receiver keeps the first file of a name and"
			       " refuses a different one (409), which fails the"
			       " file (valid: \"fail\", or leave it out)",
			       d->name, carb_on_conflict_name(d->on_conflict));
	if (d->timeout_ms > job) {
		l = at(d, &d->loc.timeout);
		carb_cfg_error(ctx, l->line, l->column,
			       "destination \"%s\": timeout %s is longer than"
			       " service.max_job_time %s, past which a worker"
			       " counts as hung", d->name,
			       carb_config_format_duration(d->timeout_ms, a, sizeof(a)),
			       carb_config_format_duration(job, b, sizeof(b)));
	}
	check_url_vars(ctx, cfg, d);
}

/* The http keys on a destination without url would be ignored silently. */
static void check_local(struct carb_cfg_ctx *ctx,
			const struct carb_destination_config *d)
{
	const struct { const char *name; const struct carb_config_loc *loc; }
	keys[] = {
		{ "token_file", &d->loc.token_file },
		{ "connect_timeout", &d->loc.connect_timeout },
		{ "timeout", &d->loc.timeout },
	};

	for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]); i++)
		if (keys[i].loc->line > 0)
			carb_cfg_error(ctx, keys[i].loc->line,
				       keys[i].loc->column,
				       "destination \"%s\": %s is for an http"
				       " destination, and this one has no url",
				       d->name, keys[i].name);
}

void carb_cfg_check_http_destinations(struct carb_cfg_ctx *ctx,
				      const struct carb_config *cfg)
{
	for (size_t i = 1; i < carb_config_destination_count(cfg); i++) {
		const struct carb_destination_config *d =
			carb_config_destination(cfg, i);

		if (d->url != NULL)
			check_http(ctx, cfg, d);
		else
			check_local(ctx, d);
	}
}

bool carb_destination_is_http(const struct carb_destination_config *d)
{
	return d->url != NULL;
}
