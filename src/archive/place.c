/* One batch of files into the archive.  Each file goes through the same
 * steps, and the batch shares the expensive ones:
 *
 *   prepare   open the folders, find the final name (or find the file
 *             already there), check the delivered file is the one intake
 *             recorded, write a copy without a name (O_TMPFILE) or at a
 *             temporary name beside the final one; link a hard link (to
 *             the checked file's descriptor) or a symlink straight at its
 *             final name; rename a move and check what arrived
 *   flush     one filesystem sync for every copy of the batch
 *   verify    size, and SHA-256 re-read from disk when asked
 *   name      the copy gets its final name: linkat for a nameless copy,
 *             a rename from the temporary name; neither ever replaces
 *             unless on_conflict = "overwrite" says so
 *   sync      one fsync per folder that gained or lost a name
 *   drop      a move done by copying unlinks its source, only now
 *
 * The final name is looked at before the copy only when it matters then
 * (a move, a dry run, "overwrite", a source gone); otherwise version 1 is
 * assumed free and a name found taken when linking is resolved then, as
 * find_slot would have: a folder of many files spares a lookup per file.
 *
 * A failure of one file sets its outcome and leaves the others going.
 * A batch with max_ms starts files only until it runs out; those left
 * are handed back untouched (CARB_PLACE_LATER). */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/vfs.h>
#include <unistd.h>

#include <linux/magic.h>

#include "archive/archive_internal.h"

/* Version suffixes tried before on_conflict = "version" gives up. */
#define MAX_VERSIONS 1000

/* Copies from this size on start their writeback as soon as written.
 * Smaller ones wait for the batch's sync: started one by one, their
 * writeback cost the small-file benchmark a fifth of its time (each a
 * separate submission, none merged with its neighbours). */
#define EARLY_WRITEBACK_MIN (1 << 20)

/* A delivered file opened to be read: a FIFO swapped in must not block
 * the open, a terminal must not become ours. */
#define READ_FLAGS (O_RDONLY | O_NONBLOCK | O_NOCTTY)

int carb_place_outcome(struct carb_place *p, enum carb_archive_outcome o,
		       const char *fmt, ...)
{
	va_list ap;

	p->it->outcome = o;
	p->done = true;
	va_start(ap, fmt);
	vsnprintf(p->it->reason, sizeof(p->it->reason), fmt, ap);
	va_end(ap);
	return -1;
}

bool carb_archive_errno_unusable(int e)
{
	return e == ENOSPC || e == EDQUOT || e == EROFS || e == ENOTCONN ||
	       e == ESTALE || e == EHOSTDOWN;
}

int carb_place_errno(struct carb_place *p, int e, const char *what)
{
	enum carb_archive_outcome o = CARB_PLACE_RETRY;

	if (carb_archive_errno_unusable(e))
		o = CARB_PLACE_UNUSABLE;
	else if (e == ENAMETOOLONG)
		o = CARB_PLACE_FAIL;  /* no retry makes a name shorter */
	return carb_place_outcome(p, o, "%s: %s", what, strerror(e));
}

static void set_final(struct carb_place *p, int64_t version)
{
	char *name = carb_archive_version_name(p->it->name, version);

	free(p->it->final_rel);
	p->it->final_rel = carb_xasprintf("%s/%s", p->it->dir, name);
	p->it->version = version;
	free(name);
}

const char *carb_place_final_name(const struct carb_place *p)
{
	return strrchr(p->it->final_rel, '/') + 1;
}

/* Finds where the item goes: the first free version of its name, or a
 * version that already holds the same content (a retry after a crash).
 * Returns 1 when the content is there already, 0 when final_rel is free
 * (or may be replaced), -1 when the outcome is decided. */
