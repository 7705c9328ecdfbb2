-- Environments (docs/environments.md): attributes, segments and parameter definitions stay
-- global; a parameter's state (enabled, defaultValue, rules) and experiments belong to one
-- environment, and each environment has its own revision. Everything that existed becomes
-- production's, at the revision SDKs already have.
CREATE TABLE environments (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  name TEXT NOT NULL UNIQUE,
  description TEXT NOT NULL DEFAULT '',
  protected INTEGER NOT NULL DEFAULT 0 CHECK (protected IN (0, 1)),
  position INTEGER NOT NULL DEFAULT 0,
  revision INTEGER NOT NULL DEFAULT 0 CHECK (revision >= 0),
  revision_at INTEGER NOT NULL DEFAULT 0,
  version INTEGER NOT NULL DEFAULT 1 CHECK (version >= 1),
  created_at INTEGER NOT NULL,
  updated_at INTEGER NOT NULL
);
INSERT INTO environments (name, description, protected, position, revision, revision_at, version, created_at, updated_at)
SELECT 'production', '', 0, 0, revision, updated_at, 1,
       CAST((julianday('now') - 2440587.5) * 86400000000 AS INTEGER),
       CAST((julianday('now') - 2440587.5) * 86400000000 AS INTEGER)
FROM aurora_revision WHERE id = 1;

CREATE TABLE parameter_states (
  parameter_id INTEGER NOT NULL REFERENCES parameters (id) ON DELETE CASCADE,
  environment_id INTEGER NOT NULL REFERENCES environments (id) ON DELETE CASCADE,
  body TEXT NOT NULL,  -- {"enabled", "defaultValue", "rules"}, canonical JSON
  PRIMARY KEY (parameter_id, environment_id)
);
CREATE INDEX parameter_states_by_environment ON parameter_states (environment_id, parameter_id);
INSERT INTO parameter_states (parameter_id, environment_id, body)
SELECT p.id, e.id,
       json_object('enabled', json(p.body -> '$.enabled'), 'defaultValue', json(p.body -> '$.defaultValue'),
                   'rules', json(p.body -> '$.rules'))
FROM parameters p, environments e WHERE e.name = 'production';
UPDATE parameters SET body = json_remove(body, '$.enabled', '$.defaultValue', '$.rules');

-- No REFERENCES here: SQLite cannot drop such a column again (down migration); the service
-- keeps it valid and deletes an environment's experiments with it.
ALTER TABLE experiments ADD COLUMN environment_id INTEGER;
UPDATE experiments SET environment_id = (SELECT id FROM environments WHERE name = 'production');
CREATE INDEX experiments_by_environment ON experiments (environment_id, id);

-- An sdk key reads one environment (by name; admin keys choose with ?environment=).
ALTER TABLE api_keys ADD COLUMN environment TEXT;
UPDATE api_keys SET environment = 'production' WHERE scope = 'sdk';

ALTER TABLE audit_log ADD COLUMN environment TEXT;
UPDATE audit_log SET environment = 'production' WHERE resource_kind IN ('parameter', 'experiment');
CREATE INDEX audit_log_by_environment ON audit_log (environment, id);
