/* Database URLs: parsing into a struct carb_db_url, and redaction for
 * messages.  No backend library is needed here, so config validation can
 * check a URL without connecting. */
#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "catalog/catalog.h"

static const struct {
	const char *scheme;
	enum carb_db_kind kind;
	const char *label;    /* for "built without ... support" */
} schemes[] = {
	{ "sqlite", CARB_DB_SQLITE, "SQLite" },
	{ "postgresql", CARB_DB_POSTGRESQL, "PostgreSQL" },
	{ "postgres", CARB_DB_POSTGRESQL, "PostgreSQL" },
	{ "mariadb", CARB_DB_MARIADB, "MariaDB" },
	{ "mysql", CARB_DB_MARIADB, "MariaDB" },
};

#define NSCHEMES (sizeof(schemes) / sizeof(schemes[0]))
#define VALID_SCHEMES "valid: sqlite, postgresql, mariadb"

/* Messages never quote what a misplaced delimiter could have cut out of a
 * password: they name the part of the URL that is wrong instead. */
static int percent_decode(const char *s, size_t n, char **out,
			  const char *what, struct carb_error *err)
{
	char *d = carb_xmalloc(n + 1);
	char hex[3] = { 0, 0, 0 };
	size_t j = 0;

	for (size_t i = 0; i < n; i++) {
		if (s[i] != '%') {
			d[j++] = s[i];
			continue;
		}
		if (i + 2 >= n) {
			free(d);
			return carb_error_set(err, "the database URL's %s has an incomplete %%-escape",
					      what);
		}
		if (!isxdigit((unsigned char)s[i + 1]) ||
		    !isxdigit((unsigned char)s[i + 2])) {
			free(d);
			return carb_error_set(err, "the database URL's %s has an invalid %%-escape",
					      what);
		}
		hex[0] = s[i + 1];
		hex[1] = s[i + 2];
		d[j] = (char)strtol(hex, NULL, 16);
		if (d[j] == '\0') {
			free(d);
			return carb_error_set(err, "the database URL's %s contains %%00",
					      what);
		}
		j++;
		i += 2;
	}
	d[j] = '\0';
	*out = d;
	return 0;
}

/* An empty part is absent: NULL, so the client library's default applies. */
static int decode_part(const char *s, size_t n, char **out, const char *what,
		       struct carb_error *err)
{
	free(*out);
	*out = NULL;
	if (n == 0)
		return 0;
	return percent_decode(s, n, out, what, err);
}

static int parse_int(const char *s, int min, int max, int *out)
{
	char *end;
	long v;

	if (*s == '\0' || !isdigit((unsigned char)*s))
		return -1;
	errno = 0;
	v = strtol(s, &end, 10);
	if (errno != 0 || *end != '\0' || v < min || v > max)
		return -1;
	*out = (int)v;
	return 0;
}

static int parse_sqlite(const char *rest, const char *base_dir,
			struct carb_db_url *out, struct carb_error *err)
{
	char *path = NULL;

	if (strncmp(rest, "//", 2) == 0) {
		const char *slash = strchr(rest + 2, '/');
		size_t hostlen = slash ? (size_t)(slash - rest - 2) : strlen(rest + 2);

		if (hostlen != 0 && !(hostlen == 9 && strncmp(rest + 2, "localhost", 9) == 0))
			return carb_error_set(err, "a sqlite URL names a file, not a host: "
					      "write sqlite:///absolute/path.db or sqlite:relative/path.db");
		rest = slash ? slash : "";
	}
	if (strchr(rest, '?') != NULL)
		return carb_error_set(err, "a sqlite URL takes no options (write %%3F for a '?' in the file name)");
	if (percent_decode(rest, strlen(rest), &path, "file name", err) < 0)
		return -1;
	if (*path == '\0') {
		free(path);
		return carb_error_set(err, "the sqlite URL names no file");
	}
	if (path[0] == '/' || strcmp(path, ":memory:") == 0) {
		out->path = path;
		return 0;
	}
	if (base_dir != NULL && *base_dir != '\0') {
		out->path = carb_xasprintf("%s%s%s", base_dir,
					   base_dir[strlen(base_dir) - 1] == '/' ? "" : "/",
					   path);
	} else {
		char cwd[PATH_MAX];

		out->path = getcwd(cwd, sizeof(cwd)) != NULL
			? carb_xasprintf("%s/%s", strcmp(cwd, "/") == 0 ? "" : cwd, path)
			: carb_xstrdup(path);
	}
	free(path);
	return 0;
}

