-- The test plugin's columns (tests/plugins/probe.c).
ALTER TABLE files ADD COLUMN label TEXT;
ALTER TABLE files ADD COLUMN line_count BIGINT;
ALTER TABLE files ADD COLUMN big BOOLEAN;
ALTER TABLE files ADD COLUMN ratio DOUBLE;
ALTER TABLE files ADD COLUMN stamp BIGINT;
CREATE INDEX files_label ON files (label(191));
CREATE INDEX files_stamp ON files (stamp);
