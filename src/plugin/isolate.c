/* [plugins] isolation = "process": each call runs in a helper process
 * (helper.c), so a plugin that crashes, aborts or never returns costs the
 * call it was in, never the service or another group's call.
 *
 * A helper is this very program started afresh (/proc/self/exe with
 * CARB_PLUGIN_HELPER_ARG): forking the multi-threaded service and then
 * loading a plugin in the child could deadlock on a lock some other
 * thread held at the fork, while a fresh program loads the plugin and
 * runs its init as the service itself did.  Helpers are kept in a pool
 * and reused; a call takes an idle one or starts a new one, so there are
 * at most as many as calls at once (the workers and the intake thread).
 * One helper runs one call at a time, so even a plugin without
 * CARB_PLUGIN_CONCURRENT may run in several helpers at once: each has
 * its own copy of the plugin's state.
 *
 * The service waits for a reply at most [plugins] timeout; past it, or
 * when the helper dies or says something malformed, the helper is killed
 * and reaped, and the call fails with what happened (the signal, the
 * timeout); the next call starts a new helper. */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "plugin/plugin_internal.h"
#include "plugin/wire.h"

extern char **environ;

struct helper {
	pid_t pid;
	int fd;                   /* our end of its socket */
	bool busy;                /* in a call */
	struct helper *next;
};

struct carb_plugin_pool {
	pthread_mutex_t lock;
	struct helper *all;
	bool cancelled;           /* carb_plugin_cancel: no call from now */
};

struct carb_plugin_pool *carb_plugin_pool_new(void)
{
	struct carb_plugin_pool *pool = carb_xcalloc(1, sizeof(*pool));

	pthread_mutex_init(&pool->lock, NULL);
	return pool;
}

static int64_t timeout_of(const struct carb_plugin_rt *p)
{
	return __atomic_load_n(&p->timeout_ms, __ATOMIC_RELAXED);
}

void carb_plugin_set_timeout(struct carb_plugin_rt *p, int64_t ms)
{
	if (p != NULL)
		__atomic_store_n(&p->timeout_ms, ms, __ATOMIC_RELAXED);
}

int64_t carb_plugin_job_limit_ms(const struct carb_plugin_rt *p)
{
	int64_t t = p ? timeout_of(p) : 0;

	/* A process call is bounded here: its helper's start and the call
	 * itself each within the timeout, for up to three calls a job.
	 * The watchdog's bound only catches this side of it stuck. */
	if (p != NULL && p->isolation == CARB_ISOLATION_PROCESS)
		return 3 * (2 * t + 1000) + 5000;
	return t;
}

/* ---- ending a helper ------------------------------------------------------ */

static void unlink_helper(struct carb_plugin_pool *pool, struct helper *h)
{
	pthread_mutex_lock(&pool->lock);
	for (struct helper **pp = &pool->all; *pp != NULL; pp = &(*pp)->next)
		if (*pp == h) {
			*pp = h->next;
			break;
		}
	pthread_mutex_unlock(&pool->lock);
}

/* Kills (when kill_it) and reaps h; its wait status. */
static int end_helper(struct helper *h, bool kill_it)
{
	int status = 0;

	if (kill_it)
		kill(h->pid, SIGKILL);
	close(h->fd);
	while (waitpid(h->pid, &status, 0) < 0 && errno == EINTR)
		;
	free(h);
	return status;
}

/* A helper that has no call is told to go by the end of its stream, and
 * goes at once; one that does not within a second is killed. */
static void retire(struct helper *h)
{
	int status;

	close(h->fd);
	for (int i = 0; i < 100; i++) {
		if (waitpid(h->pid, &status, WNOHANG) == h->pid) {
			free(h);
			return;
		}
		usleep(10000);
	}
	h->fd = -1;
	kill(h->pid, SIGKILL);
	while (waitpid(h->pid, &status, 0) < 0 && errno == EINTR)
		;
	free(h);
}

void carb_plugin_pool_free(struct carb_plugin_pool **pp)
{
	struct carb_plugin_pool *pool = *pp;
	struct helper *next;

	if (pool == NULL)
		return;
	for (struct helper *h = pool->all; h != NULL; h = next) {
		next = h->next;
		retire(h);
	}
	pthread_mutex_destroy(&pool->lock);
	free(pool);
	*pp = NULL;
}

