/* The value tree: construction, lookup, release and the public accessors. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config/toml_internal.h"

/* Below this many entries a linear scan beats hashing. */
#define TABLE_INDEX_MIN 8

struct carb_toml_value *carb_toml_value_new(enum carb_toml_type type,
					    int line, int column)
{
	struct carb_toml_value *v = carb_xcalloc(1, sizeof(*v));

	v->type = type;
	v->line = line;
	v->column = column;
	return v;
}

void carb_toml_value_free(struct carb_toml_value *v)
{
	size_t i;

	if (v == NULL)
		return;
	switch (v->type) {
	case CARB_TOML_STRING:
		free(v->u.str.ptr);
		break;
	case CARB_TOML_ARRAY:
		for (i = 0; i < v->u.arr.count; i++)
			carb_toml_value_free(v->u.arr.items[i]);
		free(v->u.arr.items);
		break;
	case CARB_TOML_TABLE:
		for (i = 0; i < v->u.tbl.count; i++) {
			free(v->u.tbl.entries[i].key);
			carb_toml_value_free(v->u.tbl.entries[i].value);
		}
		free(v->u.tbl.entries);
		free(v->u.tbl.slots);
		break;
	default:
		break;
	}
	free(v);
}

void carb_toml_free(struct carb_toml_value **root)
{
	if (root == NULL)
		return;
	carb_toml_value_free(*root);
	*root = NULL;
}

/* FNV-1a: keys are short and attacker-chosen keys only cost time, which
 * the index keeps linear in the worst case anyway. */
static size_t key_hash(const char *key, size_t len)
{
	uint64_t h = 14695981039346656037ULL;
	size_t i;

	for (i = 0; i < len; i++) {
		h ^= (unsigned char)key[i];
		h *= 1099511628211ULL;
	}
	return (size_t)(h ^ (h >> 32));
}

static bool entry_is(const struct carb_toml_entry *e, const char *key,
		     size_t len)
{
	return e->key_len == len && memcmp(e->key, key, len) == 0;
}

static void index_put(struct carb_toml_value *t, size_t idx)
{
	const struct carb_toml_entry *e = &t->u.tbl.entries[idx];
	size_t mask = t->u.tbl.nslots - 1;
	size_t s = key_hash(e->key, e->key_len) & mask;

	while (t->u.tbl.slots[s] != 0)
		s = (s + 1) & mask;
	t->u.tbl.slots[s] = idx + 1;
}

static void index_rebuild(struct carb_toml_value *t, size_t nslots)
{
	size_t i;

	free(t->u.tbl.slots);
	t->u.tbl.slots = carb_xcalloc(nslots, sizeof(size_t));
	t->u.tbl.nslots = nslots;
	for (i = 0; i < t->u.tbl.count; i++)
		index_put(t, i);
}

size_t carb_toml_table_find(const struct carb_toml_value *t, const char *key,
			    size_t len)
{
	size_t i, mask, s;

	if (t == NULL || t->type != CARB_TOML_TABLE)
		return SIZE_MAX;
	if (t->u.tbl.slots == NULL) {
		for (i = 0; i < t->u.tbl.count; i++)
			if (entry_is(&t->u.tbl.entries[i], key, len))
				return i;
		return SIZE_MAX;
	}
	mask = t->u.tbl.nslots - 1;
	s = key_hash(key, len) & mask;
	while (t->u.tbl.slots[s] != 0) {
		i = t->u.tbl.slots[s] - 1;
		if (entry_is(&t->u.tbl.entries[i], key, len))
			return i;
		s = (s + 1) & mask;
	}
	return SIZE_MAX;
}

struct carb_toml_entry *carb_toml_table_add(struct carb_toml_value *t,
					    char *key, size_t len, int line,
					    int column,
					    struct carb_toml_value *value)
{
	struct carb_toml_entry *e;

