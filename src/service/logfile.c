/* The log's descriptor is one number for the life of the service: a
 * reload (logrotate's postrotate sends SIGHUP) points it at the file
 * opened again with dup2, which worker threads writing at that moment
 * cannot notice, where closing and opening could hand them another
 * file's descriptor. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "service/service_internal.h"

static int log_fd = -1;

/* Whether standard error is the journal's stream: systemd sets
 * JOURNAL_STREAM to its "device:inode" (systemd.exec(5)). */
static bool stderr_is_journal(void)
{
	const char *js = getenv("JOURNAL_STREAM");
	unsigned long long dev, ino;
	struct stat st;

	return js != NULL && sscanf(js, "%llu:%llu", &dev, &ino) == 2 &&
	       fstat(2, &st) == 0 && (unsigned long long)st.st_dev == dev &&
	       (unsigned long long)st.st_ino == ino;
}

int carb_logfile_open(const struct carb_config *cfg, struct carb_error *err)
{
	const struct carb_logging_config *lc = carb_config_logging(cfg);
	int fd;

	if (lc->file != NULL)
		fd = open(lc->file, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC,
			  0640);
	else
		fd = fcntl(2, F_DUPFD_CLOEXEC, 3);
	if (fd < 0)
		return carb_error_set(err, "cannot open log file %s: %s",
				      lc->file ? lc->file : "(standard error)",
				      strerror(errno));
	if (log_fd < 0) {
		log_fd = fd;
	} else {
		if (dup3(fd, log_fd, O_CLOEXEC) < 0) {
			int e = errno;

			close(fd);
			return carb_error_set(err, "cannot switch the log to %s: %s",
					      lc->file ? lc->file : "standard error",
					      strerror(e));
		}
		close(fd);
	}
	carb_log_open(log_fd, (int)lc->level,
		      lc->format == CARB_LOG_FORMAT_JSON);
	carb_log_instance(carb_config_service(cfg)->name);
	carb_log_journal(lc->file == NULL && stderr_is_journal());
	return 0;
}

void carb_logfile_close(void)
{
	if (log_fd < 0)
		return;
	carb_log_open(2, CARB_LOGL_INFO, false);
	carb_log_journal(false);
	carb_log_instance(NULL);
	close(log_fd);
	log_fd = -1;
}