void carb_plugin_cancel(struct carb_plugin_rt *p)
{
	if (p == NULL || p->pool == NULL)
		return;
	pthread_mutex_lock(&p->pool->lock);
	p->pool->cancelled = true;
	/* Their callers see the end of the stream, reap them and return;
	 * a pid is reaped only after it left the list, so it is ours. */
	for (struct helper *h = p->pool->all; h != NULL; h = h->next)
		if (h->busy)
			kill(h->pid, SIGKILL);
	pthread_mutex_unlock(&p->pool->lock);
}

/* ---- starting one --------------------------------------------------------- */

/* The helper's end of the socket as its descriptor 3, stdin and stdout on
 * /dev/null (a plugin's printf must not land in our output), stderr
 * shared; every signal at its default and none blocked, as the service
 * blocks the ones it reads from a signalfd. */
static int spawn(const struct carb_plugin_rt *p, int theirs, pid_t *pid)
{
	posix_spawn_file_actions_t fa;
	posix_spawnattr_t at;
	sigset_t none, all;
	char ppid[32];
	char *argv[] = {
		"carbonation-plugin-helper", CARB_PLUGIN_HELPER_ARG,
		p->config_path, p->path, ppid, NULL,
	};
	int rc;

	snprintf(ppid, sizeof(ppid), "%ld", (long)getpid());
	sigemptyset(&none);
	sigfillset(&all);
	sigdelset(&all, SIGKILL);
	sigdelset(&all, SIGSTOP);
	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_adddup2(&fa, theirs, 3);
	posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
	posix_spawn_file_actions_addopen(&fa, 1, "/dev/null", O_WRONLY, 0);
	posix_spawnattr_init(&at);
	posix_spawnattr_setflags(&at, POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF);
	posix_spawnattr_setsigmask(&at, &none);
	posix_spawnattr_setsigdefault(&at, &all);
	rc = posix_spawn(pid, "/proc/self/exe", &fa, &at, argv, environ);
	posix_spawnattr_destroy(&at);
	posix_spawn_file_actions_destroy(&fa);
	return rc;
}

/* Whether the helper loaded the plugin with the columns we know: a
 * config.toml edited since the start could give it others. */
static int check_hello(const struct carb_plugin_rt *p, struct carb_buf *b,
		       char **why)
{
	struct carb_wire_in in = { (const unsigned char *)b->data, b->len, false };
	uint32_t n = carb_wire_get_u32(&in);
	bool same = n == p->ncolumns;

	for (uint32_t i = 0; i < n && same && !in.bad; i++) {
		char *name = carb_wire_get_str(&in);
		uint8_t type = carb_wire_get_u8(&in);

		same = name != NULL && strcmp(name, p->columns[i].name) == 0 &&
		       type == (uint8_t)p->columns[i].type;
		free(name);
	}
	if (!in.bad && same)
		return 0;
	*why = carb_xstrdup("the plugin's helper process declares other columns"
			    " than the service (config.toml changed since the"
			    " start?); restart the service");
	return -1;
}

/* Waits for the helper's first word: loaded, or why not. */
static int await_hello(const struct carb_plugin_rt *p, struct helper *h,
		       char **why)
{
	int64_t deadline = carb_monotonic_ms() + timeout_of(p);
	enum carb_wire_type t;
	struct carb_buf b;
	int rc;

	carb_buf_init(&b);
	rc = carb_wire_recv(h->fd, &t, &b, NULL, deadline);
	if (rc == 1 && t == CARB_WIRE_HELLO) {
		rc = check_hello(p, &b, why);
	} else if (rc == 1 && t == CARB_WIRE_REFUSED) {
		*why = carb_xasprintf("the plugin's helper process could not load"
				      " it: %.*s", (int)(b.len < 1024 ? b.len : 1024),
				      b.data);
		rc = -1;
	} else {
		*why = carb_xasprintf("the plugin's helper process did not start: %s",
				      rc == 0 ? "it ended at once"
				      : strerror(errno));
		rc = -1;
	}
	carb_buf_release(&b);
	return rc;
}

static struct helper *start_helper(const struct carb_plugin_rt *p, char **why)
{
	struct helper *h;
	int sv[2], rc;

	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) < 0) {
		*why = carb_xasprintf("cannot start a plugin helper process: %s",
				      strerror(errno));
		return NULL;
	}
	if (sv[1] == 3) {
		/* dup2 onto itself would keep close-on-exec */
		int moved = fcntl(sv[1], F_DUPFD_CLOEXEC, 4);

		close(sv[1]);
		sv[1] = moved;
	}
	h = carb_xcalloc(1, sizeof(*h));
	h->fd = sv[0];
	rc = sv[1] < 0 ? errno : spawn(p, sv[1], &h->pid);
	if (sv[1] >= 0)
		close(sv[1]);
	if (rc != 0) {
		*why = carb_xasprintf("cannot start a plugin helper process: %s",
				      strerror(rc));
		close(h->fd);
		free(h);
		return NULL;
	}
	h->busy = true;
	if (await_hello(p, h, why) < 0) {
		end_helper(h, true);
		return NULL;
	}
	return h;
}

