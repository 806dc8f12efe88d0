/* libcarbonation: the client library.
 *
 * Programs link it (pkg-config --cflags --libs carbonation) to ask the
 * catalog what arrived and where it went, with the same filters as
 * `carbonation query`, and to poll for groups that reached a final status
 * without ever skipping one.  Other languages reach it through their C
 * FFI: every type is opaque or plain, every call returns its error.
 *
 * Rules that hold for every function:
 *
 *  - Every exported symbol starts with "carbonation_"; nothing else is
 *    exported.
 *  - No global state: handles are independent, and two catalogs may be
 *    open in one process.  One handle (and the filters and rows made from
 *    it) is for one thread at a time.
 *  - Errors are values: a function that can fail returns 0 (or a count)
 *    on success and -1 on failure, after writing a message into the
 *    struct carbonation_error the caller passed (which may be NULL).
 *    Nothing exits, aborts (but for out of memory) or prints.
 *  - Ownership: *_new / *_open give the caller an object it releases with
 *    the matching *_free / *_close, which take a pointer to the pointer
 *    and set it to NULL (NULL is fine).  Strings returned as `char *` are
 *    the caller's, freed with carbonation_free; `const char *` strings
 *    belong to the object they came from and live as long as the text
 *    says.
 *
 * Versioning: CARBONATION_VERSION_* is the release; the shared object's
 * soname (libcarbonation.so.N) changes only when a change would break a
 * program built against an older header (libtool -version-info, see
 * docs/reporting.md).  Adding functions keeps N. */
#ifndef CARBONATION_H
#define CARBONATION_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#define CARBONATION_VERSION_MAJOR 0
#define CARBONATION_VERSION_MINOR 1
#define CARBONATION_VERSION_PATCH 0

/* The library's release, e.g. "0.1.0": compare with the header's macros
 * to detect a program built against another release.  Static storage. */
const char *carbonation_version(void);

/* ---- errors ------------------------------------------------------------- */

struct carbonation_error {
	char message[1024];       /* one line, NUL-terminated */
};

/* Frees a string the library handed over (char *). */
void carbonation_free(void *p);

/* ---- the catalog -------------------------------------------------------- */

typedef struct carbonation carbonation;

/* Opens the catalog config.toml names ([database] url and password
 * file), and its plugin's columns ([plugins]), so plugin columns can be
 * filtered and read.  The schema must be up to date (db upgrade). */
int carbonation_open(const char *config_path, carbonation **out,
		     struct carbonation_error *err);
/* Opens a catalog by URL (sqlite:///path.db, postgresql://...,
 * mariadb://..., as [database] url); only the core columns are known. */
int carbonation_open_url(const char *url, carbonation **out,
			 struct carbonation_error *err);
void carbonation_close(carbonation **c);

/* ---- filters ------------------------------------------------------------ */

enum carbonation_table {
	CARBONATION_FILES = 0,       /* groups: one row per group */
	CARBONATION_COMPONENTS = 1,  /* one row per delivered file */
};

typedef struct carbonation_filter carbonation_filter;

/* A new filter on table of c: every row, the default columns, the
 * default order.  Free it with carbonation_filter_free (before c). */
carbonation_filter *carbonation_filter_new(carbonation *c,
					   enum carbonation_table table);
void carbonation_filter_free(carbonation_filter **f);
/* Adds a filter as the command line spells it without "--": name
 * "status" value "ARCHIVED"; "start-after" "2024-03-01"; "size-min"
 * "1024"; "daterange" "2024-03-01/2024-03-31"; "age" "7d"; a boolean
 * "complete" or "no-complete" with value NULL.  Repeating a name ORs its
 * values; different names AND.  Unknown names and values of the wrong
 * type fail with the message the CLI would print. */
int carbonation_filter_add(carbonation_filter *f, const char *name,
			   const char *value, struct carbonation_error *err);
/* "a,b,c": the columns rows have (NULL: the default set). */
int carbonation_filter_columns(carbonation_filter *f, const char *columns,
			       struct carbonation_error *err);
/* "-a,b": descending a, then ascending b (NULL: -id). */
int carbonation_filter_order_by(carbonation_filter *f, const char *spec,
				struct carbonation_error *err);
/* limit < 0: no limit. */
void carbonation_filter_limit(carbonation_filter *f, int64_t limit,
			      int64_t offset);

/* ---- rows --------------------------------------------------------------- */

enum carbonation_type {
	CARBONATION_TEXT = 1,
	CARBONATION_BYTES = 2,       /* a file name: bytes, maybe not UTF-8 */
	CARBONATION_INTEGER = 3,
	CARBONATION_REAL = 4,
	CARBONATION_BOOLEAN = 5,
	CARBONATION_TIMESTAMP = 6,   /* int64 microseconds since the epoch, UTC */
};

typedef struct carbonation_rows carbonation_rows;

/* Runs f.  Rows are read one at a time (memory does not grow with
 * them); until *out is freed, c runs nothing else.  f must outlive *out. */
int carbonation_query(carbonation *c, const carbonation_filter *f,
		      carbonation_rows **out, struct carbonation_error *err);
