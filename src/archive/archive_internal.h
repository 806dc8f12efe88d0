/* Internal to src/archive: what the steps of a batch share. */
#ifndef CARB_ARCHIVE_INTERNAL_H
#define CARB_ARCHIVE_INTERNAL_H

#include <sys/stat.h>

#include "archive/archive.h"

/* How an item gets to its temporary name, decided per item: a move on
 * one filesystem is a rename and needs no temporary name. */
enum carb_place_how {
	CARB_HOW_COPY,
	CARB_HOW_RENAME,          /* move, same filesystem */
	CARB_HOW_LINK,
	CARB_HOW_SYMLINK,
};

/* The working state of one item during a batch. */
struct carb_place {
	struct carb_archive_item *it;
	enum carb_place_how how;
	bool unlink_source;       /* a move done as copy + unlink */
	bool overwrite;           /* on_conflict = "overwrite" hit a file */
	bool done;                /* outcome decided */
	bool optimistic;          /* final_rel is version 1, not looked at:
				   * the name is found taken only when the
				   * new file is given it */
	int dst_fd;               /* the final folder (O_RDONLY|O_DIRECTORY) */
	int src_dir_fd;           /* the delivered file's folder */
	bool dst_borrowed;        /* the fds above belong to the item */
	bool src_dir_borrowed;    /* before, which shares the folder */
	struct stat dst_st;       /* of dst_fd and src_dir_fd, taken once: */
	struct stat src_dir_st;   /* a batch compares folders pairwise */
	const char *src_base;     /* into it->src_rel */
	int src_fd;               /* copy: the delivered file */
	struct stat src_st;
	char tmp[96];             /* temporary name, "" when none */
	int tmp_fd;               /* the copy, at tmp or nameless */
	bool anon;                /* tmp_fd is an O_TMPFILE not yet linked */
	int adopt_fd;             /* a copy found in place, to be synced */
};

/* folders.c: opening (and making) folders below base_path. */
int carb_archive_open_dir(int base_fd, const char *dir, bool create,
			  struct carb_error *err);

/* content.c: bytes. */
/* Copies size bytes.  From 1 MiB on: a reflink where the filesystem
 * shares blocks, else the block-aligned part written with O_DIRECT
 * (around the page cache).  The rest, and smaller files: copy_file_range
 * (a reflink or a copy inside the kernel), read/write where it cannot.
 * Returns 0 or -1 with errno (ENODATA: the source shrank). */
int carb_archive_copy_data(int src_fd, int dst_fd, int64_t size);
/* SHA-256 of the whole of fd, as lowercase hex into hex[65]. */
int carb_archive_sha256_fd(int fd, char hex[65]);
/* Whether name in dir_fd (never followed) has SHA-256 hash (hex). */
bool carb_archive_has_hash(int dir_fd, const char *name, const char *hash);
/* Whether name in dir_fd already holds this item's content. */
bool carb_archive_same_content(const struct carb_place *p, int dir_fd,
			       const char *name, const struct stat *st);

/* place.c: the final name's last part (after dir/). */
const char *carb_place_final_name(const struct carb_place *p);
/* A name of our own (CARB_TMP_PREFIX: never taken for a delivery, never
 * archived) into buf: PREFIX KIND ID-PID-N.  kind "": a copy's temporary
 * name, which carb_archive_clean_stale removes; any other kind is never
 * removed unseen, because it may hold a delivered file. */
void carb_place_reserved_name(const struct carb_place *p, char *buf,
			      size_t size, const char *kind);

/* source.c: the delivered file is the one intake recorded, or nothing. */
/* Whether st is the file intake recorded for it (0, 0 recorded: yes). */
bool carb_archive_source_recorded(const struct carb_archive_item *it,
				  const struct stat *st);
/* Whether st is p's file (src_st, checked against the record). */
bool carb_archive_source_is_item(const struct carb_place *p,
				 const struct stat *st);
/* Fails p for good: its name held st (a symlink, another file...) at
 * moment when; returns -1. */
int carb_archive_source_replaced(struct carb_place *p, const struct stat *st,
				 const char *when);
/* Opens p's delivered file (flags | O_NOFOLLOW) only if it is p's file;
 * -1 with the outcome set otherwise. */
int carb_archive_source_open(struct carb_place *p, int flags,
			     const char *when);
/* After a move's rename: keeps it if the recorded file arrived, else puts
 * what arrived back (never over anything) and fails p.  0 or -1. */
int carb_archive_source_moved(struct carb_place *p);
/* A move done by copying: removes the delivered file only if the name
 * still holds p's file, through a reserved name; notes otherwise. */
void carb_archive_source_drop(struct carb_place *p);

/* The batch of an http destination, instead of folders: http_put.c, in
 * the http-put module (libcurl), whose table http_module.c loads when
 * carb_archive_http_init is first called.  run fails the batch when the
 * module was never loaded. */
void carb_archive_http_run(struct carb_archive_batch *b);
struct carb_archive_http_ops {
	int (*init)(struct carb_error *err);      /* curl_global_init */
	void (*cleanup)(void);
	void (*run)(struct carb_archive_batch *b);
};
__attribute__((visibility("default")))
extern const struct carb_archive_http_ops carb_archive_http_module;

/* Sets the item's outcome and reason; returns -1 for `return fail(...)`. */
int carb_place_outcome(struct carb_place *p, enum carb_archive_outcome o,
		       const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
/* RETRY, FULL or FAIL as errno says, with what was being done. */
int carb_place_errno(struct carb_place *p, int e, const char *what);

#endif
