-- Users, sessions and roles (SPEC §11, docs/security.md). Passwords are stored only as Argon2id
-- hashes; session tokens and the first-admin setup token only as SHA-256 hashes.
CREATE TABLE users (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  email TEXT NOT NULL UNIQUE,  -- lower-cased: unique without regard to case
  name TEXT NOT NULL DEFAULT '',
  role TEXT NOT NULL CHECK (role IN ('viewer', 'editor', 'admin')),
  password_hash TEXT,          -- Argon2id, encoded; NULL: no password sign-in
  disabled INTEGER NOT NULL DEFAULT 0 CHECK (disabled IN (0, 1)),
  version INTEGER NOT NULL DEFAULT 1 CHECK (version >= 1),
  created_at INTEGER NOT NULL,
  updated_at INTEGER NOT NULL,
  last_login_at INTEGER
);
CREATE TABLE sessions (
  token_hash TEXT PRIMARY KEY,
  user_id INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
  csrf_token TEXT NOT NULL,
  created_at INTEGER NOT NULL,
  last_seen_at INTEGER NOT NULL,
  revoked_at INTEGER
);
CREATE INDEX sessions_by_user ON sessions (user_id);
CREATE TABLE setup_tokens (
  token_hash TEXT PRIMARY KEY,
  created_at INTEGER NOT NULL,
  expires_at INTEGER NOT NULL,
  used_at INTEGER
);
-- Failed sign-ins, one row per subject ("email:<address>" or "address:<ip>") and attempt,
-- kept for the throttling window only.
CREATE TABLE login_failures (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  subject TEXT NOT NULL,
  at INTEGER NOT NULL
);
CREATE INDEX login_failures_by_subject ON login_failures (subject, at);
CREATE INDEX audit_log_by_actor ON audit_log (actor, id);
