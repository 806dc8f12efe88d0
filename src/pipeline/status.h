/* Internal to src/pipeline: status.c, the one owner of status changes
 * (catalog writes of component and group statuses, and the in-memory
 * mirror of component statuses).  Every function writes in the turn's
 * transaction, which the caller opens (carb_turn_tx). */
#ifndef CARB_STATUS_H
#define CARB_STATUS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "catalog/catalog.h"

struct carb_intake;
struct carb_watch_rt;

/* Statuses in which a component still waits to be processed: it may be
 * renamed, withdrawn, or checked again. */
bool carb_status_open(enum carb_status status);

/* Writes one component status change in the turn's transaction; false
 * when the row was not in ch->old_status or the catalog failed (the turn
 * is then failed). */
bool carb_status_set(struct carb_intake *in, int64_t id,
		     const struct carb_component_change *ch);
/* Sets the in-memory status of a known component (the mirror of its
 * catalog row, written after the row or when it is read). */
struct carb_known;
void carb_status_known(struct carb_known *k, enum carb_status status);
/* Keeps the in-memory status of component id at rel in step. */
void carb_status_mirror(struct carb_watch_rt *w, const char *rel, size_t len,
			int64_t id, enum carb_status status);
/* Moves the members of group gid from status `from` to `to` (reason may
 * be NULL), keeping the in-memory view in step. */
void carb_status_move_members(struct carb_intake *in, int64_t gid,
			      enum carb_status from, enum carb_status to,
			      const char *reason);

/* The catalog's status writes (catalog.h says what each does), on the
 * intake's catalog. */
int carb_status_component_set(struct carb_intake *in, int64_t id,
			      const struct carb_component_change *ch,
			      bool *changed, struct carb_error *err);
int carb_status_insert(struct carb_intake *in,
		       const struct carb_component_new *c, int64_t *id,
		       struct carb_error *err);
int carb_status_refresh(struct carb_intake *in, int64_t id,
			const struct carb_component_new *c, bool *changed,
			struct carb_error *err);
int carb_status_group_insert(struct carb_intake *in, const char *watch,
			     const char *key, size_t key_len,
			     int64_t generation, int64_t timeout_us,
			     int64_t *id, int64_t *deadline_at,
			     struct carb_error *err);
int carb_status_group_insert_ready(struct carb_intake *in, const char *watch,
				   const char *key, size_t key_len,
				   int64_t generation,
				   struct carb_group_info *g,
				   struct carb_error *err);
int carb_status_group_set(struct carb_intake *in, int64_t id,
			  enum carb_status old_status,
			  enum carb_status new_status,
			  bool complete, const char *missing, bool *changed,
			  struct carb_error *err);
int carb_status_group_route(struct carb_intake *in, int64_t id,
			    enum carb_status old_status,
			    enum carb_status new_status,
			    const char *destination, const char *reason,
			    bool *changed, struct carb_error *err);
int carb_status_archiving(struct carb_intake *in, int64_t id,
			  enum carb_status old_status, const char *destination,
			  const char *path, size_t path_len, bool *changed,
			  struct carb_error *err);
int carb_status_archived(struct carb_intake *in, int64_t id,
			 const struct carb_archived *a, bool *changed,
			 struct carb_error *err);
int carb_status_attempt_failed(struct carb_intake *in, int64_t id,
			       enum carb_status new_status, const char *reason,
			       int64_t next_retry_at, bool *changed,
			       struct carb_error *err);

#endif
