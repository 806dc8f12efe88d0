-- rules.toml [integrity] hashes = ["sha256", "xxh128"]: the XXH3 128-bit
-- hash of a component's content, computed in the same read as its SHA-256
-- (content_hash), as 32 lower-case hex digits in xxhsum's canonical
-- (big-endian) order.  NULL when xxh128 was not configured when the
-- component passed integrity.  It is for downstream systems and queries;
-- SHA-256 alone decides verification and duplicates (docs/intake.md).

ALTER TABLE components ADD COLUMN xxh128 TEXT;
