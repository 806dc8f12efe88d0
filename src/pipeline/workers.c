/* The worker threads: they take jobs from one queue, run them through
 * their operations table, and put the results on another, waking the
 * intake thread through an eventfd.  They know no job kind and never
 * touch the catalog.  Each thread shows the job it is in and since when,
 * so the watchdog can tell a worker that is busy from one that is
 * stuck. */
#include <errno.h>
#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <sys/eventfd.h>
#include <time.h>
#include <unistd.h>

#include "pipeline/workers.h"
#include "util/util.h"

struct job_list {
	struct carb_job *head, *tail;
};

/* What one thread is doing: the job and when it took it. */
struct slot {
	struct carb_workers *pool;
	struct carb_job *job;
	int64_t since_ms;
	bool exited;
};

struct carb_workers {
	pthread_mutex_t lock;
	pthread_cond_t wake;
	pthread_cond_t exited;
	struct job_list todo, done;
	size_t busy;
	bool stopping;
	int done_fd;
	size_t nthreads;
	pthread_t *threads;
	struct slot *slots;
};

/* The calling thread's index in its pool (worker_main sets it). */
static _Thread_local size_t self_index;

size_t carb_workers_self(void)
{
	return self_index;
}

static void list_push(struct job_list *l, struct carb_job *job)
{
	job->next = NULL;
	if (l->tail != NULL)
		l->tail->next = job;
	else
		l->head = job;
	l->tail = job;
}

static void *worker_main(void *arg)
{
	struct slot *me = arg;
	struct carb_workers *w = me->pool;
	struct carb_job *job;
	uint64_t one = 1;

	self_index = (size_t)(me - w->slots);
	pthread_mutex_lock(&w->lock);
	for (;;) {
		while (w->todo.head == NULL && !w->stopping)
			pthread_cond_wait(&w->wake, &w->lock);
		if (w->stopping)
			break;
		job = w->todo.head;
		w->todo.head = job->next;
		if (w->todo.head == NULL)
			w->todo.tail = NULL;
		me->job = job;
		me->since_ms = carb_monotonic_ms();
		pthread_mutex_unlock(&w->lock);
		job->ops->run(job);
		pthread_mutex_lock(&w->lock);
		me->job = NULL;
		list_push(&w->done, job);
		if (write(w->done_fd, &one, sizeof(one)) < 0) {
			/* The counter cannot overflow in practice; a failed
			 * wake-up is caught by the intake's periodic turn. */
		}
	}
	me->exited = true;
	pthread_cond_broadcast(&w->exited);
	pthread_mutex_unlock(&w->lock);
	return NULL;
}

struct carb_workers *carb_workers_start(size_t n, int *done_fd)
{
	struct carb_workers *w = carb_xcalloc(1, sizeof(*w));

	pthread_mutex_init(&w->lock, NULL);
	pthread_cond_init(&w->wake, NULL);
	pthread_condattr_t ca;

	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	pthread_cond_init(&w->exited, &ca);
	pthread_condattr_destroy(&ca);
	w->done_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	if (w->done_fd < 0) {
		pthread_cond_destroy(&w->exited);
		pthread_cond_destroy(&w->wake);
		pthread_mutex_destroy(&w->lock);
		free(w);
		return NULL;
	}
	w->threads = carb_xcalloc(n, sizeof(*w->threads));
	w->slots = carb_xcalloc(n, sizeof(*w->slots));
	for (; w->nthreads < n; w->nthreads++) {
		w->slots[w->nthreads].pool = w;
		if (pthread_create(&w->threads[w->nthreads], NULL,
				   worker_main, &w->slots[w->nthreads]) != 0)
			break;
	}
	*done_fd = w->done_fd;
	return w;
}

void carb_workers_submit(struct carb_workers *w, struct carb_job *job)
{
	pthread_mutex_lock(&w->lock);
	/* Archive batches go first: they finish what intake started and
	 * free delivery folders, while a flood of integrity checks queued
	 * behind them would otherwise hold every archive back. */
	if (job->ops->first) {
		job->next = w->todo.head;
		w->todo.head = job;
		if (w->todo.tail == NULL)
			w->todo.tail = job;
	} else {
		list_push(&w->todo, job);
	}
	w->busy++;
	pthread_cond_signal(&w->wake);
	pthread_mutex_unlock(&w->lock);
}

