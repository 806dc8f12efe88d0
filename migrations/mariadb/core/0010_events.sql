-- The transactional outbox of events (docs/events.md).  Same meaning as
-- sqlite/core/0010: triggers write one events row in the same
-- transaction as each final status change of a group, and each
-- INTEGRITY_FAILED of a component; event_deliveries records what each
-- sink confirmed.  As in 0006, the triggers insert with VALUES.

CREATE TABLE events (
	id BIGINT NOT NULL AUTO_INCREMENT PRIMARY KEY,
	event_id VARCHAR(64) NOT NULL,
	scope VARCHAR(16) NOT NULL,
	file_id BIGINT NULL,
	component_id BIGINT NULL,
	watch VARCHAR(255) NOT NULL,
	status VARCHAR(32) NOT NULL,
	created_at BIGINT NOT NULL,
	UNIQUE KEY events_event_id (event_id),
	KEY events_created (created_at)
) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4 COLLATE = utf8mb4_bin;

CREATE TABLE event_deliveries (
	sink VARCHAR(255) NOT NULL,
	event BIGINT NOT NULL,
	skipped INT NOT NULL DEFAULT 0,
	sent_at BIGINT NOT NULL,
	PRIMARY KEY (sink, event),
	KEY event_deliveries_event (event)
) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4 COLLATE = utf8mb4_bin;

CREATE TRIGGER files_event_update AFTER UPDATE ON files FOR EACH ROW
BEGIN
	IF NEW.status IN ('ARCHIVED', 'NOT_SELECTED', 'FAILED', 'TIMED_OUT',
			  'DUPLICATE', 'CLEARED')
	   AND OLD.status <> NEW.status THEN
		INSERT INTO events (event_id, scope, file_id, watch, status,
				    created_at)
			VALUES (UUID(), 'group', NEW.id, NEW.watch, NEW.status,
				NEW.updated_at);
	END IF;
END;

CREATE TRIGGER files_event_insert AFTER INSERT ON files FOR EACH ROW
BEGIN
	IF NEW.status IN ('ARCHIVED', 'NOT_SELECTED', 'FAILED', 'TIMED_OUT',
			  'DUPLICATE', 'CLEARED') THEN
		INSERT INTO events (event_id, scope, file_id, watch, status,
				    created_at)
			VALUES (UUID(), 'group', NEW.id, NEW.watch, NEW.status,
				NEW.updated_at);
	END IF;
END;

CREATE TRIGGER components_event_update AFTER UPDATE ON components
	FOR EACH ROW
BEGIN
	IF NEW.status = 'INTEGRITY_FAILED' AND OLD.status <> NEW.status THEN
		INSERT INTO events (event_id, scope, file_id, component_id,
				    watch, status, created_at)
			VALUES (UUID(), 'component', NEW.file_id, NEW.id,
				NEW.watch, NEW.status, NEW.updated_at);
	END IF;
END;

CREATE TRIGGER components_event_insert AFTER INSERT ON components
	FOR EACH ROW
BEGIN
	IF NEW.status = 'INTEGRITY_FAILED' THEN
		INSERT INTO events (event_id, scope, file_id, component_id,
				    watch, status, created_at)
			VALUES (UUID(), 'component', NEW.file_id, NEW.id,
				NEW.watch, NEW.status, NEW.updated_at);
	END IF;
END;
