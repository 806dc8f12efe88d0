/* The one owner of status changes in the intake: every catalog write of
 * a component's or a group's status goes through here, and so does the
 * in-memory mirror of component statuses (struct carb_known) that lets a
 * walk tell new files from known ones.  Writes run in the turn's
 * transaction (the caller opens it with carb_turn_tx); no other file of
 * src/pipeline calls the catalog's status writers (layering.sh holds
 * that; reconciliation, a command of its own outside the loop, is the
 * named exception). */
#include <stdio.h>
#include <string.h>

#include "pipeline/intake_internal.h"

bool carb_status_open(enum carb_status status)
{
	return status == CARB_STATUS_PENDING ||
	       status == CARB_STATUS_INTEGRITY_FAILED ||
	       status == CARB_STATUS_WAITING || status == CARB_STATUS_READY;
}

bool carb_status_set(struct carb_intake *in, int64_t id,
		     const struct carb_component_change *ch)
{
	struct carb_error err;
	bool changed = false;

	carb_error_clear(&err);
	if (!carb_turn_tx(in->turn))
		return false;
	if (carb_component_set(in->cat, id, ch, &changed, &err) < 0) {
		carb_turn_fail(in->turn, &err);
		return false;
	}
	if (changed)
		carb_turn_moved(in->turn, ch->new_status);
	return changed;
}

void carb_status_known(struct carb_known *k, enum carb_status status)
{
	k->status = status;
}

void carb_status_mirror(struct carb_watch_rt *w, const char *rel, size_t len,
			int64_t id, enum carb_status status)
{
	struct carb_known *k = carb_map_get(w->known, rel, len);

	if (k != NULL && k->id == id)
		carb_status_known(k, status);
}

struct members {
	struct carb_intake *in;
	enum carb_status from;    /* status the members leave */
	enum carb_status to;
	const char *reason;
};

static int member_row(void *ctx, const struct carb_component_row *r,
		      struct carb_error *err)
{
	struct members *m = ctx;
	struct carb_component_change ch = {
		.old_status = m->from, .new_status = m->to,
		.reason = m->reason, .late = -1,
	};

	(void)err;
	if (r->status != m->from)
		return 0;
	if (carb_status_set(m->in, r->id, &ch)) {
		struct carb_watch_rt *w = carb_intake_watch(m->in, r->watch);

		if (w != NULL)
			carb_status_mirror(w, r->rel_path, r->rel_len, r->id,
					   m->to);
	}
	return 0;
}

void carb_status_move_members(struct carb_intake *in, int64_t gid,
			      enum carb_status from, enum carb_status to,
			      const char *reason)
{
	struct members m = { in, from, to, reason };
	struct carb_error err;

	carb_error_clear(&err);
	if (carb_group_members_each(in->cat, gid, member_row, &m, &err) < 0)
		carb_turn_fail(in->turn, &err);
}

/* ---- the catalog's status writes, in the turn's transaction ------------ */

/* Each component write that changed a row tells the turn, which counts
 * the transition once its transaction commits (carb_turn_moved).  Group
 * statuses are not counted: carbonation_transitions_total is of
 * components, as carbonation_components is. */

int carb_status_component_set(struct carb_intake *in, int64_t id,
			      const struct carb_component_change *ch,
			      bool *changed, struct carb_error *err)
{
	int rc = carb_component_set(in->cat, id, ch, changed, err);

	if (rc == 0 && changed != NULL && *changed)
		carb_turn_moved(in->turn, ch->new_status);
	return rc;
}

int carb_status_insert(struct carb_intake *in,
		       const struct carb_component_new *c, int64_t *id,
		       struct carb_error *err)
{
	int rc = carb_component_insert(in->cat, c, id, err);

	if (rc == 0)
		carb_turn_moved(in->turn, CARB_STATUS_PENDING);
	return rc;
}

int carb_status_refresh(struct carb_intake *in, int64_t id,
			const struct carb_component_new *c, bool *changed,
			struct carb_error *err)
{
	int rc = carb_component_refresh(in->cat, id, c, changed, err);

	if (rc == 0 && changed != NULL && *changed)
		carb_turn_moved(in->turn, CARB_STATUS_PENDING);
	return rc;
}

int carb_status_group_insert(struct carb_intake *in, const char *watch,
			     const char *key, size_t key_len,
			     int64_t generation, int64_t timeout_us,
			     int64_t *id, int64_t *deadline_at,
			     struct carb_error *err)
{
	return carb_group_insert(in->cat, watch, key, key_len, generation,
				 timeout_us, id, deadline_at, err);
}

int carb_status_group_insert_ready(struct carb_intake *in, const char *watch,
				   const char *key, size_t key_len,
				   int64_t generation,
				   struct carb_group_info *g,
				   struct carb_error *err)
{
	return carb_group_insert_ready(in->cat, watch, key, key_len,
				       generation, g, err);
}

int carb_status_group_set(struct carb_intake *in, int64_t id,
			  enum carb_status old_status,
			  enum carb_status new_status,
			  bool complete, const char *missing, bool *changed,
			  struct carb_error *err)
{
	return carb_group_set(in->cat, id, old_status, new_status, complete,
			      missing, changed, err);
}

int carb_status_group_route(struct carb_intake *in, int64_t id,
			    enum carb_status old_status,
			    enum carb_status new_status,
			    const char *destination, const char *reason,
			    bool *changed, struct carb_error *err)
{
	return carb_group_route(in->cat, id, old_status, new_status,
				destination, reason, changed, err);
}

int carb_status_archiving(struct carb_intake *in, int64_t id,
			  enum carb_status old_status, const char *destination,
			  const char *path, size_t path_len, bool *changed,
			  struct carb_error *err)
{
	int rc = carb_component_archiving(in->cat, id, old_status,
					  destination, path, path_len,
					  changed, err);

	if (rc == 0 && changed != NULL && *changed)
		carb_turn_moved(in->turn, CARB_STATUS_ARCHIVING);
	return rc;
}

int carb_status_archived(struct carb_intake *in, int64_t id,
			 const struct carb_archived *a, bool *changed,
			 struct carb_error *err)
{
	int rc = carb_component_archived(in->cat, id, a, changed, err);

	if (rc == 0 && changed != NULL && *changed)
		carb_turn_moved(in->turn, a->new_status);
	return rc;
}

int carb_status_attempt_failed(struct carb_intake *in, int64_t id,
			       enum carb_status new_status, const char *reason,
			       int64_t next_retry_at, bool *changed,
			       struct carb_error *err)
{
	int rc = carb_component_attempt_failed(in->cat, id, new_status,
					       reason, next_retry_at,
					       changed, err);

	if (rc == 0 && changed != NULL && *changed)
		carb_turn_moved(in->turn, new_status);
	return rc;
}
