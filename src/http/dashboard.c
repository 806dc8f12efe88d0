/* GET / (the dashboard) and POST /login (its form for the token).
 *
 * The page is src/http/dashboard.html, compiled in.  Its markers
 * <!--@NAME--> are filled here, and <!--@if:WHAT--> ... <!--@end-->
 * keep or drop a part, so one file holds both the dashboard and the
 * login form, and the tables are in the HTML before any script runs.
 * The script refreshes them from the JSON API. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>

#include "http/dashboard.h"

/* How many recent files and errors the page lists. */
#define RECENT 20
#define RECENT_TEXT "20"
/* A login form is one short field; a body past this is refused. */
#define FORM_MAX 16384

#define FILES_COLUMNS "id,watch,group_key,status,components,size,created_at," \
	"archived_at"

/* Everything the template's markers are filled from. */
struct page {
	const struct carb_http_config *hc;
	bool dashboard;            /* else the login form */
	const char *login_message; /* NULL: none */
	char nonce[33];            /* lets the page's own script and style run */
	json_t *health, *status, *files, *errors;
	/* why the tables are empty, or "" */
	char problem[sizeof(((struct carb_error *)0)->msg) + 16];
};

/* ---- the markers ---------------------------------------------------- */

static void fill_nonce(struct carb_buf *b, const struct page *pg)
{
	carb_buf_adds(b, pg->nonce);
}

static void fill_health(struct carb_buf *b, const struct page *pg)
{
	carb_http_html_health(b, pg->health);
}

static void fill_problem(struct carb_buf *b, const struct page *pg)
{
	carb_http_html_texts(b, pg->problem);
}

static void fill_login_message(struct carb_buf *b, const struct page *pg)
{
	if (pg->login_message != NULL)
		carb_http_html_texts(b, pg->login_message);
}

static void fill_summary(struct carb_buf *b, const struct page *pg)
{
	carb_http_html_summary(b, pg->status);
}

static void fill_by_window(struct carb_buf *b, const struct page *pg)
{
	carb_http_html_by_window(b, pg->status);
}

static void fill_watches(struct carb_buf *b, const struct page *pg)
{
	carb_http_html_watches(b, pg->status);
}

static void fill_destinations(struct carb_buf *b, const struct page *pg)
{
	carb_http_html_destinations(b, pg->status);
}

static void fill_instances(struct carb_buf *b, const struct page *pg)
{
	carb_http_html_instances(b, pg->status);
}

static void fill_files(struct carb_buf *b, const struct page *pg)
{
	carb_http_html_rows(b, FILES_COLUMNS, pg->files);
}

static void fill_errors(struct carb_buf *b, const struct page *pg)
{
	carb_http_html_rows(b, carb_http_errors_spec.columns, pg->errors);
}

/* Where the script asks for the rows again: the same columns the server
 * used, so the two renderings agree. */
static void fill_files_src(struct carb_buf *b, const struct page *pg)
{
	(void)pg;
	carb_http_html_texts(b, "/api/files?limit=" RECENT_TEXT
			     "&order-by=-id&columns=" FILES_COLUMNS);
}

static void fill_errors_src(struct carb_buf *b, const struct page *pg)
{
	(void)pg;
	carb_http_html_texts(b, "/api/errors?limit=" RECENT_TEXT "&columns=");
	carb_http_html_texts(b, carb_http_errors_spec.columns);
}

static void fill_files_columns(struct carb_buf *b, const struct page *pg)
{
	(void)pg;
	carb_http_html_texts(b, FILES_COLUMNS);
}

static void fill_errors_columns(struct carb_buf *b, const struct page *pg)
{
	(void)pg;
	carb_http_html_texts(b, carb_http_errors_spec.columns);
}

/* Watch names are letters, digits, '_', '.' and '-' (config checks),
 * so they stand in a URL path as they are. */
static void fill_upload_action(struct carb_buf *b, const struct page *pg)
{
	if (pg->hc->upload_watches.count == 0)
		return;
	carb_buf_adds(b, "/upload/");
	carb_http_html_texts(b, pg->hc->upload_watches.items[0]);
}

static void fill_upload_options(struct carb_buf *b, const struct page *pg)
{
	for (size_t i = 0; i < pg->hc->upload_watches.count; i++) {
		carb_buf_adds(b, "<option value=\"");
		carb_http_html_texts(b, pg->hc->upload_watches.items[i]);
		carb_buf_adds(b, "\">");
		carb_http_html_texts(b, pg->hc->upload_watches.items[i]);
		carb_buf_adds(b, "</option>");
	}
}

/* Without a script the select cannot change where the form goes: a
 * button per watch can (formaction). */
