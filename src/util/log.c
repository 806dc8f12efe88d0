/* The service's log: one line per message, text or JSON, written with a
 * single write(2) so lines from worker threads never interleave; or the
 * systemd journal, with fields. */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "util/util.h"

static int log_fd = 2;
static int log_min = CARB_LOGL_INFO;
static bool log_json;
static bool log_journal;
/* Written by the thread that runs the service's reload, read by every
 * logging thread: behind a lock, since it is a string. */
static pthread_mutex_t instance_lock = PTHREAD_MUTEX_INITIALIZER;
static char log_name[128];

static const char *const level_names[] = { "debug", "info", "warning",
					   "error" };

/* A reload changes these while workers log: each is read once a
 * message, atomically. */
void carb_log_open(int fd, int min_level, bool json)
{
	__atomic_store_n(&log_fd, fd, __ATOMIC_RELAXED);
	__atomic_store_n(&log_min, min_level, __ATOMIC_RELAXED);
	__atomic_store_n(&log_json, json, __ATOMIC_RELAXED);
}

bool carb_log_journal(bool journal)
{
	struct carb_log_message probe = { .level = -1 };

	/* the stub refuses everything: then the journal stays off */
	if (journal && carb_log_journal_send(&probe) < 0)
		journal = false;
	__atomic_store_n(&log_journal, journal, __ATOMIC_RELAXED);
	return journal;
}

void carb_log_instance(const char *name)
{
	pthread_mutex_lock(&instance_lock);
	snprintf(log_name, sizeof(log_name), "%s", name ? name : "");
	pthread_mutex_unlock(&instance_lock);
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

static void json_field(struct carb_buf *b, const char *key, const char *v)
{
	if (v == NULL)
		return;
	carb_buf_addf(b, ",\"%s\":", key);
	carb_buf_add_json_string(b, v, strlen(v));
}

static void json_line(struct carb_buf *b, const struct carb_log_message *m,
		      const char *stamp)
{
	const struct carb_log_fields *f = m->f;

	carb_buf_addf(b, "{\"time\":\"%s\",\"level\":\"%s\"", stamp,
		      level_names[m->level]);
	json_field(b, "service", m->instance);
	if (f != NULL) {
		json_field(b, "watch", f->watch);
		if (f->component != NULL) {
			carb_buf_adds(b, ",\"component\":");
			carb_buf_add_json_string(b, f->component,
						 f->component_len);
		}
		if (f->group > 0)
			carb_buf_addf(b, ",\"group\":%lld", (long long)f->group);
		json_field(b, "status", f->status);
		json_field(b, "destination", f->destination);
	}
	carb_buf_adds(b, ",\"msg\":");
	carb_buf_add_json_string(b, m->text, strlen(m->text));
	carb_buf_adds(b, "}\n");
}

static void line_out(const struct carb_log_message *m)
{
	char stamp[32];
	struct carb_buf b;
	struct tm tm;
	time_t now = time(NULL);

	gmtime_r(&now, &tm);
	strftime(stamp, sizeof(stamp), "%Y-%m-%dT%H:%M:%SZ", &tm);
	carb_buf_init(&b);
	if (__atomic_load_n(&log_json, __ATOMIC_RELAXED))
		json_line(&b, m, stamp);
	else if (m->instance != NULL)
		carb_buf_addf(&b, "%s %s [%s] %s\n", stamp,
			      level_names[m->level], m->instance, m->text);
	else
		carb_buf_addf(&b, "%s %s %s\n", stamp, level_names[m->level],
			      m->text);
	write_all(__atomic_load_n(&log_fd, __ATOMIC_RELAXED), b.data, b.len);
	carb_buf_release(&b);
}

void carb_log_at(int level, const struct carb_log_fields *f,
		 const char *file, int line, const char *fmt, ...)
{
	char msg[2048], name[sizeof(log_name)];
	struct carb_log_message m = {
		.level = level, .text = msg, .f = f, .file = file, .line = line,
	};
	struct carb_buf comp;
	va_list ap;

	if (level < __atomic_load_n(&log_min, __ATOMIC_RELAXED))
		return;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	pthread_mutex_lock(&instance_lock);
	memcpy(name, log_name, sizeof(name));
	pthread_mutex_unlock(&instance_lock);
	m.instance = name[0] ? name : NULL;
	if (!__atomic_load_n(&log_journal, __ATOMIC_RELAXED)) {
		line_out(&m);
		return;
	}
	carb_buf_init(&comp);
	if (f != NULL && f->component != NULL) {
		carb_buf_add_safe_name(&comp, f->component, f->component_len);
		m.component = comp.data;
	}
	if (carb_log_journal_send(&m) < 0)
		line_out(&m);
	carb_buf_release(&comp);
}
