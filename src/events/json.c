/* An event's JSON (docs/events.md, "The event"), built when it is sent
 * from the outbox row and the catalog rows it names, so the outbox row
 * stays a few ids long. */
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "events/events_internal.h"
#include "report/report.h"

#define EVENT_SCHEMA 1

/* ISO 8601 UTC as the catalog writes times everywhere; 0 is JSON null
 * (no such time). */
static json_t *iso_time(int64_t us)
{
	struct carb_buf b;
	json_t *j;

	if (us == 0)
		return json_null();
	carb_buf_init(&b);
	carb_buf_add_timestamp(&b, us);
	j = json_stringn(b.data, b.len);
	carb_buf_release(&b);
	return j;
}

static json_t *text_or_null(const char *s)
{
	return s ? carb_report_json_name(s, strlen(s)) : json_null();
}

static int add_member(void *ctx, const struct carb_event_member *m)
{
	json_t *arr = ctx;
	json_t *o = json_object();

	json_object_set_new(o, "component_id", json_integer(m->id));
	json_object_set_new(o, "path",
			    carb_report_json_name(m->rel_path, m->rel_path_len));
	json_object_set_new(o, "size", json_integer(m->size));
	json_object_set_new(o, "mtime", iso_time(m->mtime));
	json_object_set_new(o, "sha256", text_or_null(m->sha256));
	/* null unless rules.toml's [integrity] hashes asks for it */
	json_object_set_new(o, "xxh128", text_or_null(m->xxh128));
	json_object_set_new(o, "status", text_or_null(m->status));
	json_object_set_new(o, "reason", text_or_null(m->reason));
	json_object_set_new(o, "archive_destination",
			    text_or_null(m->archive_destination));
	json_object_set_new(o, "archive_path",
			    m->archive_path
			    ? carb_report_json_name(m->archive_path,
						     m->archive_path_len)
			    : json_null());
	json_object_set_new(o, "archived_at", iso_time(m->archived_at));
	json_array_append_new(arr, o);
	return 0;
}

static void add_group(json_t *o, const struct carb_event_group *g)
{
	json_object_set_new(o, "group_key", g->found
		? carb_report_json_name(g->group_key, g->group_key_len)
		: json_null());
	json_object_set_new(o, "generation",
			    g->found ? json_integer(g->generation) : json_null());
	json_object_set_new(o, "destination", text_or_null(g->destination));
	json_object_set_new(o, "created_at", iso_time(g->created_at));
	json_object_set_new(o, "completed_at", iso_time(g->completed_at));
}

/* The group's plugin columns as `query files --format json` shows them
 * (the same bytes, read back): an object, null when the plugin has no
 * column or the event no group; NULL with err when the catalog fails. */
static json_t *plugin_values(struct carb_catalog *cat, int64_t file_id,
			     const struct carb_plugin_column *pcols,
			     size_t npcols, struct carb_error *err)
{
	struct carb_query *q;
	struct carb_buf names;
	char id[24], *text = NULL;
	size_t len = 0;
	json_t *rows = NULL, *row = NULL;
	int rc;

	if (npcols == 0 || file_id <= 0)
		return json_null();
	q = carb_query_new(CARB_QUERY_FILES, pcols, npcols);
	carb_buf_init(&names);
	for (size_t i = 0; i < npcols; i++)
		carb_buf_addf(&names, "%s%s", i > 0 ? "," : "", pcols[i].name);
	snprintf(id, sizeof(id), "%lld", (long long)file_id);
	rc = carb_query_filter(q, "id", id, err);
	if (rc == 0)
		rc = carb_query_select(q, names.data, err);
	if (rc == 0)
		rc = carb_report_rows(cat, q, CARB_OUT_JSON, &text, &len, err);
	if (rc == 0)
		rows = json_loadb(text, len, JSON_ALLOW_NUL, NULL);
	if (rc == 0 && rows == NULL)
		carb_error_set(err, "the plugin's columns could not be read back as JSON");
	else if (rows != NULL)
		row = json_incref(json_array_size(rows) > 0
				  ? json_array_get(rows, 0) : json_null());
	json_decref(rows);
	free(text);
	carb_buf_release(&names);
	carb_query_free(&q);
	return row;
}

int carb_events_json(struct carb_catalog *cat, const struct carb_event_row *r,
		     const struct carb_events_instance *inst,
		     const struct carb_plugin_column *pcols, size_t npcols,
		     char **out, struct carb_error *err)
{
	struct carb_event_group g = { 0 };
	json_t *o = json_object(), *members = json_array(), *in = json_object();
	json_t *plugin = NULL;
	bool component = r->component_id > 0;
	int rc = -1;

	*out = NULL;
	if (r->file_id > 0 && carb_catalog_event_group(cat, r->file_id, &g, err) < 0)
		goto out;
	if (carb_catalog_event_members(cat, r->file_id, r->component_id,
				       add_member, members, err) < 0)
		goto out;
	plugin = plugin_values(cat, r->file_id, pcols, npcols, err);
	if (plugin == NULL)
		goto out;
	json_object_set_new(o, "schema", json_integer(EVENT_SCHEMA));
	json_object_set_new(o, "event_id", json_string(r->event_id));
	json_object_set_new(o, "sequence", json_integer(r->id));
	json_object_set_new(o, "scope", json_string(r->scope));
	json_object_set_new(o, "status", json_string(r->status));
	json_object_set_new(o, "event_at", iso_time(r->created_at));
	json_object_set_new(o, "watch", text_or_null(r->watch));
	json_object_set_new(o, "file_id",
			    r->file_id > 0 ? json_integer(r->file_id) : json_null());
	json_object_set_new(o, "component_id",
			    component ? json_integer(r->component_id) : json_null());
	add_group(o, &g);
	/* A group's reason, or the failed component's own. */
	if (component && json_array_size(members) == 1)
		json_object_set(o, "reason", json_object_get(
					json_array_get(members, 0), "reason"));
	else
		json_object_set_new(o, "reason", text_or_null(g.reason));
	json_object_set_new(o, "plugin", plugin);
	plugin = NULL;
	json_object_set(o, "members", members);
	json_object_set_new(in, "host", text_or_null(inst->host));
	json_object_set_new(in, "pid", json_integer(inst->pid));
	json_object_set_new(in, "name", text_or_null(inst->name));
	json_object_set(o, "instance", in);
	*out = json_dumps(o, JSON_COMPACT | JSON_PRESERVE_ORDER);
	if (*out == NULL)
		carb_error_set(err, "cannot encode the event as JSON");
	else
		rc = 0;
out:
	json_decref(plugin);
	carb_event_group_release(&g);
	json_decref(members);
	json_decref(in);
	json_decref(o);
	return rc;
}
