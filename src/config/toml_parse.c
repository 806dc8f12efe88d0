/* The TOML 1.0 document grammar: lines, keys, values, arrays and inline
 * tables.  Strings, numbers and date-times are read by their own files;
 * where a key lands (and every redefinition rule) lives in toml_tables.c. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config/toml_internal.h"

int carb_toml_error_at(struct carb_toml_parser *p, struct carb_toml_pos at,
		       const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	carb_error_setv(p->err, fmt, ap);
	va_end(ap);
	if (p->err != NULL) {
		p->err->line = at.line;
		p->err->column = at.column;
	}
	return -1;
}

const char *carb_toml_describe_char(const struct carb_toml_parser *p,
				    char *buf, size_t size)
{
	int c = carb_toml_peek(p);

	if (c < 0)
		snprintf(buf, size, "end of file");
	else if (c == '\n' || (c == '\r' && carb_toml_peek_at(p, 1) == '\n'))
		snprintf(buf, size, "newline");
	else if (c < 0x20 || c == 0x7F)
		snprintf(buf, size, "control character U+%04X", c);
	else if (c < 0x80)
		snprintf(buf, size, "'%c'", c);
	else
		snprintf(buf, size, "non-ASCII character");
	return buf;
}

/* Error naming what was found where something else was expected. */
static int unexpected(struct carb_toml_parser *p, const char *wanted)
{
	char what[48];

	return carb_toml_error_at(p, carb_toml_here(p), "expected %s, found %s",
				  wanted,
				  carb_toml_describe_char(p, what, sizeof(what)));
}

bool carb_toml_eat_newline(struct carb_toml_parser *p)
{
	if (carb_toml_peek(p) == '\n') {
		carb_toml_advance(p);
		return true;
	}
	if (carb_toml_peek(p) == '\r' && carb_toml_peek_at(p, 1) == '\n') {
		carb_toml_advance_n(p, 2);
		return true;
	}
	return false;
}

int carb_toml_bare_cr(struct carb_toml_parser *p)
{
	return carb_toml_error_at(p, carb_toml_here(p),
				  "carriage return not followed by a newline");
}

/* Length of the UTF-8 sequence starting at s[0..n), or 0 when it is not
 * valid: overlong forms, surrogates and code points past U+10FFFF are
 * refused, as the TOML specification requires. */
static size_t utf8_sequence(const unsigned char *s, size_t n)
{
	size_t len, i;
	uint32_t cp;

	if (s[0] < 0x80)
		return 1;
	if (s[0] >= 0xC2 && s[0] <= 0xDF) {
		len = 2;
		cp = s[0] & 0x1F;
	} else if (s[0] >= 0xE0 && s[0] <= 0xEF) {
		len = 3;
		cp = s[0] & 0x0F;
	} else if (s[0] >= 0xF0 && s[0] <= 0xF4) {
		len = 4;
		cp = s[0] & 0x07;
	} else {
		return 0;
	}
	if (len > n)
		return 0;
	for (i = 1; i < len; i++) {
		if ((s[i] & 0xC0) != 0x80)
			return 0;
		cp = (cp << 6) | (s[i] & 0x3F);
	}
	if ((len == 3 && cp < 0x800) || (len == 4 && cp < 0x10000) ||
	    cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF))
		return 0;
	return len;
}

/* The whole text is checked once up front, so the scanners below may
 * copy any byte >= 0x80 without looking at it again. */
static int check_utf8(struct carb_toml_parser *p)
{
	const unsigned char *s = (const unsigned char *)p->src;
	struct carb_toml_pos at = { 1, 1 };
	size_t i = 0, n;

	while (i < p->len) {
		n = utf8_sequence(s + i, p->len - i);
		if (n == 0)
			return carb_toml_error_at(p, at,
				"invalid UTF-8 (byte 0x%02X)", s[i]);
		if (s[i] == '\n') {
			at.line++;
			at.column = 1;
		} else {
			at.column++;
		}
		i += n;
	}
	return 0;
}

