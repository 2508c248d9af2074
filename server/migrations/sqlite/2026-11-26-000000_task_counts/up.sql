-- The per-user task count moves out of `users` into a table of its own (see the PostgreSQL
-- migration of the same name for why: a hot counter on the row every request reads).

CREATE TABLE task_counts (
    user_id INTEGER PRIMARY KEY REFERENCES users (id) ON DELETE CASCADE,
    -- how many tasks the user owns: the task list's `total` without count(*)
    tasks BIGINT NOT NULL DEFAULT 0
);

INSERT INTO task_counts (user_id, tasks) SELECT id, task_count FROM users WHERE task_count <> 0;

ALTER TABLE users DROP COLUMN task_count;
