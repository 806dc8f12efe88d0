-- my_plugin's columns on the files table (MariaDB): the first migration of
-- the my_plugin branch, which runs after the core branch.  Same meaning as
-- sqlite/my_plugin/0001 and postgresql/my_plugin/0001.
--
-- Timestamps are BIGINT microseconds since the Unix epoch, UTC, like every
-- *_at column of the catalog; read them with FROM_UNIXTIME(x / 1000000).
-- A NOT NULL column needs a default, which also fills the rows that exist
-- already.  Text columns take the table's utf8mb4_bin; an index on TEXT
-- needs a prefix length (191 characters, as db revision writes).
--
-- MariaDB commits each ALTER and CREATE at once: if this file fails
-- halfway, undo what it did before running it again.  Never edit a
-- migration that has run (db upgrade refuses a changed one): add the next
-- with `carbonation db revision -m "..." --autogenerate`.

ALTER TABLE files ADD COLUMN station TEXT;
ALTER TABLE files ADD COLUMN observed_at BIGINT;
ALTER TABLE files ADD COLUMN records BIGINT NOT NULL DEFAULT 0;

CREATE INDEX files_station ON files (station(191));
CREATE INDEX files_observed_at ON files (observed_at);
