-- The per-user task count moves out of `users` into a table of its own, split in shards (see
-- the PostgreSQL migration of the same name for why: a hot counter on the row every request
-- reads, and one row lock per user serialising that user's writes).

CREATE TABLE task_counts (
    user_id BIGINT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    shard SMALLINT NOT NULL,
    -- this shard's part of the user's task count (may be negative; the sum is exact)
    tasks BIGINT NOT NULL DEFAULT 0,
    PRIMARY KEY (user_id, shard)
);

INSERT INTO task_counts (user_id, shard, tasks) SELECT id, 0, task_count FROM users WHERE task_count <> 0;

ALTER TABLE users DROP COLUMN task_count;
