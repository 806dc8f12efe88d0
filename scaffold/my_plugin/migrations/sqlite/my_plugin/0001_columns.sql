-- my_plugin's columns on the files table (SQLite): the first migration of
-- the my_plugin branch, which runs after the core branch.  Same meaning as
-- postgresql/my_plugin/0001 and mariadb/my_plugin/0001.
--
-- Timestamps are integer microseconds since the Unix epoch, UTC, like
-- every *_at column of the catalog.  A NOT NULL column needs a default,
-- which also fills the rows that exist already.
--
-- Never edit a migration that has run (db upgrade refuses a changed one):
-- add the next with `carbonation db revision -m "..." --autogenerate`.

ALTER TABLE files ADD COLUMN station TEXT;
ALTER TABLE files ADD COLUMN observed_at INTEGER;
ALTER TABLE files ADD COLUMN records INTEGER NOT NULL DEFAULT 0;

CREATE INDEX files_station ON files (station);
CREATE INDEX files_observed_at ON files (observed_at);
