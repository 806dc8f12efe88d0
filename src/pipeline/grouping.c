/* Step 3's group key: the file's folder and stem, or what the plugin's
 * grouper (rules.toml completeness.function) names.
 *
 * The grouper runs on the intake thread when a file passed integrity, so
 * a crash in it must not become a crash loop either.  Before each call
 * the file is named in STATE_DIR/plugin-grouping ("COUNT WATCH:HEXPATH");
 * a process crash leaves the page in the cache, so no fsync is needed
 * for the next start to read it.  That start knows which file crashed the
 * grouper COUNT times; at [plugins] max_crashes the file is not grouped
 * again but INTEGRITY_FAILED with "plugin crashed in ...". */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "pipeline/intake_internal.h"

/* The grouping step's state. */
struct carb_grouping {
	int fd;                    /* STATE_DIR/plugin-grouping, or -1 */
	char *poison;              /* "WATCH:HEXPATH" a start found marked */
	long long count;           /* ... and how often it crashed */
};

static bool wanted(const struct carb_intake *in)
{
	return in->opts.plugin != NULL && in->rules->completeness.function != NULL;
}

static char *mark_path(const struct carb_intake *in)
{
	return carb_xasprintf("%s/plugin-grouping",
			      carb_config_service(in->cfg)->state_dir);
}

/* Reads the mark a previous run left, if any; the file itself is made
 * only when a grouper is first called. */
int carb_grouping_open(struct carb_intake *in, struct carb_error *err)
{
	char *path, buf[8192];
	ssize_t n;
	long long count = 0;
	int used = 0;

	in->grouping = carb_xcalloc(1, sizeof(*in->grouping));
	in->grouping->fd = -1;
	if (in->opts.plugin == NULL)
		return 0;
	path = mark_path(in);
	in->grouping->fd = open(path, O_RDWR | O_CLOEXEC);
	if (in->grouping->fd < 0 && errno != ENOENT) {
		carb_error_set(err, "cannot open %s: %s", path, strerror(errno));
		free(path);
		return -1;
	}
	free(path);
	if (in->grouping->fd < 0)
		return 0;
	n = pread(in->grouping->fd, buf, sizeof(buf) - 1, 0);
	buf[n > 0 ? n : 0] = '\0';
	if (n > 0 && sscanf(buf, "%lld %n", &count, &used) == 1 && count > 0) {
		buf[strcspn(buf, "\n")] = '\0';
		in->grouping->poison = carb_xstrdup(buf + used);
		in->grouping->count = count;
		carb_log(CARB_LOGL_WARNING, "the plugin's grouper crashed the"
			 " service on %s (%lld time%s)", in->grouping->poison,
			 count, count == 1 ? "" : "s");
	}
	return 0;
}

void carb_grouping_close(struct carb_intake *in)
{
	if (in->grouping == NULL)
		return;
	if (in->grouping->fd >= 0)
		close(in->grouping->fd);
	free(in->grouping->poison);
	free(in->grouping);
	in->grouping = NULL;
}

static char *file_id(const struct carb_watch_rt *w, const char *rel, size_t len)
{
	struct carb_buf b;

	carb_buf_init(&b);
	carb_buf_addf(&b, "%s:", w->cfg->name);
	for (size_t i = 0; i < len; i++)
		carb_buf_addf(&b, "%02X", (unsigned char)rel[i]);
	return carb_buf_detach(&b);
}

static void mark(struct carb_intake *in, long long count, const char *id)
{
	char *line = carb_xasprintf("%lld %s\n", count, id);
	size_t len = strlen(line);

	if (in->grouping->fd < 0) {
		char *path = mark_path(in);

		in->grouping->fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC,
					0644);
		free(path);
	}

	/* best effort: without the mark a crash is merely not contained */
	if (ftruncate(in->grouping->fd, 0) < 0 ||
	    pwrite(in->grouping->fd, line, len, 0) != (ssize_t)len)
		carb_log(CARB_LOGL_WARNING, "cannot write the grouping mark: %s",
			 strerror(errno));
	free(line);
}

static void unmark(struct carb_intake *in)
{
	if (in->grouping->fd >= 0 && ftruncate(in->grouping->fd, 0) < 0)
		carb_log(CARB_LOGL_WARNING, "cannot clear the grouping mark: %s",
			 strerror(errno));
}

/* Calls the grouper on the file; 0 with *key set (NULL: the default
 * stays), or -1 with *reason. */
static int call_grouper(struct carb_intake *in, struct carb_watch_rt *w,
			const struct carb_plugin_member *m, const char *stem,
			size_t stem_len, char **key, size_t *klen, char **reason)
{
	const char *fname = in->rules->completeness.function;
	struct carb_plugin_group g = { w->cfg->name, w->root_fd, stem, stem_len, m, 1 };
	struct carb_plugin_outcome o;
	char *id = file_id(w, m->rel_path, m->rel_len);
	long long count = 1;
	int rc;

	if (in->grouping->poison != NULL &&
	    strcmp(id, in->grouping->poison) == 0)
		count = in->grouping->count + 1;
	if (count > carb_config_plugins(in->cfg)->max_crashes) {
		*reason = carb_xasprintf("plugin crashed in completeness.function %s", fname);
		free(id);
		return -1;
	}
	mark(in, count, id);
	carb_plugin_outcome_init(in->opts.plugin, &o);
	rc = carb_plugin_call(in->opts.plugin, CARB_PLUGIN_GROUPER, fname, &g, &o);
	unmark(in);
	if (rc != 0) {
		*reason = carb_xasprintf("completeness.function %s: %s", fname,
					 o.reason ? o.reason : "failed");
	} else if (o.group_key != NULL) {
		*key = o.group_key;
		*klen = o.group_key_len;
		o.group_key = NULL;
	}
	carb_plugin_outcome_release(&o);
	free(id);
	return rc != 0 ? -1 : 0;
}

int carb_grouping_key(struct carb_intake *in, struct carb_watch_rt *w,
		      const struct carb_check *chk, int64_t size,
		      char **key, size_t *klen, char **reason)
{
	size_t blen, stem, dir;
	const char *base = carb_name_base(chk->rel, chk->rel_len, &blen);
	struct carb_plugin_member m;
	char *own = NULL;
	size_t own_len = 0;

	*reason = NULL;
	carb_name_split(base, blen, &stem);
	dir = (size_t)(base - chk->rel);
	if (wanted(in)) {
		m.rel_path = chk->rel;
		m.rel_len = chk->rel_len;
		m.extension = base + stem;
		m.ext_len = blen - stem;
		m.size = size;
		m.content_hash = chk->hash[0] ? chk->hash : NULL;
		if (call_grouper(in, w, &m, base, stem, &own, &own_len, reason) < 0)
			return -1;
	}
	if (own == NULL) {
		*klen = dir + stem;
		*key = carb_xstrndup(chk->rel, *klen);
		return 0;
	}
	/* the plugin names the stem; the folder stays the file's */
	*klen = dir + own_len;
	*key = carb_xmalloc(*klen + 1);
	memcpy(*key, chk->rel, dir);
	memcpy(*key + dir, own, own_len);
	(*key)[*klen] = '\0';
	free(own);
	return 0;
}
