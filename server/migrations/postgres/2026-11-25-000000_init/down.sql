DROP TABLE op_log;
DROP TABLE tasks;
DROP TABLE login_failures;
DROP TABLE sessions;
DROP TABLE users;
