/* The transaction and failure state of a turn: one small object every
 * step receives, so no step calls back up into the loop to write. */
#include <stdlib.h>
#include <string.h>

#include "pipeline/turn.h"
#include "util/util.h"

struct carb_turn {
	struct carb_catalog *cat;
	bool dry_run;
	bool in_tx;
	size_t tx_ops;
	bool failed;               /* a catalog write failed: stop */
	bool transient;            /* ... with a lock conflict: try again */
	struct carb_error fatal;
	struct carb_metrics *metrics;  /* may be NULL */
	int64_t tx_start_us;       /* when the open transaction began */
	/* components that reached each status in the open transaction */
	uint64_t moved[CARB_STATUS_COUNT];
};

struct carb_turn *carb_turn_new(struct carb_catalog *cat, bool dry_run)
{
	struct carb_turn *t = carb_xcalloc(1, sizeof(*t));

	t->cat = cat;
	t->dry_run = dry_run;
	return t;
}

void carb_turn_free(struct carb_turn **tp)
{
	if (*tp == NULL)
		return;
	free(*tp);
	*tp = NULL;
}

void carb_turn_fail(struct carb_turn *t, const struct carb_error *err)
{
	if (t->failed)
		return;
	t->failed = true;
	t->fatal = *err;
	t->transient = carb_catalog_last_error_class(t->cat) == CARB_DBERR_RETRY;
}

bool carb_turn_failed(const struct carb_turn *t)
{
	return t->failed;
}

bool carb_turn_transient(const struct carb_turn *t)
{
	return t->failed && t->transient;
}

const struct carb_error *carb_turn_error(const struct carb_turn *t)
{
	return &t->fatal;
}

size_t carb_turn_ops(const struct carb_turn *t)
{
	return t->tx_ops;
}

bool carb_turn_tx(struct carb_turn *t)
{
	struct carb_error err;

	if (t->failed)
		return false;
	t->tx_ops++;
	if (t->in_tx)
		return true;
	carb_error_clear(&err);
	if (carb_catalog_begin(t->cat, &err) < 0) {
		carb_turn_fail(t, &err);
		return false;
	}
	t->in_tx = true;
	t->tx_start_us = carb_monotonic_us();
	return true;
}

void carb_turn_set_metrics(struct carb_turn *t, struct carb_metrics *m)
{
	t->metrics = m;
}

void carb_turn_moved(struct carb_turn *t, enum carb_status status)
{
	if ((size_t)status < CARB_STATUS_COUNT)
		t->moved[status]++;
}

static void forget_moved(struct carb_turn *t)
{
	memset(t->moved, 0, sizeof(t->moved));
}

/* What a committed transaction did, now that the catalog keeps it. */
static void count_commit(struct carb_turn *t)
{
	carb_metrics_observe(t->metrics, CARB_METRIC_CATALOG_TX, NULL,
			     carb_monotonic_us() - t->tx_start_us);
	for (size_t s = 0; s < CARB_STATUS_COUNT; s++)
		if (t->moved[s] > 0)
			carb_metrics_add(t->metrics, CARB_METRIC_TRANSITIONS,
					 carb_status_name((enum carb_status)s),
					 t->moved[s]);
	forget_moved(t);
}

int carb_turn_commit(struct carb_turn *t)
{
	struct carb_error err;

	/* A dry run keeps one transaction open and rolls it back. */
	if (!t->in_tx || t->dry_run)
		return 0;
	t->in_tx = false;
	t->tx_ops = 0;
	carb_error_clear(&err);
	if (carb_catalog_commit(t->cat, &err) < 0) {
		forget_moved(t);
		carb_turn_fail(t, &err);
		return -1;
	}
	count_commit(t);
	return 0;
}

void carb_turn_rollback(struct carb_turn *t)
{
	if (t->in_tx)
		carb_catalog_rollback(t->cat, NULL);
	t->in_tx = false;
	forget_moved(t);
}
