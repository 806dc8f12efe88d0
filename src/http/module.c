/* The door of src/http in the program: the listener itself (server.c and
 * the rest of this folder) is the http module, modules/http.so, loaded
 * only when [http] listen is set, so libmicrohttpd and the TLS stack it
 * brings are not loaded by every command, nor by a run without HTTP. */
#include <pthread.h>

#include "http/http_module.h"

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static const struct carb_http_ops *ops;   /* set once, under lock */

int carb_http_start(const struct carb_http_deps *deps, struct carb_http **out,
		    struct carb_error *err)
{
	const void *table = NULL;
	int rc = 0;

	*out = NULL;
	if (carb_config_http(deps->cfg)->listen == NULL)
		return 0;
	pthread_mutex_lock(&lock);
	if (ops == NULL) {
		rc = carb_module_symbol("http", "carb_http_module", &table, err);
		if (rc == 0)
			ops = table;
	}
	pthread_mutex_unlock(&lock);
	if (rc < 0)
		return -1;
	return ops->start(deps, out, err);
}

/* A listener exists only once ops is set, by the thread that goes on to
 * publish to it and stop it. */
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
