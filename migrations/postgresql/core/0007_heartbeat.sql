-- The heartbeat (`carbonation status`, docs/reporting.md): what each
-- service instance writes into its service_status row (0001) when it
-- starts, renews every [service] heartbeat_interval, and marks when it
-- stops cleanly (stopped_at).
--
-- name: [service] name; config_path and watches (their names, space-
-- separated) for people; heartbeat_interval in microseconds, so a
-- reader on another host knows when a row is stale; the counters are
-- the instance's own since it started; last_event_at and last_walk_at:
-- its last file event and its last walk of a delivery folder.

ALTER TABLE service_status ADD COLUMN name TEXT;
ALTER TABLE service_status ADD COLUMN config_path TEXT;
ALTER TABLE service_status ADD COLUMN watches TEXT;
ALTER TABLE service_status ADD COLUMN heartbeat_interval BIGINT;
ALTER TABLE service_status ADD COLUMN stopped_at BIGINT;
ALTER TABLE service_status ADD COLUMN files_seen BIGINT NOT NULL DEFAULT 0;
ALTER TABLE service_status ADD COLUMN files_archived BIGINT NOT NULL DEFAULT 0;
ALTER TABLE service_status ADD COLUMN files_failed BIGINT NOT NULL DEFAULT 0;
ALTER TABLE service_status ADD COLUMN last_event_at BIGINT;
ALTER TABLE service_status ADD COLUMN last_walk_at BIGINT;
