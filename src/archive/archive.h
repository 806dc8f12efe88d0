/* archive: putting files into the archive, and nothing else.  The only
 * door into src/archive/.
 *
 * This layer knows the filesystem, not the catalog: it renders a
 * destination's path template into a checked relative path, and places
 * batches of files under archive.base_path by copy, move, hardlink or
 * symlink, reporting one outcome per file.  The pipeline records the
 * outcomes; it commits each file's ARCHIVING row before handing it here,
 * so every disk change below is announced in the catalog first.
 *
 * What every placement guarantees (DESIGN.md invariants 1, 2, 5):
 *  - a final archive name only ever holds a whole, verified file: copies
 *    are written without a name (O_TMPFILE) in the final folder, or at a
 *    CARB_TMP_PREFIX name where the filesystem has no O_TMPFILE or the
 *    name is to be overwritten; flushed, verified, then given the final
 *    name by linkat or rename, neither replacing (RENAME_NOREPLACE)
 *    unless on_conflict = "overwrite";
 *  - a source is unlinked (move across filesystems) only after its copy
 *    and the copy's folder are durable;
 *  - the archive receives only the file intake recorded (device, inode):
 *    copies and hard links are made from a descriptor checked to be it,
 *    a move checks what its rename brought and puts anything else back;
 *    a name found swapped fails the item (CARB_PLACE_FAIL), and what was
 *    swapped in stays in the delivery folder;
 *  - nothing is created outside base_path: folders are opened with
 *    RESOLVE_BENEATH, rendered paths with "..", "." or NUL are refused;
 *  - placing a file that is already there (same size and SHA-256) is a
 *    no-op that reports success, so a retry after a crash is safe. */
#ifndef CARB_ARCHIVE_H
#define CARB_ARCHIVE_H

#include <stdbool.h>
#include <stdint.h>

#include "config/config.h"
#include "util/util.h"

/* ---- path templates ---------------------------------------------------- */

/* Looks up a template variable by name (not NUL-terminated); returns its
 * value (bytes, NUL-terminated, owned by the caller of render) or NULL
 * when the name is unknown. */
typedef const char *(*carb_template_lookup)(void *ctx, const char *name,
					    size_t len);

/* Renders tmpl ("{watch}/{yyyy}/{mm}/{dd}") into out (appended; the
 * caller owns out) as a relative path under base_path: empty segments
 * collapse; a segment "." or "..", a NUL byte, or an unknown variable
 * fail with err naming the template and the value.  "{{" and "}}" are
 * literal braces. */
int carb_template_render(const char *tmpl, carb_template_lookup lookup,
			 void *ctx, struct carb_buf *out,
			 struct carb_error *err);

/* Renders a URL template ("http://host/upload/{watch}/{name}") into out
 * (appended): each value percent-encoded but for RFC 3986's unreserved
 * characters, so that it stays one piece of one path segment whatever
 * it holds ("/", "?", "%"...).  An unknown variable fails with err. */
int carb_template_render_url(const char *tmpl, carb_template_lookup lookup,
			     void *ctx, struct carb_buf *out,
			     struct carb_error *err);

/* ---- placing files ------------------------------------------------------ */

enum carb_archive_outcome {
	CARB_PLACED,          /* the file is at final_rel, durable */
	CARB_PLACED_ALREADY,  /* the same content was there already */
	CARB_PLACE_RETRY,     /* failed; may succeed later (reason) */
	CARB_PLACE_FAIL,      /* failed for good (conflict, source gone) */
	CARB_PLACE_UNUSABLE,  /* the destination as a whole cannot take files
	                       * (out of space or quota, read-only, its
	                       * server gone, base_path gone): the file waits,
	                       * no attempt counted */
	CARB_PLACE_LATER,     /* not started: the batch's max_ms ran out
	                       * first; nothing was done, no attempt counted */
};

/* Whether errno e says the whole destination is unusable, not the one
 * file: ENOSPC, EDQUOT, EROFS, ENOTCONN, ESTALE, EHOSTDOWN. */