	if (t->u.tbl.count == t->u.tbl.cap) {
		t->u.tbl.cap = t->u.tbl.cap ? t->u.tbl.cap * 2 : 4;
		t->u.tbl.entries = carb_xrealloc(t->u.tbl.entries,
			t->u.tbl.cap * sizeof(*t->u.tbl.entries));
	}
	e = &t->u.tbl.entries[t->u.tbl.count++];
	e->key = key;
	e->key_len = len;
	e->line = line;
	e->column = column;
	e->value = value;
	/* Keep the index at most half full so probes stay short. */
	if (t->u.tbl.count > TABLE_INDEX_MIN) {
		if (t->u.tbl.count * 2 > t->u.tbl.nslots)
			index_rebuild(t, t->u.tbl.nslots ?
				      t->u.tbl.nslots * 2 : 64);
		else
			index_put(t, t->u.tbl.count - 1);
	}
	return e;
}

void carb_toml_array_push(struct carb_toml_value *a,
			  struct carb_toml_value *item)
{
	if (a->u.arr.count == a->u.arr.cap) {
		a->u.arr.cap = a->u.arr.cap ? a->u.arr.cap * 2 : 4;
		a->u.arr.items = carb_xrealloc(a->u.arr.items,
			a->u.arr.cap * sizeof(*a->u.arr.items));
	}
	a->u.arr.items[a->u.arr.count++] = item;
}

enum carb_toml_type carb_toml_type(const struct carb_toml_value *v)
{
	return v ? v->type : CARB_TOML_TABLE;
}

const char *carb_toml_type_name(enum carb_toml_type t)
{
	switch (t) {
	case CARB_TOML_STRING: return "string";
	case CARB_TOML_INTEGER: return "integer";
	case CARB_TOML_FLOAT: return "float";
	case CARB_TOML_BOOL: return "boolean";
	case CARB_TOML_DATETIME: return "offset datetime";
	case CARB_TOML_LOCAL_DATETIME: return "local datetime";
	case CARB_TOML_LOCAL_DATE: return "local date";
	case CARB_TOML_LOCAL_TIME: return "local time";
	case CARB_TOML_ARRAY: return "array";
	case CARB_TOML_TABLE: return "table";
	}
	return "unknown";
}

int carb_toml_line(const struct carb_toml_value *v)
{
	return v ? v->line : 0;
}

int carb_toml_column(const struct carb_toml_value *v)
{
	return v ? v->column : 0;
}

static const struct carb_toml_entry *entry_at(const struct carb_toml_value *t,
					      size_t i)
{
	if (t == NULL || t->type != CARB_TOML_TABLE || i >= t->u.tbl.count)
		return NULL;
	return &t->u.tbl.entries[i];
}

size_t carb_toml_table_count(const struct carb_toml_value *t)
{
	return t && t->type == CARB_TOML_TABLE ? t->u.tbl.count : 0;
}

const char *carb_toml_table_key(const struct carb_toml_value *t, size_t i)
{
	const struct carb_toml_entry *e = entry_at(t, i);

	return e ? e->key : NULL;
}

size_t carb_toml_table_key_len(const struct carb_toml_value *t, size_t i)
{
	const struct carb_toml_entry *e = entry_at(t, i);

	return e ? e->key_len : 0;
}

int carb_toml_table_key_line(const struct carb_toml_value *t, size_t i)
{
	const struct carb_toml_entry *e = entry_at(t, i);

	return e ? e->line : 0;
}

int carb_toml_table_key_column(const struct carb_toml_value *t, size_t i)
{
	const struct carb_toml_entry *e = entry_at(t, i);

	return e ? e->column : 0;
}

const struct carb_toml_value *carb_toml_table_value(
	const struct carb_toml_value *t, size_t i)
{
	const struct carb_toml_entry *e = entry_at(t, i);

	return e ? e->value : NULL;
}

