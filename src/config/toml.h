/* The project's own TOML 1.0 parser.  Reached through config.h.
 *
 * A parsed document is an immutable tree of values.  Every value keeps the
 * line and column where it was written, and every table entry keeps the
 * position of its key, so checks run long after parsing can still point at
 * the text. */
#ifndef CARB_TOML_H
#define CARB_TOML_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "util/util.h"

enum carb_toml_type {
	CARB_TOML_STRING,
	CARB_TOML_INTEGER,
	CARB_TOML_FLOAT,
	CARB_TOML_BOOL,
	CARB_TOML_DATETIME,       /* offset date-time */
	CARB_TOML_LOCAL_DATETIME,
	CARB_TOML_LOCAL_DATE,
	CARB_TOML_LOCAL_TIME,
	CARB_TOML_ARRAY,
	CARB_TOML_TABLE,
};

struct carb_toml_value;

struct carb_toml_datetime {
	int year, month, day;         /* valid for dates and date-times */
	int hour, minute, second;     /* valid for times and date-times */
	int nanosecond;               /* fractional seconds, truncated to ns */
	int offset_minutes;           /* offset date-times: east of UTC */
	bool offset_z;                /* written as "Z" (or "z") */
};

/* Parses text[0..len).  On success *root_out is a table the caller frees
 * with carb_toml_free.  On failure returns -1 and sets err with the line
 * and column (1-based, columns count characters, not bytes) and a plain
 * message; *root_out is NULL. */
int carb_toml_parse(const char *text, size_t len,
		    struct carb_toml_value **root_out, struct carb_error *err);
void carb_toml_free(struct carb_toml_value **root);

enum carb_toml_type carb_toml_type(const struct carb_toml_value *v);
/* "string", "integer", "float", "boolean", "offset datetime",
 * "local datetime", "local date", "local time", "array", "table". */
const char *carb_toml_type_name(enum carb_toml_type t);
int carb_toml_line(const struct carb_toml_value *v);
int carb_toml_column(const struct carb_toml_value *v);

/* Tables keep insertion order. */
size_t carb_toml_table_count(const struct carb_toml_value *t);
const char *carb_toml_table_key(const struct carb_toml_value *t, size_t i);
/* Length of key i: TOML keys may contain NUL through escapes. */
size_t carb_toml_table_key_len(const struct carb_toml_value *t, size_t i);
int carb_toml_table_key_line(const struct carb_toml_value *t, size_t i);
int carb_toml_table_key_column(const struct carb_toml_value *t, size_t i);
const struct carb_toml_value *carb_toml_table_value(
	const struct carb_toml_value *t, size_t i);
/* NULL when absent. */
const struct carb_toml_value *carb_toml_table_get(
	const struct carb_toml_value *t, const char *key);

size_t carb_toml_array_count(const struct carb_toml_value *a);
const struct carb_toml_value *carb_toml_array_get(
	const struct carb_toml_value *a, size_t i);

/* Scalars.  Calling an accessor for another type is a programming error
 * and returns a zero value. The string is NUL-terminated; *len_out (may be
 * NULL) receives its length, which counts any embedded NUL. */
const char *carb_toml_string(const struct carb_toml_value *v, size_t *len_out);
int64_t carb_toml_int(const struct carb_toml_value *v);
double carb_toml_float(const struct carb_toml_value *v);
bool carb_toml_bool(const struct carb_toml_value *v);
const struct carb_toml_datetime *carb_toml_datetime(
	const struct carb_toml_value *v);
/* RFC 3339 text of a date/time value of any of the four kinds, e.g.
 * "1979-05-27T07:32:00.999999-07:00", "07:32:00".  Returns buf. */
char *carb_toml_datetime_format(const struct carb_toml_value *v, char *buf,
				size_t size);

#endif