static int find_slot(struct carb_archive_batch *b, struct carb_place *p)
{
	for (int64_t v = 1; v <= MAX_VERSIONS; v++) {
		struct stat st;

		set_final(p, v);
		if (fstatat(p->dst_fd, carb_place_final_name(p), &st,
			    AT_SYMLINK_NOFOLLOW) < 0) {
			if (errno == ENOENT)
				return 0;
			return carb_place_errno(p, errno, p->it->final_rel);
		}
		if (carb_archive_same_content(p, p->dst_fd,
					      carb_place_final_name(p), &st))
			return 1;
		if (b->on_conflict == CARB_CONFLICT_FAIL)
			return carb_place_outcome(p, CARB_PLACE_FAIL,
				"archive name %s holds a different file"
				" (on_conflict = \"fail\")", p->it->final_rel);
		if (b->on_conflict == CARB_CONFLICT_OVERWRITE) {
			p->overwrite = true;
			return 0;
		}
	}
	return carb_place_outcome(p, CARB_PLACE_FAIL,
				  "%d versions of %s/%s exist already",
				  MAX_VERSIONS, p->it->dir, p->it->name);
}

/* Opens the delivered file's folder and looks at the file, without
 * following a symlink anywhere.  A file that is gone is not an error
 * yet: its copy may already be in the archive. */
static size_t dir_len(const char *rel)
{
	const char *slash = strrchr(rel, '/');

	return slash ? (size_t)(slash - rel) : 0;
}

/* Whether prev's delivered file is in the same folder as p's. */
static bool same_source_dir(const struct carb_place *prev,
			    const struct carb_place *p)
{
	size_t n = dir_len(p->it->src_rel);

	return prev != NULL && prev->src_dir_fd >= 0 &&
	       prev->it->src_root == p->it->src_root &&
	       dir_len(prev->it->src_rel) == n &&
	       memcmp(prev->it->src_rel, p->it->src_rel, n) == 0;
}

/* prev: the batch's item before, whose folder is borrowed when it is
 * the same (a batch is mostly one folder). */
static int open_source(struct carb_place *p, const struct carb_place *prev,
		       bool *gone)
{
	const char *rel = p->it->src_rel;
	size_t n = dir_len(rel);

	p->src_base = n > 0 ? rel + n + 1 : rel;
	if (same_source_dir(prev, p)) {
		p->src_dir_fd = prev->src_dir_fd;
		p->src_dir_st = prev->src_dir_st;
		p->src_dir_borrowed = true;
	} else {
		char *dir = carb_xstrndup(rel, n);

		p->src_dir_fd = carb_open_beneath(p->it->src_root, dir,
						  O_RDONLY | O_DIRECTORY);
		free(dir);
		if (p->src_dir_fd >= 0)
			fstat(p->src_dir_fd, &p->src_dir_st);
	}
	*gone = false;
	if (p->src_dir_fd < 0 ||
	    fstatat(p->src_dir_fd, p->src_base, &p->src_st,
		    AT_SYMLINK_NOFOLLOW) < 0) {
		if (errno != ENOENT)
			return carb_place_errno(p, errno, p->it->src_rel);
		*gone = true;
	}
	return 0;
}

static int check_source(struct carb_place *p)
{
	if (!S_ISREG(p->src_st.st_mode) ||
	    !carb_archive_source_recorded(p->it, &p->src_st))
		return carb_archive_source_replaced(p, &p->src_st,
						     "after it was checked");
	if (p->src_st.st_size != p->it->size)
		return carb_place_outcome(p, CARB_PLACE_FAIL,
			"the delivered %s changed after it was checked"
			" (%lld bytes, recorded %lld)", p->it->src_rel,
			(long long)p->src_st.st_size, (long long)p->it->size);
	return 0;
}

void carb_place_reserved_name(const struct carb_place *p, char *buf,
			      size_t size, const char *kind)
{
	static unsigned long counter;
	unsigned long n = __atomic_fetch_add(&counter, 1, __ATOMIC_RELAXED);

	snprintf(buf, size, "%s%s%lld-%ld-%lu", CARB_TMP_PREFIX, kind,
		 (long long)p->it->id, (long)getpid(), n);
}

static void tmp_name(struct carb_place *p)
{
	carb_place_reserved_name(p, p->tmp, sizeof(p->tmp), "");
}