const struct carb_toml_value *carb_toml_table_get(
	const struct carb_toml_value *t, const char *key)
{
	size_t i;

	if (key == NULL)
		return NULL;
	i = carb_toml_table_find(t, key, strlen(key));
	return i == SIZE_MAX ? NULL : t->u.tbl.entries[i].value;
}

size_t carb_toml_array_count(const struct carb_toml_value *a)
{
	return a && a->type == CARB_TOML_ARRAY ? a->u.arr.count : 0;
}

const struct carb_toml_value *carb_toml_array_get(
	const struct carb_toml_value *a, size_t i)
{
	if (a == NULL || a->type != CARB_TOML_ARRAY || i >= a->u.arr.count)
		return NULL;
	return a->u.arr.items[i];
}

const char *carb_toml_string(const struct carb_toml_value *v, size_t *len_out)
{
	if (v == NULL || v->type != CARB_TOML_STRING) {
		if (len_out)
			*len_out = 0;
		return "";
	}
	if (len_out)
		*len_out = v->u.str.len;
	return v->u.str.ptr;
}

int64_t carb_toml_int(const struct carb_toml_value *v)
{
	return v && v->type == CARB_TOML_INTEGER ? v->u.i : 0;
}

double carb_toml_float(const struct carb_toml_value *v)
{
	return v && v->type == CARB_TOML_FLOAT ? v->u.f : 0.0;
}

bool carb_toml_bool(const struct carb_toml_value *v)
{
	return v && v->type == CARB_TOML_BOOL ? v->u.b : false;
}

static bool is_datetime_type(enum carb_toml_type t)
{
	return t == CARB_TOML_DATETIME || t == CARB_TOML_LOCAL_DATETIME ||
	       t == CARB_TOML_LOCAL_DATE || t == CARB_TOML_LOCAL_TIME;
}

const struct carb_toml_datetime *carb_toml_datetime(
	const struct carb_toml_value *v)
{
	static const struct carb_toml_datetime zero;

	if (v == NULL || !is_datetime_type(v->type))
		return &zero;
	return &v->u.dt.dt;
}

static void format_time(const struct carb_toml_value *v, struct carb_buf *b)
{
	const struct carb_toml_datetime *dt = &v->u.dt.dt;
	int digits = v->u.dt.frac_digits, ns = dt->nanosecond, i;

	carb_buf_addf(b, "%02d:%02d:%02d", dt->hour, dt->minute, dt->second);
	if (digits <= 0)
		return;
	for (i = digits; i < 9; i++)
		ns /= 10;
	carb_buf_addf(b, ".%0*d", digits, ns);
}

char *carb_toml_datetime_format(const struct carb_toml_value *v, char *buf,
				size_t size)
{
	const struct carb_toml_datetime *dt;
	struct carb_buf b;
	int off;

	if (size == 0)
		return buf;
	buf[0] = '\0';
	if (v == NULL || !is_datetime_type(v->type))
		return buf;
	dt = &v->u.dt.dt;
	carb_buf_init(&b);
	if (v->type != CARB_TOML_LOCAL_TIME)
		carb_buf_addf(&b, "%04d-%02d-%02d", dt->year, dt->month,
			      dt->day);
	if (v->type == CARB_TOML_DATETIME ||
	    v->type == CARB_TOML_LOCAL_DATETIME)
		carb_buf_addc(&b, 'T');
	if (v->type != CARB_TOML_LOCAL_DATE)
		format_time(v, &b);
	if (v->type == CARB_TOML_DATETIME) {
		off = dt->offset_minutes;
		if (dt->offset_z)
			carb_buf_addc(&b, 'Z');
		else
			carb_buf_addf(&b, "%c%02d:%02d", off < 0 ? '-' : '+',
				      abs(off) / 60, abs(off) % 60);
	}
	snprintf(buf, size, "%s", b.data ? b.data : "");
	carb_buf_release(&b);
	return buf;
}
