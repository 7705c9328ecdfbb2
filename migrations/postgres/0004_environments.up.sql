-- Environments (docs/environments.md): attributes, segments and parameter definitions stay
-- global; a parameter's state (enabled, defaultValue, rules) and experiments belong to one
-- environment, and each environment has its own revision. Everything that existed becomes
-- production's, at the revision SDKs already have.
CREATE TABLE environments (
  id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  name TEXT NOT NULL UNIQUE,
  description TEXT NOT NULL DEFAULT '',
  protected SMALLINT NOT NULL DEFAULT 0 CHECK (protected IN (0, 1)),
  position BIGINT NOT NULL DEFAULT 0,
  revision BIGINT NOT NULL DEFAULT 0 CHECK (revision >= 0),
  revision_at BIGINT NOT NULL DEFAULT 0,
  version BIGINT NOT NULL DEFAULT 1 CHECK (version >= 1),
  created_at BIGINT NOT NULL,
  updated_at BIGINT NOT NULL
);
INSERT INTO environments (name, description, protected, position, revision, revision_at, version, created_at, updated_at)
SELECT 'production', '', 0, 0, revision, updated_at, 1,
       (extract(epoch FROM clock_timestamp()) * 1000000)::BIGINT,
       (extract(epoch FROM clock_timestamp()) * 1000000)::BIGINT
FROM aurora_revision WHERE id = 1;

CREATE TABLE parameter_states (
  parameter_id BIGINT NOT NULL REFERENCES parameters (id) ON DELETE CASCADE,
  environment_id BIGINT NOT NULL REFERENCES environments (id) ON DELETE CASCADE,
  body TEXT NOT NULL,  -- {"enabled", "defaultValue", "rules"}, canonical JSON
  PRIMARY KEY (parameter_id, environment_id)
);
CREATE INDEX parameter_states_by_environment ON parameter_states (environment_id, parameter_id);
INSERT INTO parameter_states (parameter_id, environment_id, body)
SELECT p.id, e.id,
       jsonb_build_object('enabled', p.body::jsonb -> 'enabled', 'defaultValue', p.body::jsonb -> 'defaultValue',
                          'rules', p.body::jsonb -> 'rules')::TEXT
FROM parameters p, environments e WHERE e.name = 'production';
UPDATE parameters SET body = (body::jsonb - 'enabled' - 'defaultValue' - 'rules')::TEXT;

ALTER TABLE experiments ADD COLUMN environment_id BIGINT REFERENCES environments (id);
UPDATE experiments SET environment_id = (SELECT id FROM environments WHERE name = 'production');
CREATE INDEX experiments_by_environment ON experiments (environment_id, id);

-- An sdk key reads one environment (by name; admin keys choose with ?environment=).
ALTER TABLE api_keys ADD COLUMN environment TEXT;
UPDATE api_keys SET environment = 'production' WHERE scope = 'sdk';

ALTER TABLE audit_log ADD COLUMN environment TEXT;
UPDATE audit_log SET environment = 'production' WHERE resource_kind IN ('parameter', 'experiment');
CREATE INDEX audit_log_by_environment ON audit_log (environment, id);