static int parse_userinfo(const char *s, size_t n, struct carb_db_url *out,
			  struct carb_error *err)
{
	const char *colon = memchr(s, ':', n);
	size_t ulen = colon ? (size_t)(colon - s) : n;

	if (decode_part(s, ulen, &out->user, "user name", err) < 0)
		return -1;
	if (colon == NULL)
		return 0;
	/* "user:@host" is an explicitly empty password, not a missing one. */
	free(out->password);
	return percent_decode(colon + 1, n - ulen - 1, &out->password,
			      "password", err);
}

static int parse_hostport(const char *s, size_t n, struct carb_db_url *out,
			  struct carb_error *err)
{
	const char *host = s, *port = NULL;
	size_t hostlen = n;

	if (n > 0 && s[0] == '[') {
		const char *close = memchr(s, ']', n);

		if (close == NULL)
			return carb_error_set(err, "the database URL's host has a '[' without ']'");
		host = s + 1;
		hostlen = (size_t)(close - s - 1);
		if (close + 1 < s + n) {
			if (close[1] != ':')
				return carb_error_set(err, "the database URL has text after the host's ']'");
			port = close + 2;
		}
	} else {
		const char *colon = memchr(s, ':', n);

		if (colon != NULL) {
			hostlen = (size_t)(colon - s);
			port = colon + 1;
		}
	}
	if (decode_part(host, hostlen, &out->host, "host", err) < 0)
		return -1;
	if (port != NULL && port < s + n) {
		char *p = carb_xstrndup(port, (size_t)(s + n - port));
		int r = parse_int(p, 1, 65535, &out->port);

		free(p);
		if (r < 0)
			return carb_error_set(err, "the database URL's port is not a number from 1 to 65535");
	}
	return 0;
}

static void add_param(struct carb_db_url *out, char *key, char *value)
{
	out->params = carb_xrealloc(out->params,
				    (out->nparams + 1) * sizeof(*out->params));
	out->params[out->nparams].key = key;
	out->params[out->nparams].value = value;
	out->nparams++;
}

/* Options that mean the same on both servers land in the struct's fields;
 * the rest are libpq's business, or an error for MariaDB. */
static int apply_option(struct carb_db_url *out, char *key, char *value,
			struct carb_error *err)
{
	char **field = NULL;

	if (strcmp(key, "connect_timeout") == 0) {
		int r = parse_int(value, 0, 86400, &out->connect_timeout);

		free(value);
		if (r < 0)
			carb_error_set(err, "the database URL's option \"connect_timeout\" is not a number of seconds");
		free(key);
		return r;
	}
	if (out->kind == CARB_DB_POSTGRESQL) {
		if (strcmp(key, "host") == 0)
			field = &out->host;
		else if (strcmp(key, "user") == 0)
			field = &out->user;
		else if (strcmp(key, "password") == 0)
			field = &out->password;
		else if (strcmp(key, "dbname") == 0)
			field = &out->dbname;
		else if (strcmp(key, "port") == 0) {
			int r = parse_int(value, 1, 65535, &out->port);

			free(key);
			free(value);
			return r < 0 ? carb_error_set(err, "the database URL's port is not a number from 1 to 65535") : 0;
		}
		if (field == NULL) {
			add_param(out, key, value);
			return 0;
		}
	} else if (strcmp(key, "socket") == 0) {
		field = &out->socket;
	} else {
		carb_error_set(err, "unknown option \"%s\" in a mariadb URL (valid: socket, connect_timeout)",
			       key);
		free(key);
		free(value);
		return -1;
	}
	free(key);
	free(*field);
	*field = value;
	return 0;
}

