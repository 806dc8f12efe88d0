/* Step 2: is the file whole?  A regular file, readable, at least min_size,
 * and equal to its checksum sidecar when it has one.  The integrity job:
 * submitted here, run on a worker (reads files, never the catalog),
 * applied by groups.c.  Nothing here follows a symlink: the
 * path is resolved below the watch's folder with RESOLVE_NO_SYMLINKS, and
 * the type is checked with lstat before anything is opened. */
#include <errno.h>
#include <stdarg.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "pipeline/checksum.h"
#include "pipeline/intake_internal.h"

/* A sidecar bigger than this is not a sidecar. */
#define SIDECAR_MAX (16u << 20)

/* Step 2's own state: what every check is made with.  A check itself
 * keeps nothing here once it is submitted. */
struct carb_integrity {
	int archive_fd;   /* archive.base_path: late checks read the copy */
};

void carb_integrity_open(struct carb_intake *in)
{
	in->integrity = carb_xcalloc(1, sizeof(*in->integrity));
	in->integrity->archive_fd = carb_archiving_base_fd(in);
}

void carb_integrity_close(struct carb_intake *in)
{
	free(in->integrity);
	in->integrity = NULL;
}

/* NAME.sha256/.sha1/.md5, STEM.sha256/.sha1/.md5 and the manifest. */
#define SUMS_MAX 7

/* The integrity job: the check (its subject and result, which groups.c
 * applies) and what a worker needs to make it. */
struct check_job {
	struct carb_job job;
	struct carb_check c;
	int root_fd;
	uint64_t min_size;
	enum carb_checksum_policy checksum;
	bool xxh128;              /* [integrity] hashes lists it */
	/* rel paths of recorded checksum files that may speak for the file
	 * (NAME.<algo>, STEM.<algo>, the manifest), NULL-ended */
	char *sidecars[SUMS_MAX + 1];
	/* A late check reads the archived copy (alt_fd, alt_rel) when there
	 * is one, else the delivered file; late_hash is the content_hash
	 * recorded for it. */
	char *late_hash;
	int alt_fd;
	char *alt_rel;
};

const char *carb_file_type_name(mode_t m)
{
	switch (m & S_IFMT) {
	case S_IFLNK: return "symlink";
	case S_IFIFO: return "fifo";
	case S_IFSOCK: return "socket";
	case S_IFCHR: return "character device";
	case S_IFBLK: return "block device";
	case S_IFDIR: return "directory";
	default: return "unknown type";
	}
}

static void fail(struct check_job *job, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static void fail(struct check_job *job, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(job->c.reason, sizeof(job->c.reason), fmt, ap);
	va_end(ap);
	job->c.passed = false;
}

/* Reads a whole sidecar below root_fd into *text. */
static int read_sidecar(int root_fd, const char *rel, char **text,
			size_t *len, struct carb_error *err)
{
	int fd = carb_open_beneath(root_fd, rel, O_RDONLY | O_NONBLOCK |
				   O_NOCTTY);
	struct carb_buf b;
	char chunk[65536];
	struct stat st;
	ssize_t n;

	if (fd < 0)
		return carb_error_set(err, "sidecar %s: %s", rel,
				      strerror(errno));
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode) ||
	    (uint64_t)st.st_size > SIDECAR_MAX) {
		close(fd);
		return carb_error_set(err, "sidecar %s: not a regular file"
				      " of at most 16 MiB", rel);
	}
	carb_buf_init(&b);
	carb_buf_adds(&b, "");
	while ((n = read(fd, chunk, sizeof(chunk))) > 0)
		carb_buf_add(&b, chunk, (size_t)n);
	close(fd);
	if (n < 0) {
		carb_buf_release(&b);
		return carb_error_set(err, "sidecar %s: %s", rel,
				      strerror(errno));
	}
	*len = b.len;
	*text = carb_buf_detach(&b);
	return 0;
}

static const char *base_of(const char *rel)
{
	size_t unused;

	return carb_name_base(rel, strlen(rel), &unused);
}

/* What a checksum file is to the job's file. */
enum sum_kind {
	SUM_OWN,        /* NAME.<algo>: speaks for NAME alone, maybe bare */
	SUM_GROUP,      /* STEM.<algo>: names members of the group */
	SUM_MANIFEST,   /* the watch's manifest: names files of the folder */
};

