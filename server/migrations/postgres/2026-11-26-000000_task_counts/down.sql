ALTER TABLE users ADD COLUMN task_count BIGINT NOT NULL DEFAULT 0;
UPDATE users SET task_count = c.tasks
    FROM (SELECT user_id, sum(tasks) AS tasks FROM task_counts GROUP BY user_id) c
    WHERE c.user_id = users.id;
DROP TABLE task_counts;