static int parse_query(const char *q, struct carb_db_url *out,
		       struct carb_error *err)
{
	while (*q != '\0') {
		size_t len = strcspn(q, "&");
		const char *eq = memchr(q, '=', len);
		char *key = NULL, *value = NULL;

		if (len == 0) {
			q++;
			continue;
		}
		if (eq == NULL) {
			if (percent_decode(q, len, &key, "option name", err) < 0)
				return -1;
			carb_error_set(err, "option \"%s\" in the database URL has no value", key);
			free(key);
			return -1;
		}
		if (percent_decode(q, (size_t)(eq - q), &key, "option name", err) < 0)
			return -1;
		if (percent_decode(eq + 1, len - (size_t)(eq - q) - 1, &value,
				   "option value", err) < 0) {
			free(key);
			return -1;
		}
		if (apply_option(out, key, value, err) < 0)
			return -1;
		q += len;
	}
	return 0;
}

static int parse_server(const char *scheme, const char *rest,
			struct carb_db_url *out, struct carb_error *err)
{
	const char *at, *hostpart, *end, *query;

	if (strncmp(rest, "//", 2) != 0)
		return carb_error_set(err, "expected \"%s://\" at the start of the database URL",
				      scheme);
	rest += 2;
	/* The last '@' ends the user information, so that a password is
	 * never mistaken for a host however unusual its characters. */
	at = strrchr(rest, '@');
	if (at != NULL && parse_userinfo(rest, (size_t)(at - rest), out, err) < 0)
		return -1;
	hostpart = at ? at + 1 : rest;
	end = hostpart + strcspn(hostpart, "/?");
	if (parse_hostport(hostpart, (size_t)(end - hostpart), out, err) < 0)
		return -1;
	query = strchr(end, '?');
	if (*end == '/' &&
	    decode_part(end + 1, query ? (size_t)(query - end - 1) : strlen(end + 1),
			&out->dbname, "database name", err) < 0)
		return -1;
	if (query != NULL && parse_query(query + 1, out, err) < 0)
		return -1;
	if (out->kind == CARB_DB_MARIADB && out->host != NULL &&
	    out->host[0] == '/' && out->socket == NULL) {
		out->socket = out->host;
		out->host = NULL;
	}
	if (out->kind == CARB_DB_MARIADB && out->dbname == NULL)
		return carb_error_set(err, "the mariadb URL names no database: write mariadb://user@host/DATABASE");
	return 0;
}

/* The scheme, lower-cased, into buf; NULL when url has none. */
static const char *scheme_of(const char *url, char *buf, size_t size,
			     const char **rest)
{
	size_t i = 0;

	if (!isalpha((unsigned char)url[0]))
		return NULL;
	while (isalnum((unsigned char)url[i]) || url[i] == '+' ||
	       url[i] == '-' || url[i] == '.') {
		if (i + 1 >= size)
			return NULL;
		buf[i] = (char)tolower((unsigned char)url[i]);
		i++;
	}
	if (url[i] != ':')
		return NULL;
	buf[i] = '\0';
	*rest = url + i + 1;
	return buf;
}

static int unknown_scheme(const char *scheme, struct carb_error *err)
{
	const char *names[NSCHEMES];
	const char *hint;

	for (size_t i = 0; i < NSCHEMES; i++)
		names[i] = schemes[i].scheme;
	hint = carb_suggest(scheme, names, NSCHEMES);
	if (hint != NULL)
		return carb_error_set(err, "unknown database scheme \"%s\" (" VALID_SCHEMES "; did you mean \"%s\"?)",
				      scheme, hint);
	return carb_error_set(err, "unknown database scheme \"%s\" (" VALID_SCHEMES ")",
			      scheme);
}

int carb_db_url_parse(const char *url, const char *base_dir,
		      struct carb_db_url *out, struct carb_error *err)
{
	char buf[32];
	const char *scheme, *rest = NULL;