static enum sum_kind sum_kind(const char *sc_base, const char *base,
			      int algo)
{
	size_t blen = strlen(base), stem;

	if (algo < 0)
		return SUM_MANIFEST;
	if (strlen(sc_base) == blen + 1 +
		    strlen(carb_digest_algo_name(algo)) &&
	    strncmp(sc_base, base, blen) == 0)
		return SUM_OWN;
	carb_name_split(base, blen, &stem);
	return carb_name_is_group_sum(sc_base, strlen(sc_base), base, stem)
		? SUM_GROUP : SUM_MANIFEST;
}

/* Collects the hashes the checksum files claim for the job's file.
 * Returns the number of claims, or -1 after failing the job. */
static int collect_claims(struct check_job *job,
			  struct carb_sidecar_entry claims[],
			  const char *claim_from[])
{
	const char *base = base_of(job->c.rel);
	int n = 0;

	for (size_t i = 0; job->sidecars[i] != NULL; i++) {
		const char *sc_rel = job->sidecars[i], *sc_base = base_of(sc_rel);
		int algo = carb_digest_algo_from_name(sc_base, strlen(sc_base));
		enum sum_kind kind = sum_kind(sc_base, base, algo);
		const struct carb_sidecar_entry *e;
		struct carb_sidecar sc = { NULL, 0 };
		struct carb_error err;
		char *text = NULL;
		size_t len = 0;

		carb_error_clear(&err);
		if (read_sidecar(job->root_fd, sc_rel, &text, &len, &err) < 0 ||
		    carb_sidecar_parse(text, len, sc_base,
				       kind == SUM_MANIFEST ? -1 : algo,
				       kind != SUM_MANIFEST, &sc, &err) < 0) {
			free(text);
			carb_sidecar_release(&sc);
			fail(job, "%s", err.msg);
			return -1;
		}
		free(text);
		e = carb_sidecar_find(&sc, base, strlen(base));
		/* A bare hash in STEM.sha256 is the file STEM's, not this
		 * member's. */
		if (e != NULL && e->name == NULL && kind == SUM_GROUP)
			e = NULL;
		if (e == NULL && kind == SUM_OWN) {
			carb_sidecar_release(&sc);
			fail(job, "sidecar %s has no entry for %s", sc_base, base);
			return -1;
		}
		if (e != NULL) {
			claims[n] = *e;
			claims[n].name = NULL;
			claim_from[n++] = sc_base;
		}
		carb_sidecar_release(&sc);
	}
	return n;
}

static void check_content(struct check_job *job, int fd)
{
	char hex[CARB_DIGEST_COUNT][129];
	struct carb_sidecar_entry claims[SUMS_MAX];
	const char *from[SUMS_MAX];
	struct carb_error err;
	unsigned mask = 0;
	uint64_t size = 0;
	int n = 0;

	if (!job->c.is_sidecar && job->checksum != CARB_CHECKSUM_OFF) {
		n = collect_claims(job, claims, from);
		if (n < 0)
			return;
		if (n == 0 && job->checksum == CARB_CHECKSUM_REQUIRED) {
			fail(job, "no checksum sidecar");
			return;
		}
	}
	for (int i = 0; i < n; i++)
		mask |= 1u << claims[i].algo;
	carb_error_clear(&err);
	if (carb_digest_fd(fd, mask, hex, job->xxh128 ? job->c.xxh128 : NULL,
			   &size, &err) < 0) {
		fail(job, "%s", err.msg);
		return;
	}
	for (int i = 0; i < n; i++) {
		if (strcmp(hex[claims[i].algo], claims[i].hex) != 0) {
			fail(job, "checksum mismatch: %s says %s, file has %s",
			     from[i], claims[i].hex, hex[claims[i].algo]);
			return;
		}
	}
	memcpy(job->c.hash, hex[CARB_DIGEST_SHA256], 64);
	job->c.hash[64] = '\0';
	job->c.passed = true;
}

/* The content a late check reads: the archived copy, else the delivered
 * file; -1 when neither is a regular file that can be read. */
static int open_late(const struct check_job *job)
{
	const int flags = O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_NOCTTY;
	struct stat st;
	int fd = -1;

	if (job->alt_fd >= 0 && job->alt_rel != NULL)
		fd = carb_open_beneath(job->alt_fd, job->alt_rel, flags);
	if (fd < 0 && job->root_fd >= 0)
		fd = carb_open_beneath(job->root_fd, job->c.rel, flags);
	if (fd >= 0 && (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode))) {
		close(fd);
		fd = -1;
	}
	return fd;
}

