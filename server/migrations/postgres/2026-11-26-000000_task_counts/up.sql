-- The per-user task count moves out of `users` into a table of its own, split in shards.
--
-- Why a table of its own: every create and delete updates the count, and every authenticated
-- request reads the user's row (the session lookup joins it). With the count on `users`, a user
-- creating tasks leaves a chain of dead row versions that every request of theirs then walks:
-- measured with pgbench, the session lookup fell from ~54k to ~6k per second after 3 s of
-- creates. Here the count is in narrow rows on sparsely filled pages (fillfactor 10), so their
-- updates stay HOT and are pruned quickly, and the session lookup never sees them.
--
-- Why shards: a write holds its count row's lock until it commits (past the WAL flush), so
-- one row per user lets only one of that user's creates or deletes commit at a time. Each
-- write adds to one of 16 rows picked at random; the count is their sum (one index range).
-- pgbench, 32 clients creating tasks for one user: ~1.6k tps with one row, ~3.8k with 16.

CREATE TABLE task_counts (
    user_id BIGINT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    shard SMALLINT NOT NULL,
    -- this shard's part of the user's task count (may be negative; the sum is exact)
    tasks BIGINT NOT NULL DEFAULT 0,
    PRIMARY KEY (user_id, shard)
) WITH (fillfactor = 10);

INSERT INTO task_counts (user_id, shard, tasks) SELECT id, 0, task_count FROM users WHERE task_count <> 0;

ALTER TABLE users DROP COLUMN task_count;
