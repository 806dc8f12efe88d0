/* File names as intake reads them: which to take, and how they group. */
#include <fnmatch.h>
#include <limits.h>
#include <string.h>

#include "pipeline/checksum.h"
#include "pipeline/intake_internal.h"

const char *carb_name_base(const char *rel, size_t len, size_t *base_len)
{
	const char *slash = memrchr(rel, '/', len);
	const char *base = slash != NULL ? slash + 1 : rel;

	*base_len = len - (size_t)(base - rel);
	return base;
}

/* The last '.' that is not the name's first byte, before end. */
static size_t last_dot(const char *base, size_t end)
{
	for (size_t i = end; i > 1; i--)
		if (base[i - 1] == '.')
			return i - 1;
	return end;
}

/* "a.dat" -> "a"; "a.dat.sha256" -> "a" (a sidecar shares its file's
 * stem); "a" -> "a"; ".profile" -> ".profile". */
void carb_name_split(const char *base, size_t len, size_t *stem_len)
{
	size_t dot = last_dot(base, len);

	if (dot < len && carb_digest_algo_from_name(base, len) >= 0)
		dot = last_dot(base, dot);
	*stem_len = dot;
}

bool carb_name_is_sidecar(const char *base, size_t len,
			  const struct carb_watch_config *w)
{
	if (carb_digest_algo_from_name(base, len) >= 0)
		return true;
	return w->manifest != NULL && strlen(w->manifest) == len &&
	       memcmp(w->manifest, base, len) == 0;
}

static bool matches_any(const char *base,
			const struct carb_config_strings *globs)
{
	for (size_t i = 0; i < globs->count; i++)
		if (fnmatch(globs->items[i], base, 0) == 0)
			return true;
	return false;
}

const char *carb_name_invalid(const char *name, size_t len)
{
	if (len == 0)
		return "the name is empty";
	if ((len == 1 && name[0] == '.') ||
	    (len == 2 && name[0] == '.' && name[1] == '.'))
		return "\".\" and \"..\" are not file names";
	if (memchr(name, '/', len) != NULL)
		return "a file name holds no '/'";
	if (memchr(name, '\0', len) != NULL)
		return "a file name holds no NUL byte";
	if (len > NAME_MAX)
		return "a file name is at most 255 bytes (NAME_MAX)";
	return NULL;
}

bool carb_name_reserved(const char *base)
{
	return strncmp(base, CARB_TMP_PREFIX, strlen(CARB_TMP_PREFIX)) == 0;
}

bool carb_name_wanted(const char *base, const struct carb_watch_config *w)
{
	/* Whatever exclude says: carbonation's own temporary files are
	 * never deliveries (an archive may sit inside a watch). */
	if (carb_name_reserved(base) || matches_any(base, &w->exclude))
		return false;
	return w->include.count == 0 || matches_any(base, &w->include);
}