/* Claims against the recorded SHA-256 alone, when no copy of the
 * content is left to read: other algorithms cannot be judged. */
static void late_by_hash(struct check_job *job,
			 const struct carb_sidecar_entry *claims,
			 const char *const *from, int n)
{
	for (int i = 0; i < n; i++)
		if (claims[i].algo == CARB_DIGEST_SHA256 &&
		    strcmp(claims[i].hex, job->late_hash) != 0) {
			fail(job, "checksum mismatch: %s says %s, the file"
			     " had %s", from[i], claims[i].hex,
			     job->late_hash);
			return;
		}
	job->c.passed = true;
}

/* A checksum file recorded after the file went past integrity: does it
 * contradict the content the catalog recorded? */
static void late_check(struct check_job *job)
{
	struct carb_sidecar_entry claims[SUMS_MAX];
	const char *from[SUMS_MAX];
	char hex[CARB_DIGEST_COUNT][129];
	struct carb_error err;
	unsigned mask = 0;
	int n = collect_claims(job, claims, from), fd;

	if (n <= 0) {
		job->c.passed = n == 0;
		return;
	}
	fd = open_late(job);
	if (fd < 0) {
		late_by_hash(job, claims, from, n);
		return;
	}
	for (int i = 0; i < n; i++)
		mask |= 1u << claims[i].algo;
	carb_error_clear(&err);
	if (carb_digest_fd(fd, mask, hex, NULL, NULL, &err) < 0) {
		close(fd);
		late_by_hash(job, claims, from, n);
		return;
	}
	close(fd);
	job->c.passed = true;
	/* Other bytes than the recorded ones: not the content in question. */
	if (strcmp(hex[CARB_DIGEST_SHA256], job->late_hash) != 0)
		return;
	for (int i = 0; i < n; i++)
		if (strcmp(hex[claims[i].algo], claims[i].hex) != 0) {
			fail(job, "checksum mismatch: %s says %s, file has %s",
			     from[i], claims[i].hex, hex[claims[i].algo]);
			return;
		}
}

static void check(struct check_job *job)
{
	struct stat st;
	int fd;

	job->c.passed = false;
	job->c.gone = false;
	if (job->c.late) {
		late_check(job);
		return;
	}
	if (job->root_fd < 0) {
		job->c.gone = true;
		return;
	}
	/* lstat first: a FIFO or device is judged without being opened. */
	fd = carb_open_beneath(job->root_fd, job->c.rel, O_PATH | O_NOFOLLOW);
	if (fd < 0 || fstat(fd, &st) < 0) {
		if (errno == ENOENT)
			job->c.gone = true;
		else if (errno == ELOOP || errno == EXDEV)
			fail(job, "not a regular file: symlink in its path");
		else
			fail(job, "%s", strerror(errno));
		if (fd >= 0)
			close(fd);
		return;
	}
	close(fd);
	if (!S_ISREG(st.st_mode)) {
		fail(job, "not a regular file: %s",
		     carb_file_type_name(st.st_mode));
		return;
	}
	if ((uint64_t)st.st_size < job->min_size) {
		fail(job, "too small: %lld bytes, min_size %llu",
		     (long long)st.st_size, (unsigned long long)job->min_size);
		return;
	}
	fd = carb_open_beneath(job->root_fd, job->c.rel,
			       O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_NOCTTY);
	if (fd < 0) {
		if (errno == ENOENT)
			job->c.gone = true;
		else if (errno == EACCES || errno == EPERM)
			fail(job, "permission denied");
		else
			fail(job, "cannot open: %s", strerror(errno));
		return;
	}
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode))
		fail(job, "not a regular file: it changed while being opened");
	else
		check_content(job, fd);
	close(fd);
}

static void check_run(struct carb_job *j)
{
	check(CARB_JOB_OF(j, struct check_job));
}

static void check_apply(struct carb_intake *in, struct carb_job *j)
{
	carb_groups_apply(in, &CARB_JOB_OF(j, struct check_job)->c);
}

static void check_free(struct carb_job *j)
{
	struct check_job *job = CARB_JOB_OF(j, struct check_job);

	free(job->c.rel);
	for (size_t i = 0; job->sidecars[i] != NULL; i++)
		free(job->sidecars[i]);
	free(job->late_hash);
	free(job->alt_rel);
	free(job);
}