static void skip_ws(struct carb_toml_parser *p)
{
	while (carb_toml_peek(p) == ' ' || carb_toml_peek(p) == '\t')
		carb_toml_advance(p);
}

/* A comment runs to the end of the line; control characters other than
 * tab are not allowed in it. */
static int skip_comment(struct carb_toml_parser *p)
{
	int c;

	if (carb_toml_peek(p) != '#')
		return 0;
	carb_toml_advance(p);
	while ((c = carb_toml_peek(p)) >= 0 && c != '\n') {
		if (c == '\r') {
			if (carb_toml_peek_at(p, 1) == '\n')
				break;
			return carb_toml_bare_cr(p);
		}
		if ((c < 0x20 && c != '\t') || c == 0x7F)
			return carb_toml_error_at(p, carb_toml_here(p),
				"control character U+%04X in a comment", c);
		carb_toml_advance(p);
	}
	return 0;
}

/* Whitespace, comments and newlines, as allowed between array items. */
static int skip_blank(struct carb_toml_parser *p)
{
	for (;;) {
		skip_ws(p);
		if (skip_comment(p) < 0)
			return -1;
		if (carb_toml_eat_newline(p))
			continue;
		if (carb_toml_peek(p) == '\r')
			return carb_toml_bare_cr(p);
		return 0;
	}
}

/* After a key/value pair or a header: blanks, a comment, then the end of
 * the line. */
static int end_of_line(struct carb_toml_parser *p)
{
	skip_ws(p);
	if (skip_comment(p) < 0)
		return -1;
	if (carb_toml_peek(p) < 0 || carb_toml_eat_newline(p))
		return 0;
	if (carb_toml_peek(p) == '\r')
		return carb_toml_bare_cr(p);
	return unexpected(p, "end of line");
}

static bool is_bare_key_char(int c)
{
	return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
	       carb_toml_is_digit(c) || c == '_' || c == '-';
}

static void key_release(struct carb_toml_key *key)
{
	for (size_t i = 0; i < key->count; i++)
		free(key->parts[i].name);
	free(key->parts);
	key->parts = NULL;
	key->count = key->cap = 0;
}

static int key_part(struct carb_toml_parser *p, struct carb_toml_key *key)
{
	struct carb_toml_key_part part = { NULL, 0, carb_toml_here(p) };
	int c = carb_toml_peek(p);
	size_t start;

	if (c == '"' || c == '\'') {
		if (carb_toml_parse_string(p, true, &part.name, &part.len) < 0)
			return -1;
	} else if (is_bare_key_char(c)) {
		start = p->pos;
		while (is_bare_key_char(carb_toml_peek(p)))
			carb_toml_advance(p);
		part.len = p->pos - start;
		part.name = carb_xstrndup(p->src + start, part.len);
	} else {
		return unexpected(p, "a key");
	}
	if (key->count == key->cap) {
		key->cap = key->cap ? key->cap * 2 : 4;
		key->parts = carb_xrealloc(key->parts,
					   key->cap * sizeof(*key->parts));
	}
	key->parts[key->count++] = part;
	return 0;
}

/* A simple or dotted key; whitespace around the dots is allowed. */
static int parse_key(struct carb_toml_parser *p, struct carb_toml_key *key)
{
	for (;;) {
		if (key_part(p, key) < 0)
			return -1;
		skip_ws(p);
		if (carb_toml_peek(p) != '.')
			return 0;
		carb_toml_advance(p);
		skip_ws(p);
	}
}

static int parse_value(struct carb_toml_parser *p, int depth,
		       struct carb_toml_value **out);

static int too_deep(struct carb_toml_parser *p, struct carb_toml_pos at)
{
	return carb_toml_error_at(p, at,
		"arrays and tables nested deeper than %d levels",
		CARB_TOML_MAX_DEPTH);
}

static int parse_array(struct carb_toml_parser *p, int depth,
		       struct carb_toml_value **out)
{
	struct carb_toml_pos at = carb_toml_here(p);
	struct carb_toml_value *a, *item;

