-- components, rebuilt for the cost of each status change.
--
-- The status CHECK names the same twelve statuses as a chain of
-- comparisons: SQLite evaluates an IN list of more than two values by
-- building a temporary index at every INSERT and UPDATE, and a file
-- passes four of them on its way to the archive.  SQLite cannot change a
-- CHECK in place, so the table is copied (ids, rows and the other
-- indexes kept).
--
-- Two indexes that every status change paid for and no query reads are
-- not made again (0005 drops them on the other dialects too):
-- components_status, whose queries components_retry (status, ...)
-- serves, and components_updated.

CREATE TABLE components_new (
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
	status TEXT NOT NULL DEFAULT 'PENDING' CHECK (
		status = 'PENDING' OR status = 'INTEGRITY_FAILED' OR
		status = 'WAITING' OR status = 'TIMED_OUT' OR
		status = 'READY' OR status = 'NOT_SELECTED' OR
		status = 'ARCHIVING' OR status = 'ARCHIVED' OR
		status = 'RETRY_PENDING' OR status = 'FAILED' OR
		status = 'DUPLICATE' OR status = 'WITHDRAWN'),
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
	late INTEGER NOT NULL DEFAULT 0,
	archive_version INTEGER,
	archive_target BLOB,
	missing_at INTEGER,
	UNIQUE (watch, rel_path, generation)
);

INSERT INTO components_new (id, watch, rel_path, stem, extension,
	generation, size, mtime, device, inode, content_hash, status, reason,
	attempts, next_retry_at, file_id, archive_destination, archive_path,
	discovered_at, settled_at, archived_at, updated_at, late,
	archive_version, archive_target, missing_at)
SELECT id, watch, rel_path, stem, extension,
	generation, size, mtime, device, inode, content_hash, status, reason,
	attempts, next_retry_at, file_id, archive_destination, archive_path,
	discovered_at, settled_at, archived_at, updated_at, late,
	archive_version, archive_target, missing_at
FROM components;

DROP TABLE components;
ALTER TABLE components_new RENAME TO components;

CREATE INDEX components_watch_status ON components (watch, status);
-- Retries due: status = 'RETRY_PENDING' AND next_retry_at <= now.
CREATE INDEX components_retry ON components (status, next_retry_at);
CREATE INDEX components_file ON components (file_id);
CREATE INDEX components_discovered ON components (discovered_at);
CREATE INDEX components_archived ON components (archived_at);
CREATE INDEX components_inode ON components (watch, device, inode);
