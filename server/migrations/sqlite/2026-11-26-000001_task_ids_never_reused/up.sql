-- A task id is never given out twice. Without AUTOINCREMENT, SQLite hands out max(id) + 1, so
-- deleting the newest task made its id come back for the next one: a client (or the operation
-- log, which records ids) holding the old id would then name a different task. PostgreSQL's
-- sequences never go back. SQLite cannot add AUTOINCREMENT to a table: it is rebuilt.

CREATE TABLE tasks_new (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    user_id BIGINT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    type TEXT NOT NULL,
    status SMALLINT NOT NULL DEFAULT 0,
    priority SMALLINT NOT NULL DEFAULT 0,
    input TEXT NOT NULL,
    result TEXT NOT NULL DEFAULT '',
    note TEXT NOT NULL DEFAULT '',
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);
INSERT INTO tasks_new (id, user_id, type, status, priority, input, result, note, created_at, updated_at)
    SELECT id, user_id, type, status, priority, input, result, note, created_at, updated_at FROM tasks;
DROP TABLE tasks;
ALTER TABLE tasks_new RENAME TO tasks;
CREATE INDEX tasks_user_id_id ON tasks (user_id, id);