	if (depth > CARB_TOML_MAX_DEPTH)
		return too_deep(p, at);
	a = carb_toml_value_new(CARB_TOML_ARRAY, at.line, at.column);
	a->depth = depth;
	carb_toml_advance(p);
	for (;;) {
		if (skip_blank(p) < 0)
			goto fail;
		if (carb_toml_peek(p) == ']')
			break;
		if (parse_value(p, depth + 1, &item) < 0)
			goto fail;
		carb_toml_array_push(a, item);
		if (skip_blank(p) < 0)
			goto fail;
		if (carb_toml_peek(p) == ',') {
			carb_toml_advance(p);
			continue;
		}
		if (carb_toml_peek(p) == ']')
			break;
		unexpected(p, "',' or ']' in an array");
		goto fail;
	}
	carb_toml_advance(p);
	*out = a;
	return 0;
fail:
	carb_toml_value_free(a);
	return -1;
}

/* key = value into tbl: the shared part of document lines and inline
 * table members. */
static int parse_keyval(struct carb_toml_parser *p, struct carb_toml_value *tbl)
{
	struct carb_toml_key key = { NULL, 0, 0 };
	struct carb_toml_key_part *last;
	struct carb_toml_value *target, *value;
	int rc = -1;

	if (parse_key(p, &key) < 0)
		goto out;
	if (carb_toml_peek(p) != '=') {
		unexpected(p, "'=' after a key");
		goto out;
	}
	carb_toml_advance(p);
	skip_ws(p);
	if (carb_toml_dotted_target(p, tbl, &key, &target) < 0)
		goto out;
	if (parse_value(p, target->depth + 1, &value) < 0)
		goto out;
	last = &key.parts[key.count - 1];
	carb_toml_table_add(target, last->name, last->len, last->at.line,
			    last->at.column, value);
	last->name = NULL;
	rc = 0;
out:
	key_release(&key);
	return rc;
}

/* Once written, an inline table and every table inside it are closed. */
static void freeze(struct carb_toml_value *v)
{
	size_t i;

	if (v->type == CARB_TOML_TABLE) {
		v->u.tbl.kind = CARB_TOML_TABLE_INLINE;
		for (i = 0; i < v->u.tbl.count; i++)
			freeze(v->u.tbl.entries[i].value);
	} else if (v->type == CARB_TOML_ARRAY) {
		for (i = 0; i < v->u.arr.count; i++)
			freeze(v->u.arr.items[i]);
	}
}

/* { a = 1, b.c = 2 }: one line, no trailing comma (TOML 1.0). */
static int parse_inline_table(struct carb_toml_parser *p, int depth,
			      struct carb_toml_value **out)
{
	struct carb_toml_pos at = carb_toml_here(p);
	struct carb_toml_value *t;

	if (depth > CARB_TOML_MAX_DEPTH)
		return too_deep(p, at);
	t = carb_toml_value_new(CARB_TOML_TABLE, at.line, at.column);
	t->depth = depth;
	t->u.tbl.kind = CARB_TOML_TABLE_DOTTED;
	carb_toml_advance(p);
	skip_ws(p);
	if (carb_toml_peek(p) != '}') {
		for (;;) {
			skip_ws(p);
			if (parse_keyval(p, t) < 0)
				goto fail;
			skip_ws(p);
			if (carb_toml_peek(p) == '}')
				break;
			if (carb_toml_peek(p) != ',') {
				unexpected(p, "',' or '}' in an inline table");
				goto fail;
			}
			carb_toml_advance(p);
		}
	}
	carb_toml_advance(p);
	freeze(t);
	*out = t;
	return 0;
fail:
	carb_toml_value_free(t);
	return -1;
}

/* true, false: the word must not run on into other key characters. */
static int parse_bool(struct carb_toml_parser *p, struct carb_toml_value **out)
{
	struct carb_toml_pos at = carb_toml_here(p);
	size_t rest = p->len - p->pos;
	bool val;
	size_t n;

	if (rest >= 4 && memcmp(p->src + p->pos, "true", 4) == 0) {
		val = true;
		n = 4;
	} else if (rest >= 5 && memcmp(p->src + p->pos, "false", 5) == 0) {
		val = false;
		n = 5;
	} else {
		return unexpected(p, "a value");
	}
	if (is_bare_key_char(carb_toml_peek_at(p, n)))
		return unexpected(p, "a value");
	carb_toml_advance_n(p, n);
	*out = carb_toml_value_new(CARB_TOML_BOOL, at.line, at.column);
	(*out)->u.b = val;
	return 0;
}

