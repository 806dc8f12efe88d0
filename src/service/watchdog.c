/* An honest watchdog: WATCHDOG=1 goes out from the loop's own thread, so a
 * loop stuck in a call (a catalog server that stopped answering) sends
 * nothing, and not while a worker has been inside one job past its
 * bound (a wedged copy, a plugin call that never returns), though the
 * loop still turns.  Then systemd kills and restarts the service, and the
 * catalog says where each file was. */
#include <stdio.h>
#include <string.h>

#include "service/service_internal.h"

void carb_watchdog_init(struct carb_watchdog *wd)
{
	int64_t usec = carb_notify_watchdog_usec();

	memset(wd, 0, sizeof(*wd));
	/* Half the interval, as sd_watchdog_enabled(3) advises. */
	wd->every_ms = usec / 2000;
	if (usec > 0 && wd->every_ms == 0)
		wd->every_ms = 1;
}

int64_t carb_watchdog_turned(struct carb_watchdog *wd, struct carb_intake *in,
			     char *why, size_t why_size)
{
	int64_t now = carb_monotonic_ms(), next;

	why[0] = '\0';
	if (in != NULL && carb_intake_overdue(in, why, why_size)) {
		if (!wd->withheld)
			carb_log(CARB_LOGL_ERROR, "%s; no watchdog pings while"
				 " it runs%s", why, wd->every_ms > 0 ? ""
				 : " (no watchdog is set)");
		wd->withheld = true;
		/* look again soon: it may finish */
		return 1000;
	}
	if (wd->withheld)
		carb_log(CARB_LOGL_WARNING, "the overdue job is over; watchdog"
			 " pings resume");
	wd->withheld = false;
	if (wd->every_ms == 0)
		return in != NULL ? 5000 : 0;
	if (now - wd->last_ms >= wd->every_ms) {
		carb_notify_watchdog();
		wd->last_ms = now;
	}
	next = wd->last_ms + wd->every_ms - now;
	return next > 0 ? next : 1;
}