static int64_t check_describe(const struct carb_job *j, char *what,
			      size_t size)
{
	const struct check_job *job = CARB_JOB_OF(j, const struct check_job);
	struct carb_buf b;

	carb_buf_init(&b);
	carb_buf_add_safe_name(&b, job->c.rel, job->c.rel_len);
	snprintf(what, size, "integrity check of %s", b.data);
	carb_buf_release(&b);
	return 0;
}

static const struct carb_job_ops check_ops = {
	.run = check_run,
	.apply = check_apply,
	.free = check_free,
	.describe = check_describe,
};

/* rel (owned) joins the job's checksum files when it is recorded. */
static void add_if_known(struct carb_watch_rt *w, struct check_job *job,
			 size_t *n, char *rel)
{
	for (size_t i = 0; i < *n; i++)
		if (strcmp(job->sidecars[i], rel) == 0) {
			free(rel);
			return;  /* a file "a": a.sha256 is both */
		}
	if (*n < SUMS_MAX &&
	    carb_map_get(w->known, rel, strlen(rel)) != NULL)
		job->sidecars[(*n)++] = rel;
	else
		free(rel);
}

/* Recorded checksum files that may speak for rel: NAME.sha256/.sha1/.md5,
 * the group's STEM.sha256/.sha1/.md5, and the watch's manifest in the
 * same folder. */
static void add_sidecars(struct carb_watch_rt *w, struct check_job *job)
{
	static const char *const exts[] = { ".sha256", ".sha1", ".md5" };
	size_t n = 0, blen, dlen, stem;
	const char *base = carb_name_base(job->c.rel, job->c.rel_len, &blen);

	dlen = (size_t)(base - job->c.rel);
	carb_name_split(base, blen, &stem);
	for (size_t i = 0; i < 3; i++)
		add_if_known(w, job, &n, carb_xasprintf("%s%s", job->c.rel,
							exts[i]));
	for (size_t i = 0; i < 3; i++)
		add_if_known(w, job, &n, carb_xasprintf("%.*s%s",
			     (int)(dlen + stem), job->c.rel, exts[i]));
	if (w->cfg->manifest != NULL)
		add_if_known(w, job, &n, carb_xasprintf("%.*s%s", (int)dlen,
					job->c.rel, w->cfg->manifest));
}

/* A check of component id at rel; it becomes the component's newest
 * check, so an older one still out is stale when it comes back. */
static struct check_job *new_check(struct carb_intake *in,
				   struct carb_watch_rt *w, const char *rel,
				   size_t len, int64_t id)
{
	struct check_job *job = carb_xcalloc(1, sizeof(*job));
	struct carb_known *k = carb_map_get(w->known, rel, len);
	size_t blen;
	const char *base = carb_name_base(rel, len, &blen);

	carb_job_init(&job->job, &check_ops);
	job->c.id = id;
	job->c.watch = w->index;
	job->root_fd = w->root_fd;
	job->alt_fd = -1;
	job->c.rel = carb_xstrndup(rel, len);
	job->c.rel_len = len;
	job->min_size = in->rules->integrity.min_size;
	job->checksum = in->rules->integrity.checksum;
	job->xxh128 = carb_integrity_wants_xxh128(&in->rules->integrity);
	job->c.is_sidecar = carb_name_is_sidecar(base, blen, w->cfg);
	if (!job->c.is_sidecar)
		add_sidecars(w, job);
	if (k != NULL)
		job->c.seq = ++k->checks;
	/* a checksum reads the whole file */
	job->job.limit_ms = carb_intake_job_limit(in, k ? k->size : 0);
	return job;
}

void carb_integrity_submit(struct carb_intake *in, struct carb_watch_rt *w,
			   const char *rel, size_t len, int64_t id)
{
	carb_workers_submit(in->workers, &new_check(in, w, rel, len, id)->job);
}

void carb_integrity_submit_late(struct carb_intake *in,
				struct carb_watch_rt *w, const char *rel,
				size_t len, int64_t id, const char *hash,
				const char *archived, size_t archived_len)
{
	struct check_job *job = new_check(in, w, rel, len, id);

	if (job->sidecars[0] == NULL) {
		carb_job_free(&job->job);
		return;
	}
	job->c.late = true;
	job->late_hash = carb_xstrdup(hash);
	if (archived != NULL) {
		job->alt_fd = in->integrity->archive_fd;
		job->alt_rel = carb_xstrndup(archived, archived_len);
	}
	carb_workers_submit(in->workers, &job->job);
}