static void fill_upload_buttons(struct carb_buf *b, const struct page *pg)
{
	for (size_t i = 0; i < pg->hc->upload_watches.count; i++) {
		carb_buf_adds(b, "<button type=\"submit\" formaction=\"/upload/");
		carb_http_html_texts(b, pg->hc->upload_watches.items[i]);
		carb_buf_adds(b, "\">Upload into ");
		carb_http_html_texts(b, pg->hc->upload_watches.items[i]);
		carb_buf_adds(b, "</button> ");
	}
}

static void fill_now(struct carb_buf *b, const struct page *pg)
{
	(void)pg;
	carb_buf_add_timestamp(b, carb_now_us());
}

static const struct {
	const char *name;
	void (*fill)(struct carb_buf *b, const struct page *pg);
} markers[] = {
	{ "nonce", fill_nonce },
	{ "health", fill_health },
	{ "problem", fill_problem },
	{ "login_message", fill_login_message },
	{ "summary", fill_summary },
	{ "by_window", fill_by_window },
	{ "watches", fill_watches },
	{ "destinations", fill_destinations },
	{ "instances", fill_instances },
	{ "files", fill_files },
	{ "files_src", fill_files_src },
	{ "files_columns", fill_files_columns },
	{ "errors", fill_errors },
	{ "errors_src", fill_errors_src },
	{ "errors_columns", fill_errors_columns },
	{ "upload_action", fill_upload_action },
	{ "upload_options", fill_upload_options },
	{ "upload_buttons", fill_upload_buttons },
	{ "now", fill_now },
};

static bool condition(const struct page *pg, const char *name, size_t len)
{
	if (len == 5 && memcmp(name, "login", 5) == 0)
		return !pg->dashboard;
	if (len == 9 && memcmp(name, "dashboard", 9) == 0)
		return pg->dashboard;
	if (len == 6 && memcmp(name, "upload", 6) == 0)
		return pg->hc->upload_watches.count > 0;
	return false;
}

static void fill_marker(struct carb_buf *b, const struct page *pg,
			const char *name, size_t len)
{
	for (size_t i = 0; i < sizeof(markers) / sizeof(markers[0]); i++)
		if (strlen(markers[i].name) == len &&
		    memcmp(markers[i].name, name, len) == 0) {
			markers[i].fill(b, pg);
			return;
		}
	/* an unknown marker stays visible, so a test of the page sees it */
	carb_buf_adds(b, "<!--@");
	carb_buf_add(b, name, len);
	carb_buf_adds(b, "-->");
}

/* The template with its markers filled and its parts kept or dropped. */
static void render(struct carb_buf *b, const struct page *pg)
{
	const char *p = (const char *)carb_http_dashboard_html;
	const char *end = p + carb_http_dashboard_html_len;
	int skip = 0;              /* depth of the parts being dropped */

	while (p < end) {
		const char *m = memmem(p, (size_t)(end - p), "<!--@", 5);
		const char *name, *close;
		size_t len;

		if (skip == 0)
			carb_buf_add(b, p, (size_t)((m ? m : end) - p));
		if (m == NULL)
			break;
		name = m + 5;
		close = memmem(name, (size_t)(end - name), "-->", 3);
		if (close == NULL)
			close = end;
		len = (size_t)(close - name);
		p = close + (close < end ? 3 : 0);
		if (len >= 3 && memcmp(name, "if:", 3) == 0)
			skip += skip > 0 || !condition(pg, name + 3, len - 3);
		else if (len == 3 && memcmp(name, "end", 3) == 0)
			skip -= skip > 0;
		else if (skip == 0)
			fill_marker(b, pg, name, len);
	}
}

/* ---- sending ---------------------------------------------------------- */

static int make_nonce(char out[33])
{
	unsigned char raw[16];

	if (getrandom(raw, sizeof(raw), 0) != (ssize_t)sizeof(raw))
		return -1;
	for (size_t i = 0; i < sizeof(raw); i++)
		snprintf(out + 2 * i, 3, "%02x", raw[i]);
	return 0;
}

/* The page may run only its own script and style (the nonce), talk only
 * to this server, and be framed by nobody. */