	memset(out, 0, sizeof(*out));
	if (url == NULL || *url == '\0')
		return carb_error_set(err, "the database URL is empty");
	scheme = scheme_of(url, buf, sizeof(buf), &rest);
	if (scheme == NULL)
		return carb_error_set(err, "the database URL has no scheme (" VALID_SCHEMES
				      "); for a file beside the config write \"sqlite:NAME.db\"");
	for (size_t i = 0; i < NSCHEMES; i++) {
		if (strcmp(scheme, schemes[i].scheme) != 0)
			continue;
		out->kind = schemes[i].kind;
		if (!carb_db_backend_available(out->kind))
			return carb_error_set(err, "carbonation was built without %s support",
					      schemes[i].label);
		if (out->kind == CARB_DB_SQLITE)
			return parse_sqlite(rest, base_dir, out, err);
		return parse_server(scheme, rest, out, err);
	}
	return unknown_scheme(scheme, err);
}

static void free_secret(char *s)
{
	if (s != NULL)
		explicit_bzero(s, strlen(s));
	free(s);
}

void carb_db_url_release(struct carb_db_url *u)
{
	if (u == NULL)
		return;
	free(u->path);
	free(u->user);
	free_secret(u->password);
	free(u->host);
	free(u->socket);
	free(u->dbname);
	for (size_t i = 0; i < u->nparams; i++) {
		free(u->params[i].key);
		/* libpq keywords such as sslpassword are secrets too. */
		free_secret(u->params[i].value);
	}
	free(u->params);
	memset(u, 0, sizeof(*u));
}

/* Masks the value of every option whose name ends in "password". */
static void redact_query(struct carb_buf *b, const char *q)
{
	while (*q != '\0') {
		size_t len = strcspn(q, "&");
		const char *eq = memchr(q, '=', len);

		size_t klen = eq ? (size_t)(eq - q) : 0;

		/* password, and libpq's sslpassword. */
		if (klen >= 8 && strncasecmp(eq - 8, "password", 8) == 0) {
			carb_buf_add(b, q, klen + 1);
			carb_buf_adds(b, "***");
		} else {
			carb_buf_add(b, q, len);
		}
		q += len;
		if (*q == '&')
			carb_buf_addc(b, *q++);
	}
}

/* Without an '@', "scheme://user:secret/db" would read as host "user"
 * with port "secret": mask anything after a colon that is not a port. */
static void redact_authority(struct carb_buf *b, const char *s, size_t n)
{
	const char *colon;
	size_t skip = 0;

	if (n > 0 && s[0] == '[') {
		const char *close = memchr(s, ']', n);

		skip = close ? (size_t)(close - s) : n;
	}
	colon = memchr(s + skip, ':', n - skip);
	if (colon != NULL) {
		const char *p = colon + 1;

		while (p < s + n && isdigit((unsigned char)*p))
			p++;
		if (p < s + n) {
			carb_buf_add(b, s, (size_t)(colon - s) + 1);
			carb_buf_adds(b, "***");
			return;
		}
	}
	carb_buf_add(b, s, n);
}

char *carb_db_url_redact(const char *url)
{
	struct carb_buf b;
	const char *sep, *rest, *at, *q;

	if (url == NULL)
		return NULL;
	carb_buf_init(&b);
	sep = strstr(url, "://");
	if (sep == NULL) {
		q = strchr(url, '?');
		carb_buf_add(&b, url, q ? (size_t)(q - url) + 1 : strlen(url));
		if (q != NULL)
			redact_query(&b, q + 1);
		return carb_buf_detach(&b);
	}
	rest = sep + 3;
	carb_buf_add(&b, url, (size_t)(rest - url));
	at = strrchr(rest, '@');
	if (at != NULL) {
		const char *colon = memchr(rest, ':', (size_t)(at - rest));

		if (colon != NULL) {
			carb_buf_add(&b, rest, (size_t)(colon - rest) + 1);
			carb_buf_adds(&b, "***");
			carb_buf_addc(&b, '@');
		} else {
			carb_buf_add(&b, rest, (size_t)(at - rest) + 1);
		}
		rest = at + 1;
	} else {
		size_t alen = strcspn(rest, "/?");

		redact_authority(&b, rest, alen);
		rest += alen;
	}
	q = strchr(rest, '?');
	carb_buf_add(&b, rest, q ? (size_t)(q - rest) + 1 : strlen(rest));
	if (q != NULL)
		redact_query(&b, q + 1);
	return carb_buf_detach(&b);
}
