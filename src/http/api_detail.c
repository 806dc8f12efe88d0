/* GET /api/files/ID (a group, its components and what happened to them)
 * and GET /api/status (what `carbonation status --format json` prints). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "http/http_internal.h"
#include "report/report.h"

/* Every column of a component a person following it wants. */
#define COMPONENT_COLUMNS "id,watch,rel_path,extension,generation,status," \
	"reason,size,mtime,content_hash,attempts,next_retry_at,late," \
	"archive_destination,archive_path,archive_version,discovered_at," \
	"settled_at,archived_at,updated_at"

/* Parsed from the CLI's JSON array, the same bytes `query --format json`
 * prints, so the two never differ. */
json_t *carb_http_rows_json(struct carb_http *h, struct carb_catalog *cat,
			    const struct carb_http_rows_spec *spec,
			    int64_t limit, struct carb_error *err)
{
	struct carb_query *q = carb_query_new(spec->table, h->pcols, h->npcols);
	char *text = NULL;
	size_t len = 0;
	json_t *j = NULL;
	int rc = 0;

	for (size_t i = 0; rc == 0 && spec->pre != NULL && spec->pre[i] != NULL;
	     i += 2)
		rc = carb_query_filter(q, spec->pre[i], spec->pre[i + 1], err);
	if (rc == 0)
		rc = carb_query_select(q, spec->columns, err);
	if (rc == 0)
		rc = carb_query_order_by(q, spec->order ? spec->order : "-id", err);
	carb_query_limit(q, limit, 0);
	if (rc == 0)
		rc = carb_report_rows(cat, q, CARB_OUT_JSON, &text, &len, err);
	carb_query_free(&q);
	if (rc == 0)
		j = json_loadb(text, len, JSON_ALLOW_NUL, NULL);
	if (rc == 0 && j == NULL)
		carb_error_set(err, "the rows could not be read back as JSON");
	free(text);
	return j;
}

static void add_step(json_t *history, json_t *comp, const char *key,
		     const char *event)
{
	json_t *at = json_object_get(comp, key);

	if (at != NULL && json_is_string(at))
		json_array_append_new(history, json_pack("{s:s,s:O}", "event",
							 event, "at", at));
}

/* The catalog keeps when each step happened, not a log of every
 * transition: the history is those times, in the order of the path. */
static void add_history(json_t *comps)
{
	size_t i;
	json_t *c;

	json_array_foreach(comps, i, c) {
		json_t *history = json_array();

		add_step(history, c, "discovered_at", "discovered");
		add_step(history, c, "settled_at", "settled");
		add_step(history, c, "archived_at", "archived");
		add_step(history, c, "next_retry_at", "retry due");
		json_object_set_new(c, "history", history);
	}
}

static bool all_digits(const char *s)
{
	if (*s == '\0' || strlen(s) > 18)
		return false;
	return strspn(s, "0123456789") == strlen(s);
}

enum MHD_Result carb_http_api_file(struct carb_http *h,
				   struct MHD_Connection *c,
				   struct carb_http_req *r, const char *url,
				   const char *data, size_t *size)
{
	const char *id = url + strlen("/api/files/");
	const char *const by_id[] = { "id", id, NULL };
	const char *const by_file[] = { "file_id", id, NULL };
	const struct carb_http_rows_spec file_spec = {
		.table = CARB_QUERY_FILES, .pre = by_id, .order = "id",
	};
	const struct carb_http_rows_spec comp_spec = {
		.table = CARB_QUERY_COMPONENTS, .pre = by_file, .order = "id",
		.columns = COMPONENT_COLUMNS,
	};
	struct carb_error err = { 0 };
	struct carb_catalog *cat;
	json_t *files = NULL, *comps = NULL, *body;

	(void)r, (void)data, (void)size;
	if (!all_digits(id))
		return carb_http_send_error(c, MHD_HTTP_NOT_FOUND, "\"%s\" is not"
					    " a file id", id);
	cat = carb_http_catalog(h, &err);
	if (cat == NULL)
		return carb_http_send_error(c, MHD_HTTP_SERVICE_UNAVAILABLE,
					    "catalog: %s", err.msg);
	files = carb_http_rows_json(h, cat, &file_spec, -1, &err);
	if (files != NULL)
		comps = carb_http_rows_json(h, cat, &comp_spec, -1, &err);
	carb_http_catalog_done(h, cat, comps == NULL);
	if (comps == NULL) {
		json_decref(files);
		return carb_http_send_error(c, MHD_HTTP_INTERNAL_SERVER_ERROR,
					    "%s", err.msg);
	}
	if (json_array_size(files) == 0) {
		json_decref(files);
		json_decref(comps);
		return carb_http_send_error(c, MHD_HTTP_NOT_FOUND, "no file has"
					    " id %s", id);
	}
	add_history(comps);
	body = json_pack("{s:O,s:o}", "file", json_array_get(files, 0),
			 "components", comps);
	json_decref(files);
	return carb_http_send_json(c, MHD_HTTP_OK, body);
}

int carb_http_status_json(struct carb_http *h, struct carb_catalog *cat,
			  struct carb_buf *out, struct carb_error *err)
{
	struct carb_status_report rep;
	int rc = carb_catalog_status(cat, &rep, err);

	if (rc == 0)
		carb_report_status_json(&rep, h->deps.cfg, out);
	carb_status_report_release(&rep);
	return rc;
}

enum MHD_Result carb_http_api_status(struct carb_http *h,
				     struct MHD_Connection *c,
				     struct carb_http_req *r, const char *url,
				     const char *data, size_t *size)
{
	struct carb_error err = { 0 };
	struct carb_catalog *cat;
	struct carb_buf b;
	size_t len;
	int rc;

	(void)r, (void)url, (void)data, (void)size;
	cat = carb_http_catalog(h, &err);
	if (cat == NULL)
		return carb_http_send_error(c, MHD_HTTP_SERVICE_UNAVAILABLE,
					    "catalog: %s", err.msg);
	carb_buf_init(&b);
	rc = carb_http_status_json(h, cat, &b, &err);
	carb_http_catalog_done(h, cat, rc < 0);
	if (rc < 0) {
		carb_buf_release(&b);
		return carb_http_send_error(c, MHD_HTTP_INTERNAL_SERVER_ERROR,
					    "%s", err.msg);
	}
	len = b.len;
	return carb_http_send(c, MHD_HTTP_OK, "application/json",
			      carb_buf_detach(&b), len);
}