/* Whether idle helper h is gone: killed with the thread that started
 * it (PR_SET_PDEATHSIG follows the thread), e.g. when the workers were
 * stopped and started again after a catalog outage. */
static bool gone(struct helper *h)
{
	int status;

	return waitpid(h->pid, &status, WNOHANG) == h->pid;
}

/* An idle helper that still runs; the gone ones are dropped.  Called
 * with the pool's lock. */
static struct helper *idle_one(struct carb_plugin_pool *pool)
{
	struct helper **pp = &pool->all, *h;

	while ((h = *pp) != NULL) {
		if (h->busy) {
			pp = &h->next;
		} else if (gone(h)) {
			*pp = h->next;
			close(h->fd);
			free(h);
		} else {
			h->busy = true;
			return h;
		}
	}
	return NULL;
}

/* An idle helper, else a new one; NULL with *why. */
static struct helper *take(struct carb_plugin_rt *p, char **why)
{
	struct carb_plugin_pool *pool = p->pool;
	struct helper *h = NULL;
	bool cancelled;

	pthread_mutex_lock(&pool->lock);
	cancelled = pool->cancelled;
	if (!cancelled)
		h = idle_one(pool);
	pthread_mutex_unlock(&pool->lock);
	if (cancelled)
		*why = carb_xstrdup("not called: the service is stopping");
	if (h != NULL || cancelled)
		return h;
	h = start_helper(p, why);
	if (h == NULL)
		return NULL;
	pthread_mutex_lock(&pool->lock);
	h->next = pool->all;
	pool->all = h;
	pthread_mutex_unlock(&pool->lock);
	return h;
}

static void give_back(struct carb_plugin_pool *pool, struct helper *h)
{
	pthread_mutex_lock(&pool->lock);
	h->busy = false;
	pthread_mutex_unlock(&pool->lock);
}

/* ---- one call --------------------------------------------------------------- */

/* A line host->log sent: the service's log, kept printable. */
static void relay_log(const struct carb_plugin_rt *p, struct carb_buf *b)
{
	struct carb_wire_in in = { (const unsigned char *)b->data, b->len, false };
	int level = carb_wire_get_u8(&in);
	size_t len;
	const char *text = carb_wire_get_bytes(&in, &len);
	char *line;

	if (in.bad || text == NULL)
		return;
	line = carb_xstrndup(text, len < 2048 ? len : 2048);
	for (char *c = line; *c != '\0'; c++)
		if ((unsigned char)*c < 0x20 || *c == 0x7f)
			*c = ' ';
	if (level < CARB_LOGL_DEBUG || level > CARB_LOGL_ERROR)
		level = CARB_LOGL_INFO;
	carb_log(level, "plugin %s: %s", p->desc->name, line);
	free(line);
}

/* The reply: rc and the outcome, checked; 0 when it is one. */
static int take_reply(const struct carb_plugin_rt *p, struct carb_buf *b,
		      enum carb_plugin_kind k, struct carb_plugin_outcome *o,
		      int *rc, char **why)
{
	struct carb_wire_in in = { (const unsigned char *)b->data, b->len, false };
	struct carb_plugin_outcome fresh;

	*rc = (int)carb_wire_get_i64(&in);
	carb_plugin_outcome_init(p, &fresh);
	if (carb_wire_get_outcome(&in, p, &fresh, why) < 0) {
		carb_plugin_outcome_release(&fresh);
		return -1;
	}
	if (k != CARB_PLUGIN_ROUTER && fresh.destination != NULL) {
		free(fresh.destination);
		fresh.destination = NULL;
	}
	carb_plugin_outcome_release(o);
	*o = fresh;
	return 0;
}

/* What went wrong while waiting for a reply: 1 timed out, 0 otherwise. */
struct wait_end {
	int timed_out;
	char *malformed;          /* why, when the helper spoke nonsense */
};

/* Sends the call and reads until the reply; 0 with *rc, else -1 with
 * how it ended in we. */
