/* A chained hash map from byte strings to pointers: the intake keeps one
 * entry per file it knows, so it must stay fast at millions of entries. */
#include <stdlib.h>
#include <string.h>

#include "util/util.h"

struct entry {
	struct entry *next;
	uint64_t hash;
	void *value;
	size_t len;
	char key[];
};

struct carb_map {
	struct entry **buckets;
	size_t nbuckets;
	size_t count;
};

/* FNV-1a: simple, and good enough for path names. */
/* FNV-1a's idea a word at a time: the catalog hashes statement texts of
 * a few hundred bytes at every prepare.  The shifts bring the high bits,
 * which a multiplication never carries down, to the bucket bits. */
static uint64_t hash_bytes(const void *key, size_t len)
{
	const unsigned char *p = key;
	uint64_t h = 14695981039346656037ULL ^ len;
	size_t i = 0;

	for (; i + 8 <= len; i += 8) {
		uint64_t w;

		memcpy(&w, p + i, sizeof(w));
		h = (h ^ w) * 0x9e3779b97f4a7c15ULL;
		h ^= h >> 29;
	}
	for (; i < len; i++)
		h = (h ^ p[i]) * 1099511628211ULL;
	return h ^ (h >> 32);
}

struct carb_map *carb_map_new(void)
{
	struct carb_map *m = carb_xcalloc(1, sizeof(*m));

	m->nbuckets = 64;
	m->buckets = carb_xcalloc(m->nbuckets, sizeof(*m->buckets));
	return m;
}

void carb_map_free(struct carb_map **mp)
{
	struct carb_map *m = *mp;

	if (m == NULL)
		return;
	for (size_t i = 0; i < m->nbuckets; i++) {
		struct entry *e = m->buckets[i], *next;

		for (; e != NULL; e = next) {
			next = e->next;
			free(e);
		}
	}
	free(m->buckets);
	free(m);
	*mp = NULL;
}

size_t carb_map_count(const struct carb_map *m)
{
	return m->count;
}

static struct entry **find_slot(const struct carb_map *m, const void *key,
				size_t len, uint64_t h)
{
	struct entry **slot = &m->buckets[h & (m->nbuckets - 1)];

	for (; *slot != NULL; slot = &(*slot)->next)
		if ((*slot)->hash == h && (*slot)->len == len &&
		    memcmp((*slot)->key, key, len) == 0)
			break;
	return slot;
}

void *carb_map_get(const struct carb_map *m, const void *key, size_t len)
{
	struct entry **slot = find_slot(m, key, len, hash_bytes(key, len));

	return *slot != NULL ? (*slot)->value : NULL;
}

static void grow(struct carb_map *m)
{
	size_t n = m->nbuckets * 2;
	struct entry **b = carb_xcalloc(n, sizeof(*b));

	for (size_t i = 0; i < m->nbuckets; i++) {
		struct entry *e = m->buckets[i], *next;

		for (; e != NULL; e = next) {
			next = e->next;
			e->next = b[e->hash & (n - 1)];
			b[e->hash & (n - 1)] = e;
		}
	}
	free(m->buckets);
	m->buckets = b;
	m->nbuckets = n;
}

void *carb_map_put(struct carb_map *m, const void *key, size_t len,
		   void *value)
{
	uint64_t h = hash_bytes(key, len);
	struct entry **slot = find_slot(m, key, len, h), *e;
	void *old;

	if (*slot != NULL) {
		old = (*slot)->value;
		(*slot)->value = value;
		return old;
	}
	e = carb_xmalloc(sizeof(*e) + len + 1);
	e->next = NULL;
	e->hash = h;
	e->value = value;
	e->len = len;
	memcpy(e->key, key, len);
	e->key[len] = '\0';
	*slot = e;
	if (++m->count > m->nbuckets)
		grow(m);
	return NULL;
}

void *carb_map_remove(struct carb_map *m, const void *key, size_t len)
{
	struct entry **slot = find_slot(m, key, len, hash_bytes(key, len));
	struct entry *e = *slot;
	void *value;

	if (e == NULL)
		return NULL;
	*slot = e->next;
	value = e->value;
	free(e);
	m->count--;
	return value;
}

void carb_map_iter_init(struct carb_map_iter *it, const struct carb_map *m)
{
	it->m = m;
	it->bucket = 0;
	it->next = NULL;
	while (it->bucket < m->nbuckets && m->buckets[it->bucket] == NULL)
		it->bucket++;
	if (it->bucket < m->nbuckets)
		it->next = m->buckets[it->bucket];
}

/* The next entry is found before the current one is handed out, so the
 * caller may remove the current one. */
bool carb_map_iter_next(struct carb_map_iter *it, const char **key,
			size_t *len, void **value)
{
	struct entry *e = it->next;

	if (e == NULL)
		return false;
	*key = e->key;
	*len = e->len;
	*value = e->value;
	it->next = e->next;
	while (it->next == NULL && ++it->bucket < it->m->nbuckets)
		it->next = it->m->buckets[it->bucket];
	return true;
}
