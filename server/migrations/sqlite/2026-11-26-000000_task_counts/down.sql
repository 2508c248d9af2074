ALTER TABLE users ADD COLUMN task_count BIGINT NOT NULL DEFAULT 0;
UPDATE users SET task_count = (SELECT sum(tasks) FROM task_counts WHERE task_counts.user_id = users.id)
    WHERE id IN (SELECT user_id FROM task_counts);
DROP TABLE task_counts;
