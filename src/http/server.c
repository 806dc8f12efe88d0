/* The listener: its socket, the daemon, the routes and who may use them,
 * the catalog connections requests borrow, and the loop's snapshot. */
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <arpa/inet.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "http/http_internal.h"

/* A pooled connection idle longer than this is asked whether it still
 * works before a request uses it. */
#define POOL_CHECK_MS 1000

/* Longest token file read; a token is a line of text. */
#define TOKEN_MAX 4096

static const struct carb_http_route routes[] = {
	{ "GET", "/", false, false, carb_http_dashboard },
	{ "POST", "/login", false, true, carb_http_login },
	{ "GET", "/health", false, false, carb_http_health },
	{ "GET", "/metrics", false, false, carb_http_metrics },
	{ "GET", "/api/files", true, false, carb_http_api_rows },
	{ "GET", "/api/components", true, false, carb_http_api_rows },
	{ "GET", "/api/files/", true, false, carb_http_api_file },
	{ "GET", "/api/status", true, false, carb_http_api_status },
	{ "GET", "/api/errors", true, false, carb_http_api_errors },
	{ "PUT", "/upload/", true, true, carb_http_upload_put },
	{ "POST", "/upload/", true, true, carb_http_upload_post },
};
#define NROUTES (sizeof(routes) / sizeof(routes[0]))

static bool path_matches(const char *pattern, const char *url)
{
	size_t n = strlen(pattern);

	if (n > 1 && pattern[n - 1] == '/')
		return strncmp(pattern, url, n) == 0 && url[n] != '\0';
	return strcmp(pattern, url) == 0;
}

/* The route for method and url; *wrong_method when only the method does
 * not match. */
static const struct carb_http_route *route_of(const char *method,
					      const char *url,
					      bool *wrong_method)
{
	*wrong_method = false;
	for (size_t i = 0; i < NROUTES; i++) {
		if (!path_matches(routes[i].path, url))
			continue;
		if (strcmp(routes[i].method, method) == 0)
			return &routes[i];
		*wrong_method = true;
	}
	return NULL;
}

/* Compares all of both, so the time taken says nothing of where a guess
 * went wrong. */
static bool same_secret(const char *a, const char *b)
{
	size_t la = strlen(a), lb = strlen(b);
	unsigned char d = la != lb;

	for (size_t i = 0; i < la; i++)
		d |= (unsigned char)(a[i] ^ b[i < lb ? i : 0]);
	return d == 0;
}

bool carb_http_token_matches(struct carb_http *h, const char *given)
{
	return h->token != NULL && same_secret(given, h->token);
}

bool carb_http_authorized(struct carb_http *h, struct MHD_Connection *c)
{
	const char *v;

	if (h->token == NULL)
		return true;
	v = MHD_lookup_connection_value(c, MHD_HEADER_KIND,
					MHD_HTTP_HEADER_AUTHORIZATION);
	if (v != NULL && strncasecmp(v, "Bearer ", 7) == 0)
		return same_secret(v + 7, h->token);
	v = MHD_lookup_connection_value(c, MHD_COOKIE_KIND, "carbonation_token");
	return v != NULL && same_secret(v, h->token);
}

/* The first call of a request: its route and whether it may go on.  A
 * handler that reads a body is called once here, before any of it, so
 * that it can refuse (413) before the client sends it. */
static enum MHD_Result begin(struct carb_http *h, struct MHD_Connection *c,
			     struct carb_http_req *r, const char *url,
			     const char *method)
{
	size_t none = 0;
	bool wrong_method;
	const struct carb_http_route *route = route_of(method, url, &wrong_method);

	if (route == NULL && wrong_method)
		return carb_http_send_error(c, MHD_HTTP_METHOD_NOT_ALLOWED,
					    "method not allowed");
	if (route == NULL)
		return carb_http_send_error(c, MHD_HTTP_NOT_FOUND,
					    "no such resource");
	if (route->auth && !carb_http_authorized(h, c))
		return carb_http_send_error(c, MHD_HTTP_UNAUTHORIZED,
					    "a bearer token is needed (http.token_file)");
	r->route = route;
	return route->body ? route->handler(h, c, r, url, NULL, &none) : MHD_YES;
}

