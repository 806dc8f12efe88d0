/* The door of src/http in the program: the listener itself (server.c and
 * the rest of this folder) is the http module, modules/http.so, loaded
 * only when [http] listen is set, so libmicrohttpd and the TLS stack it
 * brings are not loaded by every command, nor by a run without HTTP. */
#include "http/http_module.h"

/* Set by the start that made a listener, on the thread that goes on to
 * publish to it and stop it. */
static const struct carb_http_ops *ops;

int carb_http_start(const struct carb_http_deps *deps, struct carb_http **out,
		    struct carb_error *err)
{
	const void *table;

	*out = NULL;
	if (carb_config_http(deps->cfg)->listen == NULL)
		return 0;
	if (carb_module_symbol("http", "carb_http_module", &table, err) < 0)
		return -1;
	ops = table;
	return ops->start(deps, out, err);
}

void carb_http_publish(struct carb_http *h, const struct carb_http_snapshot *s)
{
	if (h != NULL)
		ops->publish(h, s);
}

void carb_http_stop(struct carb_http **h)
{
	if (*h != NULL)
		ops->stop(h);
}