static enum MHD_Result send_page(struct MHD_Connection *c, unsigned status,
				 const struct page *pg)
{
	struct MHD_Response *res;
	struct carb_buf b, csp;
	size_t len;

	carb_buf_init(&b);
	render(&b, pg);
	len = b.len;
	res = carb_http_response(status, "text/html; charset=utf-8",
				 carb_buf_detach(&b), len);
	if (res == NULL)
		return MHD_NO;
	carb_buf_init(&csp);
	carb_buf_addf(&csp, "default-src 'none'; script-src 'nonce-%s';"
		      " style-src 'nonce-%s'; img-src 'self' data:;"
		      " connect-src 'self'; form-action 'self'; base-uri 'none';"
		      " frame-ancestors 'none'", pg->nonce, pg->nonce);
	MHD_add_response_header(res, "X-Frame-Options", "DENY");
	MHD_add_response_header(res, "Referrer-Policy", "no-referrer");
	MHD_add_response_header(res, "Content-Security-Policy", csp.data);
	carb_buf_release(&csp);
	return carb_http_queue(c, status, res);
}

static enum MHD_Result send_login(struct carb_http *h, struct MHD_Connection *c,
				  unsigned status, const char *message)
{
	struct page pg = {
		.hc = carb_config_http(h->deps.cfg),
		.login_message = message,
	};

	if (make_nonce(pg.nonce) < 0)
		return carb_http_send_error(c, MHD_HTTP_INTERNAL_SERVER_ERROR,
					    "no random bytes for the page: %m");
	return send_page(c, status, &pg);
}

/* ---- GET / ------------------------------------------------------------- */

/* The status report and the recent rows, as the API would answer them;
 * on failure pg->problem says why and the tables show nothing. */
static void load(struct carb_http *h, struct page *pg)
{
	const struct carb_http_rows_spec files_spec = {
		.table = CARB_QUERY_FILES, .order = "-id",
		.columns = FILES_COLUMNS,
	};
	struct carb_error err = { 0 };
	struct carb_catalog *cat = carb_http_catalog(h, &err);
	struct carb_buf b;
	int rc;

	if (cat == NULL) {
		snprintf(pg->problem, sizeof(pg->problem), "catalog: %s", err.msg);
		return;
	}
	carb_buf_init(&b);
	rc = carb_http_status_json(h, cat, &b, &err);
	if (rc == 0 && (pg->status = json_loadb(b.data, b.len, JSON_ALLOW_NUL,
						NULL)) == NULL)
		rc = carb_error_set(&err, "the status report could not be read"
				    " back as JSON");
	carb_buf_release(&b);
	if (rc == 0 &&
	    (pg->files = carb_http_rows_json(h, cat, &files_spec, RECENT,
					     &err)) == NULL)
		rc = -1;
	if (rc == 0 &&
	    (pg->errors = carb_http_rows_json(h, cat, &carb_http_errors_spec,
					      RECENT, &err)) == NULL)
		rc = -1;
	carb_http_catalog_done(h, cat, rc < 0);
	if (rc < 0)
		snprintf(pg->problem, sizeof(pg->problem), "catalog: %s", err.msg);
}

enum MHD_Result carb_http_dashboard(struct carb_http *h,
				    struct MHD_Connection *c,
				    struct carb_http_req *r, const char *url,
				    const char *data, size_t *size)
{
	struct page pg = { .hc = carb_config_http(h->deps.cfg),
			   .dashboard = true };
	enum MHD_Result rc;
	bool healthy;

	(void)r, (void)url, (void)data, (void)size;
	/* the form is what this page is until the token is given: a 200,
	 * as a refusal would read as an error in a browser's console */
	if (!carb_http_authorized(h, c))
		return send_login(h, c, MHD_HTTP_OK, NULL);
	if (make_nonce(pg.nonce) < 0)
		return carb_http_send_error(c, MHD_HTTP_INTERNAL_SERVER_ERROR,
					    "no random bytes for the page: %m");
	pg.health = carb_http_health_state(h, &healthy);
	load(h, &pg);
	rc = send_page(c, MHD_HTTP_OK, &pg);
	json_decref(pg.health);
	json_decref(pg.status);
	json_decref(pg.files);
	json_decref(pg.errors);
	return rc;
}

/* ---- POST /login --------------------------------------------------------- */

static int hex_value(char ch)
{
	if (ch >= '0' && ch <= '9')
		return ch - '0';
	if (ch >= 'a' && ch <= 'f')
		return ch - 'a' + 10;
	if (ch >= 'A' && ch <= 'F')
		return ch - 'A' + 10;
	return -1;
}

/* Appends s[0..len) decoded as application/x-www-form-urlencoded. */
static void form_decode(struct carb_buf *out, const char *s, size_t len)
{
	for (size_t i = 0; i < len; i++) {
		int hi, lo;

		if (s[i] == '+') {
			carb_buf_addc(out, ' ');
		} else if (s[i] == '%' && i + 2 < len &&
			   (hi = hex_value(s[i + 1])) >= 0 &&
			   (lo = hex_value(s[i + 2])) >= 0) {
			carb_buf_addc(out, (char)(hi * 16 + lo));
			i += 2;
		} else {
			carb_buf_addc(out, s[i]);
		}
	}
}

