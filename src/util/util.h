/* util: errors as values, diagnostics lists, growable buffers, units,
 * "did you mean" suggestions, and the metrics registry (metrics.h,
 * included below).  The only door into src/util/. */
#ifndef CARB_UTIL_H
#define CARB_UTIL_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define CARB_ERROR_MAX 1024

/* An error travels as a value.  line/column are 0 when the error has no
 * position in a source text. */
struct carb_error {
	int line;
	int column;
	char msg[CARB_ERROR_MAX];
};

/* Sets err->msg from a printf format; err may be NULL.  Always returns -1
 * so callers can write `return carb_error_set(err, ...);`. */
int carb_error_set(struct carb_error *err, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
int carb_error_setv(struct carb_error *err, const char *fmt, va_list ap);
/* Same, with a position in a source text. */
int carb_error_set_at(struct carb_error *err, int line, int column,
		      const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
void carb_error_clear(struct carb_error *err);

/* Diagnostics: a list of positioned messages, so a check can report every
 * problem instead of only the first. */
struct carb_diag {
	char *file;     /* owned; may be NULL */
	int line;       /* 0 when unknown */
	int column;
	char *message;  /* owned */
};

struct carb_diags {
	struct carb_diag *items;
	size_t count;
	size_t cap;
};

void carb_diags_init(struct carb_diags *d);
/* Appends a copy of file and the formatted message. */
void carb_diags_add(struct carb_diags *d, const char *file, int line,
		    int column, const char *fmt, ...)
	__attribute__((format(printf, 5, 6)));
/* Formats one diagnostic as "file:line:col: message" into a new string the
 * caller frees. */
char *carb_diag_format(const struct carb_diag *dg);
void carb_diags_release(struct carb_diags *d);

/* Growable byte buffer, always NUL-terminated. */
struct carb_buf {
	char *data;
	size_t len;
	size_t cap;
};

void carb_buf_init(struct carb_buf *b);
void carb_buf_add(struct carb_buf *b, const void *data, size_t len);
void carb_buf_adds(struct carb_buf *b, const char *s);
void carb_buf_addc(struct carb_buf *b, char c);
void carb_buf_addf(struct carb_buf *b, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
/* Hands the buffer's string to the caller (who frees it); b is reset. */
char *carb_buf_detach(struct carb_buf *b);
void carb_buf_release(struct carb_buf *b);

/* Allocation that cannot fail quietly: on out-of-memory these abort, the
 * one exception to "nothing below main exits", since no caller could do
 * anything useful. */
void *carb_xmalloc(size_t n);
void *carb_xcalloc(size_t n, size_t size);
void *carb_xrealloc(void *p, size_t n);
char *carb_xstrdup(const char *s);
char *carb_xstrndup(const char *s, size_t n);
char *carb_xasprintf(const char *fmt, ...)
	__attribute__((format(printf, 1, 2)));

/* Durations: "30s", "5m", "1h", "7d", "250ms", or a bare number of
 * seconds.  Result in milliseconds.  Returns 0 or -1 with err set. */
int carb_parse_duration(const char *text, int64_t *ms_out,
			struct carb_error *err);
/* Sizes: "512", "10KiB", "1GiB", "5MB" (SI) ... Result in bytes. */
int carb_parse_size(const char *text, uint64_t *bytes_out,
		    struct carb_error *err);

/* Levenshtein distance, and the closest of candidates[0..n) to word when
 * it is close enough to be worth suggesting; NULL otherwise. */
size_t carb_edit_distance(const char *a, const char *b);
const char *carb_suggest(const char *word, const char *const *candidates,
			 size_t n);

/* Wall-clock time in microseconds since the Unix epoch (the catalog's
 * unit), and a monotonic clock in milliseconds for timers. */
int64_t carb_now_us(void);
int64_t carb_monotonic_ms(void);
/* The monotonic clock in microseconds, for durations worth measuring
 * below a millisecond (a catalog commit). */
int64_t carb_monotonic_us(void);

/* Appends name[0..len) to out for people to read: printable ASCII and
 * valid UTF-8 as they are, every other byte (and '\\') as \xNN, so a file
 * name with a newline or invalid UTF-8 cannot forge a log line. */
void carb_buf_add_safe_name(struct carb_buf *out, const char *name,
			    size_t len);
/* Appends s[0..len) as a JSON string, quotes included: '"', '\\' and
 * control characters escaped, valid UTF-8 as it is, and every byte that
 * is not part of valid UTF-8 as \u00NN (the byte's value), so the result
 * is always valid JSON, whatever the bytes. */
void carb_buf_add_json_string(struct carb_buf *out, const char *s,
			      size_t len);
/* Appends s[0..len) as a label value of the Prometheus text exposition
 * format, quotes not included: backslash, '"' and newline escaped as the
 * format says (\\ \" \n), valid UTF-8 as it is, and each byte that is not
 * part of valid UTF-8 as the four characters \xNN (so written \\xNN),
 * since a label value must be UTF-8.  A name that holds the text \xNN
 * reads the same: rare enough in a label, and the logs tell them apart. */
/* Appends s[0..len) as UTF-8 for a JSON library's string (jansson's
 * json_stringn): valid UTF-8 as it is, every other byte as the character
 * U+00NN, the same characters carb_buf_add_json_string writes as \u00NN,
 * so every face shows a name the same way.  NUL stays a NUL byte. */
void carb_buf_add_utf8_lossless(struct carb_buf *out, const char *s,
				size_t len);
void carb_buf_add_metric_label(struct carb_buf *out, const char *s,
			       size_t len);

/* A hash map from byte strings to pointers.  Keys are copied; values are
 * the caller's.  Iteration order is unspecified; removing the entry the
 * iterator stands on is allowed. */
struct carb_map;
struct carb_map *carb_map_new(void);
/* Frees the map and its keys, not the values. */
void carb_map_free(struct carb_map **m);
size_t carb_map_count(const struct carb_map *m);
void *carb_map_get(const struct carb_map *m, const void *key, size_t len);
/* Sets key to value; returns the value it replaces, or NULL. */
void *carb_map_put(struct carb_map *m, const void *key, size_t len,
		   void *value);
/* Removes key; returns its value, or NULL. */
void *carb_map_remove(struct carb_map *m, const void *key, size_t len);

struct carb_map_iter {
	const struct carb_map *m;
	size_t bucket;
	void *next;
};
void carb_map_iter_init(struct carb_map_iter *it, const struct carb_map *m);
/* Returns false at the end; otherwise the entry's key, length and value. */
bool carb_map_iter_next(struct carb_map_iter *it, const char **key,
			size_t *len, void **value);

#include "util/metrics.h"

/* The service's log.  Levels are those of [logging] level, in order.  Until
 * carb_log_open is called, messages at info and above go to stderr as
 * text.  Safe to call from any thread: each message is one write(2). */
enum {
	CARB_LOGL_DEBUG,
	CARB_LOGL_INFO,
	CARB_LOGL_WARNING,
	CARB_LOGL_ERROR,
};
/* fd is where lines go (the log is not the owner); json: one JSON object
 * per line instead of text. */
void carb_log_open(int fd, int min_level, bool json);
/* journal: messages go to the systemd journal with their fields
 * (sd_journal_send), fd only when the journal refuses one.  Only in a
 * build with libsystemd; returns whether it is on. */
bool carb_log_journal(bool journal);
/* [service] name, in every message (text: "[NAME]"; JSON and the
 * journal: CARB_INSTANCE); copied; NULL: none. */
void carb_log_instance(const char *name);

/* What a message is about, for structured logs: JSON keys, and journal
 * fields (journalctl CARB_WATCH=incoming).  Any may be NULL / 0. */
struct carb_log_fields {
	const char *watch;        /* CARB_WATCH */
	const char *component;    /* CARB_COMPONENT: its path in the watch */
	size_t component_len;     /*   (bytes; shown escaped) */
	int64_t group;            /* CARB_GROUP: the group's id */
	const char *status;       /* CARB_STATUS: the status it reached */
	const char *destination;  /* CARB_DESTINATION: its archive path */
};
void carb_log_at(int level, const struct carb_log_fields *f,
		 const char *file, int line, const char *fmt, ...)
	__attribute__((format(printf, 5, 6)));
#define carb_log(level, ...) \
	carb_log_at((level), NULL, __FILE__, __LINE__, __VA_ARGS__)
#define carb_logf(level, fields, ...) \
	carb_log_at((level), (fields), __FILE__, __LINE__, __VA_ARGS__)

/* Journal transport (log_journal.c; a stub without libsystemd): sends one
 * message; -1 when it could not. */
struct carb_log_message {
	int level;
	const char *text;
	const char *instance;     /* may be NULL */
	const struct carb_log_fields *f;  /* may be NULL */
	const char *component;    /* f->component escaped, or NULL */
	const char *file;
	int line;
};
int carb_log_journal_send(const struct carb_log_message *m);

/* Names that start with this are carbonation's own temporary files (an
 * archive copy being written): intake never takes them, and a start
 * removes the stale ones a crash left. */
#define CARB_TMP_PREFIX ".carb-tmp-"

/* Opens rel (bytes, may be "": the folder itself) below root_fd, never
 * leaving it (RESOLVE_BENEATH).  carb_open_beneath also follows no
 * symlink at any level: for delivery folders.  carb_open_inside follows
 * symlinks that stay below root_fd: for the archive, where an operator may
 * have linked a subfolder elsewhere inside it.  O_CLOEXEC is added.
 * Returns the descriptor, or -1 with errno set. */
int carb_open_beneath(int root_fd, const char *rel, int flags);
int carb_open_inside(int root_fd, const char *rel, int flags);
/* fstatat(dir_fd, rel, st, AT_SYMLINK_NOFOLLOW) for a rel of any length:
 * one longer than PATH_MAX has its folder opened with carb_open_beneath
 * (which follows no symlink); a shorter one is looked up as fstatat
 * does.  0, or -1 with errno. */
struct stat;
int carb_lstat_at(int dir_fd, const char *rel, struct stat *st);

/* The folder holding migrations/ and scaffold/: $CARBONATION_DATADIR if
 * set, the source tree when running from the build tree, else the installed
 * data folder.  Static storage; never NULL. */
const char *carb_data_dir(void);
/* The folder of installed plugins: $CARBONATION_PLUGINDIR if set, the
 * build tree's plugins/ when running from it, else the installed one. */
const char *carb_plugin_dir(void);
/* The folder of the program's own modules (module.c): $CARBONATION_MODULEDIR
 * if set, the build tree's modules/ when running from it, else the
 * installed one.  Static storage; never NULL. */
const char *carb_module_dir(void);

/* Loads the program's module NAME (NAME.so in carb_module_dir()) and
 * finds its symbol sym: 0 with *out set, or -1 with err naming the file
 * and the loader's reason.  A module stays loaded until the process
 * ends (what it returns must outlive every user), so calling this again
 * costs a lookup, not a load.  Thread-safe. */
int carb_module_symbol(const char *name, const char *sym, const void **out,
		       struct carb_error *err);

/* A stop point for tests (see docs/testing.md): when point is one of the
 * comma-separated names in $CARB_TEST_STOP_AT, the whole process stops
 * with SIGSTOP there, so a test can kill it at exactly that moment; when
 * it is one of $CARB_TEST_HANG_AT, the calling thread never returns.
 * Does nothing when neither variable is set. */
void carb_test_stop(const char *point);

#endif