/* Whether an open file can surely be given a name: by linkat through
 * /proc, which every kernel allows (link_copy tries AT_EMPTY_PATH first,
 * allowed only to some).  A chroot or container may have no procfs
 * there.  Workers racing here all store the same answer. */
static bool can_link_open_files(void)
{
	static int known = -1;
	int ok = __atomic_load_n(&known, __ATOMIC_RELAXED);
	struct statfs sf;

	if (ok < 0) {
		ok = statfs("/proc/self/fd", &sf) == 0 &&
		     sf.f_type == PROC_SUPER_MAGIC;
		__atomic_store_n(&known, ok, __ATOMIC_RELAXED);
	}
	return ok;
}

/* The copy's file.  Nameless where the filesystem offers O_TMPFILE: a
 * crash leaves nothing behind, and the final name costs one link instead
 * of a create and a rename.  At a CARB_TMP_PREFIX name elsewhere, and
 * when the final name is to be replaced, which a link cannot do.  Read
 * and write: verification reads the copy back. */
static int open_copy(struct carb_place *p)
{
	if (!p->overwrite && can_link_open_files()) {
		p->tmp_fd = openat(p->dst_fd, ".", O_TMPFILE | O_RDWR | O_CLOEXEC,
				   0600);
		p->anon = p->tmp_fd >= 0;
		if (p->anon)
			return 0;
		if (errno != EOPNOTSUPP && errno != EISDIR && errno != EINVAL)
			return -1;
	}
	tmp_name(p);
	p->tmp_fd = openat(p->dst_fd, p->tmp, O_RDWR | O_CREAT | O_EXCL |
			   O_CLOEXEC, 0600);
	if (p->tmp_fd < 0)
		p->tmp[0] = '\0';
	return p->tmp_fd;
}

static int start_copy(struct carb_place *p)
{
	struct timespec times[2];
	struct stat st;

	p->how = CARB_HOW_COPY;
	p->src_fd = carb_archive_source_open(p, READ_FLAGS,
					     "before it was copied");
	if (p->src_fd < 0 || fstat(p->src_fd, &st) < 0)
		return p->done ? -1
			       : carb_place_errno(p, errno, p->it->src_rel);
	if (open_copy(p) < 0)
		return carb_place_errno(p, errno, "cannot create a temporary file");
	if (carb_archive_copy_data(p->src_fd, p->tmp_fd, p->it->size) < 0)
		return carb_place_errno(p, errno, "copy");
	times[0] = st.st_atim;
	times[1] = st.st_mtim;
	if (fchmod(p->tmp_fd, st.st_mode & 07777) < 0 ||
	    futimens(p->tmp_fd, times) < 0)
		return carb_place_errno(p, errno, "cannot keep mode and mtime");
	/* A large copy is mostly on the device already (direct writes);
	 * whatever went through the page cache (its last block, or all of
	 * it where direct writes are refused) starts its writeback now,
	 * while the batch copies its other files, so the batch's filesystem
	 * sync finds less to wait for.  A failure here is that sync's to
	 * report. */
	if (p->it->size >= EARLY_WRITEBACK_MIN)
		(void)sync_file_range(p->tmp_fd, 0, 0, SYNC_FILE_RANGE_WRITE);
	/* Read: a batch holds one descriptor per copy, not two. */
	close(p->src_fd);
	p->src_fd = -1;
	return 0;
}

static bool wants_hash(const struct carb_archive_batch *b,
		       const struct carb_place *p)
{
	return b->verify == CARB_VERIFY_SHA256 && p->it->hash != NULL;
}

/* A hash check before a rename or a link: the archive then holds the
 * delivered file itself, so this is the re-read of the archived copy.
 * fd is the file open_item checked. */
static int verify_source(struct carb_place *p, int fd)
{
	char hex[65];

	if (carb_archive_sha256_fd(fd, hex) < 0)
		return carb_place_errno(p, errno, p->it->src_rel);
	if (strcmp(hex, p->it->hash) != 0)
		return carb_place_outcome(p, CARB_PLACE_FAIL,
			"%s changed after it was checked (SHA-256 %s, recorded %s)",
			p->it->src_rel, hex, p->it->hash);
	return 0;
}

