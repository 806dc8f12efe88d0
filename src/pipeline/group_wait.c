/* What a group waits for beyond its required extensions (see
 * intake_internal.h): files of the group still settling or being
 * checked, so that members delivered together are judged together and a
 * checksum file is read before what it vouches for is archived; and the
 * members the group's own checksum file (STEM.sha256) names. */
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "pipeline/checksum.h"
#include "pipeline/intake_internal.h"

/* A group checksum file bigger than this is not read here (on the
 * intake thread); its members' own checks still read it. */
#define GROUP_SUM_MAX (1u << 20)

static const char *const algos[] = { ".sha256", ".sha1", ".md5" };

bool carb_name_is_group_sum(const char *base, size_t len, const char *stem,
			    size_t stem_len)
{
	for (size_t i = 0; i < 3; i++)
		if (len == stem_len + strlen(algos[i]) &&
		    memcmp(base, stem, stem_len) == 0 &&
		    memcmp(base + stem_len, algos[i], strlen(algos[i])) == 0)
			return true;
	return false;
}

static bool is_member(const char *name, size_t len, char *const *rels,
		      const size_t *lens, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (lens[i] == len && memcmp(rels[i], name, len) == 0)
			return true;
	return false;
}

/* Settling, or recorded and not yet through its integrity check. */
static bool unsettled(const struct carb_watch_rt *w, const char *name,
		      size_t len, char *const *rels, const size_t *lens,
		      size_t n)
{
	const struct carb_known *k;

	if (is_member(name, len, rels, lens, n))
		return false;
	if (carb_map_get(w->cands, name, len) != NULL)
		return true;
	k = carb_map_get(w->known, name, len);
	return k != NULL && k->status == CARB_STATUS_PENDING;
}

/* prefix followed by each suffix: one of them unsettled. */
static bool any_unsettled(const struct carb_watch_rt *w, const char *prefix,
			  size_t plen, const char *const *suffixes, size_t ns,
			  char *const *rels, const size_t *lens, size_t n)
{
	bool held = false;

	for (size_t i = 0; i < ns && !held; i++) {
		char *name = carb_xasprintf("%.*s%s", (int)plen, prefix,
					    suffixes[i]);

		held = unsettled(w, name, strlen(name), rels, lens, n);
		free(name);
	}
	return held;
}

bool carb_group_wait_held(const struct carb_intake *in,
			  const struct carb_watch_rt *w, const char *key,
			  size_t klen, char *const *rels, const size_t *lens,
			  size_t n)
{
	const struct carb_completeness_rules *cr = &in->rules->completeness;
	size_t blen;
	const char *base = carb_name_base(key, klen, &blen);
	const char *manifest = w->cfg->manifest;

	if (in->opts.plugin != NULL && cr->function != NULL)
		return false;
	if (any_unsettled(w, key, klen, (const char *const *)cr->required.items,
			  cr->required.count, rels, lens, n) ||
	    any_unsettled(w, key, klen, (const char *const *)cr->optional.items,
			  cr->optional.count, rels, lens, n) ||
	    any_unsettled(w, key, klen, algos, 3, rels, lens, n))
		return true;
	if (manifest != NULL &&
	    any_unsettled(w, key, (size_t)(base - key), &manifest, 1, rels,
			  lens, n))
		return true;
	for (size_t i = 0; i < n; i++)
		if (any_unsettled(w, rels[i], lens[i], algos, 3, rels, lens, n))
			return true;
	return false;
}

/* The group checksum file among the members, or n. */
static size_t group_sum(const char *key, size_t klen, char *const *rels,
			const size_t *lens, size_t n)
{
	size_t blen, sb;
	const char *stem = carb_name_base(key, klen, &blen);

	for (size_t i = 0; i < n; i++) {
		const char *base = carb_name_base(rels[i], lens[i], &sb);

		if ((size_t)(base - rels[i]) == (size_t)(stem - key) &&
		    memcmp(rels[i], key, (size_t)(stem - key)) == 0 &&
		    carb_name_is_group_sum(base, sb, stem, blen))
			return i;
	}
	return n;
}

static int read_small(int root_fd, const char *rel, char **text, size_t *len)
{
	int fd = carb_open_beneath(root_fd, rel, O_RDONLY | O_NONBLOCK |
				   O_NOCTTY);
	struct carb_buf b;
	char chunk[8192];
	ssize_t r = 0;

	if (fd < 0)
		return -1;
	carb_buf_init(&b);
	carb_buf_adds(&b, "");
	while (b.len <= GROUP_SUM_MAX &&
	       (r = read(fd, chunk, sizeof(chunk))) > 0)
		carb_buf_add(&b, chunk, (size_t)r);
	close(fd);
	if (r < 0 || b.len > GROUP_SUM_MAX) {
		carb_buf_release(&b);
		return -1;
	}
	*len = b.len;
	*text = carb_buf_detach(&b);
	return 0;
}

/* The named entries of sc that are no member: their last components. */
static char *absent(const struct carb_sidecar *sc, const char *dir,
		    size_t dlen, char *const *rels, const size_t *lens,
		    size_t n)
{
	struct carb_buf b;

	carb_buf_init(&b);
	for (size_t i = 0; i < sc->count; i++) {
		const struct carb_sidecar_entry *e = &sc->entries[i];
		size_t blen;
		const char *base;
		char *rel;

		if (e->name == NULL)
			continue;
		base = carb_name_base(e->name, e->name_len, &blen);
		rel = carb_xasprintf("%.*s%.*s", (int)dlen, dir, (int)blen,
				     base);
		if (!is_member(rel, strlen(rel), rels, lens, n)) {
			if (b.len > 0)
				carb_buf_adds(&b, " ");
			carb_buf_add_safe_name(&b, base, blen);
		}
		free(rel);
	}
	if (b.len > 0)
		return carb_buf_detach(&b);
	carb_buf_release(&b);
	return NULL;
}

char *carb_group_wait_named(const struct carb_intake *in,
			    const struct carb_watch_rt *w, const char *key,
			    size_t klen, char *const *rels, const size_t *lens,
			    size_t n, const char **from)
{
	size_t i = group_sum(key, klen, rels, lens, n), blen, dlen;
	struct carb_sidecar sc = { NULL, 0 };
	struct carb_error err;
	const char *base;
	char *text = NULL, *missing = NULL;
	size_t len = 0;

	*from = NULL;
	if (i == n || in->rules->integrity.checksum == CARB_CHECKSUM_OFF ||
	    (in->opts.plugin != NULL && in->rules->completeness.function))
		return NULL;
	base = carb_name_base(rels[i], lens[i], &blen);
	dlen = (size_t)(base - rels[i]);
	carb_error_clear(&err);
	/* Unreadable or malformed: the members' own checks say so. */
	if (read_small(w->root_fd, rels[i], &text, &len) == 0 &&
	    carb_sidecar_parse(text, len, base, -1, true, &sc, &err) == 0)
		missing = absent(&sc, rels[i], dlen, rels, lens, n);
	carb_sidecar_release(&sc);
	free(text);
	if (missing != NULL)
		*from = rels[i];
	return missing;
}
