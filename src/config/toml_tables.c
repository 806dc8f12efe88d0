/* Where keys land.  TOML lets a table be reached in four ways (a header,
 * an array-of-tables header, dotted keys, an inline table), and each way
 * closes the table to some of the others; the kind stored on every table
 * records which. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config/toml_internal.h"

/* The key as written so far, for messages: a.b."c d".  Control bytes
 * and quotes inside a part are shown as '?', which keeps messages one
 * line long. */
static const char *key_text(const struct carb_toml_key *key, size_t upto,
			    char *buf, size_t size)
{
	struct carb_buf b;
	size_t i, j;
	bool bare;
	char c;

	carb_buf_init(&b);
	for (i = 0; i <= upto && i < key->count; i++) {
		const struct carb_toml_key_part *part = &key->parts[i];

		if (i > 0)
			carb_buf_addc(&b, '.');
		bare = part->len > 0 && part->name != NULL;
		for (j = 0; bare && j < part->len; j++) {
			c = part->name[j];
			bare = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
			       (c >= '0' && c <= '9') || c == '_' || c == '-';
		}
		if (!bare)
			carb_buf_addc(&b, '"');
		for (j = 0; part->name != NULL && j < part->len; j++) {
			c = part->name[j];
			carb_buf_addc(&b, ((unsigned char)c < 0x20 || c == '"' ||
					   c == 0x7F) ? '?' : c);
		}
		if (!bare)
			carb_buf_addc(&b, '"');
	}
	snprintf(buf, size, "%s", b.data ? b.data : "");
	carb_buf_release(&b);
	return buf;
}

static struct carb_toml_value *new_table(struct carb_toml_parser *p,
					 struct carb_toml_value *parent,
					 const struct carb_toml_key_part *part,
					 enum carb_toml_table_kind kind)
{
	struct carb_toml_value *t;

	if (parent->depth + 1 > CARB_TOML_MAX_DEPTH) {
		carb_toml_error_at(p, part->at,
			"tables nested deeper than %d levels",
			CARB_TOML_MAX_DEPTH);
		return NULL;
	}
	t = carb_toml_value_new(CARB_TOML_TABLE, part->at.line,
				part->at.column);
	t->depth = parent->depth + 1;
	t->u.tbl.kind = kind;
	return t;
}

/* Adds a copy of the part's name, so the key stays whole for messages. */
static void add_entry(struct carb_toml_value *parent,
		      const struct carb_toml_key_part *part,
		      struct carb_toml_value *v)
{
	char *name = carb_xmalloc(part->len + 1);

	memcpy(name, part->name, part->len);
	name[part->len] = '\0';
	carb_toml_table_add(parent, name, part->len, part->at.line,
			    part->at.column, v);
}

static struct carb_toml_value *lookup(struct carb_toml_value *t,
				      const struct carb_toml_key_part *part)
{
	size_t i = carb_toml_table_find(t, part->name, part->len);

	return i == SIZE_MAX ? NULL : t->u.tbl.entries[i].value;
}

static int already(struct carb_toml_parser *p, const struct carb_toml_key *key,
		   size_t i, const struct carb_toml_value *v, const char *how)
{
	char name[256];

	return carb_toml_error_at(p, key->parts[i].at,
		"key \"%s\" is already defined as %s%s (line %d)",
		key_text(key, i, name, sizeof(name)),
		v->type == CARB_TOML_ARRAY || v->type == CARB_TOML_INTEGER ?
			"an " : "a ",
		how ? how : carb_toml_type_name(v->type), v->line);
}

/* One step of a [header] path through an existing value. */
static struct carb_toml_value *header_step(struct carb_toml_parser *p,
					   const struct carb_toml_key *key,
					   size_t i, struct carb_toml_value *v)
{
	if (v->type == CARB_TOML_ARRAY && v->u.arr.of_tables &&
	    v->u.arr.count > 0)
		return v->u.arr.items[v->u.arr.count - 1];
	if (v->type == CARB_TOML_TABLE &&
	    v->u.tbl.kind != CARB_TOML_TABLE_INLINE)
		return v;
	already(p, key, i, v, v->type == CARB_TOML_TABLE ? "an inline table" :
		v->type == CARB_TOML_ARRAY ? "a static array" : NULL);
	return NULL;
}

/* A table defined by a header is placed at the header's '[': that is
 * where an operator looks when a message names the table. */
static void place_at(struct carb_toml_value *v, struct carb_toml_pos at)
{
	v->line = at.line;
	v->column = at.column;
}

static int define_table(struct carb_toml_parser *p,
			const struct carb_toml_key *key,
			struct carb_toml_value *parent, struct carb_toml_pos at)
{
	const struct carb_toml_key_part *last = &key->parts[key->count - 1];
	struct carb_toml_value *v = lookup(parent, last);
	char name[256];