/* How many rows f selects. */
int carbonation_count(carbonation *c, const carbonation_filter *f,
		      int64_t *n, struct carbonation_error *err);
/* Moves to the next row: 1 a row, 0 no more, -1 an error. */
int carbonation_rows_next(carbonation_rows *r, struct carbonation_error *err);
/* The columns of the rows: how many, and each one's name and type. */
size_t carbonation_rows_ncolumns(const carbonation_rows *r);
const char *carbonation_rows_column_name(const carbonation_rows *r, size_t i);
enum carbonation_type carbonation_rows_column_type(const carbonation_rows *r,
						   size_t i);
/* The index of the column called name, or -1. */
int carbonation_rows_column_index(const carbonation_rows *r, const char *name);
/* Values of the current row by column name.  An unknown name or a SQL
 * NULL reads as 0 / 0.0 / NULL; is_null tells them apart (-1: no such
 * column).  Text and bytes are NUL-terminated; *len (may be NULL)
 * receives the length; the pointer lives until the next row. */
int carbonation_rows_is_null(carbonation_rows *r, const char *name);
int64_t carbonation_rows_int(carbonation_rows *r, const char *name);
double carbonation_rows_real(carbonation_rows *r, const char *name);
const char *carbonation_rows_text(carbonation_rows *r, const char *name,
				  size_t *len);
void carbonation_rows_free(carbonation_rows **r);

/* ---- polling ------------------------------------------------------------ */

/* The groups that reached a final status (ARCHIVED, NOT_SELECTED,
 * FAILED, TIMED_OUT, CLEARED) since cursor, oldest first, at most limit
 * (< 0: all); cursor NULL or "" starts at the first.  columns: as
 * carbonation_filter_columns (filters do not apply to polls), or f NULL
 * for the default columns.  No group is skipped, even when writers
 * commit out of order; a group that reaches a final status again comes
 * again.  After reading every row, carbonation_rows_cursor gives the
 * cursor to keep for the next call: keep it only once the rows are
 * safely handled, and a crash costs a repeat, never a loss. */
int carbonation_get_new_files(carbonation *c, const char *cursor,
			      const carbonation_filter *f, int64_t limit,
			      carbonation_rows **out,
			      struct carbonation_error *err);
/* The cursor after the rows read so far (an opaque string the caller
 * frees with carbonation_free); NULL for rows that are no poll. */
char *carbonation_rows_cursor(const carbonation_rows *r);

/* Marks the groups f selects that are in a final status CLEARED (a
 * consumer has taken them; nothing archives them again); *n receives
 * how many. */
int carbonation_clear(carbonation *c, const carbonation_filter *f, int64_t *n,
		      struct carbonation_error *err);

/* ---- the service status ------------------------------------------------ */

/* One service instance's heartbeat row.  Times are microseconds since the
 * epoch, UTC; 0 when not known. */
struct carbonation_instance {
	const char *host, *name, *version, *config_path;
	const char *watches;          /* its watches' names, space-separated */
	int64_t pid;
	int64_t started_at, last_heartbeat, heartbeat_interval_us;
	int64_t stopped_at;           /* 0: running (or killed) */
	int64_t files_seen, files_archived, files_failed;
	int64_t last_event_at, last_walk_at;
	int stale;      /* running, heartbeat older than twice its interval */
	int newest;     /* the newest row of its host and name */
};

struct carbonation_count {
	const char *name;             /* a status, or a reason */
	int64_t count;
};

struct carbonation_total {
	const char *watch, *destination;
	int64_t files, bytes;
};

/* The windows of carbonation_status.counts: 1h, 4h, 1d, 7d, 30d, all. */
#define CARBONATION_STATUS_WINDOWS 6

/* What `carbonation status` shows, from the catalog alone.  Watch
 * folders are not looked at: the caller may be on another host. */
struct carbonation_status {
	int64_t now;
	const struct carbonation_instance *instances;  /* newest first */
	size_t ninstances;
	/* components by status changed within each window */
	const struct carbonation_count *counts[CARBONATION_STATUS_WINDOWS];
	size_t ncounts[CARBONATION_STATUS_WINDOWS];
	const struct carbonation_total *archived;  /* per watch, destination */
	size_t narchived;
	int64_t retry_queue, next_retry_at;   /* 0: none due */
	int64_t failed;
	const struct carbonation_count *failed_reasons;  /* most common first */
	size_t nfailed_reasons;
	int64_t backlog_pending, backlog_ready;
	int64_t oldest_waiting_id, oldest_waiting_at;   /* 0: none waits */
	const char *oldest_waiting_key;       /* bytes; NUL-terminated */
	size_t oldest_waiting_len;
	/* 0 when the newest row of an instance is stopped or stale */
	int healthy;
};

/* Reads the status; *out is the caller's, freed with
 * carbonation_status_free (its strings and arrays live as long). */
int carbonation_status(carbonation *c, struct carbonation_status **out,
		       struct carbonation_error *err);
void carbonation_status_free(struct carbonation_status **s);

#ifdef __cplusplus
}
#endif

#endif
