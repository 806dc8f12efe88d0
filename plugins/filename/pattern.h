/* File name patterns of the filename plugin: a compiler that turns a
 * pattern such as
 *
 *   {category}_{start:%Y%m%dT%H%M%S}_{stop:%Y%m%dT%H%M%S}.{ext}
 *
 * and the types of its placeholders into a matcher, and the matcher that
 * takes a file's base name (bytes) apart into typed values.  Standalone:
 * it knows nothing of carbonation, so the unit test links it alone.
 *
 * The language (docs/filename-plugin.md, "The pattern language", says
 * the same for operators):
 *
 *   text          any other byte stands for itself, compared as bytes
 *   {{  }}  **    a literal '{', '}', '*' (read left to right)
 *   *             a wildcard: any run of bytes, empty too, kept nowhere
 *   {name}        a placeholder: a non-empty run whose form its type
 *                 gives (below); name is [a-z][a-z0-9_]*, at most 63
 *                 bytes, and appears once in the pattern
 *   {name:FORMAT} a timestamp placeholder; FORMAT is literal bytes and
 *                 the directives %Y %y %m %d %j %H %M %S %s %f %%, and
 *                 holds neither '{' nor '}'
 *
 * Placeholders and wildcards may not touch each other: a literal stands
 * between any two of them.  The pattern must match the whole name.  When
 * a name can be split in several ways, each placeholder and wildcard,
 * from left to right, takes the shortest run that lets the rest match.
 *
 * What a placeholder matches, by type:
 *
 *   text       a run of valid UTF-8 (no overlong forms, no surrogates);
 *              a run holding other bytes never matches
 *   integer    [+-]?[0-9]+ within int64
 *   real       [+-]?(D+(.D*)?|.D+)([eE][+-]?D+)?, D a digit, finite, at
 *              most 100 bytes
 *   boolean    true false yes no on off 1 0, any case
 *   timestamp  its format: %Y 4 digits, %y 2 digits (69-99: 19xx,
 *              00-68: 20xx), %m 01-12, %d 01-31 (checked against the
 *              month), %j 001-366 (366 in leap years only), %H 00-23,
 *              %M 00-59, %S 00-59, %s 1 to 12 digits of seconds since the
 *              epoch, %f 1 to 9 digits of a fraction of a second (past
 *              the sixth they are dropped), %% a '%'.  Other bytes stand
 *              for themselves.  The date is UTC; the value is
 *              microseconds since the Unix epoch.
 *
 * A format has each directive at most once, and a year (%Y or %y) with
 * %m (then %d may follow), with %j, or alone (January 1st); or %s, which
 * takes no other directive but %f.  %M needs %H, %S needs %M, %f needs
 * %S or %s; %s and %f need a literal between them.
 *
 * Names longer than FN_PATTERN_MAX_NAME bytes never match (Linux allows
 * 255); patterns longer than FN_PATTERN_MAX_TEXT bytes are refused. */
#ifndef CARB_PLUGIN_FILENAME_PATTERN_H
#define CARB_PLUGIN_FILENAME_PATTERN_H

#include <stddef.h>
#include <stdint.h>

#define FN_PATTERN_MAX_TEXT 1024
#define FN_PATTERN_MAX_NAME 1024
#define FN_PATTERN_MAX_IDENT 63

enum fn_type {
	FN_TEXT = 1,
	FN_INTEGER,
	FN_REAL,
	FN_BOOLEAN,
	FN_TIMESTAMP,
};

/* "text", "integer", "real", "boolean", "timestamp" */
const char *fn_type_name(enum fn_type t);
/* The type called name (len bytes), or 0. */
enum fn_type fn_type_from_name(const char *name, size_t len);
/* "text, integer, real, boolean, timestamp": for messages. */
#define FN_TYPE_NAMES "text, integer, real, boolean, timestamp"

/* A type given to a placeholder by name (config.toml's columns). */
struct fn_type_decl {
	const char *name;
	enum fn_type type;
};

/* What is wrong with a pattern.  at says what to blame: the pattern at
 * byte offset (0-based), or types[index]. */
struct fn_pattern_error {
	enum { FN_AT_PATTERN, FN_AT_TYPE } at;
	size_t offset;
	size_t index;
	char msg[384];
};

struct fn_pattern;

/* Compiles text (len bytes) with the types of ntypes placeholders; a
 * placeholder without a declared type is text when it has no format,
 * timestamp when it has one.  Returns 0 with *out a pattern the caller
 * frees with fn_pattern_free; -1 with *out NULL and err filled; -2 when
 * memory ran out. */
int fn_pattern_compile(const char *text, size_t len,
		       const struct fn_type_decl *types, size_t ntypes,
		       struct fn_pattern **out, struct fn_pattern_error *err);
void fn_pattern_free(struct fn_pattern **p);

/* The placeholders, in the order they appear. */
size_t fn_pattern_count(const struct fn_pattern *p);
const char *fn_pattern_name(const struct fn_pattern *p, size_t i);
enum fn_type fn_pattern_type(const struct fn_pattern *p, size_t i);
/* Index of the placeholder called name, or -1. */
int fn_pattern_find(const struct fn_pattern *p, const char *name);

/* A matched value.  text points into the name given to fn_pattern_match. */
struct fn_value {
	enum fn_type type;
	const char *text;     /* the bytes matched, every type */
	size_t len;
	int64_t integer;      /* INTEGER; BOOLEAN 0/1; TIMESTAMP in usec */
	double real;          /* REAL */
};

/* Matches the whole of name (len bytes) against p.  Returns 1 with
 * values[0 .. fn_pattern_count - 1] filled, 0 when it does not match,
 * -1 when memory ran out.  Safe from several threads on one pattern. */
int fn_pattern_match(const struct fn_pattern *p, const char *name,
		     size_t len, struct fn_value *values);

#endif
