/* Shared by the toml_*.c files only: the value tree's layout and the
 * parser's state.  Nothing outside src/config/toml_*.c includes this. */
#ifndef CARB_TOML_INTERNAL_H
#define CARB_TOML_INTERNAL_H

#include <locale.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "config/toml.h"
#include "util/util.h"

/* Deep trees would exhaust the stack of the recursive parser and of every
 * recursive walk done later (freeing, printing), so depth is capped. */
#define CARB_TOML_MAX_DEPTH 1000

/* How a table came to exist decides what may still be done to it. */
enum carb_toml_table_kind {
	/* parent of a [header] key, not yet defined: a later [header] may
	 * define it, dotted keys may add to it */
	CARB_TOML_TABLE_IMPLICIT,
	/* defined by a [header], as an element of [[header]], or the root */
	CARB_TOML_TABLE_HEADER,
	/* created by dotted keys: closed to [headers] naming it */
	CARB_TOML_TABLE_DOTTED,
	/* { ... }: closed to everything once written */
	CARB_TOML_TABLE_INLINE,
};

struct carb_toml_entry {
	char *key;
	size_t key_len;
	int line;
	int column;
	struct carb_toml_value *value;
};

struct carb_toml_value {
	enum carb_toml_type type;
	int line;
	int column;
	/* Containers only: distance from the root. */
	int depth;
	union {
		struct {
			char *ptr;
			size_t len;
		} str;
		int64_t i;
		double f;
		bool b;
		struct {
			struct carb_toml_datetime dt;
			/* digits of fraction as written, at most 9, so
			 * formatting gives back what the user wrote */
			int frac_digits;
		} dt;
		struct {
			struct carb_toml_value **items;
			size_t count;
			size_t cap;
			/* made by [[header]]; only those may grow later */
			bool of_tables;
		} arr;
		struct {
			struct carb_toml_entry *entries;
			size_t count;
			size_t cap;
			/* open-addressing index of entries, 0 = empty,
			 * else entry index + 1; NULL while the table is
			 * small enough for a linear scan */
			size_t *slots;
			size_t nslots;
			enum carb_toml_table_kind kind;
		} tbl;
	} u;
};

/* toml_value.c: building the tree. */
struct carb_toml_value *carb_toml_value_new(enum carb_toml_type type,
					    int line, int column);
void carb_toml_value_free(struct carb_toml_value *v);
/* Index of key in table t, or SIZE_MAX. */
size_t carb_toml_table_find(const struct carb_toml_value *t, const char *key,
			    size_t len);
/* Appends an entry; the table takes ownership of key (NUL-terminated,
 * len bytes) and of value.  The caller has checked the key is new. */
struct carb_toml_entry *carb_toml_table_add(struct carb_toml_value *t,
					    char *key, size_t len, int line,
					    int column,
					    struct carb_toml_value *value);
void carb_toml_array_push(struct carb_toml_value *a,
			  struct carb_toml_value *item);

struct carb_toml_pos {
	int line;
	int column;
};

struct carb_toml_parser {
	const char *src;
	size_t len;
	size_t pos;
	int line;
	int column;
	struct carb_error *err;
	struct carb_toml_value *root;
	/* table that key/value lines go into: the last [header]'s */
	struct carb_toml_value *cur;
	/* strtod must not follow the caller's LC_NUMERIC; made on first
	 * use, (locale_t)0 when unavailable */
	locale_t c_locale;
	bool c_locale_tried;
};

/* toml_parse.c: reading primitives shared by the other files. */
static inline int carb_toml_peek_at(const struct carb_toml_parser *p,
				    size_t off)
{
	return p->pos + off < p->len ?
		(unsigned char)p->src[p->pos + off] : -1;
}

static inline int carb_toml_peek(const struct carb_toml_parser *p)
{
	return carb_toml_peek_at(p, 0);
}

static inline struct carb_toml_pos carb_toml_here(
	const struct carb_toml_parser *p)
{
	struct carb_toml_pos at = { p->line, p->column };

	return at;
}

/* Moves past one byte; columns count characters, so only a byte that
 * starts a character moves the column. */
static inline void carb_toml_advance(struct carb_toml_parser *p)
{
	unsigned char c = (unsigned char)p->src[p->pos++];

	if (c == '\n') {
		p->line++;
		p->column = 1;
	} else if ((c & 0xC0) != 0x80) {
		p->column++;
	}
}

static inline void carb_toml_advance_n(struct carb_toml_parser *p, size_t n)
{
	while (n-- > 0)
		carb_toml_advance(p);
}

static inline bool carb_toml_is_digit(int c)
{
	return c >= '0' && c <= '9';
}

int carb_toml_error_at(struct carb_toml_parser *p, struct carb_toml_pos at,
		       const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
/* Describes the character at the current position for messages: "'x'",
 * "newline", "end of file", "U+0001". */
const char *carb_toml_describe_char(const struct carb_toml_parser *p,
				    char *buf, size_t size);

/* One part of a key as written: a.b."c" has three. */
struct carb_toml_key_part {
	char *name;	/* malloc'd; NULL once a table took it */
	size_t len;
	struct carb_toml_pos at;
};

struct carb_toml_key {
	struct carb_toml_key_part *parts;
	size_t count;
	size_t cap;
};

/* Consumes a newline (LF or CRLF) if one is at the current position. */
bool carb_toml_eat_newline(struct carb_toml_parser *p);
/* The error for a CR not followed by LF at the current position. */
int carb_toml_bare_cr(struct carb_toml_parser *p);

/* toml_tables.c: where keys land, and every rule against redefinition. */
/* [key] or [[key]] (aot): makes p->cur the table that follows.  at is
 * the position of the opening bracket. */
int carb_toml_open_table(struct carb_toml_parser *p,
			 struct carb_toml_key *key, struct carb_toml_pos at,
			 bool aot);
/* key = ...: finds or creates the tables named by all parts of key but
 * the last, under tbl, and checks that the last part is new there. */
int carb_toml_dotted_target(struct carb_toml_parser *p,
			    struct carb_toml_value *tbl,
			    struct carb_toml_key *key,
			    struct carb_toml_value **target);

/* toml_string.c */
/* Any of the four string forms at the current position.  Keys pass
 * is_key, which refuses the multi-line forms.  *out is malloc'd and
 * NUL-terminated; *len_out counts embedded NULs. */
int carb_toml_parse_string(struct carb_toml_parser *p, bool is_key,
			   char **out, size_t *len_out);

/* toml_number.c */
int carb_toml_parse_number(struct carb_toml_parser *p,
			   struct carb_toml_value **out);

/* toml_datetime.c */
/* True when the text at the current position starts a date or a time
 * rather than a number. */
bool carb_toml_looks_like_datetime(const struct carb_toml_parser *p);
int carb_toml_parse_datetime(struct carb_toml_parser *p,
			     struct carb_toml_value **out);

#endif