/* Before MHD decodes the URL: the request's state starts here, with the
 * path as sent, since decoding "%00" ends MHD's copy of it there. */
static void *on_uri(void *cls, const char *uri, struct MHD_Connection *c)
{
	struct carb_http_req *r = carb_xcalloc(1, sizeof(*r));

	(void)cls;
	(void)c;
	r->raw_url = carb_xstrdup(uri);
	return r;
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *c,
				  const char *url, const char *method,
				  const char *version, const char *data,
				  size_t *size, void **req_cls)
{
	struct carb_http *h = cls;
	struct carb_http_req *r = *req_cls;

	(void)version;
	if (r->route == NULL)
		return begin(h, c, r, url, method);
	if (*size != 0 && !r->route->body) {
		*size = 0;      /* a body nobody asked for is dropped */
		return MHD_YES;
	}
	return r->route->handler(h, c, r, url, data, size);
}

/* Whatever the end (a client gone mid-body: toe is not
 * MHD_REQUEST_TERMINATED_COMPLETED_OK), an unfinished upload leaves
 * nothing behind; that is upload.c's. */
static void on_completed(void *cls, struct MHD_Connection *c, void **req_cls,
			 enum MHD_RequestTerminationCode toe)
{
	struct carb_http_req *r = *req_cls;

	(void)cls;
	(void)c;
	(void)toe;
	if (r == NULL)
		return;
	carb_http_upload_end(r);
	free(r->raw_url);
	carb_buf_release(&r->form);
	free(r);
	*req_cls = NULL;
}

static void on_mhd_log(void *cls, const char *fmt, va_list ap)
{
	char msg[512];
	size_t n;

	(void)cls;
	vsnprintf(msg, sizeof(msg), fmt, ap);
	n = strlen(msg);
	while (n > 0 && msg[n - 1] == '\n')
		msg[--n] = '\0';
	carb_log(CARB_LOGL_WARNING, "http: %s", msg);
}

/* ---- the socket --------------------------------------------------------- */

/* A socket file left by a listener that is gone is taken over; anything
 * else at the path is not. */
static int clear_stale_socket(const char *path, struct carb_error *err)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	struct stat st;
	int fd, rc;

	if (lstat(path, &st) != 0)
		return errno == ENOENT ? 0
			: carb_error_set(err, "http.listen %s: %m", path);
	if (!S_ISSOCK(st.st_mode))
		return carb_error_set(err, "http.listen %s: exists and is not a"
				      " socket", path);
	strcpy(sa.sun_path, path);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	rc = fd >= 0 ? connect(fd, (struct sockaddr *)&sa, sizeof(sa)) : -1;
	if (fd >= 0)
		close(fd);
	if (rc == 0)
		return carb_error_set(err, "http.listen %s: another process"
				      " listens there", path);
	return unlink(path) == 0 ? 0
		: carb_error_set(err, "http.listen %s: %m", path);
}

static int bind_unix(const struct carb_http_listen *l, struct carb_error *err)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	int fd;

	if (clear_stale_socket(l->path, err) < 0)
		return -1;
	strcpy(sa.sun_path, l->path);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0 || bind(fd, (struct sockaddr *)&sa, sizeof(sa)) != 0) {
		carb_error_set(err, "http.listen %s: %m", l->path);
		if (fd >= 0)
			close(fd);
		return -1;
	}
	return fd;
}

static int bind_tcp(const struct carb_http_listen *l, struct carb_error *err)
{
	struct sockaddr_storage ss = { 0 };
	struct sockaddr_in *v4 = (struct sockaddr_in *)&ss;
	struct sockaddr_in6 *v6 = (struct sockaddr_in6 *)&ss;
	bool is6 = strchr(l->host, ':') != NULL;
	int one = 1, fd;

	if (is6) {
		v6->sin6_family = AF_INET6;
		v6->sin6_port = htons((uint16_t)l->port);
		inet_pton(AF_INET6, l->host, &v6->sin6_addr);
	} else {
		v4->sin_family = AF_INET;
		v4->sin_port = htons((uint16_t)l->port);
		inet_pton(AF_INET, l->host, &v4->sin_addr);
	}
	fd = socket(is6 ? AF_INET6 : AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd >= 0)
		setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (fd < 0 || bind(fd, (struct sockaddr *)&ss,
			   is6 ? sizeof(*v6) : sizeof(*v4)) != 0) {
		carb_error_set(err, "http.listen %s%s%s:%d: %m", is6 ? "[" : "",
			       l->host, is6 ? "]" : "", l->port);
		if (fd >= 0)
			close(fd);
		return -1;
	}
	return fd;
}

