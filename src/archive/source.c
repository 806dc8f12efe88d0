/* The delivered file, as the archive sees it: a name in a folder that
 * others write to.  Intake recorded one file (device, inode) and checked
 * it; between that and the archive's rename or link, a writer of the
 * delivery folder can put a symlink or another file at the name.  These
 * steps make sure the archive receives the recorded file or nothing, and
 * that what was swapped in is left where its writer put it, never
 * deleted. */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "archive/archive_internal.h"

/* What a delivered file's name was found holding instead, for a reason. */
static const char *found_kind(const struct stat *st)
{
	if (S_ISLNK(st->st_mode))
		return "a symlink";
	if (S_ISREG(st->st_mode))
		return "another file";
	if (S_ISDIR(st->st_mode))
		return "a folder";
	return "a special file";
}

/* Whether st is the file intake recorded (rows from before the record
 * was kept say 0, 0: then the file the batch first looked at). */
bool carb_archive_source_recorded(const struct carb_archive_item *it,
				  const struct stat *st)
{
	if (it->device == 0 && it->inode == 0)
		return true;
	return (int64_t)st->st_dev == it->device &&
	       (int64_t)st->st_ino == it->inode;
}

/* Whether st is the item's file: after check_source, src_st is the one
 * intake recorded.  A name is only ever a name: a delivery folder's
 * writer can put anything there between two looks. */
bool carb_archive_source_is_item(const struct carb_place *p,
				 const struct stat *st)
{
	return S_ISREG(st->st_mode) && st->st_ino == p->src_st.st_ino &&
	       st->st_dev == p->src_st.st_dev;
}

/* Fails the item for good: no retry makes the swapped-in thing the file
 * that was checked, and it belongs to whoever put it there. */
int carb_archive_source_replaced(struct carb_place *p, const struct stat *st,
				 const char *when)
{
	return carb_place_outcome(p, CARB_PLACE_FAIL,
		"the delivered %s was replaced by %s %s; left in the delivery"
		" folder", p->it->src_rel, found_kind(st), when);
}

/* Opens the delivered file, never through a symlink, and only if it is
 * the file intake recorded: the fd is then that file whatever its name
 * holds later.  Returns the fd, or -1 with the outcome set. */
int carb_archive_source_open(struct carb_place *p, int flags, const char *when)
{
	struct stat st;
	int fd = openat(p->src_dir_fd, p->src_base,
			flags | O_NOFOLLOW | O_CLOEXEC);

	if (fd < 0 && errno == ELOOP &&
	    fstatat(p->src_dir_fd, p->src_base, &st, AT_SYMLINK_NOFOLLOW) == 0)
		return carb_archive_source_replaced(p, &st, when);
	if (fd < 0 || fstat(fd, &st) < 0) {
		int e = errno;

		if (fd >= 0)
			close(fd);
		return carb_place_errno(p, e, p->it->src_rel);
	}
	if (!carb_archive_source_is_item(p, &st)) {
		close(fd);
		return carb_archive_source_replaced(p, &st, when);
	}
	return fd;
}

/* Sets aside what a move took that was not the item's file: back at its
 * delivered name, or beside it at a reserved name when a new delivery
 * took the name meanwhile (never replacing anything), or, when the
 * delivery folder refuses it, at a reserved name in the archive folder:
 * never at a final archive name. */