struct carb_job *carb_workers_take(struct carb_workers *w)
{
	struct carb_job *head, *j;
	uint64_t count;

	if (read(w->done_fd, &count, sizeof(count)) < 0) {
		/* EAGAIN: nothing signalled, the list says the same. */
	}
	pthread_mutex_lock(&w->lock);
	head = w->done.head;
	w->done.head = w->done.tail = NULL;
	for (j = head; j != NULL; j = j->next)
		w->busy--;
	pthread_mutex_unlock(&w->lock);
	return head;
}

size_t carb_workers_busy(struct carb_workers *w)
{
	size_t n;

	pthread_mutex_lock(&w->lock);
	n = w->busy;
	pthread_mutex_unlock(&w->lock);
	return n;
}

static void free_list(struct carb_job *j)
{
	while (j != NULL) {
		struct carb_job *next = j->next;

		carb_job_free(j);
		j = next;
	}
}

bool carb_workers_overdue(struct carb_workers *w, int64_t now_ms,
			  void (*describe)(const struct carb_job *job,
					   int64_t ran_ms, void *ctx),
			  void *ctx)
{
	const struct slot *worst = NULL;
	int64_t worst_over = 0;

	pthread_mutex_lock(&w->lock);
	for (size_t i = 0; i < w->nthreads; i++) {
		const struct slot *s = &w->slots[i];
		int64_t over;

		if (s->job == NULL || s->job->limit_ms <= 0)
			continue;
		over = now_ms - s->since_ms - s->job->limit_ms;
		if (over > 0 && over > worst_over) {
			worst = s;
			worst_over = over;
		}
	}
	if (worst != NULL)
		describe(worst->job, now_ms - worst->since_ms, ctx);
	pthread_mutex_unlock(&w->lock);
	return worst != NULL;
}

/* Waits until every thread has left its loop, at most until deadline
 * (CLOCK_MONOTONIC); returns how many have not. */
static size_t await_exits(struct carb_workers *w, const struct timespec *deadline)
{
	size_t left;

	pthread_mutex_lock(&w->lock);
	for (;;) {
		left = 0;
		for (size_t i = 0; i < w->nthreads; i++)
			left += !w->slots[i].exited;
		if (left == 0 ||
		    pthread_cond_timedwait(&w->exited, &w->lock, deadline) == ETIMEDOUT)
			break;
	}
	pthread_mutex_unlock(&w->lock);
	return left;
}

size_t carb_workers_stop_within(struct carb_workers **wp, int64_t wait_ms)
{
	struct carb_workers *w = *wp;
	struct timespec deadline;
	size_t left;

	if (w == NULL)
		return 0;
	pthread_mutex_lock(&w->lock);
	w->stopping = true;
	pthread_cond_broadcast(&w->wake);
	pthread_mutex_unlock(&w->lock);
	clock_gettime(CLOCK_MONOTONIC, &deadline);
	deadline.tv_sec += wait_ms / 1000;
	deadline.tv_nsec += (wait_ms % 1000) * 1000000;
	if (deadline.tv_nsec >= 1000000000) {
		deadline.tv_sec++;
		deadline.tv_nsec -= 1000000000;
	}
	left = await_exits(w, &deadline);
	*wp = NULL;
	if (left > 0) {
		/* The stuck threads still use the pool: it stays, and goes
		 * with the process. */
		for (size_t i = 0; i < w->nthreads; i++)
			if (w->slots[i].exited)
				pthread_join(w->threads[i], NULL);
			else
				pthread_detach(w->threads[i]);
		return left;
	}
	for (size_t i = 0; i < w->nthreads; i++)
		pthread_join(w->threads[i], NULL);
	free_list(w->todo.head);
	free_list(w->done.head);
	close(w->done_fd);
	pthread_cond_destroy(&w->exited);
	pthread_cond_destroy(&w->wake);
	pthread_mutex_destroy(&w->lock);
	free(w->threads);
	free(w->slots);
	free(w);
	return 0;
}


void carb_job_init(struct carb_job *job, const struct carb_job_ops *ops)
{
	job->next = NULL;
	job->ops = ops;
	job->limit_ms = 0;
}

void carb_job_free(struct carb_job *job)
{
	if (job != NULL)
		job->ops->free(job);
}
