-- The transactional outbox of events (docs/events.md).
--
-- events: one row each time a group reaches a final status (ARCHIVED,
-- NOT_SELECTED, FAILED, TIMED_OUT, DUPLICATE, CLEARED), and each time a
-- component fails integrity (INTEGRITY_FAILED: such a file has no group
-- yet, so its own row is the only news of it).  Triggers write the row in
-- the same statement, and so the same transaction, as the status change,
-- as 0006 does for completions: a crash can neither lose an event nor
-- invent one, and no code path can change a status and forget it.
--
-- The row stays small (ids, status, time): the publisher builds the JSON
-- from the catalog's rows when it sends.  event_id is random and unique:
-- consumers drop duplicates by it (delivery is at least once).
--
-- event_deliveries: one row per sink and event once the sink confirmed it
-- (or the sink does not want it: skipped = 1).  An event is unsent for a
-- sink while it has no row here; `events replay` deletes rows.  The rows
-- of events already final when this runs are not made: the outbox starts
-- empty.

CREATE TABLE events (
	id INTEGER PRIMARY KEY AUTOINCREMENT,
	event_id TEXT NOT NULL UNIQUE,
	scope TEXT NOT NULL CHECK (scope IN ('group', 'component')),
	file_id INTEGER,
	component_id INTEGER,
	watch TEXT NOT NULL,
	status TEXT NOT NULL,
	created_at INTEGER NOT NULL
);
CREATE INDEX events_created ON events (created_at);

CREATE TABLE event_deliveries (
	sink TEXT NOT NULL,
	event INTEGER NOT NULL,
	skipped INTEGER NOT NULL DEFAULT 0,
	sent_at INTEGER NOT NULL,
	PRIMARY KEY (sink, event)
);
CREATE INDEX event_deliveries_event ON event_deliveries (event);

CREATE TRIGGER files_event_update AFTER UPDATE OF status ON files
	WHEN NEW.status IN ('ARCHIVED', 'NOT_SELECTED', 'FAILED', 'TIMED_OUT',
			    'DUPLICATE', 'CLEARED')
	AND OLD.status <> NEW.status
BEGIN
	INSERT INTO events (event_id, scope, file_id, watch, status, created_at)
		VALUES (lower(hex(randomblob(16))), 'group', NEW.id, NEW.watch,
			NEW.status, NEW.updated_at);
END;

CREATE TRIGGER files_event_insert AFTER INSERT ON files
	WHEN NEW.status IN ('ARCHIVED', 'NOT_SELECTED', 'FAILED', 'TIMED_OUT',
			    'DUPLICATE', 'CLEARED')
BEGIN
	INSERT INTO events (event_id, scope, file_id, watch, status, created_at)
		VALUES (lower(hex(randomblob(16))), 'group', NEW.id, NEW.watch,
			NEW.status, NEW.updated_at);
END;

CREATE TRIGGER components_event_update AFTER UPDATE OF status ON components
	WHEN NEW.status = 'INTEGRITY_FAILED' AND OLD.status <> NEW.status
BEGIN
	INSERT INTO events (event_id, scope, file_id, component_id, watch,
			    status, created_at)
		VALUES (lower(hex(randomblob(16))), 'component', NEW.file_id,
			NEW.id, NEW.watch, NEW.status, NEW.updated_at);
END;

CREATE TRIGGER components_event_insert AFTER INSERT ON components
	WHEN NEW.status = 'INTEGRITY_FAILED'
BEGIN
	INSERT INTO events (event_id, scope, file_id, component_id, watch,
			    status, created_at)
		VALUES (lower(hex(randomblob(16))), 'component', NEW.file_id,
			NEW.id, NEW.watch, NEW.status, NEW.updated_at);
END;
