-- A checksum sidecar that arrived after its file had gone past integrity
-- (ARCHIVING, RETRY_PENDING or ARCHIVED) and contradicts it: the file is
-- not archived as good, it is marked.  checksum_conflict holds what was
-- found ("checksum sidecar a.dat.sha256 contradicts ..."); NULL when no
-- sidecar contradicts the component.  `reconcile archive` reports such
-- rows as checksum-conflict (docs/integrity.md).

ALTER TABLE components ADD COLUMN checksum_conflict TEXT;

-- Paths longer than PATH_MAX (folders nested deeper than 4,096 bytes) are
-- delivered like any other: rel_path and group_key hold up to 32,768
-- bytes here (SQLite's BLOB and PostgreSQL's BYTEA have no limit).  A
-- longer path is not recorded: the service says so once per path.
ALTER TABLE components MODIFY rel_path VARBINARY(32768) NOT NULL;
ALTER TABLE files MODIFY group_key VARBINARY(32768) NOT NULL;
