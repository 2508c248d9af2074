DROP TABLE login_failures;
CREATE TABLE login_failures (
    name TEXT PRIMARY KEY NOT NULL,
    failures BIGINT NOT NULL,
    first_failed_at BIGINT NOT NULL
);