static int put_back(struct carb_place *p, const struct stat *st)
{
	const char *what = found_kind(st), *name = carb_place_final_name(p);
	char hold[96];
	int e;

	if (renameat2(p->dst_fd, name, p->src_dir_fd, p->src_base,
		      RENAME_NOREPLACE) == 0) {
		fsync(p->src_dir_fd);
		return carb_archive_source_replaced(p, st,
						    "before it was moved");
	}
	e = errno;
	carb_place_reserved_name(p, hold, sizeof(hold), "swapped-");
	if (e == EEXIST && renameat2(p->dst_fd, name, p->src_dir_fd, hold,
				     RENAME_NOREPLACE) == 0) {
		fsync(p->src_dir_fd);
		return carb_place_outcome(p, CARB_PLACE_FAIL,
			"the delivered %s was replaced by %s before it was moved;"
			" its name was taken again meanwhile, so it was left in"
			" the delivery folder as %s", p->it->src_rel, what, hold);
	}
	e = errno;
	if (renameat2(p->dst_fd, name, p->dst_fd, hold, RENAME_NOREPLACE) == 0)
		return carb_place_outcome(p, CARB_PLACE_FAIL,
			"the delivered %s was replaced by %s before it was moved;"
			" it could not go back (%s), so it was set aside as %s/%s",
			p->it->src_rel, what, strerror(e), p->it->dir, hold);
	return carb_place_outcome(p, CARB_PLACE_FAIL,
		"the delivered %s was replaced by %s before it was moved;"
		" it could not go back (%s) and is at %s", p->it->src_rel, what,
		strerror(e), p->it->final_rel);
}

/* There is no call that renames a given file, only a name: the archive
 * name is looked at once the rename is done, in a folder no delivery
 * writes to, and keeps only the file intake recorded. */
int carb_archive_source_moved(struct carb_place *p)
{
	struct stat st;

	if (fstatat(p->dst_fd, carb_place_final_name(p), &st,
		    AT_SYMLINK_NOFOLLOW) < 0)
		return carb_place_errno(p, errno, p->it->final_rel);
	if (!carb_archive_source_is_item(p, &st))
		return put_back(p, &st);
	p->it->src_removed = true;
	return 0;
}

/* The archived item keeps a note in its reason. */
static void note(struct carb_place *p, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
static void note(struct carb_place *p, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(p->it->reason, sizeof(p->it->reason), fmt, ap);
	va_end(ap);
}

/* Puts back a file taken to a reserved name by carb_archive_source_drop. */
static void drop_undo(struct carb_place *p, const char *hold,
		      const char *what)
{
	if (renameat2(p->src_dir_fd, hold, p->src_dir_fd, p->src_base,
		      RENAME_NOREPLACE) == 0)
		note(p, "archived; %s %s, so it was left in the delivery"
		     " folder", p->it->src_rel, what);
	else
		note(p, "archived; %s %s, so it was left in the delivery"
		     " folder as %s", p->it->src_rel, what, hold);
}

/* A move done by copying: the source goes only once its copy and the
 * copy's name are durable, and only if it is still the file copied.
 * Checked, then unlinked by name, a file delivered under that name in
 * between would be the one lost; so the file is first renamed to a
 * reserved name in its folder, which no delivery uses, and looked at
 * there. */
void carb_archive_source_drop(struct carb_place *p)
{
	struct stat st;
	char hold[96];

	if (p->done || !p->unlink_source)
		return;
	if (fstatat(p->src_dir_fd, p->src_base, &st, AT_SYMLINK_NOFOLLOW) < 0)
		return;
	if (!carb_archive_source_is_item(p, &st)) {
		note(p, "archived; %s was replaced by %s meanwhile, left in"
		     " the delivery folder", p->it->src_rel, found_kind(&st));
		return;
	}
	carb_place_reserved_name(p, hold, sizeof(hold), "drop-");
	if (renameat2(p->src_dir_fd, p->src_base, p->src_dir_fd, hold,
		      RENAME_NOREPLACE) < 0) {
		note(p, "archived, but %s could not be removed: %s",
		     p->it->src_rel, strerror(errno));
		return;
	}
	if (fstatat(p->src_dir_fd, hold, &st, AT_SYMLINK_NOFOLLOW) < 0 ||
	    !carb_archive_source_is_item(p, &st))
		drop_undo(p, hold, "was replaced meanwhile");
	else if (unlinkat(p->src_dir_fd, hold, 0) == 0)
		p->it->src_removed = true;
	else
		drop_undo(p, hold, "could not be removed");
}
