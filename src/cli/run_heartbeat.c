/* The heartbeat row of a running service (issue 14), kept apart from
 * cmd_run.c: written when `run` starts, marked stopped when it returns.
 * It has its own catalog connection, so the service's is untouched.
 * The service loop (src/service/) renews it every [service]
 * heartbeat_interval, with its counters, through carb_cli_heartbeat_renew. */
#include <stdbool.h>
#include <stdlib.h>
#include <unistd.h>

#include "catalog/catalog.h"
#include "cli/cli.h"
#include "config/config.h"
#include "util/util.h"

struct carb_cli_heartbeat {
	struct carb_catalog *cat;     /* NULL after a failure, until renewed */
	const struct carb_config *cfg;
	char host[256];
	int64_t pid;
};

/* A failed renewal closes the connection (after a database outage it is
 * dead for good); the next renewal opens a new one, so the row is
 * renewed again once the server is back and `status` stops calling the
 * service stale. */
static bool reconnect(struct carb_cli_heartbeat *h)
{
	struct carb_catalog_options opts = { 0 };
	struct carb_error err = { 0 };

	if (h->cat != NULL)
		return true;
	opts.url = carb_config_database_url(h->cfg);
	opts.base_dir = carb_config_dir(h->cfg);
	opts.password_file = carb_config_database_password_file(h->cfg);
	opts.busy_timeout_ms = carb_config_database_busy_timeout_ms(h->cfg);
	if (carb_catalog_open(&opts, &h->cat, &err) == 0)
		return true;
	carb_log(CARB_LOGL_DEBUG, "heartbeat: %s", err.msg);
	return false;
}

struct carb_cli_heartbeat *carb_cli_heartbeat_begin(const struct carb_cli *cli,
						    const struct carb_config *cfg)
{
	struct carb_cli_heartbeat *h = carb_xcalloc(1, sizeof(*h));
	const struct carb_service_config *svc = carb_config_service(cfg);
	struct carb_heartbeat hb = { 0 };
	struct carb_error err = { 0 };
	struct carb_buf watches;

	if (carb_cli_connect(cfg, false, &h->cat) >= 0) {
		free(h);
		return NULL;
	}
	if (gethostname(h->host, sizeof(h->host) - 1) != 0)
		snprintf(h->host, sizeof(h->host), "unknown");
	h->pid = (int64_t)getpid();
	h->cfg = cfg;
	carb_buf_init(&watches);
	for (size_t i = 0; i < carb_config_watch_count(cfg); i++)
		carb_buf_addf(&watches, "%s%s", i ? " " : "",
			      carb_config_watch(cfg, i)->name);
	hb.host = h->host;
	hb.pid = h->pid;
	hb.version = PACKAGE_VERSION;
	hb.name = svc->name;
	hb.config_path = cli->config_path;
	hb.watches = watches.data ? watches.data : "";
	hb.interval_us = svc->heartbeat_interval_ms * 1000;
	if (carb_catalog_heartbeat_start(h->cat, &hb, &err) < 0)
		carb_log(CARB_LOGL_WARNING, "heartbeat: %s", err.msg);
	carb_buf_release(&watches);
	return h;
}

void carb_cli_heartbeat_renew(struct carb_cli_heartbeat *h,
			      const struct carb_heartbeat_counters *c)
{
	struct carb_error err = { 0 };

	if (h == NULL || !reconnect(h))
		return;
	if (carb_catalog_heartbeat_renew(h->cat, h->host, h->pid, c, &err) < 0) {
		carb_log(CARB_LOGL_WARNING, "heartbeat: %s", err.msg);
		carb_catalog_close(&h->cat);
	}
}

struct carb_catalog *carb_cli_heartbeat(struct carb_cli_heartbeat *h)
{
	return h != NULL ? h->cat : NULL;
}

void carb_cli_heartbeat_end(struct carb_cli_heartbeat **hp)
{
	struct carb_cli_heartbeat *h = *hp;
	struct carb_heartbeat_counters c = { 0 };
	struct carb_error err = { 0 };

	if (h == NULL)
		return;
	if (reconnect(h) &&
	    carb_catalog_heartbeat_stop(h->cat, h->host, h->pid, &c, &err) < 0)
		carb_log(CARB_LOGL_WARNING, "heartbeat: %s", err.msg);
	carb_catalog_close(&h->cat);
	free(h);
	*hp = NULL;
}
