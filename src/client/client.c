/* libcarbonation's public API (include/carbonation/carbonation.h): thin
 * handles over the catalog's query layer, which does the work for the CLI
 * too.  Nothing here is global; every handle owns what it points to. */
#include <stdlib.h>
#include <string.h>

#include "client/client_internal.h"
#include "config/config.h"
#include "plugin/plugin.h"
#include "util/util.h"

struct carbonation_filter {
	struct carb_query *q;
};

struct carbonation_rows {
	struct carb_qrows *rows;
	const struct carb_query *q;
	bool poll;
	struct carb_cursor cursor;
	struct carb_query *owned;           /* a poll's default columns */
};

int carb_client_fail(struct carbonation_error *err, const char *msg)
{
	if (err != NULL) {
		strncpy(err->message, msg, sizeof(err->message) - 1);
		err->message[sizeof(err->message) - 1] = '\0';
	}
	return -1;
}

void carbonation_free(void *p)
{
	free(p);
}

static int open_catalog(carbonation *c, const char *url, const char *base_dir,
		   const char *password_file, int64_t busy_ms,
		   struct carbonation_error *err)
{
	struct carb_catalog_options opts = { 0 };
	struct carb_error e = { 0 };

	opts.url = url;
	opts.base_dir = base_dir;
	opts.password_file = password_file;
	opts.busy_timeout_ms = busy_ms;
	if (carb_catalog_open(&opts, &c->cat, &e) < 0)
		return carb_client_fail(err, e.msg);
	return 0;
}

int carbonation_open_url(const char *url, carbonation **out,
				struct carbonation_error *err)
{
	carbonation *c = carb_xcalloc(1, sizeof(*c));

	*out = NULL;
	if (open_catalog(c, url, NULL, NULL, 0, err) < 0) {
		free(c);
		return -1;
	}
	*out = c;
	return 0;
}

/* The first problem of diags as the error. */
static int diags_fail(struct carb_diags *d, struct carbonation_error *err)
{
	char *line = d->count ? carb_diag_format(&d->items[0]) : NULL;

	carb_client_fail(err, line != NULL ? line : "cannot load the configuration");
	free(line);
	carb_diags_release(d);
	return -1;
}

int carbonation_open(const char *config_path, carbonation **out,
			    struct carbonation_error *err)
{
	carbonation *c = carb_xcalloc(1, sizeof(*c));
	struct carb_diags d;

	*out = NULL;
	carb_diags_init(&d);
	if (carb_config_load(config_path, &c->cfg, &d) != 0 ||
	    carb_plugin_load(c->cfg, &c->plugin, &d) != 0) {
		carbonation_close(&c);
		return diags_fail(&d, err);
	}
	carb_diags_release(&d);
	c->npcols = c->plugin != NULL ? carb_plugin_ncolumns(c->plugin) : 0;
	c->pcols = carb_xcalloc(c->npcols + 1, sizeof(*c->pcols));
	for (size_t i = 0; i < c->npcols; i++)
		c->pcols[i] = *carb_plugin_column(c->plugin, i);
	if (open_catalog(c, carb_config_database_url(c->cfg), carb_config_dir(c->cfg),
		    carb_config_database_password_file(c->cfg),
		    carb_config_database_busy_timeout_ms(c->cfg), err) < 0) {
		carbonation_close(&c);
		return -1;
	}
	*out = c;
	return 0;
}

void carbonation_close(carbonation **cp)
{
	carbonation *c = *cp;

	if (c == NULL)
		return;
	carb_catalog_close(&c->cat);
	free(c->pcols);
	carb_plugin_unload(&c->plugin);
	carb_config_free(&c->cfg);
	free(c);
	*cp = NULL;
}

/* ---- filters ------------------------------------------------------------ */

carbonation_filter *carbonation_filter_new(carbonation *c,
						  enum carbonation_table table)
{
	carbonation_filter *f = carb_xcalloc(1, sizeof(*f));

	f->q = carb_query_new(table == CARBONATION_COMPONENTS
			      ? CARB_QUERY_COMPONENTS : CARB_QUERY_FILES,
			      c->pcols, c->npcols);
	carb_query_select(f->q, NULL, NULL);
	carb_query_order_by(f->q, c->plugin != NULL && table == CARBONATION_FILES
			    ? carb_plugin_default_order(c->plugin) : NULL, NULL);
	return f;
}

void carbonation_filter_free(carbonation_filter **f)
{
	if (*f == NULL)
		return;
	carb_query_free(&(*f)->q);
	free(*f);
	*f = NULL;
}

int carbonation_filter_add(carbonation_filter *f, const char *name,
				  const char *value,
				  struct carbonation_error *err)
{
	struct carb_error e = { 0 };

	return carb_query_filter(f->q, name, value, &e) < 0 ? carb_client_fail(err, e.msg) : 0;
}

int carbonation_filter_columns(carbonation_filter *f,
				      const char *columns,
				      struct carbonation_error *err)
{
	struct carb_error e = { 0 };

	return carb_query_select(f->q, columns, &e) < 0 ? carb_client_fail(err, e.msg) : 0;
}

int carbonation_filter_order_by(carbonation_filter *f, const char *spec,
				       struct carbonation_error *err)
{
	struct carb_error e = { 0 };

	return carb_query_order_by(f->q, spec, &e) < 0 ? carb_client_fail(err, e.msg) : 0;
}

void carbonation_filter_limit(carbonation_filter *f, int64_t limit,
				     int64_t offset)
{
	carb_query_limit(f->q, limit, offset);
}

/* ---- rows --------------------------------------------------------------- */

int carbonation_query(carbonation *c, const carbonation_filter *f,
			     carbonation_rows **out,
			     struct carbonation_error *err)
{
	struct carb_error e = { 0 };
	carbonation_rows *r = carb_xcalloc(1, sizeof(*r));

