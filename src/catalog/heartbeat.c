/* The heartbeat rows of service instances (service_status, 0001 and
 * 0007): written by the service (src/service/ calls these), read by
 * `carbonation status` (status.c). */
#include "catalog/catalog.h"

int carb_catalog_heartbeat_start(struct carb_catalog *cat,
				 const struct carb_heartbeat *hb,
				 struct carb_error *err)
{
	int64_t now = carb_now_us();

	/* A row of the same host and pid is a dead process's: a pid is
	 * reused only once its process is gone. */
	if (carb_catalog_execf(cat, NULL, err,
			"DELETE FROM service_status WHERE host = ? AND pid = ?",
			"ti", hb->host, hb->pid) < 0)
		return -1;
	return carb_catalog_execf(cat, NULL, err,
			"INSERT INTO service_status (host, pid, version, started_at,"
			" last_heartbeat, name, config_path, watches,"
			" heartbeat_interval, files_seen, files_archived, files_failed)"
			" VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, 0, 0, 0)",
			"titiittti", hb->host, hb->pid, hb->version, now, now,
			hb->name, hb->config_path, hb->watches, hb->interval_us);
}

/* The counters, with stopped_at now (stop) or cleared.  0 in
 * last_event_at / last_walk_at means none yet. */
static int write_counters(struct carb_catalog *cat, const char *host,
			  int64_t pid, const struct carb_heartbeat_counters *c,
			  bool stop, struct carb_error *err)
{
	int64_t now = carb_now_us();

	/* stopped_at = 0 is read as "running" (status.c). */
	return carb_catalog_execf(cat, NULL, err,
			"UPDATE service_status SET last_heartbeat = ?,"
			" files_seen = ?, files_archived = ?, files_failed = ?,"
			" last_event_at = ?, last_walk_at = ?, stopped_at = ?"
			" WHERE host = ? AND pid = ?",
			"iiiiiiiti", now, c->files_seen, c->files_archived,
			c->files_failed, c->last_event_at, c->last_walk_at,
			stop ? now : (int64_t)0, host, pid);
}

int carb_catalog_heartbeat_renew(struct carb_catalog *cat, const char *host,
				 int64_t pid,
				 const struct carb_heartbeat_counters *c,
				 struct carb_error *err)
{
	return write_counters(cat, host, pid, c, false, err);
}

int carb_catalog_heartbeat_stop(struct carb_catalog *cat, const char *host,
				int64_t pid,
				const struct carb_heartbeat_counters *c,
				struct carb_error *err)
{
	return write_counters(cat, host, pid, c, true, err);
}
