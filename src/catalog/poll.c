/* The watermark cursor of polling (carb_poll_run reads the rows; this
 * file keeps the cursor).  Its text form is opaque to programs and
 * versioned by its first field:
 *
 *   1:HIGH                  every completion up to id HIGH was read
 *   1:HIGH:ID.SEEN,...      ... except these ids, missed first at SEEN
 *                           (microseconds), which may still commit
 *
 * Why ids can be missing below HIGH, and why they are given up after
 * the gap timeout, is in docs/reporting.md ("Polling"). */
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "catalog/catalog.h"

static int bad(const char *text, struct carb_error *err)
{
	return carb_error_set(err, "\"%.64s\" is not a poll cursor", text);
}

static int number(const char **p, int64_t *v)
{
	char *end;

	errno = 0;
	*v = strtoll(*p, &end, 10);
	if (errno != 0 || end == *p || *v < 0)
		return -1;
	*p = end;
	return 0;
}

static void add_gap(struct carb_cursor *c, int64_t id, int64_t seen)
{
	if (c->ngaps == CARB_POLL_MAX_GAPS) {
		/* Gaps are kept oldest first: the oldest goes. */
		memmove(c->gaps, c->gaps + 1, (c->ngaps - 1) * sizeof(*c->gaps));
		c->ngaps--;
	}
	c->gaps = carb_xrealloc(c->gaps, (c->ngaps + 1) * sizeof(*c->gaps));
	c->gaps[c->ngaps].id = id;
	c->gaps[c->ngaps++].seen_us = seen;
}

int carb_cursor_parse(const char *text, struct carb_cursor *c,
		      struct carb_error *err)
{
	const char *p = text;

	memset(c, 0, sizeof(*c));
	if (text == NULL || *text == '\0')
		return 0;
	if (strncmp(p, "1:", 2) != 0)
		return bad(text, err);
	p += 2;
	if (number(&p, &c->high) < 0)
		return bad(text, err);
	if (*p == '\n' || *p == '\0')
		return 0;
	if (*p++ != ':')
		return bad(text, err);
	while (*p != '\0' && *p != '\n') {
		int64_t id, seen;

		if (number(&p, &id) < 0 || *p++ != '.' || number(&p, &seen) < 0 ||
		    id >= c->high)
			return bad(text, err);
		add_gap(c, id, seen);
		if (*p == ',')
			p++;
		else if (*p != '\0' && *p != '\n')
			return bad(text, err);
	}
	return 0;
}

char *carb_cursor_format(const struct carb_cursor *c)
{
	struct carb_buf b;

	carb_buf_init(&b);
	carb_buf_addf(&b, "1:%" PRId64, c->high);
	for (size_t i = 0; i < c->ngaps; i++)
		carb_buf_addf(&b, "%c%" PRId64 ".%" PRId64, i ? ',' : ':',
			      c->gaps[i].id, c->gaps[i].seen_us);
	return carb_buf_detach(&b);
}

void carb_cursor_release(struct carb_cursor *c)
{
	free(c->gaps);
	memset(c, 0, sizeof(*c));
}

void carb_cursor_advance(struct carb_cursor *c, int64_t id, int64_t now_us)
{
	for (size_t i = 0; i < c->ngaps; i++) {
		if (c->gaps[i].id == id) {
			memmove(&c->gaps[i], &c->gaps[i + 1],
				(c->ngaps - i - 1) * sizeof(*c->gaps));
			c->ngaps--;
			return;
		}
	}
	if (id <= c->high)
		return;
	/* Ids skipped on the way up may belong to transactions still open.
	 * A jump wider than the list can hold keeps its newest ids. */
	for (int64_t g = id - c->high - 1 > CARB_POLL_MAX_GAPS
		     ? id - CARB_POLL_MAX_GAPS : c->high + 1; g < id; g++)
		add_gap(c, g, now_us);
	c->high = id;
}

void carb_cursor_expire(struct carb_cursor *c, int64_t now_us,
			int64_t timeout_us)
{
	size_t keep = 0;

	for (size_t i = 0; i < c->ngaps; i++)
		if (now_us - c->gaps[i].seen_us <= timeout_us)
			c->gaps[keep++] = c->gaps[i];
	c->ngaps = keep;
}
