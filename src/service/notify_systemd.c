/* Every sd_notify call of the program.  Messages go only to this process's
 * manager: the environment is left as it is, so a helper started later
 * could in principle notify too, but none is started with it. */
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

#include <systemd/sd-daemon.h>

#include "service/service_internal.h"

bool carb_notify_listening(void)
{
	const char *s = getenv("NOTIFY_SOCKET");

	return s != NULL && s[0] != '\0';
}

void carb_notify_ready(const char *status)
{
	sd_notifyf(0, "READY=1\nMAINPID=%ld\nSTATUS=%s", (long)getpid(), status);
}

void carb_notify_status(const char *status)
{
	sd_notifyf(0, "STATUS=%s", status);
}

void carb_notify_reloading(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	sd_notifyf(0, "RELOADING=1\nMONOTONIC_USEC=%lld\nSTATUS=reloading",
		   (long long)ts.tv_sec * 1000000 + ts.tv_nsec / 1000);
}

void carb_notify_stopping(const char *status)
{
	sd_notifyf(0, "STOPPING=1\nSTATUS=%s", status);
}

void carb_notify_watchdog(void)
{
	sd_notify(0, "WATCHDOG=1");
}

void carb_notify_extend(int64_t usec)
{
	sd_notifyf(0, "EXTEND_TIMEOUT_USEC=%lld", (long long)usec);
}

int64_t carb_notify_watchdog_usec(void)
{
	uint64_t usec = 0;

	return sd_watchdog_enabled(0, &usec) > 0 ? (int64_t)usec : 0;
}