static int exchange(struct carb_plugin_rt *p, struct helper *h,
		    enum carb_plugin_kind k, const char *fname,
		    const struct carb_plugin_group *g,
		    struct carb_plugin_outcome *o, int *rc, struct wait_end *we)
{
	int64_t deadline = carb_monotonic_ms() + timeout_of(p);
	enum carb_wire_type t;
	struct carb_buf b;
	int r;

	carb_buf_init(&b);
	carb_wire_put_call(&b, k, fname, g, o);
	r = carb_wire_send(h->fd, CARB_WIRE_CALL, &b, g->dirfd, deadline);
	while (r == 0) {
		r = carb_wire_recv(h->fd, &t, &b, NULL, deadline) == 1 ? 0 : -1;
		if (r < 0)
			break;
		if (t == CARB_WIRE_LOG) {
			relay_log(p, &b);
			continue;
		}
		if (t != CARB_WIRE_DONE) {
			we->malformed = carb_xasprintf("a frame of type %d", (int)t);
			r = -1;
		} else if (take_reply(p, &b, k, o, rc, &we->malformed) < 0) {
			if (we->malformed == NULL)
				we->malformed = carb_xstrdup("a malformed reply");
			r = -1;
		}
		break;
	}
	if (r < 0 && errno == ETIMEDOUT && we->malformed == NULL)
		we->timed_out = 1;
	carb_buf_release(&b);
	return r;
}

/* The call's reason when its helper is gone, from how it went. */
static char *death_reason(const struct carb_plugin_rt *p, int status,
			  const struct wait_end *we, bool cancelled)
{
	char limit[32];

	if (cancelled)
		return carb_xstrdup("not finished: the service is stopping");
	if (we->timed_out)
		return carb_xasprintf("timed out: no return within %s; its"
				      " helper process was killed",
				      carb_config_format_duration(timeout_of(p),
						limit, sizeof(limit)));
	if (we->malformed != NULL)
		return carb_xasprintf("the plugin's helper process gave a bad"
				      " reply (%s); it was killed", we->malformed);
	if (WIFSIGNALED(status)) {
		const char *abbrev = sigabbrev_np(WTERMSIG(status));

		return abbrev ? carb_xasprintf("the plugin crashed (SIG%s)", abbrev)
			: carb_xasprintf("the plugin crashed (signal %d)",
					 WTERMSIG(status));
	}
	return carb_xasprintf("the plugin ended its helper process (exit"
			      " status %d)", WIFEXITED(status)
			      ? WEXITSTATUS(status) : -1);
}

static int failed(struct carb_plugin_outcome *o, char *reason)
{
	free(o->reason);
	o->reason = reason;
	return -1;
}

int carb_plugin_call_isolated(struct carb_plugin_rt *p,
			      enum carb_plugin_kind k, const char *fname,
			      const struct carb_plugin_group *g,
			      struct carb_plugin_outcome *o)
{
	struct wait_end we = { 0, NULL };
	struct helper *h;
	char *why = NULL;
	bool cancelled;
	int rc = -1, status;

	h = take(p, &why);
	if (h == NULL)
		return failed(o, why);
	if (exchange(p, h, k, fname, g, o, &rc, &we) == 0) {
		give_back(p->pool, h);
		/* the same contract as a call in process */
		if (rc == -2)
			return -2;
		if (k == CARB_PLUGIN_SELECTOR ? rc < -1 || rc > 1 : rc != 0)
			rc = -1;
		if (rc == -1 && o->reason == NULL)
			o->reason = carb_xasprintf("%s %s failed without saying why",
						   carb_plugin_kind_key(k), fname);
		return rc;
	}
	unlink_helper(p->pool, h);
	pthread_mutex_lock(&p->pool->lock);
	cancelled = p->pool->cancelled;
	pthread_mutex_unlock(&p->pool->lock);
	status = end_helper(h, true);
	why = death_reason(p, status, &we, cancelled);
	if (!cancelled)
		carb_metrics_add2(__atomic_load_n(&p->metrics, __ATOMIC_ACQUIRE),
				  CARB_METRIC_PLUGIN_CRASHES,
				  carb_plugin_kind_key(k), fname, 1);
	carb_log(cancelled ? CARB_LOGL_INFO : CARB_LOGL_ERROR,
		 "plugin %s: %s %s: %s%s", p->desc->name,
		 carb_plugin_kind_key(k), fname, why,
		 cancelled ? "" : "; the next call gets a new helper process");
	free(we.malformed);
	return failed(o, why);
}
