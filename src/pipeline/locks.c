/* One lock file per watch in [service] state_dir: the service holds its
 * watches' locks for its whole life, and `run --once` beside it skips the
 * watches it finds locked, so no file is ever handled by two runs.  flock
 * locks vanish with their process, so a crash leaves nothing to clean. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <unistd.h>

#include "pipeline/intake_internal.h"

static long read_holder(int fd)
{
	char buf[32];
	ssize_t n = pread(fd, buf, sizeof(buf) - 1, 0);

	if (n <= 0)
		return 0;
	buf[n] = '\0';
	return strtol(buf, NULL, 10);
}

int carb_watch_lock(const char *state_dir, const char *watch, bool dry_run,
		    long *holder, struct carb_error *err)
{
	char *path = carb_xasprintf("%s/watch-%s.lock", state_dir, watch);
	char pid[32];
	int fd = dry_run ? open(path, O_RDONLY | O_CLOEXEC)
			 : open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0644);
	int n;

	*holder = 0;
	if (fd < 0 && dry_run && errno == ENOENT) {
		/* No lock file: nobody holds it, and a dry run makes none. */
		free(path);
		return CARB_WATCH_LOCK_NONE;
	}
	if (fd < 0) {
		carb_error_set(err, "cannot open lock file %s: %s", path,
			       strerror(errno));
		free(path);
		return -1;
	}
	free(path);
	if (flock(fd, LOCK_EX | LOCK_NB) < 0) {
		int e = errno;

		*holder = read_holder(fd);
		close(fd);
		if (e == EWOULDBLOCK)
			return -2;
		return carb_error_set(err, "cannot lock watch \"%s\": %s",
				      watch, strerror(e));
	}
	if (dry_run)
		return fd;  /* held, its content left as it is */
	n = snprintf(pid, sizeof(pid), "%ld\n", (long)getpid());
	if (ftruncate(fd, 0) < 0 || pwrite(fd, pid, (size_t)n, 0) < 0) {
		/* The pid is only for messages; the lock is what counts. */
	}
	return fd;
}