static int open_socket(const struct carb_http_listen *l, struct carb_error *err)
{
	int fd = l->is_unix ? bind_unix(l, err) : bind_tcp(l, err);

	if (fd >= 0 && listen(fd, 128) != 0) {
		carb_error_set(err, "http.listen: %m");
		close(fd);
		return -1;
	}
	return fd;
}

/* ---- the token ---------------------------------------------------------- */

static int read_token(const char *path, char **out, struct carb_error *err)
{
	char buf[TOKEN_MAX + 1];
	ssize_t n;
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	if (fd < 0)
		return carb_error_set(err, "http.token_file %s: %m", path);
	n = read(fd, buf, TOKEN_MAX + 1);
	close(fd);
	if (n < 0)
		return carb_error_set(err, "http.token_file %s: %m", path);
	if (n > TOKEN_MAX)
		return carb_error_set(err, "http.token_file %s: longer than %d"
				      " bytes", path, TOKEN_MAX);
	while (n > 0 && (buf[n - 1] == '\n' || buf[n - 1] == '\r' ||
			 buf[n - 1] == ' ' || buf[n - 1] == '\t'))
		n--;
	buf[n] = '\0';
	if (n == 0 || strlen(buf) != (size_t)n)
		return carb_error_set(err, "http.token_file %s: %s", path,
				      n == 0 ? "empty" : "holds a NUL byte");
	*out = carb_xstrdup(buf);
	return 0;
}

/* ---- start and stop ----------------------------------------------------- */

static void plugin_columns(struct carb_http *h)
{
	const struct carb_plugin_rt *p = h->deps.plugin;

	h->npcols = p != NULL ? carb_plugin_ncolumns(p) : 0;
	h->pcols = carb_xcalloc(h->npcols + 1, sizeof(*h->pcols));
	for (size_t i = 0; i < h->npcols; i++)
		h->pcols[i] = *carb_plugin_column(p, i);
	h->default_order = p != NULL ? carb_plugin_default_order(p) : NULL;
}

static void free_http(struct carb_http *h)
{
	for (size_t i = 0; i < h->npool; i++)
		carb_catalog_close(&h->pool[i]);
	pthread_mutex_destroy(&h->lock);
	carb_http_uploads_free(h);
	free(h->token);
	free(h->pcols);
	free(h->snap_why);
	free(h->snap_paused);
	free(h);
}

static int serve(struct carb_http *h, int fd, struct carb_error *err)
{
	h->daemon = MHD_start_daemon(
		MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_THREAD_PER_CONNECTION |
		MHD_USE_POLL | MHD_USE_ERROR_LOG, 0, NULL, NULL,
		on_request, h,
		MHD_OPTION_EXTERNAL_LOGGER, on_mhd_log, h,
		MHD_OPTION_LISTEN_SOCKET, fd,
		MHD_OPTION_NOTIFY_COMPLETED, on_completed, h,
		MHD_OPTION_URI_LOG_CALLBACK, on_uri, h,
		MHD_OPTION_CONNECTION_LIMIT, (unsigned)256,
		MHD_OPTION_CONNECTION_TIMEOUT, (unsigned)60,
		MHD_OPTION_END);
	if (h->daemon == NULL) {
		close(fd);
		return carb_error_set(err, "http: the listener could not start");
	}
	return 0;
}

static int http_start(const struct carb_http_deps *deps,
		      struct carb_http **out, struct carb_error *err)
{
	const struct carb_http_config *hc = carb_config_http(deps->cfg);
	struct carb_http *h;
	char why[256];
	int fd;

