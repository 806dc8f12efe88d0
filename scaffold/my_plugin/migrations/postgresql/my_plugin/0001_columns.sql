-- my_plugin's columns on the files table (PostgreSQL): the first
-- migration of the my_plugin branch, which runs after the core branch.
-- Same meaning as sqlite/my_plugin/0001 and mariadb/my_plugin/0001.
--
-- Timestamps are BIGINT microseconds since the Unix epoch, UTC, like every
-- *_at column of the catalog; read them with to_timestamp(x / 1e6).  A NOT
-- NULL column needs a default, which also fills the rows that exist
-- already.
--
-- Never edit a migration that has run (db upgrade refuses a changed one):
-- add the next with `carbonation db revision -m "..." --autogenerate`.

ALTER TABLE files ADD COLUMN station TEXT;
ALTER TABLE files ADD COLUMN observed_at BIGINT;
ALTER TABLE files ADD COLUMN records BIGINT NOT NULL DEFAULT 0;

CREATE INDEX files_station ON files (station);
CREATE INDEX files_observed_at ON files (observed_at);
