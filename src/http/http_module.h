/* Private to src/http/: what passes between the door in the program
 * (module.c) and the listener in modules/http.so (server.c). */
#ifndef CARB_HTTP_MODULE_H
#define CARB_HTTP_MODULE_H

#include "http/http.h"

/* The http module's table (server.c, built into modules/http.so with
 * the rest of this folder); module.c, in the program, loads it when
 * [http] listen is set and forwards the door's calls to it. */
struct carb_http_ops {
	int (*start)(const struct carb_http_deps *deps, struct carb_http **out,
		     struct carb_error *err);
	void (*publish)(struct carb_http *h, const struct carb_http_snapshot *s);
	void (*stop)(struct carb_http **h);
};
__attribute__((visibility("default")))
extern const struct carb_http_ops carb_http_module;

#endif
