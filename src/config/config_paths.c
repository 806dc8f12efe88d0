/* Paths as config files write them: relative to the folder of the file
 * that names them, stored absolute. */
#include <stdlib.h>
#include <string.h>

#include "config/config_internal.h"

/* Removes the last component of the clean absolute path in b. */
static void pop_component(struct carb_buf *b)
{
	while (b->len > 0 && b->data[b->len - 1] != '/')
		b->len--;
	if (b->len > 1)
		b->len--;          /* the slash, unless it is the root */
	b->data[b->len] = '\0';
}

/* Lexical cleaning, as Go's filepath.Clean: the config folder is already
 * free of symlinks, so ".." can only cross one the user wrote on purpose,
 * and a clean path reads better in messages. */
static void append_clean(struct carb_buf *b, const char *p)
{
	while (*p != '\0') {
		const char *end = strchr(p, '/');
		size_t n = end ? (size_t)(end - p) : strlen(p);

		if (n == 0 || (n == 1 && p[0] == '.')) {
			/* nothing */
		} else if (n == 2 && p[0] == '.' && p[1] == '.') {
			pop_component(b);
		} else {
			if (b->len == 0 || b->data[b->len - 1] != '/')
				carb_buf_addc(b, '/');
			carb_buf_add(b, p, n);
		}
		p += n;
		while (*p == '/')
			p++;
	}
}

char *carb_cfg_path_resolve(const char *base_dir, const char *p)
{
	struct carb_buf b;

	carb_buf_init(&b);
	carb_buf_addc(&b, '/');
	if (p[0] != '/')
		append_clean(&b, base_dir);
	append_clean(&b, p);
	return carb_buf_detach(&b);
}

/* The folder is resolved, not the file: a config file that is a symlink
 * into a package's folder still reads its neighbours where the operator
 * put the link. */
char *carb_cfg_path_dir_of(const char *file)
{
	const char *slash = strrchr(file, '/');
	char *dir;
	char *abs;

	if (slash == NULL)
		dir = carb_xstrdup(".");
	else if (slash == file)
		dir = carb_xstrdup("/");
	else
		dir = carb_xstrndup(file, (size_t)(slash - file));
	abs = realpath(dir, NULL);
	free(dir);
	return abs;
}

char *carb_cfg_path_display_join(const char *display, const char *p)
{
	const char *slash = strrchr(display, '/');

	if (p[0] == '/' || slash == NULL)
		return carb_xstrdup(p);
	return carb_xasprintf("%.*s%s", (int)(slash - display + 1), display, p);
}

bool carb_cfg_path_within(const char *inner, const char *outer)
{
	size_t n = strlen(outer);

	if (strcmp(outer, "/") == 0)
		return inner[0] == '/';
	return strncmp(inner, outer, n) == 0 &&
	       (inner[n] == '\0' || inner[n] == '/');
}
