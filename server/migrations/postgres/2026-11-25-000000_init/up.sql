-- Users, sessions, failed logins, tasks and the operation log (PostgreSQL).
-- Times are Unix milliseconds (BIGINT) so both backends store and compare them the same way.

CREATE TABLE users (
    id BIGSERIAL PRIMARY KEY,
    name TEXT NOT NULL UNIQUE,
    password_hash TEXT NOT NULL,
    role BIGINT NOT NULL DEFAULT 0,
    -- the doc's uint64, stored as its two's-complement bit pattern
    perm BIGINT NOT NULL DEFAULT 0,
    disabled BOOLEAN NOT NULL DEFAULT FALSE,
    -- how many tasks the user owns: the task list's `total` without count(*)
    task_count BIGINT NOT NULL DEFAULT 0,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);

CREATE TABLE sessions (
    id BIGSERIAL PRIMARY KEY,
    user_id BIGINT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    -- SHA-256 of the token, hex; the token itself is never stored
    token_hash TEXT NOT NULL UNIQUE,
    created_at BIGINT NOT NULL,
    last_seen_at BIGINT NOT NULL
);
CREATE INDEX sessions_user_id ON sessions (user_id, id);

CREATE TABLE login_failures (
    name TEXT PRIMARY KEY NOT NULL,
    failures BIGINT NOT NULL,
    first_failed_at BIGINT NOT NULL
);

CREATE TABLE tasks (
    id BIGSERIAL PRIMARY KEY,
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
CREATE INDEX tasks_user_id_id ON tasks (user_id, id);

CREATE TABLE op_log (
    id BIGSERIAL PRIMARY KEY,
    user_id BIGINT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    endpoint TEXT NOT NULL,
    operation TEXT NOT NULL,
    request TEXT NOT NULL,
    created_at BIGINT NOT NULL
);
CREATE INDEX op_log_user_id ON op_log (user_id, id);