	*out = NULL;
	if (hc->listen == NULL)
		return 0;
	h = carb_xcalloc(1, sizeof(*h));
	h->deps = *deps;
	pthread_mutex_init(&h->lock, NULL);
	plugin_columns(h);
	carb_http_uploads_open(h);
	if (carb_http_listen_parse(hc->listen, &h->where, why, sizeof(why)) < 0) {
		free_http(h);
		return carb_error_set(err, "http.listen: %s", why);
	}
	if ((hc->token_file != NULL &&
	     read_token(hc->token_file, &h->token, err) < 0) ||
	    (fd = open_socket(&h->where, err)) < 0 || serve(h, fd, err) < 0) {
		free_http(h);
		return -1;
	}
	carb_log(CARB_LOGL_INFO, "http: listening on %s%s", hc->listen,
		 h->token ? " (the API asks for the token)" : "");
	*out = h;
	return 0;
}

static void http_stop(struct carb_http **hp)
{
	struct carb_http *h = *hp;

	if (h == NULL)
		return;
	*hp = NULL;
	MHD_stop_daemon(h->daemon);
	if (h->where.is_unix)
		unlink(h->where.path);
	free_http(h);
}

/* ---- the snapshot and the pool ------------------------------------------ */

static void set_copy(char **dst, const char *src)
{
	if (src == NULL ? *dst == NULL : *dst != NULL && strcmp(*dst, src) == 0)
		return;
	free(*dst);
	*dst = src ? carb_xstrdup(src) : NULL;
}

static void http_publish(struct carb_http *h,
			 const struct carb_http_snapshot *s)
{
	if (h == NULL)
		return;
	pthread_mutex_lock(&h->lock);
	h->snap = *s;
	set_copy(&h->snap_why, s->catalog_why);
	set_copy(&h->snap_paused, s->paused);
	h->snap.catalog_why = NULL;
	h->snap.paused = NULL;
	pthread_mutex_unlock(&h->lock);
}

void carb_http_snapshot_get(struct carb_http *h, struct carb_http_snapshot *s,
			    char *why, size_t why_size, char *paused,
			    size_t paused_size)
{
	pthread_mutex_lock(&h->lock);
	*s = h->snap;
	snprintf(why, why_size, "%s", h->snap_why ? h->snap_why : "");
	snprintf(paused, paused_size, "%s", h->snap_paused ? h->snap_paused : "");
	pthread_mutex_unlock(&h->lock);
	s->catalog_why = why[0] ? why : NULL;
	s->paused = paused[0] ? paused : NULL;
}

struct carb_catalog *carb_http_catalog(struct carb_http *h,
				       struct carb_error *err)
{
	struct carb_catalog *cat = NULL;

	int64_t idle_since = 0;

	pthread_mutex_lock(&h->lock);
	if (h->npool > 0) {
		cat = h->pool[--h->npool];
		idle_since = h->pool_since[h->npool];
	}
	pthread_mutex_unlock(&h->lock);
	/* The server may have restarted while the connection sat idle:
	 * asked first, a dead one is replaced instead of failing the
	 * request. */
	if (cat != NULL && carb_monotonic_ms() - idle_since > POOL_CHECK_MS &&
	    carb_catalog_exec(cat, "SELECT 1", err) < 0)
		carb_catalog_close(&cat);
	if (cat == NULL &&
	    h->deps.connect(h->deps.connect_ctx, h->deps.cfg, &cat, err) < 0)
		return NULL;
	return cat;
}

void carb_http_catalog_done(struct carb_http *h, struct carb_catalog *cat,
			    bool failed)
{
	if (cat == NULL)
		return;
	pthread_mutex_lock(&h->lock);
	if (!failed && h->npool < CARB_HTTP_POOL) {
		h->pool_since[h->npool] = carb_monotonic_ms();
		h->pool[h->npool++] = cat;
		cat = NULL;
	}
	pthread_mutex_unlock(&h->lock);
	carb_catalog_close(&cat);
}

const struct carb_http_ops carb_http_module = {
	.start = http_start,
	.publish = http_publish,
	.stop = http_stop,
};
