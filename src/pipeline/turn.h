/* Internal to src/pipeline: the transaction and failure state of one
 * turn of the loop.  Every step writes to the catalog through the turn:
 * a write opens the turn's transaction when none is open, the loop
 * commits once a turn (group commit), and the first catalog failure
 * marks the turn failed, which stops the loop.  A dry run keeps one
 * transaction open for the whole run and rolls it back at the end. */
#ifndef CARB_TURN_H
#define CARB_TURN_H

#include <stdbool.h>
#include <stddef.h>

#include "catalog/catalog.h"

struct carb_turn;

/* A turn writing to cat (borrowed).  Returns a new turn (owned; free
 * with carb_turn_free). */
struct carb_turn *carb_turn_new(struct carb_catalog *cat, bool dry_run);
/* Frees the turn (what is open stays open: the loop commits or rolls
 * back before); sets *tp to NULL. */
void carb_turn_free(struct carb_turn **tp);

/* A write opens the turn's transaction when none is open.  Returns false
 * (and marks the turn failed) when the catalog refuses or the turn has
 * already failed. */
bool carb_turn_tx(struct carb_turn *t);
/* Commits the turn's transaction now (not in a dry run); -1 when the
 * catalog refuses (the turn is marked failed). */
int carb_turn_commit(struct carb_turn *t);
/* Rolls back the open transaction, if any (a failed turn, a dry run). */
void carb_turn_rollback(struct carb_turn *t);
/* Marks the turn failed with err's message unless it already is. */
void carb_turn_fail(struct carb_turn *t, const struct carb_error *err);
/* Whether a catalog write failed: the loop stops. */
bool carb_turn_failed(const struct carb_turn *t);
/* Whether the turn failed on a lock conflict the catalog resolved by
 * refusing this transaction (deadlock, lock wait timeout, busy): the same
 * work taken again, on the same connection, may well succeed. */
bool carb_turn_transient(const struct carb_turn *t);
/* The error that failed the turn. */
const struct carb_error *carb_turn_error(const struct carb_turn *t);
/* Writes since the last commit. */
size_t carb_turn_ops(const struct carb_turn *t);

/* The registry the turn counts into (NULL: none; borrowed): how long
 * each committed transaction was open, and the transitions it held. */
void carb_turn_set_metrics(struct carb_turn *t, struct carb_metrics *m);
/* A component reached status in the turn's transaction: counted
 * (carbonation_transitions_total) when the transaction commits, and
 * forgotten when it rolls back (a failed turn, a dry run), so the
 * counter tells only what the catalog kept. */
void carb_turn_moved(struct carb_turn *t, enum carb_status status);

#endif
