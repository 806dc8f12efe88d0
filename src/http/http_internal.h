/* Private to src/http/. */
#ifndef CARB_HTTP_INTERNAL_H
#define CARB_HTTP_INTERNAL_H

#include <microhttpd.h>
#include <jansson.h>
#include <pthread.h>

#include "http/http.h"
#include "http/http_module.h"

/* Idle catalog connections kept for the next request. */
#define CARB_HTTP_POOL 8

struct carb_http {
	struct MHD_Daemon *daemon;
	struct carb_http_listen where;
	struct carb_http_deps deps;
	char *token;                 /* NULL: no token asked */
	struct carb_plugin_column *pcols;  /* the plugin's, for queries */
	size_t npcols;
	const char *default_order;   /* the plugin's, or NULL */
	pthread_mutex_t lock;        /* guards what follows */
	struct carb_http_snapshot snap;
	char *snap_why, *snap_paused;
	struct carb_catalog *pool[CARB_HTTP_POOL];
	int64_t pool_since[CARB_HTTP_POOL];  /* when each went idle */
	size_t npool;
	struct carb_http_upload_watch *uploads;  /* upload.c's */
	size_t nuploads;
};

/* One request, from its first call to its end (MHD's req_cls). */
struct carb_http_req {
	const struct carb_http_route *route;
	char *raw_url;               /* as the request line had it, before
				      * MHD's percent-decoding */
	struct carb_http_upload *upload;  /* upload.c's, or NULL */
	struct carb_buf form;        /* dashboard.c's: a login form's body */
	bool form_too_big;           /* ... of which the rest was dropped */
	bool answered;
};

typedef enum MHD_Result (*carb_http_handler)(struct carb_http *h,
					     struct MHD_Connection *c,
					     struct carb_http_req *r,
					     const char *url,
					     const char *data, size_t *size);

struct carb_http_route {
	const char *method;          /* "GET", "PUT", "POST" */
	const char *path;            /* exact ("/" too), or a prefix when it
				      * ends in '/' */
	bool auth;                   /* the token is asked for */
	bool body;                   /* the handler reads a body */
	carb_http_handler handler;
};

/* ---- server.c ---------------------------------------------------------- */

/* A catalog connection for one request: idle or new.  NULL with err. */
struct carb_catalog *carb_http_catalog(struct carb_http *h,
				       struct carb_error *err);
/* Gives it back; failed: it erred, close it instead. */
void carb_http_catalog_done(struct carb_http *h, struct carb_catalog *cat,
			    bool failed);
/* The loop's latest snapshot, strings copied into the caller's. */
void carb_http_snapshot_get(struct carb_http *h, struct carb_http_snapshot *s,
			    char *why, size_t why_size, char *paused,
			    size_t paused_size);
/* Whether the request carries the token (Authorization: Bearer, or the
 * dashboard's cookie). */
bool carb_http_authorized(struct carb_http *h, struct MHD_Connection *c);
/* Whether given is the token (false when none is asked), compared in
 * constant time. */
bool carb_http_token_matches(struct carb_http *h, const char *given);

/* ---- respond.c: responses ---------------------------------------------- */

/* A response holding body (taken over, freed with it, also on failure:
 * NULL) with the headers every answer carries: its content type, nothing
 * cached, no content sniffing, and on a 401 the challenge RFC 9110
 * requires.  Queue it with carb_http_queue. */
struct MHD_Response *carb_http_response(unsigned status, const char *type,
					char *body, size_t len);
/* Queues res (NULL: MHD_NO) and lets go of it. */
enum MHD_Result carb_http_queue(struct MHD_Connection *c, unsigned status,
				struct MHD_Response *res);
/* Sends body (taken over, freed) with status and content type. */
enum MHD_Result carb_http_send(struct MHD_Connection *c, unsigned status,
			       const char *type, char *body, size_t len);
/* Sends obj as compact JSON (its reference is taken). */
enum MHD_Result carb_http_send_json(struct MHD_Connection *c, unsigned status,
				    json_t *obj);