static int parse_string_value(struct carb_toml_parser *p,
			      struct carb_toml_value **out)
{
	struct carb_toml_pos at = carb_toml_here(p);
	char *s;
	size_t len;

	if (carb_toml_parse_string(p, false, &s, &len) < 0)
		return -1;
	*out = carb_toml_value_new(CARB_TOML_STRING, at.line, at.column);
	(*out)->u.str.ptr = s;
	(*out)->u.str.len = len;
	return 0;
}

static int parse_value(struct carb_toml_parser *p, int depth,
		       struct carb_toml_value **out)
{
	int c = carb_toml_peek(p);

	*out = NULL;
	if (c == '"' || c == '\'')
		return parse_string_value(p, out);
	if (c == 't' || c == 'f')
		return parse_bool(p, out);
	if (c == '[')
		return parse_array(p, depth, out);
	if (c == '{')
		return parse_inline_table(p, depth, out);
	if (carb_toml_looks_like_datetime(p))
		return carb_toml_parse_datetime(p, out);
	if (carb_toml_is_digit(c) || c == '+' || c == '-' || c == 'i' ||
	    c == 'n')
		return carb_toml_parse_number(p, out);
	return unexpected(p, "a value");
}

/* [table] or [[array.of.tables]] */
static int parse_header(struct carb_toml_parser *p)
{
	struct carb_toml_pos at = carb_toml_here(p);
	struct carb_toml_key key = { NULL, 0, 0 };
	bool aot = carb_toml_peek_at(p, 1) == '[';
	int rc = -1;

	carb_toml_advance_n(p, aot ? 2 : 1);
	skip_ws(p);
	if (parse_key(p, &key) < 0)
		goto out;
	if (carb_toml_peek(p) != ']' ||
	    (aot && carb_toml_peek_at(p, 1) != ']')) {
		unexpected(p, aot ? "']]' to close the header" :
				    "']' to close the header");
		goto out;
	}
	carb_toml_advance_n(p, aot ? 2 : 1);
	rc = carb_toml_open_table(p, &key, at, aot);
out:
	key_release(&key);
	return rc;
}

static int parse_document(struct carb_toml_parser *p)
{
	int c;

	/* A byte order mark is not part of the text. */
	if (p->len >= 3 && memcmp(p->src, "\xEF\xBB\xBF", 3) == 0)
		p->pos = 3;
	for (;;) {
		if (skip_blank(p) < 0)
			return -1;
		c = carb_toml_peek(p);
		if (c < 0)
			return 0;
		if (c == '[') {
			if (parse_header(p) < 0)
				return -1;
		} else if (parse_keyval(p, p->cur) < 0) {
			return -1;
		}
		if (end_of_line(p) < 0)
			return -1;
	}
}

int carb_toml_parse(const char *text, size_t len,
		    struct carb_toml_value **root_out, struct carb_error *err)
{
	struct carb_toml_parser p;
	int rc;

	*root_out = NULL;
	memset(&p, 0, sizeof(p));
	p.src = text;
	p.len = len;
	p.line = 1;
	p.column = 1;
	p.err = err;
	carb_error_clear(err);
	if (check_utf8(&p) < 0)
		return -1;
	p.root = carb_toml_value_new(CARB_TOML_TABLE, 1, 1);
	p.root->u.tbl.kind = CARB_TOML_TABLE_HEADER;
	p.cur = p.root;
	rc = parse_document(&p);
	if (p.c_locale != (locale_t)0)
		freelocale(p.c_locale);
	if (rc < 0) {
		carb_toml_value_free(p.root);
		return -1;
	}
	*root_out = p.root;
	return 0;
}