bool carb_archive_errno_unusable(int e);

/* One file of a batch.  The pipeline fills the inputs; the batch fills
 * the outputs.  Strings are owned by the item (carb_archive_item_release). */
struct carb_archive_item {
	int64_t id;               /* the component, for temporary names */
	int src_root;             /* the watch folder (O_PATH), borrowed */
	char *src_rel;            /* relative to src_root */
	char *src_abs;            /* absolute: the symlink target */
	int64_t size;             /* recorded at intake */
	int64_t device, inode;    /* recorded at intake (0, 0: unknown): the
				   * only file the archive may receive */
	char *hash;               /* SHA-256 hex recorded at intake */
	char *dir;                /* rendered folder, relative to base_path */
	char *name;               /* the file's base name */
	char *url;                /* http destination: where it is PUT */
	bool taken_up;            /* a run that died may have placed it: its
	                           * final name is looked at first, within
	                           * the batch's max_ms */
	/* outputs */
	enum carb_archive_outcome outcome;
	char *final_rel;          /* dir/name, or dir/STEM.vN.EXT */
	int64_t version;          /* 1: the plain name */
	bool src_removed;         /* move: the delivered file is gone */
	char reason[512];
};

/* An http destination (docs/http-destination.md): each item is PUT to
 * its url with its SHA-256 in X-Content-SHA256, and is placed only when
 * a 2xx answer's JSON confirms that SHA-256. */
struct carb_archive_http {
	bool on;                  /* false: a folder under base_fd */
	char *token_file;         /* owned; read at each batch; NULL: none */
	int64_t connect_timeout_ms;
	int64_t timeout_ms;       /* one PUT */
};

struct carb_archive_batch {
	int base_fd;              /* archive.base_path (O_PATH), borrowed */
	struct carb_archive_http http;
	enum carb_archive_mode mode;
	enum carb_verify verify;
	enum carb_on_conflict on_conflict;
	bool hardlink_fallback;
	bool dry_run;             /* decide final names; write nothing */
	int64_t max_ms;           /* files start only within this many ms of
	                           * the batch's start (0: no bound); the
	                           * first always does */
	size_t n;
	struct carb_archive_item *items;
	/* output: how long carb_archive_run took, in microseconds */
	int64_t elapsed_us;
};

/* Places every item of b and sets each outcome.  Blocking, filesystem
 * only: meant for a worker thread.  The batch shares its flushes: one
 * filesystem sync for all copies, then one fsync per folder after the
 * renames, instead of an fsync per file.  With max_ms, the files not
 * started when it runs out are left as they were (CARB_PLACE_LATER) and
 * the batch finishes with those started, so its outcomes come back
 * within about max_ms plus one flush, however slow each file is. */
void carb_archive_run(struct carb_archive_batch *b);

void carb_archive_item_release(struct carb_archive_item *it);
/* Frees what the batch owns besides its items (not b itself). */
void carb_archive_batch_release(struct carb_archive_batch *b);

/* Whether an archive path (a catalog row's) is the URL of an http
 * destination rather than a path below base_path: rendered paths never
 * hold "//", so neither can be taken for the other. */
bool carb_archive_path_is_url(const char *path, size_t len);

/* libcurl's process-wide set-up, which is not thread-safe: called
 * before any batch of an http destination runs, and paired with the
 * cleanup (both count). */
int carb_archive_http_init(struct carb_error *err);
void carb_archive_http_cleanup(void);

/* Removes the temporary files that the components ids (n of them,
 * sorted ascending) may have left in folder dir (relative to base_fd)
 * when a run died while writing them: one reading of the folder for
 * all of them.  Returns how many were removed; missing folders are not
 * an error. */
int carb_archive_clean_stale(int base_fd, const char *dir, const int64_t *ids,
			     size_t n);

/* "a.dat" at version 3 -> "a.v3.dat"; version 1 -> the name itself.
 * Returns a new string the caller frees. */
char *carb_archive_version_name(const char *name, int64_t version);

#endif
