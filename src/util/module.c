/* The program's own modules: the parts of carbonation whose libraries
 * only some commands need (the PostgreSQL and MariaDB backends, the HTTP
 * listener, the events sinks, the http destination), built as shared
 * objects and loaded on first use, so a command that never needs libpq
 * or libcurl does not pay for loading them and the forty libraries they
 * bring.  docs/architecture.md, "Modules".
 *
 * A module is never unloaded: the tables it returns are referenced by
 * catalogs and threads until the process ends.  dlopen counts its own
 * references and returns the same handle for a loaded file, so calling
 * again returns the same table and no cache or lock is needed, here or
 * in the callers. */
#include <dlfcn.h>
#include <stdio.h>
#include <string.h>

#include "util/util.h"

int carb_module_symbol(const char *name, const char *sym, const void **out,
		       struct carb_error *err)
{
	char path[4096];
	const char *why, *stamp;
	void *h, *p;
	int n;

	*out = NULL;
	n = snprintf(path, sizeof(path), "%s/%s.so", carb_module_dir(), name);
	if (n < 0 || (size_t)n >= sizeof(path))
		return carb_error_set(err, "module %s: the module folder's path is too long "
				      "(CARBONATION_MODULEDIR?)", name);
	/* RTLD_NOW: a module that cannot resolve a symbol fails here, with
	 * the loader's reason, not at its first call.  RTLD_LOCAL: its
	 * libraries' symbols stay out of the plugins' way. */
	h = dlopen(path, RTLD_NOW | RTLD_LOCAL);
	if (h == NULL) {
		why = dlerror();
		/* dlerror names the file. */
		return carb_error_set(err, "cannot load the %s module: %s (set "
				      "CARBONATION_MODULEDIR to the folder holding %s.so, "
				      "or reinstall)", name,
				      why != NULL ? why : path, name);
	}
	/* A module of another release has tables of another shape:
	 * refused before anything is called through them. */
	dlerror();
	stamp = dlsym(h, "carb_module_version");
	if (stamp == NULL) {
		dlclose(h);
		return carb_error_set(err, "%s is not a carbonation module (it has no "
				      "carb_module_version)", path);
	}
	if (strcmp(stamp, PACKAGE_VERSION) != 0) {
		carb_error_set(err, "module %s is from carbonation %.64s, not %s: "
			       "install the modules of the program's build", path,
			       stamp, PACKAGE_VERSION);
		dlclose(h);
		return -1;
	}
	dlerror();
	p = dlsym(h, sym);
	if (p == NULL) {
		why = dlerror();
		carb_error_set(err, "module %s has no %s: %s", path, sym,
			       why != NULL ? why : "not found");
		dlclose(h);
		return -1;
	}
	*out = p;
	return 0;
}