/* The value of field name in form, decoded into out; false when the
 * form has no such field. */
static bool form_field(const char *form, size_t len, const char *name,
		       struct carb_buf *out)
{
	const char *p = form, *end = form + len;

	while (p < end) {
		const char *amp = memchr(p, '&', (size_t)(end - p));
		const char *stop = amp ? amp : end;
		const char *eq = memchr(p, '=', (size_t)(stop - p));
		struct carb_buf key;
		bool match;

		carb_buf_init(&key);
		form_decode(&key, p, (size_t)((eq ? eq : stop) - p));
		match = key.data != NULL && strcmp(key.data, name) == 0 &&
			strlen(key.data) == key.len;
		carb_buf_release(&key);
		if (match) {
			if (eq != NULL)
				form_decode(out, eq + 1, (size_t)(stop - eq - 1));
			return true;
		}
		p = stop + 1;
	}
	return false;
}

/* RFC 6265's cookie-octet: what a cookie value may hold unquoted. */
static bool cookie_safe(const char *s)
{
	for (; *s != '\0'; s++) {
		unsigned char ch = (unsigned char)*s;

		if (ch < 0x21 || ch > 0x7e || ch == '"' || ch == ',' ||
		    ch == ';' || ch == '\\')
			return false;
	}
	return true;
}

/* 303 to the dashboard, with the cookie when one is given. */
static enum MHD_Result see_dashboard(struct MHD_Connection *c,
				     const char *token)
{
	struct MHD_Response *res = carb_http_response(MHD_HTTP_SEE_OTHER,
						      "text/plain", NULL, 0);

	if (res == NULL)
		return MHD_NO;
	MHD_add_response_header(res, MHD_HTTP_HEADER_LOCATION, "/");
	if (token != NULL) {
		char *cookie = carb_xasprintf("carbonation_token=%s; HttpOnly;"
					      " SameSite=Strict; Path=/", token);

		MHD_add_response_header(res, MHD_HTTP_HEADER_SET_COOKIE, cookie);
		free(cookie);
	}
	return carb_http_queue(c, MHD_HTTP_SEE_OTHER, res);
}

/* Whether the form's token is the one asked for; *message says what is
 * wrong otherwise.  The token itself is never shown back. */
static bool login_ok(struct carb_http *h, struct carb_http_req *r,
		     const char **message)
{
	struct carb_buf given;
	bool ok;

	carb_buf_init(&given);
	if (!form_field(r->form.data ? r->form.data : "", r->form.len, "token",
			&given) || given.len == 0) {
		*message = "Give the token.";
		ok = false;
	} else {
		ok = strlen(given.data) == given.len &&
			carb_http_token_matches(h, given.data);
		*message = ok ? NULL : "That is not the token.";
	}
	carb_buf_release(&given);
	return ok;
}

/* A call with no data either ends the body or, when the listener tells
 * a body's handler that its request begins (before any data), comes
 * before it: a declared body of which nothing has come yet is still to
 * come. */
static bool body_awaited(struct MHD_Connection *c, const struct carb_http_req *r)
{
	const char *cl = MHD_lookup_connection_value(c, MHD_HEADER_KIND,
						     MHD_HTTP_HEADER_CONTENT_LENGTH);

	return r->form.len == 0 && !r->form_too_big && cl != NULL &&
		strtoull(cl, NULL, 10) > 0;
}

enum MHD_Result carb_http_login(struct carb_http *h, struct MHD_Connection *c,
				struct carb_http_req *r, const char *url,
				const char *data, size_t *size)
{
	const char *message;

	(void)url;
	if (*size != 0) {
		if (!r->form_too_big && r->form.len + *size <= FORM_MAX)
			carb_buf_add(&r->form, data, *size);
		else
			r->form_too_big = true;
		*size = 0;
		return MHD_YES;
	}
	if (body_awaited(c, r))
		return MHD_YES;
	if (h->token == NULL)
		return see_dashboard(c, NULL);
	if (r->form_too_big)
		return send_login(h, c, MHD_HTTP_CONTENT_TOO_LARGE,
				  "The form was too large.");
	if (!login_ok(h, r, &message))
		return send_login(h, c, MHD_HTTP_UNAUTHORIZED, message);
	/* a cookie cannot carry every byte; such a token works only as a
	 * bearer token */
	if (!cookie_safe(h->token))
		return send_login(h, c, MHD_HTTP_BAD_REQUEST, "This token holds"
				  " a space, quote, comma, semicolon or"
				  " backslash, which a cookie cannot carry:"
				  " choose another token to use the dashboard.");
	return see_dashboard(c, h->token);
}
