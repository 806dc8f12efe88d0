-- The core catalog (SQLite).  Same meaning as postgresql/core/0001 and
-- mariadb/core/0001; only the spelling of types differs.
--
-- Timestamps (*_at, mtime, last_heartbeat) are integer microseconds since
-- the Unix epoch, UTC, in all three dialects: they bind as one int64
-- everywhere, compare and sort exactly (watermark cursors), and no
-- session time zone or 2038 limit (MariaDB TIMESTAMP) can shift them.
-- Read them with datetime(x / 1000000, 'unixepoch').
--
-- File names are arbitrary bytes on Linux, not always UTF-8, so rel_path,
-- stem, extension, group_key and archive_path are BLOBs: stored, compared
-- and sorted byte for byte, with no escaping to undo.
--
-- device and inode are unsigned 64-bit on disk and stored as the signed
-- 64-bit integer with the same bits.

CREATE TABLE files (
	id INTEGER PRIMARY KEY,
	watch TEXT NOT NULL,
	group_key BLOB NOT NULL,
	-- A re-delivery of a group after it reached a final status.
	generation INTEGER NOT NULL DEFAULT 1,
	complete INTEGER NOT NULL DEFAULT 0 CHECK (complete IN (0, 1)),
	status TEXT NOT NULL,
	created_at INTEGER NOT NULL,
	completed_at INTEGER,
	-- When waiting for missing components ends (completeness timeout).
	deadline_at INTEGER,
	updated_at INTEGER NOT NULL,
	-- Plugins add their metadata columns with later migrations.
	UNIQUE (watch, group_key, generation)
);

CREATE INDEX files_status ON files (status);
CREATE INDEX files_watch_status ON files (watch, status);
-- Polling for newly completed groups with a (completed_at, id) cursor.
CREATE INDEX files_completed ON files (completed_at, id);
CREATE INDEX files_deadline ON files (deadline_at);
CREATE INDEX files_created ON files (created_at);

CREATE TABLE components (
	id INTEGER PRIMARY KEY,
	watch TEXT NOT NULL,
	rel_path BLOB NOT NULL,
	stem BLOB NOT NULL,
	extension BLOB NOT NULL,
	generation INTEGER NOT NULL DEFAULT 1,
	size INTEGER,
	mtime INTEGER,
	device INTEGER,
	inode INTEGER,
	content_hash TEXT,
	status TEXT NOT NULL DEFAULT 'PENDING' CHECK (status IN (
		'PENDING', 'INTEGRITY_FAILED', 'WAITING', 'TIMED_OUT', 'READY',
		'NOT_SELECTED', 'ARCHIVING', 'ARCHIVED', 'RETRY_PENDING', 'FAILED',
		'DUPLICATE', 'WITHDRAWN')),
	reason TEXT,
	attempts INTEGER NOT NULL DEFAULT 0,
	next_retry_at INTEGER,
	file_id INTEGER REFERENCES files (id) ON DELETE SET NULL,
	archive_destination TEXT,
	archive_path BLOB,
	discovered_at INTEGER NOT NULL,
	settled_at INTEGER,
	archived_at INTEGER,
	updated_at INTEGER NOT NULL,
	UNIQUE (watch, rel_path, generation)
);

CREATE INDEX components_status ON components (status);
CREATE INDEX components_watch_status ON components (watch, status);
-- Retries due: status = 'RETRY_PENDING' AND next_retry_at <= now.
CREATE INDEX components_retry ON components (status, next_retry_at);
CREATE INDEX components_file ON components (file_id);
CREATE INDEX components_discovered ON components (discovered_at);
CREATE INDEX components_updated ON components (updated_at);
CREATE INDEX components_archived ON components (archived_at);

-- One row per running instance; last_heartbeat shows it is alive.
CREATE TABLE service_status (
	host TEXT NOT NULL,
	pid INTEGER NOT NULL,
	version TEXT NOT NULL,
	started_at INTEGER NOT NULL,
	last_heartbeat INTEGER NOT NULL,
	PRIMARY KEY (host, pid)
);
