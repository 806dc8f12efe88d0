/* A build without libsystemd: nobody to tell.  Stops and reloads work as
 * they do under systemd. */
#include "service/service_internal.h"

bool carb_notify_listening(void)
{
	return false;
}

void carb_notify_ready(const char *status)
{
	(void)status;
}

void carb_notify_status(const char *status)
{
	(void)status;
}

void carb_notify_reloading(void)
{
}

void carb_notify_stopping(const char *status)
{
	(void)status;
}

void carb_notify_watchdog(void)
{
}

void carb_notify_extend(int64_t usec)
{
	(void)usec;
}

int64_t carb_notify_watchdog_usec(void)
{
	return 0;
}
