/* Where the program finds its data (migrations, scaffold templates):
 * installed under the configured pkgdatadir, or in the source tree when the
 * binary runs from the build tree, so `make check` and a developer's
 * ./carbonation never read a stale installed copy. */
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "util/util.h"

static int running_from_build_tree(void)
{
	char exe[PATH_MAX];
	ssize_t n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
	size_t blen = strlen(CARB_ABS_BUILDDIR);

	if (n <= 0)
		return 0;
	exe[n] = '\0';
	return strncmp(exe, CARB_ABS_BUILDDIR, blen) == 0 && exe[blen] == '/';
}

const char *carb_plugin_dir(void)
{
	const char *env = getenv("CARBONATION_PLUGINDIR");

	if (env != NULL && *env != '\0')
		return env;
	return running_from_build_tree() ? CARB_ABS_BUILDDIR "/plugins"
					 : CARB_PLUGINDIR;
}

const char *carb_module_dir(void)
{
	const char *env = getenv("CARBONATION_MODULEDIR");

	if (env != NULL && *env != '\0')
		return env;
	return running_from_build_tree() ? CARB_ABS_BUILDDIR "/modules"
					 : CARB_MODULEDIR;
}

const char *carb_data_dir(void)
{
	const char *env = getenv("CARBONATION_DATADIR");

	if (env != NULL && *env != '\0')
		return env;
	return running_from_build_tree() ? CARB_ABS_SRCDIR : CARB_PKGDATADIR;
}
