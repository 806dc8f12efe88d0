/* Stop points for the crash test: a kill at a random moment lands inside
 * an archive batch only by luck (a batch is over in milliseconds), so a
 * test that must kill a batch in flight names the point in
 * CARB_TEST_STOP_AT and the process stops itself there (SIGSTOP), to be
 * killed by the test.  CARB_TEST_HANG_AT makes the thread that reaches a
 * point hang there for good instead, as a copy to a dead network share
 * would.  The swap tests stop at the points just before a move's rename
 * (batch-move) and a hard link (batch-link) to swap the delivered name
 * meanwhile.  A process stops once, at the first listed point it
 * reaches: a test that lets it go on (SIGCONT) must not find it stopped
 * again by work that follows (a swapped-in file is a delivery too).  The
 * points and where they are: docs/testing.md.  Unset, as in production, a
 * stop point costs one comparison. */
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "util/util.h"

static pthread_once_t once = PTHREAD_ONCE_INIT;
static const char *points, *hangs;
static atomic_bool stopped;

static const char *env_list(const char *name)
{
	const char *v = getenv(name);

	return v != NULL && v[0] != '\0' ? v : NULL;
}

static void read_points(void)
{
	points = env_list("CARB_TEST_STOP_AT");
	hangs = env_list("CARB_TEST_HANG_AT");
}

static bool listed(const char *list, const char *point)
{
	size_t n = strlen(point);

	for (const char *p = list; *p != '\0';) {
		size_t len = strcspn(p, ",");

		if (len == n && memcmp(p, point, n) == 0)
			return true;
		p += len;
		p += *p == ',';
	}
	return false;
}

void carb_test_stop(const char *point)
{
	pthread_once(&once, read_points);
	if (points != NULL && listed(points, point) &&
	    !atomic_exchange(&stopped, true))
		raise(SIGSTOP);
	/* A wedged call (a dead NFS server): this thread alone stops for
	 * good, the rest of the process goes on. */
	if (hangs != NULL && listed(hangs, point))
		for (;;)
			pause();
}