/* A name to be replaced (on_conflict = "overwrite") goes by copy: what a
 * rename replaced could not be had back if the file moved in turned out
 * to be another. */
static int start_rename(struct carb_archive_batch *b, struct carb_place *p)
{
	if (p->overwrite) {
		p->unlink_source = true;
		return start_copy(p);
	}
	if (wants_hash(b, p)) {
		int fd = carb_archive_source_open(p, READ_FLAGS,
						  "before it was moved");
		int rc = fd < 0 ? -1 : verify_source(p, fd);

		if (fd >= 0)
			close(fd);
		if (rc < 0)
			return -1;
	}
	carb_test_stop("batch-move");
	if (renameat2(p->src_dir_fd, p->src_base, p->dst_fd,
		      carb_place_final_name(p), RENAME_NOREPLACE) == 0)
		return carb_archive_source_moved(p);
	if (errno != EXDEV)
		return carb_place_errno(p, errno, "rename into the archive");
	p->unlink_source = true;
	return start_copy(p);
}

/* A move that died between its copy and its unlink: the delivered file
 * still there is dropped only when it is the very content archived (a
 * new delivery under the same name is left alone). */
static bool source_is_item(struct carb_place *p)
{
	return S_ISREG(p->src_st.st_mode) && p->src_st.st_size == p->it->size &&
	       carb_archive_source_recorded(p->it, &p->src_st) &&
	       carb_archive_has_hash(p->src_dir_fd, p->src_base, p->it->hash);
}

/* A copy found in place is made durable too: the run that wrote it may
 * have died between its rename and its fsync.  It is synced with the
 * others the batch found (sync_adopted), not one fsync each: a restart
 * finds hundreds, and on a busy disk each fsync waited for a journal
 * commit of its own. */
