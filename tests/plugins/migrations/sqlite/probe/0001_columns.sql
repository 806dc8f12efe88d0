-- The test plugin's columns (tests/plugins/probe.c).
ALTER TABLE files ADD COLUMN label TEXT;
ALTER TABLE files ADD COLUMN line_count INTEGER;
ALTER TABLE files ADD COLUMN big INTEGER CHECK (big IN (0, 1));
ALTER TABLE files ADD COLUMN ratio REAL;
ALTER TABLE files ADD COLUMN stamp INTEGER;
CREATE INDEX files_label ON files (label);
CREATE INDEX files_stamp ON files (stamp);