/* {"error": message} with status. */
enum MHD_Result carb_http_send_error(struct MHD_Connection *c, unsigned status,
				     const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
/* A timestamp as ISO 8601 UTC text, or null for 0. */
json_t *carb_http_json_time(int64_t us);

/* ---- api.c: rows ------------------------------------------------------- */

/* What a rows endpoint fixes before the URL's parameters apply. */
struct carb_http_rows_spec {
	enum carb_qtable table;
	const char *const *pre;      /* filters, NULL-terminated name, value
				      * pairs; may be NULL */
	const char *order;           /* default order; NULL: "-id" */
	const char *columns;         /* default columns; NULL: the query's */
};
/* What GET /api/errors answers before its parameters apply. */
extern const struct carb_http_rows_spec carb_http_errors_spec;
/* Answers with the rows spec and the URL's parameters select. */
enum MHD_Result carb_http_rows(struct carb_http *h, struct MHD_Connection *c,
			       const struct carb_http_rows_spec *spec);

/* ---- upload.c, upload_form.c: uploads into a watch -------------------- */

/* The watches [http] upload_watches names, their include and exclude as
 * at the listener's start (a reload swaps the live ones under other
 * threads' feet; uploads take the new ones at the next start). */
struct carb_http_upload_watch {
	struct carb_watch_config cfg;  /* name and path shared with the
					* config; include, exclude owned */
};
void carb_http_uploads_open(struct carb_http *h);
void carb_http_uploads_free(struct carb_http *h);

/* One upload in progress: its target, its temporary file, and the
 * refusal found while the body streams in, sent at its end. */
struct carb_http_upload {
	const struct carb_http_upload_watch *uw;
	int dir_fd;                  /* the watch's folder */
	char *name;                  /* the final name, once known */
	size_t name_len;
	char tmp[64];                /* the temporary's name, or "" */
	int fd;                      /* the temporary, or -1 */
	uint64_t size, max;
	void *md;                    /* EVP_MD_CTX of the body */
	unsigned char want[32];      /* the SHA-256 a header announced */
	bool want_set;
	unsigned status;             /* a refusal, or 0 */
	char *why;
	uint64_t dropped;            /* bytes read and thrown after it */
	struct MHD_PostProcessor *pp;  /* the form's, or NULL */
	bool have_file;              /* the form's file field was seen */
};

/* Starts an upload into the watch named watch: known (404), taking
 * uploads (403), the declared length within max_upload (413), the digest
 * headers readable (400).  On a refusal, NULL with *status and why. */
struct carb_http_upload *carb_http_upload_open(struct carb_http *h,
					       struct MHD_Connection *c,
					       const char *watch,
					       unsigned *status, char *why,
					       size_t why_size);
/* Names the file (len bytes, already decoded) and creates its
 * temporary; -1 when refused (kept in u). */
int carb_http_upload_name(struct carb_http_upload *u, const char *name,
			  size_t len);
/* Takes body bytes; false when the client must be cut off (it went on
 * sending long after a refusal). */
bool carb_http_upload_write(struct carb_http_upload *u, const char *data,
			    size_t n);
/* Keeps the first refusal and drops the temporary. */
void carb_http_upload_refuse(struct carb_http_upload *u, unsigned status,
			     const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
/* The body's end: the refusal kept, or the file verified, placed and
 * answered. */
enum MHD_Result carb_http_upload_finish(struct carb_http *h,
					struct MHD_Connection *c,
					struct carb_http_req *r);
/* The request's end (on_completed), whatever its outcome: nothing of an
 * unfinished upload stays on disk. */
void carb_http_upload_end(struct carb_http_req *r);

enum MHD_Result carb_http_upload_put(struct carb_http *h,
				     struct MHD_Connection *c,
				     struct carb_http_req *r, const char *url,
				     const char *data, size_t *size);
enum MHD_Result carb_http_upload_post(struct carb_http *h,
				      struct MHD_Connection *c,
				      struct carb_http_req *r, const char *url,
				      const char *data, size_t *size);
/* ---- api_detail.c, health.c: answers the dashboard shares -------------- */

/* The rows spec selects, at most limit (< 0: all), as the CLI's JSON
 * array parsed; NULL with err. */
json_t *carb_http_rows_json(struct carb_http *h, struct carb_catalog *cat,
			    const struct carb_http_rows_spec *spec,
			    int64_t limit, struct carb_error *err);
/* Appends what `carbonation status --format json` prints to out; 0, or
 * -1 with err. */
int carb_http_status_json(struct carb_http *h, struct carb_catalog *cat,
			  struct carb_buf *out, struct carb_error *err);
/* The body of /health (a new reference); *healthy says which status. */
json_t *carb_http_health_state(struct carb_http *h, bool *healthy);

/* ---- the handlers ------------------------------------------------------- */

enum MHD_Result carb_http_dashboard(struct carb_http *h,
				    struct MHD_Connection *c,
				    struct carb_http_req *r, const char *url,
				    const char *data, size_t *size);
enum MHD_Result carb_http_login(struct carb_http *h, struct MHD_Connection *c,
				struct carb_http_req *r, const char *url,
				const char *data, size_t *size);
enum MHD_Result carb_http_health(struct carb_http *h, struct MHD_Connection *c,
				 struct carb_http_req *r, const char *url,
				 const char *data, size_t *size);
enum MHD_Result carb_http_metrics(struct carb_http *h, struct MHD_Connection *c,
				  struct carb_http_req *r, const char *url,
				  const char *data, size_t *size);
enum MHD_Result carb_http_api_rows(struct carb_http *h,
				   struct MHD_Connection *c,
				   struct carb_http_req *r, const char *url,
				   const char *data, size_t *size);
enum MHD_Result carb_http_api_file(struct carb_http *h,
				   struct MHD_Connection *c,
				   struct carb_http_req *r, const char *url,
				   const char *data, size_t *size);
enum MHD_Result carb_http_api_status(struct carb_http *h,
				     struct MHD_Connection *c,
				     struct carb_http_req *r, const char *url,
				     const char *data, size_t *size);
enum MHD_Result carb_http_api_errors(struct carb_http *h,
				     struct MHD_Connection *c,
				     struct carb_http_req *r, const char *url,
				     const char *data, size_t *size);

#endif
