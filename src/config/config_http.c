/* [http]: where the listener listens, and the checks that keep it from
 * opening the catalog to a network by accident. */
#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config/config_internal.h"

static int parse_port(const char *s, int *port)
{
	char *end;
	long v;

	if (*s < '0' || *s > '9')
		return -1;
	v = strtol(s, &end, 10);
	if (*end != '\0' || v < 1 || v > 65535)
		return -1;
	*port = (int)v;
	return 0;
}

static int parse_unix(const char *text, struct carb_http_listen *out,
		      char *why, size_t why_size)
{
	if (strlen(text) >= sizeof(out->path)) {
		snprintf(why, why_size, "a unix socket path is at most %zu bytes",
			 sizeof(out->path) - 1);
		return -1;
	}
	out->is_unix = true;
	out->loopback = true;
	strcpy(out->path, text);
	return 0;
}

/* The host part, numeric only: a name would be looked up at start, and
 * could then resolve to an address check config never saw. */
static int parse_host(const char *host, size_t len, bool v6,
		      struct carb_http_listen *out)
{
	unsigned char a[16];

	if (len == 0 || len >= sizeof(out->host))
		return -1;
	memcpy(out->host, host, len);
	out->host[len] = '\0';
	if (v6) {
		if (inet_pton(AF_INET6, out->host, a) != 1)
			return -1;
		out->loopback = memcmp(a, in6addr_loopback.s6_addr, 16) == 0;
		return 0;
	}
	if (inet_pton(AF_INET, out->host, a) != 1)
		return -1;
	out->loopback = a[0] == 127;
	return 0;
}

int carb_http_listen_parse(const char *text, struct carb_http_listen *out,
			   char *why, size_t why_size)
{
	const char *colon;
	bool v6 = text[0] == '[';

	memset(out, 0, sizeof(*out));
	if (text[0] == '/')
		return parse_unix(text, out, why, why_size);
	colon = v6 ? strstr(text, "]:") : strrchr(text, ':');
	if (colon == NULL || (!v6 && strchr(text, ':') != colon)) {
		snprintf(why, why_size, "\"%s\" is not HOST:PORT, [IPv6]:PORT"
			 " or an absolute unix socket path", text);
		return -1;
	}
	if (parse_host(text + v6, (size_t)(colon - text - v6), v6, out) < 0) {
		snprintf(why, why_size, "\"%s\": the host must be a numeric %s"
			 " address (for example %s)", text, v6 ? "IPv6" : "IPv4",
			 v6 ? "[::1]:9464" : "127.0.0.1:9464");
		return -1;
	}
	if (parse_port(colon + 1 + v6, &out->port) < 0) {
		snprintf(why, why_size, "\"%s\": the port must be 1 to 65535",
			 text);
		return -1;
	}
	return 0;
}

void carb_cfg_check_listen(struct carb_cfg_ctx *ctx, const char *label,
			   const void *field, const struct carb_toml_value *v)
{
	const char *text = *(const char *const *)field;
	struct carb_http_listen l;
	char why[256];

	if (text != NULL && carb_http_listen_parse(text, &l, why, sizeof(why)) < 0)
		carb_cfg_error_at(ctx, v, "%s: %s", label, why);
}

static void check_upload_watches(struct carb_cfg_ctx *ctx,
				 const struct carb_config *cfg)
{
	const struct carb_http_config *h = &cfg->http;

	for (size_t i = 0; i < h->upload_watches.count; i++) {
		if (carb_config_watch_find(cfg, h->upload_watches.items[i]) != NULL)
			continue;
		carb_cfg_error(ctx, h->loc.upload_watches.line,
			       h->loc.upload_watches.column,
			       "http.upload_watches: no watch is named \"%s\"",
			       h->upload_watches.items[i]);
	}
}

/* A listener beyond loopback without a token would hand the catalog and
 * uploads into the watches to anyone who can reach the port. */
void carb_cfg_check_http(struct carb_cfg_ctx *ctx, const struct carb_config *cfg)
{
	const struct carb_http_config *h = &cfg->http;
	struct carb_http_listen l;
	char why[256];

	check_upload_watches(ctx, cfg);
	if (h->listen == NULL ||
	    carb_http_listen_parse(h->listen, &l, why, sizeof(why)) < 0)
		return;
	if (!l.loopback && h->token_file == NULL && !h->allow_open)
		carb_cfg_error(ctx, h->loc.listen.line, h->loc.listen.column,
			       "http.listen: \"%s\" is not a loopback address and"
			       " no http.token_file is set; set one, or"
			       " http.allow_open = true to serve without a token",
			       h->listen);
}
