/* Components as a whole: the status vocabulary and per-status counts. */
#include <stdlib.h>
#include <string.h>

#include "catalog/catalog.h"

const char *const carb_component_statuses[] = {
	"PENDING",
	"INTEGRITY_FAILED",
	"WAITING",
	"TIMED_OUT",
	"READY",
	"NOT_SELECTED",
	"ARCHIVING",
	"ARCHIVED",
	"RETRY_PENDING",
	"FAILED",
	"DUPLICATE",
	"WITHDRAWN",
	NULL,
};

static struct carb_status_count *find(struct carb_status_count *c, size_t n,
				      const char *status)
{
	for (size_t i = 0; i < n; i++)
		if (strcmp(c[i].status, status) == 0)
			return &c[i];
	return NULL;
}

int carb_catalog_count_components(struct carb_catalog *cat,
				  struct carb_status_count **out, size_t *n,
				  struct carb_error *err)
{
	struct carb_status_count *c = NULL;
	struct carb_stmt *q;
	size_t count = 0;
	int r;

	*out = NULL;
	*n = 0;
	if (carb_stmt_prepare(cat, "SELECT status, COUNT(*) FROM components"
			      " GROUP BY status", &q, err) < 0)
		return -1;
	for (; carb_component_statuses[count] != NULL; count++) {
		c = carb_xrealloc(c, (count + 1) * sizeof(*c));
		c[count].status = carb_xstrdup(carb_component_statuses[count]);
		c[count].count = 0;
	}
	while ((r = carb_stmt_step(q, err)) == CARB_STEP_ROW) {
		const char *status = carb_stmt_column_text(q, 0);
		struct carb_status_count *slot;

		if (status == NULL)
			status = "";
		slot = find(c, count, status);
		if (slot == NULL) {
			c = carb_xrealloc(c, (count + 1) * sizeof(*c));
			slot = &c[count++];
			slot->status = carb_xstrdup(status);
			slot->count = 0;
		}
		slot->count += carb_stmt_column_int64(q, 1);
	}
	carb_stmt_finalize(&q);
	if (r < 0) {
		carb_status_counts_free(&c, count);
		return -1;
	}
	*out = c;
	*n = count;
	return 0;
}

void carb_status_counts_free(struct carb_status_count **counts, size_t n)
{
	if (counts == NULL || *counts == NULL)
		return;
	for (size_t i = 0; i < n; i++)
		free((*counts)[i].status);
	free(*counts);
	*counts = NULL;
}