	*out = NULL;
	if (carb_query_run(c->cat, f->q, &r->rows, &e) < 0) {
		free(r);
		return carb_client_fail(err, e.msg);
	}
	r->q = f->q;
	*out = r;
	return 0;
}

int carbonation_count(carbonation *c, const carbonation_filter *f,
			     int64_t *n, struct carbonation_error *err)
{
	struct carb_error e = { 0 };

	return carb_query_count(c->cat, f->q, n, &e) < 0 ? carb_client_fail(err, e.msg) : 0;
}

int carbonation_rows_next(carbonation_rows *r,
				 struct carbonation_error *err)
{
	struct carb_error e = { 0 };
	int rc = carb_qrows_next(r->rows, &e);

	if (rc < 0)
		return carb_client_fail(err, e.msg);
	if (rc == CARB_STEP_ROW && r->poll) {
		int64_t id;
		const char *status;

		carb_qrows_completion(r->rows, &id, &status);
		carb_cursor_advance(&r->cursor, id, carb_now_us());
	}
	return rc == CARB_STEP_ROW ? 1 : 0;
}

size_t carbonation_rows_ncolumns(const carbonation_rows *r)
{
	return carb_query_nselected(r->q);
}

const char *carbonation_rows_column_name(const carbonation_rows *r,
						size_t i)
{
	const struct carb_qcolumn *c = carb_query_selected(r->q, i);

	return c != NULL ? c->name : NULL;
}

enum carbonation_type carbonation_rows_column_type(
	const carbonation_rows *r, size_t i)
{
	const struct carb_qcolumn *c = carb_query_selected(r->q, i);

	/* The enums share their numbers. */
	return c != NULL ? (enum carbonation_type)c->type : CARBONATION_TEXT;
}

int carbonation_rows_column_index(const carbonation_rows *r,
					 const char *name)
{
	for (size_t i = 0; i < carb_query_nselected(r->q); i++)
		if (strcmp(carb_query_selected(r->q, i)->name, name) == 0)
			return (int)i;
	return -1;
}

static bool value(carbonation_rows *r, const char *name, struct carb_qvalue *v)
{
	int i = carbonation_rows_column_index(r, name);

	memset(v, 0, sizeof(*v));
	if (i < 0)
		return false;
	carb_qrows_value(r->rows, (size_t)i, v);
	return true;
}

int carbonation_rows_is_null(carbonation_rows *r, const char *name)
{
	struct carb_qvalue v;

	return value(r, name, &v) ? v.is_null : -1;
}

int64_t carbonation_rows_int(carbonation_rows *r, const char *name)
{
	struct carb_qvalue v;

	if (!value(r, name, &v) || v.is_null)
		return 0;
	return v.type == CARB_QTYPE_REAL ? (int64_t)v.real : v.integer;
}

double carbonation_rows_real(carbonation_rows *r, const char *name)
{
	struct carb_qvalue v;

	if (!value(r, name, &v) || v.is_null)
		return 0.0;
	return v.type == CARB_QTYPE_REAL ? v.real : (double)v.integer;
}

const char *carbonation_rows_text(carbonation_rows *r, const char *name,
					 size_t *len)
{
	struct carb_qvalue v;

	if (len != NULL)
		*len = 0;
	if (!value(r, name, &v) || v.is_null || v.text == NULL)
		return NULL;
	if (len != NULL)
		*len = v.len;
	return v.text;
}

void carbonation_rows_free(carbonation_rows **r)
{
	if (*r == NULL)
		return;
	carb_qrows_free(&(*r)->rows);
	carb_cursor_release(&(*r)->cursor);
	carb_query_free(&(*r)->owned);
	free(*r);
	*r = NULL;
}

/* ---- polling ------------------------------------------------------------ */

int carbonation_get_new_files(carbonation *c, const char *cursor,
				     const carbonation_filter *f, int64_t limit,
				     carbonation_rows **out,
				     struct carbonation_error *err)
{
	struct carb_error e = { 0 };
	carbonation_rows *r = carb_xcalloc(1, sizeof(*r));
	carbonation_filter *mine = NULL;

	*out = NULL;
	if (f == NULL) {
		/* The default columns; kept with the rows, freed with them
		 * through the query pointer below. */
		mine = carbonation_filter_new(c, CARBONATION_FILES);
		f = mine;
	}
	if (carb_cursor_parse(cursor, &r->cursor, &e) < 0) {
		carbonation_filter_free(&mine);
		carbonation_rows_free(&r);
		return carb_client_fail(err, e.msg);
	}
	carb_cursor_expire(&r->cursor, carb_now_us(), CARB_POLL_GAP_TIMEOUT_US);
	if (carb_poll_run(c->cat, f->q, &r->cursor, limit, &r->rows, &e) < 0) {
		carbonation_filter_free(&mine);
		carbonation_rows_free(&r);
		return carb_client_fail(err, e.msg);
	}
	r->q = f->q;
	r->poll = true;
	if (mine != NULL) {
		/* Hand the query to the rows: they free it. */
		r->owned = mine->q;
		free(mine);
	}
	*out = r;
	return 0;
}

char *carbonation_rows_cursor(const carbonation_rows *r)
{
	/* Gaps past their timeout are dropped by the next poll. */
	return r->poll ? carb_cursor_format(&r->cursor) : NULL;
}

int carbonation_clear(carbonation *c, const carbonation_filter *f,
			     int64_t *n, struct carbonation_error *err)
{
	struct carb_error e = { 0 };

	return carb_groups_clear(c->cat, f->q, n, &e) < 0 ? carb_client_fail(err, e.msg) : 0;
}
