-- The per-user task count moves out of `users` into a table of its own.
--
-- Why: every create and delete updates the count, and every authenticated request reads the
-- user's row (the session lookup joins it). With the count on `users`, a user creating tasks
-- leaves a chain of dead row versions that every request of theirs then walks: measured with
-- pgbench, the session lookup fell from ~54k to ~6k per second after 3 s of creates. Here the
-- count is a narrow row on a sparsely filled page (fillfactor 10), so its updates stay HOT and
-- are pruned quickly, and the session lookup never sees them.

CREATE TABLE task_counts (
    user_id BIGINT PRIMARY KEY REFERENCES users (id) ON DELETE CASCADE,
    -- how many tasks the user owns: the task list's `total` without count(*)
    tasks BIGINT NOT NULL DEFAULT 0
) WITH (fillfactor = 10);

INSERT INTO task_counts (user_id, tasks) SELECT id, task_count FROM users WHERE task_count <> 0;

ALTER TABLE users DROP COLUMN task_count;
