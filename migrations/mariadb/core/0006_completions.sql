-- Gap-free polling for groups that reached a final status
-- (docs/reporting.md, "Polling").  Same meaning as sqlite/core/0006.
--
-- completions: one row each time a group reaches a final status
-- (ARCHIVED, NOT_SELECTED, FAILED, TIMED_OUT, CLEARED), written by a
-- trigger in the same transaction as the status change.  Auto-increment
-- values are taken before commit, so a poller sees ids commit out of
-- order: its cursor remembers the ids it has not seen below its highest.
--
-- With binary logging on, creating a trigger needs SUPER or
-- log_bin_trust_function_creators = 1 (MariaDB's rule, not ours).

CREATE TABLE completions (
	id BIGINT NOT NULL AUTO_INCREMENT PRIMARY KEY,
	file_id BIGINT NOT NULL,
	status VARCHAR(32) NOT NULL,
	completed_at BIGINT NOT NULL,
	KEY completions_file (file_id)
) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4 COLLATE = utf8mb4_bin;

INSERT INTO completions (file_id, status, completed_at)
	SELECT id, status, updated_at FROM files
	WHERE status IN ('ARCHIVED', 'NOT_SELECTED', 'FAILED', 'TIMED_OUT', 'CLEARED')
	ORDER BY id;

-- The triggers insert with VALUES, never INSERT ... SELECT: InnoDB takes
-- a table-wide AUTO-INC lock for the latter, which made two writers
-- deadlock.

CREATE TRIGGER files_completed_update AFTER UPDATE ON files FOR EACH ROW
BEGIN
	IF NEW.status IN ('ARCHIVED', 'NOT_SELECTED', 'FAILED', 'TIMED_OUT', 'CLEARED')
	   AND OLD.status <> NEW.status THEN
		INSERT INTO completions (file_id, status, completed_at)
			VALUES (NEW.id, NEW.status, NEW.updated_at);
	END IF;
END;

CREATE TRIGGER files_completed_insert AFTER INSERT ON files FOR EACH ROW
BEGIN
	IF NEW.status IN ('ARCHIVED', 'NOT_SELECTED', 'FAILED', 'TIMED_OUT', 'CLEARED') THEN
		INSERT INTO completions (file_id, status, completed_at)
			VALUES (NEW.id, NEW.status, NEW.updated_at);
	END IF;
END;
