DROP INDEX audit_log_by_actor;
DROP TABLE login_failures;
DROP TABLE setup_tokens;
DROP TABLE sessions;
DROP TABLE users;