	if (v == NULL) {
		v = new_table(p, parent, last, CARB_TOML_TABLE_HEADER);
		if (v == NULL)
			return -1;
		add_entry(parent, last, v);
		place_at(v, at);
	} else if (v->type == CARB_TOML_TABLE &&
		   v->u.tbl.kind == CARB_TOML_TABLE_IMPLICIT) {
		v->u.tbl.kind = CARB_TOML_TABLE_HEADER;
		place_at(v, at);
	} else if (v->type == CARB_TOML_TABLE &&
		   v->u.tbl.kind == CARB_TOML_TABLE_HEADER) {
		return carb_toml_error_at(p, last->at,
			"table [%s] is defined twice (first on line %d)",
			key_text(key, key->count, name, sizeof(name)),
			v->line);
	} else {
		return already(p, key, key->count - 1, v,
			v->type != CARB_TOML_TABLE ? NULL :
			v->u.tbl.kind == CARB_TOML_TABLE_INLINE ?
				"an inline table" : "a table by dotted keys");
	}
	p->cur = v;
	return 0;
}

static int append_table(struct carb_toml_parser *p,
			const struct carb_toml_key *key,
			struct carb_toml_value *parent, struct carb_toml_pos at)
{
	const struct carb_toml_key_part *last = &key->parts[key->count - 1];
	struct carb_toml_value *arr = lookup(parent, last), *t;

	if (arr == NULL) {
		if (parent->depth + 1 > CARB_TOML_MAX_DEPTH)
			return carb_toml_error_at(p, last->at,
				"tables nested deeper than %d levels",
				CARB_TOML_MAX_DEPTH);
		arr = carb_toml_value_new(CARB_TOML_ARRAY, last->at.line,
					  last->at.column);
		arr->depth = parent->depth + 1;
		arr->u.arr.of_tables = true;
		add_entry(parent, last, arr);
		place_at(arr, at);
	} else if (arr->type != CARB_TOML_ARRAY || !arr->u.arr.of_tables) {
		return already(p, key, key->count - 1, arr,
			       arr->type == CARB_TOML_ARRAY ?
			       "a static array" : NULL);
	}
	t = new_table(p, arr, last, CARB_TOML_TABLE_HEADER);
	if (t == NULL)
		return -1;
	place_at(t, at);
	carb_toml_array_push(arr, t);
	p->cur = t;
	return 0;
}

int carb_toml_open_table(struct carb_toml_parser *p,
			 struct carb_toml_key *key, struct carb_toml_pos at,
			 bool aot)
{
	struct carb_toml_value *t = p->root, *v;
	size_t i;

	for (i = 0; i + 1 < key->count; i++) {
		v = lookup(t, &key->parts[i]);
		if (v == NULL) {
			v = new_table(p, t, &key->parts[i],
				      CARB_TOML_TABLE_IMPLICIT);
			if (v == NULL)
				return -1;
			add_entry(t, &key->parts[i], v);
		} else if ((v = header_step(p, key, i, v)) == NULL) {
			return -1;
		}
		t = v;
	}
	return aot ? append_table(p, key, t, at) : define_table(p, key, t, at);
}

int carb_toml_dotted_target(struct carb_toml_parser *p,
			    struct carb_toml_value *tbl,
			    struct carb_toml_key *key,
			    struct carb_toml_value **target)
{
	struct carb_toml_value *t = tbl, *v;
	size_t i;

	for (i = 0; i + 1 < key->count; i++) {
		v = lookup(t, &key->parts[i]);
		if (v == NULL) {
			v = new_table(p, t, &key->parts[i],
				      CARB_TOML_TABLE_DOTTED);
			if (v == NULL)
				return -1;
			add_entry(t, &key->parts[i], v);
		} else if (v->type != CARB_TOML_TABLE ||
			   v->u.tbl.kind != CARB_TOML_TABLE_DOTTED) {
			/* Dotted keys only extend tables that dotted keys
			 * made; a table made any other way is closed. */
			return already(p, key, i, v,
				v->type != CARB_TOML_TABLE ? NULL :
				v->u.tbl.kind == CARB_TOML_TABLE_INLINE ?
					"an inline table" : "a table");
		}
		t = v;
	}
	v = lookup(t, &key->parts[key->count - 1]);
	if (v != NULL) {
		char name[256];

		return carb_toml_error_at(p, key->parts[key->count - 1].at,
			"duplicate key \"%s\" (first defined on line %d)",
			key_text(key, key->count, name, sizeof(name)),
			v->line);
	}
	*target = t;
	return 0;
}
