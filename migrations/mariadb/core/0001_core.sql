-- The core catalog (MariaDB).  Same meaning as sqlite/core/0001 and
-- postgresql/core/0001; only the spelling of types differs.
--
-- Timestamps (*_at, mtime, last_heartbeat) are BIGINT microseconds since
-- the Unix epoch, UTC, in all three dialects: they bind as one int64
-- everywhere, compare and sort exactly (watermark cursors), and no
-- session time zone or 2038 limit (TIMESTAMP) can shift them.  Read them
-- with FROM_UNIXTIME(x / 1000000).
--
-- File names are arbitrary bytes on Linux, not always UTF-8 (which
-- utf8mb4 columns refuse), so rel_path, stem, extension, group_key and
-- archive_path are VARBINARY: stored, compared and sorted byte for byte,
-- no escaping to undo.  4096 is PATH_MAX; the unique keys over them are
-- longer than InnoDB's 3072-byte limit, which MariaDB enforces with a
-- hidden hash (long unique constraints, 10.4+).
--
-- Text columns use utf8mb4_bin so that comparisons are case- and
-- accent-sensitive, as they are in SQLite and PostgreSQL.
--
-- device and inode are unsigned 64-bit on disk and stored as the signed
-- 64-bit integer with the same bits.
--
-- MariaDB commits each CREATE at once: if this file fails halfway, drop
-- what it created before running it again.

CREATE TABLE files (
	id BIGINT NOT NULL AUTO_INCREMENT PRIMARY KEY,
	watch VARCHAR(255) NOT NULL,
	group_key VARBINARY(4096) NOT NULL,
	-- A re-delivery of a group after it reached a final status.
	generation INTEGER NOT NULL DEFAULT 1,
	complete SMALLINT NOT NULL DEFAULT 0 CHECK (complete IN (0, 1)),
	status VARCHAR(32) NOT NULL,
	created_at BIGINT NOT NULL,
	completed_at BIGINT,
	-- When waiting for missing components ends (completeness timeout).
	deadline_at BIGINT,
	updated_at BIGINT NOT NULL,
	-- Plugins add their metadata columns with later migrations.
	UNIQUE KEY files_group (watch, group_key, generation)
) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4 COLLATE = utf8mb4_bin;

-- The hash behind the unique key serves uniqueness only: lookups by
-- name use this prefix index.
CREATE INDEX files_lookup ON files (watch, group_key(512));
CREATE INDEX files_status ON files (status);
CREATE INDEX files_watch_status ON files (watch, status);
-- Polling for newly completed groups with a (completed_at, id) cursor.
CREATE INDEX files_completed ON files (completed_at, id);
CREATE INDEX files_deadline ON files (deadline_at);
CREATE INDEX files_created ON files (created_at);

CREATE TABLE components (
	id BIGINT NOT NULL AUTO_INCREMENT PRIMARY KEY,
	watch VARCHAR(255) NOT NULL,
	rel_path VARBINARY(4096) NOT NULL,
	stem VARBINARY(255) NOT NULL,
	extension VARBINARY(255) NOT NULL,
	generation INTEGER NOT NULL DEFAULT 1,
	size BIGINT,
	mtime BIGINT,
	device BIGINT,
	inode BIGINT,
	content_hash VARCHAR(255),
	status VARCHAR(32) NOT NULL DEFAULT 'PENDING' CHECK (status IN (
		'PENDING', 'INTEGRITY_FAILED', 'WAITING', 'TIMED_OUT', 'READY',
		'NOT_SELECTED', 'ARCHIVING', 'ARCHIVED', 'RETRY_PENDING', 'FAILED',
		'DUPLICATE', 'WITHDRAWN')),
	reason TEXT,
	attempts INTEGER NOT NULL DEFAULT 0,
	next_retry_at BIGINT,
	file_id BIGINT,
	archive_destination VARCHAR(255),
	archive_path VARBINARY(4096),
	discovered_at BIGINT NOT NULL,
	settled_at BIGINT,
	archived_at BIGINT,
	updated_at BIGINT NOT NULL,
	UNIQUE KEY components_path (watch, rel_path, generation),
	CONSTRAINT components_file_fk FOREIGN KEY (file_id)
		REFERENCES files (id) ON DELETE SET NULL
) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4 COLLATE = utf8mb4_bin;

-- The hash behind the unique key serves uniqueness only: lookups by
-- name use this prefix index.
CREATE INDEX components_lookup ON components (watch, rel_path(512));
CREATE INDEX components_status ON components (status);
CREATE INDEX components_watch_status ON components (watch, status);
-- Retries due: status = 'RETRY_PENDING' AND next_retry_at <= now.
CREATE INDEX components_retry ON components (status, next_retry_at);
CREATE INDEX components_discovered ON components (discovered_at);
CREATE INDEX components_updated ON components (updated_at);
CREATE INDEX components_archived ON components (archived_at);

-- One row per running instance; last_heartbeat shows it is alive.
CREATE TABLE service_status (
	host VARCHAR(255) NOT NULL,
	pid INTEGER NOT NULL,
	version VARCHAR(64) NOT NULL,
	started_at BIGINT NOT NULL,
	last_heartbeat BIGINT NOT NULL,
	PRIMARY KEY (host, pid)
) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4 COLLATE = utf8mb4_bin;
