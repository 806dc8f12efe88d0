-- Gap-free polling for groups that reached a final status
-- (docs/reporting.md, "Polling").
--
-- completions: one row each time a group reaches a final status
-- (ARCHIVED, NOT_SELECTED, FAILED, TIMED_OUT, CLEARED), written by a
-- trigger in the same statement, and so the same transaction, as the
-- status change: no code path can change a status and forget the row.
-- A group retried after FAILED that then reaches ARCHIVED has a second
-- row.  Pollers read rows by id with a cursor that remembers the ids it
-- has not seen below its highest (ids taken by transactions not yet
-- committed on PostgreSQL and MariaDB); AUTOINCREMENT keeps SQLite from
-- reusing the id of a deleted last row.
--
-- The groups already final when this runs get their rows, in id order.

CREATE TABLE completions (
	id INTEGER PRIMARY KEY AUTOINCREMENT,
	file_id INTEGER NOT NULL,
	status TEXT NOT NULL,
	completed_at INTEGER NOT NULL
);
CREATE INDEX completions_file ON completions (file_id);

INSERT INTO completions (file_id, status, completed_at)
	SELECT id, status, updated_at FROM files
	WHERE status IN ('ARCHIVED', 'NOT_SELECTED', 'FAILED', 'TIMED_OUT', 'CLEARED')
	ORDER BY id;

CREATE TRIGGER files_completed_update AFTER UPDATE OF status ON files
	WHEN NEW.status IN ('ARCHIVED', 'NOT_SELECTED', 'FAILED', 'TIMED_OUT', 'CLEARED')
	AND OLD.status <> NEW.status
BEGIN
	INSERT INTO completions (file_id, status, completed_at)
		VALUES (NEW.id, NEW.status, NEW.updated_at);
END;

CREATE TRIGGER files_completed_insert AFTER INSERT ON files
	WHEN NEW.status IN ('ARCHIVED', 'NOT_SELECTED', 'FAILED', 'TIMED_OUT', 'CLEARED')
BEGIN
	INSERT INTO completions (file_id, status, completed_at)
		VALUES (NEW.id, NEW.status, NEW.updated_at);
END;