static void adopt_existing(struct carb_archive_batch *b, struct carb_place *p)
{
	p->it->outcome = CARB_PLACED_ALREADY;
	if (b->dry_run || p->how == CARB_HOW_SYMLINK || p->adopt_fd >= 0)
		return;
	p->adopt_fd = openat(p->dst_fd, carb_place_final_name(p),
			     O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
}

/* Makes name, never replacing it; 0 or -1 with errno. */
typedef int (*carb_namer)(struct carb_place *p, const char *name);

/* linkat(AT_EMPTY_PATH) spares the walk through /proc; a kernel before
 * 6.10 allows it only with CAP_DAC_READ_SEARCH and says ENOENT without.
 * Which one works is learnt once; workers racing here learn the same. */
static int link_fd(int fd, int dst_fd, const char *name)
{
	static int by_proc = -1;
	int proc = __atomic_load_n(&by_proc, __ATOMIC_RELAXED);
	char path[48];

	if (proc != 1) {
		if (linkat(fd, "", dst_fd, name, AT_EMPTY_PATH) == 0) {
			__atomic_store_n(&by_proc, 0, __ATOMIC_RELAXED);
			return 0;
		}
		if (proc == 0 || (errno != ENOENT && errno != EPERM))
			return -1;
	}
	snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
	if (linkat(AT_FDCWD, path, dst_fd, name, AT_SYMLINK_FOLLOW) < 0)
		return -1;
	__atomic_store_n(&by_proc, 1, __ATOMIC_RELAXED);
	return 0;
}

static int link_copy(struct carb_place *p, const char *name)
{
	return link_fd(p->tmp_fd, p->dst_fd, name);
}

/* A hard link to the very file open_item checked (src_fd), not to its
 * name.  Where open files cannot be linked (no procfs, and a kernel that
 * refuses AT_EMPTY_PATH), the name is linked and the new link looked at:
 * one that is not the item's file is removed again (the file it names
 * keeps its other names) and the item fails. */
static int link_source(struct carb_place *p, const char *name)
{
	struct stat st;

	if (link_fd(p->src_fd, p->dst_fd, name) == 0)
		return 0;
	if (can_link_open_files() || (errno != ENOENT && errno != EPERM))
		return -1;
	if (linkat(p->src_dir_fd, p->src_base, p->dst_fd, name, 0) < 0)
		return -1;
	if (fstatat(p->dst_fd, name, &st, AT_SYMLINK_NOFOLLOW) < 0)
		return -1;
	if (carb_archive_source_is_item(p, &st))
		return 0;
	if (unlinkat(p->dst_fd, name, 0) == 0 && name == p->tmp)
		p->tmp[0] = '\0';
	carb_archive_source_replaced(p, &st, "before it was linked");
	return 0;  /* the outcome is decided */
}

static int make_symlink(struct carb_place *p, const char *name)
{
	return symlinkat(p->it->src_abs, p->dst_fd, name);
}

/* Gives the new file its final name.  A name taken though assumed free
 * (optimistic) is looked at now: the same content there makes the item
 * PLACED_ALREADY, a different one moves it to the next free version, or
 * on_conflict = "fail" fails it.  Returns 0 when the item needs nothing
 * more, -1 with errno when making the name failed. */
static int give_name(struct carb_archive_batch *b, struct carb_place *p,
		     carb_namer make)
{
	if (make(p, carb_place_final_name(p)) == 0)
		return 0;
	if (errno != EEXIST || !p->optimistic)
		return -1;
	p->optimistic = false;
	switch (find_slot(b, p)) {
	case 0:
		return make(p, carb_place_final_name(p));
	case 1:
		adopt_existing(b, p);
		return 0;
	default:
		return 0;  /* find_slot decided the outcome */
	}
}

/* Makes the new name straight at the final one, or at a temporary name
 * when the final one is to be replaced (name_final renames it then). */
static int make_name(struct carb_archive_batch *b, struct carb_place *p,
		     carb_namer make)
{
	if (!p->overwrite)
		return give_name(b, p, make);
	tmp_name(p);
	if (make(p, p->tmp) == 0)
		return 0;
	p->tmp[0] = '\0';
	return -1;
}

/* An error giving a name; EEXIST means a name found free was taken. */
static int name_errno(struct carb_place *p, int e, const char *what)
{
	if (e == EEXIST)
		return carb_place_outcome(p, CARB_PLACE_RETRY,
					  "archive name %s was taken meanwhile",
					  p->it->final_rel);
	return carb_place_errno(p, e, what);
}

static int start_link(struct carb_archive_batch *b, struct carb_place *p)
{
	bool hash = wants_hash(b, p);

	p->src_fd = carb_archive_source_open(p, hash ? READ_FLAGS : O_PATH,
					     "before it was linked");
	if (p->src_fd < 0 || (hash && verify_source(p, p->src_fd) < 0))
		return -1;
	carb_test_stop("batch-link");
	if (make_name(b, p, link_source) == 0)
		return 0;
	if (errno != EXDEV)
		return name_errno(p, errno, "hard link");
	close(p->src_fd);  /* start_copy opens and checks it again */
	p->src_fd = -1;
	if (!b->hardlink_fallback)
		return carb_place_outcome(p, CARB_PLACE_FAIL,
			"the archive is on another filesystem than %s;"
			" hard links cannot cross (set hardlink_fallback = true"
			" to copy instead)", p->it->src_rel);
	return start_copy(p);
}

static int start_symlink(struct carb_archive_batch *b, struct carb_place *p)
{
	if (make_name(b, p, make_symlink) == 0)
		return 0;
	return name_errno(p, errno, "symlink");
}

/* The final folder, borrowed from prev when it is the same. */
/* The folder base_fd holds was deleted (or its file system went): no
 * file of any destination can be placed until it is back. */
static bool base_gone(const struct carb_archive_batch *b)
{
	struct stat st;

	return fstat(b->base_fd, &st) < 0 || st.st_nlink == 0;
}

static int open_dest(struct carb_archive_batch *b, struct carb_place *p,
		     const struct carb_place *prev, struct carb_error *err)
{
	if (prev != NULL && prev->dst_fd >= 0 &&
	    strcmp(prev->it->dir, p->it->dir) == 0) {
		p->dst_fd = prev->dst_fd;
		p->dst_st = prev->dst_st;
		p->dst_borrowed = true;
		return p->dst_fd;
	}
	p->dst_fd = carb_archive_open_dir(b->base_fd, p->it->dir, !b->dry_run,
					  err);
	if (p->dst_fd >= 0)
		fstat(p->dst_fd, &p->dst_st);
	return p->dst_fd;
}

static void prepare(struct carb_archive_batch *b, struct carb_place *p,
		    const struct carb_place *prev)
{
	struct carb_error err;
	bool gone;
	int slot;

	carb_error_clear(&err);
	if (open_dest(b, p, prev, &err) < 0) {
		int e = errno;

		if (b->dry_run && e == ENOENT) {
			set_final(p, 1);
			p->done = true;
			p->it->outcome = CARB_PLACED;
			return;
		}
		/* err.msg already ends with the error's text. */
		if (e == ENOENT && base_gone(b))
			carb_place_outcome(p, CARB_PLACE_UNUSABLE,
					   "archive.base_path is gone (deleted"
					   " or renamed)");
		else
			carb_place_outcome(p, carb_archive_errno_unusable(e)
					   ? CARB_PLACE_UNUSABLE : CARB_PLACE_RETRY,
					   "%s", err.msg);
		return;
	}
	if (open_source(p, prev, &gone) < 0)
		return;
	p->optimistic = !gone && !b->dry_run && p->how != CARB_HOW_RENAME &&
			b->on_conflict != CARB_CONFLICT_OVERWRITE &&
			!p->it->taken_up;
	if (p->optimistic) {
		set_final(p, 1);
		slot = 0;
	} else {
		slot = find_slot(b, p);
	}
	if (slot < 0)
		return;
	if (slot == 1) {
		adopt_existing(b, p);
		p->unlink_source = p->how == CARB_HOW_RENAME && !gone &&
				   source_is_item(p);
		p->it->outcome = CARB_PLACED_ALREADY;
		return;
	}
	if (gone) {
		carb_place_outcome(p, CARB_PLACE_FAIL,
			"the delivered %s is gone", p->it->src_rel);
		return;
	}
	if (check_source(p) < 0 || b->dry_run)
		return;
	switch (p->how) {
	case CARB_HOW_COPY: start_copy(p); break;
	case CARB_HOW_RENAME: start_rename(b, p); break;
	case CARB_HOW_LINK: start_link(b, p); break;
	case CARB_HOW_SYMLINK: start_symlink(b, p); break;
	}
}

static bool same_fs(const struct stat *a, const struct stat *b)
{
	return a->st_dev == b->st_dev;
}

static bool same_dir(const struct stat *a, const struct stat *b)
{
	return a->st_dev == b->st_dev && a->st_ino == b->st_ino;
}

/* Makes the copies' data durable: one sync of each filesystem they are
 * on when there are several, a plain fsync for a single copy. */
static void flush(struct carb_archive_batch *b, struct carb_place *ps)
{
	size_t copies = 0;

	for (size_t i = 0; i < b->n; i++)
		copies += !ps[i].done && ps[i].tmp_fd >= 0;
	for (size_t i = 0; i < b->n; i++) {
		struct carb_place *p = &ps[i];
		bool synced = false;

		if (p->done || p->tmp_fd < 0)
			continue;
		if (copies == 1) {
			if (fsync(p->tmp_fd) < 0)
				carb_place_errno(p, errno, "fsync");
			continue;
		}
		/* The first copy on each filesystem syncs it for all. */
		for (size_t j = 0; j < i && !synced; j++)
			synced = !ps[j].done && ps[j].tmp_fd >= 0 &&
				 same_fs(&ps[j].dst_st, &p->dst_st);
		if (!synced && syncfs(p->tmp_fd) < 0)
			carb_place_errno(p, errno, "syncfs");
	}
}

static void verify(struct carb_archive_batch *b, struct carb_place *p)
{
	struct stat st;
	char hex[65];

	if (p->done || p->tmp_fd < 0 || p->how != CARB_HOW_COPY)
		return;
	if (fstat(p->tmp_fd, &st) < 0) {
		carb_place_errno(p, errno, "verify");
		return;
	}
	if (st.st_size != p->it->size) {
		carb_place_outcome(p, CARB_PLACE_RETRY,
			"verification failed: the copy has %lld bytes, expected %lld",
			(long long)st.st_size, (long long)p->it->size);
		return;
	}
	if (b->verify != CARB_VERIFY_SHA256 || p->it->hash == NULL)
		return;
	/* Drop the cached pages so the hash reads what the disk holds. */
	posix_fadvise(p->tmp_fd, 0, 0, POSIX_FADV_DONTNEED);
	if (carb_archive_sha256_fd(p->tmp_fd, hex) < 0)
		carb_place_errno(p, errno, "verify");
	else if (strcmp(hex, p->it->hash) != 0)
		carb_place_outcome(p, CARB_PLACE_RETRY,
			"verification failed: the copy's SHA-256 is %s, expected %s",
			hex, p->it->hash);
}

/* A copy at its temporary name; the name is dropped once renamed. */
static int rename_copy(struct carb_place *p, const char *name)
{
	if (renameat2(p->dst_fd, p->tmp, p->dst_fd, name,
		      p->overwrite ? 0 : RENAME_NOREPLACE) < 0)
		return -1;
	p->tmp[0] = '\0';
	return 0;
}

static void name_final(struct carb_archive_batch *b, struct carb_place *p)
{
	bool anon = p->anon;

	if (p->done || (!anon && p->tmp[0] == '\0'))
		return;
	p->anon = false;
	if (give_name(b, p, anon ? link_copy : rename_copy) < 0)
		name_errno(p, errno, anon ? "link into place"
					  : "rename into place");
}

/* fsyncs each distinct folder once; a failure fails the items using it.
 * source: the delivered files' folders, else the archive's. */
static void sync_dirs(struct carb_archive_batch *b, struct carb_place *ps,
		      bool source)
{
	for (size_t i = 0; i < b->n; i++) {
		struct carb_place *p = &ps[i];
		int fd = source ? p->src_dir_fd : p->dst_fd;
		const struct stat *st = source ? &p->src_dir_st : &p->dst_st;
		bool seen = false;

		if (p->done || fd < 0 || (source && !p->it->src_removed))
			continue;
		for (size_t j = 0; j < i && !seen; j++)
			seen = !ps[j].done &&
			       (source ? ps[j].src_dir_fd : ps[j].dst_fd) >= 0 &&
			       (!source || ps[j].it->src_removed) &&
			       same_dir(st, source ? &ps[j].src_dir_st
						   : &ps[j].dst_st);
		if (seen || fsync(fd) == 0)
			continue;
		for (size_t j = i; j < b->n; j++)
			if (!ps[j].done && same_dir(st, source ? &ps[j].src_dir_st
								: &ps[j].dst_st))
				carb_place_errno(&ps[j], errno, "fsync of the folder");
	}
}

/* The copies found in place: one sync of each filesystem they are on,
 * a plain fsync for a single one. */
static void sync_adopted(struct carb_archive_batch *b, struct carb_place *ps)
{
	size_t found = 0;

	for (size_t i = 0; i < b->n; i++)
		found += ps[i].adopt_fd >= 0;
	for (size_t i = 0; i < b->n; i++) {
		bool synced = false;

		if (ps[i].adopt_fd < 0)
			continue;
		for (size_t j = 0; j < i && !synced && found > 1; j++)
			synced = ps[j].adopt_fd >= 0 &&
				 same_fs(&ps[j].dst_st, &ps[i].dst_st);
		if (!synced)
			(void)(found > 1 ? syncfs(ps[i].adopt_fd)
					 : fsync(ps[i].adopt_fd));
	}
}

static void release(struct carb_place *p)
{
	if (p->adopt_fd >= 0)
		close(p->adopt_fd);
	if (p->tmp[0] != '\0' && p->dst_fd >= 0)
		unlinkat(p->dst_fd, p->tmp, 0);
	if (p->tmp_fd >= 0)
		close(p->tmp_fd);
	if (p->src_fd >= 0)
		close(p->src_fd);
	if (p->src_dir_fd >= 0 && !p->src_dir_borrowed)
		close(p->src_dir_fd);
	if (p->dst_fd >= 0 && !p->dst_borrowed)
		close(p->dst_fd);
}

static enum carb_place_how how_of(const struct carb_archive_batch *b)
{
	switch (b->mode) {
	case CARB_ARCHIVE_MOVE: return CARB_HOW_RENAME;
	case CARB_ARCHIVE_HARDLINK: return CARB_HOW_LINK;
	case CARB_ARCHIVE_SYMLINK: return CARB_HOW_SYMLINK;
	default: return CARB_HOW_COPY;
	}
}

/* Past the batch's time, a file is not started: it is marked done, so
 * every later step passes it by, and goes back to the pipeline as it
 * came.  The first file always starts, so a batch is never empty. */
static bool out_of_time(const struct carb_archive_batch *b, size_t i,
			int64_t start_ms)
{
	return i > 0 && b->max_ms > 0 &&
	       carb_monotonic_ms() - start_ms >= b->max_ms;
}

void carb_archive_run(struct carb_archive_batch *b)
{
	struct carb_place *ps = carb_xcalloc(b->n ? b->n : 1, sizeof(*ps));
	int64_t start_ms = carb_monotonic_ms();
	int64_t start_us = carb_monotonic_us();
	bool late = false;

	if (b->http.on) {
		free(ps);
		carb_archive_http_run(b);
		b->elapsed_us = carb_monotonic_us() - start_us;
		return;
	}
	for (size_t i = 0; i < b->n; i++) {
		ps[i] = (struct carb_place){
			.it = &b->items[i], .how = how_of(b), .dst_fd = -1,
			.src_dir_fd = -1, .src_fd = -1, .tmp_fd = -1,
			.adopt_fd = -1,
		};
		b->items[i].outcome = CARB_PLACED;
		b->items[i].reason[0] = '\0';
		late = late || out_of_time(b, i, start_ms);
		if (late) {
			b->items[i].outcome = CARB_PLACE_LATER;
			ps[i].done = true;
			continue;
		}
		prepare(b, &ps[i], i > 0 ? &ps[i - 1] : NULL);
	}
	if (!b->dry_run) {
		carb_test_stop("batch-written");
		flush(b, ps);
		for (size_t i = 0; i < b->n; i++)
			verify(b, &ps[i]);
		for (size_t i = 0; i < b->n; i++)
			name_final(b, &ps[i]);
		sync_adopted(b, ps);
		sync_dirs(b, ps, false);
		carb_test_stop("batch-named");
		for (size_t i = 0; i < b->n; i++)
			carb_archive_source_drop(&ps[i]);
		sync_dirs(b, ps, true);
		carb_test_stop("batch-placed");
	}
	/* Backwards: an item's folders may be borrowed by those after it. */
	for (size_t i = b->n; i-- > 0;)
		release(&ps[i]);
	free(ps);
	b->elapsed_us = carb_monotonic_us() - start_us;
}

void carb_archive_item_release(struct carb_archive_item *it)
{
	free(it->src_rel);
	free(it->src_abs);
	free(it->hash);
	free(it->dir);
	free(it->name);
	free(it->url);
	free(it->final_rel);
	memset(it, 0, sizeof(*it));
}

void carb_archive_batch_release(struct carb_archive_batch *b)
{
	free(b->http.token_file);
	b->http.token_file = NULL;
}
