-- Two indexes of components that every status change paid for and no
-- query reads: components_status, whose queries components_retry
-- (status, ...) serves, and components_updated.  (On SQLite, 0005 also
-- rebuilds the table for a cheaper status CHECK; PostgreSQL's IN check
-- costs nothing, so the table stays.)

DROP INDEX components_status;
DROP INDEX components_updated;
