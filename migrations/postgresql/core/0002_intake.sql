-- What intake (watching, integrity, groups) needs beyond 0001.
--
-- components.late: the component joined its group after the group was
-- decided (READY or TIMED_OUT); it carries the group's status, visibly.
-- files.missing: the required extensions a timed-out group lacked,
-- space-separated (".xml .idx").
-- The (watch, device, inode) index finds a renamed file's row.

ALTER TABLE components ADD COLUMN late SMALLINT NOT NULL DEFAULT 0;
ALTER TABLE files ADD COLUMN missing TEXT;
CREATE INDEX components_inode ON components (watch, device, inode);
