/* The transaction and failure state of a turn: one small object every
 * step receives, so no step calls back up into the loop to write. */
#include <stdlib.h>

#include "pipeline/turn.h"
#include "util/util.h"

struct carb_turn {
	struct carb_catalog *cat;
	bool dry_run;
	bool in_tx;
	size_t tx_ops;
	bool failed;               /* a catalog write failed: stop */
	struct carb_error fatal;
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
}

bool carb_turn_failed(const struct carb_turn *t)
{
	return t->failed;
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
	return true;
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
		carb_turn_fail(t, &err);
		return -1;
	}
	return 0;
}

void carb_turn_rollback(struct carb_turn *t)
{
	if (t->in_tx)
		carb_catalog_rollback(t->cat, NULL);
	t->in_tx = false;
}
