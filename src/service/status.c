/* The one-line STATUS= systemctl status shows: what the service holds and
 * whether it is held up. */
#include <stdio.h>
#include <string.h>

#include "service/service_internal.h"

/* Counting walks the intake's maps: not more often than this. */
#define STATUS_EVERY_MS 2000

void carb_status_line_text(struct carb_intake *in, const char *extra,
			   char *out, size_t size)
{
	struct carb_intake_stats st;
	int n;

	carb_intake_stats(in, &st);
	n = snprintf(out, size, "%zu watch%s, %zu settling, %zu pending,"
		     " %zu waiting, %zu archiving, %zu retrying, %zu failed,"
		     " %zu archived; catalog ok", st.watches,
		     st.watches == 1 ? "" : "es", st.settling, st.pending,
		     st.waiting, st.archiving, st.retrying, st.failed,
		     st.archived);
	if (n > 0 && (size_t)n < size && st.paused != NULL)
		n += snprintf(out + n, size - (size_t)n,
			      "; destination \"%s\" paused", st.paused);
	if (n > 0 && (size_t)n < size && st.watches_lost > 0)
		n += snprintf(out + n, size - (size_t)n, "; %zu watch%s lost",
			      st.watches_lost, st.watches_lost == 1 ? "" : "es");
	if (n > 0 && (size_t)n < size && extra != NULL && extra[0] != '\0')
		snprintf(out + n, size - (size_t)n, "; %s", extra);
}

void carb_status_line_update(struct carb_status_line *sl,
			     struct carb_intake *in, const char *extra,
			     bool force)
{
	int64_t now = carb_monotonic_ms();
	char text[sizeof(sl->last)];

	if (!carb_notify_listening() ||
	    (!force && now - sl->last_ms < STATUS_EVERY_MS))
		return;
	sl->last_ms = now;
	carb_status_line_text(in, extra, text, sizeof(text));
	if (force || strcmp(text, sl->last) != 0) {
		carb_notify_status(text);
		memcpy(sl->last, text, sizeof(text));
	}
}
