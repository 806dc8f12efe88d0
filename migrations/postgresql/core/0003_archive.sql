-- What archiving (selection, routing, the archive itself, retries and
-- reconciliation) needs beyond 0002.
--
-- components.archive_path (0001) is relative to archive.base_path: the
-- planned name while ARCHIVING, the final one once ARCHIVED, the archived
-- copy a DUPLICATE matched.
-- components.archive_version: 1 for the plain name, N when on_conflict =
-- "version" had to keep the file as "STEM.vN.EXT" beside another content.
-- components.archive_target: symlink mode, the absolute path the link in
-- the archive points to.
-- components.missing_at: `reconcile archive --fix` found the archived copy
-- gone and no source to archive again.
-- files.destination: the destination routing chose; files.reason: why the
-- group was not selected or failed (the rule, the refused path).

ALTER TABLE components ADD COLUMN archive_version BIGINT;
ALTER TABLE components ADD COLUMN archive_target BYTEA;
ALTER TABLE components ADD COLUMN missing_at BIGINT;
ALTER TABLE files ADD COLUMN destination TEXT;
ALTER TABLE files ADD COLUMN reason TEXT;
