/* Private to src/service/. */
#ifndef CARB_SERVICE_INTERNAL_H
#define CARB_SERVICE_INTERNAL_H

#include <stdint.h>

#include "service/service.h"

/* ---- notify_systemd.c / notify_none.c: the only sd_notify calls ------- */

/* Whether a manager listens (NOTIFY_SOCKET is set). */
bool carb_notify_listening(void);
/* READY=1 with MAINPID and STATUS=status. */
void carb_notify_ready(const char *status);
void carb_notify_status(const char *status);
/* RELOADING=1 with MONOTONIC_USEC. */
void carb_notify_reloading(void);
void carb_notify_stopping(const char *status);
void carb_notify_watchdog(void);
/* EXTEND_TIMEOUT_USEC=usec: starting (or stopping) takes longer. */
void carb_notify_extend(int64_t usec);
/* The watchdog interval the manager asked for (WATCHDOG_USEC, for this
 * process), in microseconds; 0 when there is none. */
int64_t carb_notify_watchdog_usec(void);

/* ---- watchdog.c ---------------------------------------------------------- */

/* Pings at half the manager's interval, from the loop's thread only, and
 * only while no worker is stuck in one job. */
struct carb_watchdog {
	int64_t every_ms;       /* 0: no watchdog */
	int64_t last_ms;
	bool withheld;          /* a job was overdue at the last look */
};
void carb_watchdog_init(struct carb_watchdog *wd);
/* The loop turned: pings when due, unless in is not NULL and a worker is
 * overdue (then logs why, once, and withholds).  Returns the longest
 * the loop may sleep before the next call (ms); 0: no bound. */
int64_t carb_watchdog_turned(struct carb_watchdog *wd, struct carb_intake *in,
			     char *why, size_t why_size);

/* ---- status.c: the one-line STATUS= --------------------------------- */

/* Sends the intake's picture as STATUS= when it changed, at most every
 * couple of seconds; extra (may be NULL) is appended. */
struct carb_status_line {
	int64_t last_ms;
	char last[512];
};
void carb_status_line_update(struct carb_status_line *sl,
			     struct carb_intake *in, const char *extra,
			     bool force);
/* The text, for READY=1 and the log. */
void carb_status_line_text(struct carb_intake *in, const char *extra,
			   char *out, size_t size);

/* ---- signals.c ------------------------------------------------------- */

enum carb_signal { CARB_SIG_NONE, CARB_SIG_STOP, CARB_SIG_RELOAD };
/* A signalfd for SIGTERM, SIGINT and SIGHUP (already blocked). */
int carb_signals_open(void);
/* The next pending signal, or CARB_SIG_NONE; a stop wins over reloads
 * read in the same call. */
enum carb_signal carb_signals_read(int fd);

/* ---- logfile.c --------------------------------------------------------- */

/* Points the log at [logging] file (opened again: logrotate moved the old
 * one away) or standard error, with its level and format.  0, or -1 with
 * err (the log stays where it was). */
int carb_logfile_open(const struct carb_config *cfg, struct carb_error *err);
void carb_logfile_close(void);

/* ---- reload.c --------------------------------------------------------- */

/* SIGHUP: config.toml and rules.toml read again and checked; the live
 * keys and the rules applied (in may be NULL while the catalog is away:
 * the rules then apply when the intake opens again), the others logged
 * as waiting for a restart; an invalid file changes nothing.  The log is
 * opened again either way. */
void carb_service_reload(struct carb_service *svc, struct carb_intake *in);

#endif
