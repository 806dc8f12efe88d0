-- A checksum sidecar that arrived after its file had gone past integrity
-- (ARCHIVING, RETRY_PENDING or ARCHIVED) and contradicts it: the file is
-- not archived as good, it is marked.  checksum_conflict holds what was
-- found ("checksum sidecar a.dat.sha256 contradicts ..."); NULL when no
-- sidecar contradicts the component.  `reconcile archive` reports such
-- rows as checksum-conflict (docs/integrity.md).

ALTER TABLE components ADD COLUMN checksum_conflict TEXT;
--
-- Paths longer than PATH_MAX need nothing here: rel_path and group_key
-- have no length limit in this dialect (MariaDB widens its columns).
