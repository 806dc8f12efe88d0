/* The service's log: one line per message, text or JSON, written with a
 * single write(2) so lines from worker threads never interleave. */
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "util/util.h"

static int log_fd = 2;
static int log_min = CARB_LOGL_INFO;
static bool log_json;

static const char *const level_names[] = { "debug", "info", "warning",
					   "error" };

void carb_log_open(int fd, int min_level, bool json)
{
	log_fd = fd;
	log_min = min_level;
	log_json = json;
}

static void write_all(int fd, const char *p, size_t n)
{
	while (n > 0) {
		ssize_t w = write(fd, p, n);

		if (w <= 0)
			return;  /* nowhere left to report a log failure */
		p += w;
		n -= (size_t)w;
	}
}

void carb_log(int level, const char *fmt, ...)
{
	char stamp[32], msg[2048];
	struct carb_buf b;
	struct tm tm;
	time_t now = time(NULL);
	va_list ap;

	if (level < log_min)
		return;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	gmtime_r(&now, &tm);
	strftime(stamp, sizeof(stamp), "%Y-%m-%dT%H:%M:%SZ", &tm);
	carb_buf_init(&b);
	if (log_json) {
		carb_buf_addf(&b, "{\"time\":\"%s\",\"level\":\"%s\",\"msg\":",
			      stamp, level_names[level]);
		carb_buf_add_json_string(&b, msg, strlen(msg));
		carb_buf_adds(&b, "}\n");
	} else {
		carb_buf_addf(&b, "%s %s %s\n", stamp, level_names[level], msg);
	}
	write_all(log_fd, b.data, b.len);
	carb_buf_release(&b);
}
