-- Aurora schema, PostgreSQL dialect. Times are microseconds since the Unix epoch (UTC) in both
-- dialects, so the two backends store and compare them identically. Resource bodies are the
-- canonical JSON the API serves; columns beside them carry what constraints and lookups need.
CREATE TABLE aurora_revision (
  id SMALLINT PRIMARY KEY CHECK (id = 1),
  revision BIGINT NOT NULL CHECK (revision >= 0),
  updated_at BIGINT NOT NULL
);
INSERT INTO aurora_revision (id, revision, updated_at) VALUES (1, 0, 0);

CREATE TABLE attributes (
  id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  name TEXT NOT NULL UNIQUE,
  data_type TEXT NOT NULL CHECK (data_type IN ('string', 'number', 'boolean', 'enum', 'semver')),
  body TEXT NOT NULL,
  version BIGINT NOT NULL CHECK (version >= 1),
  created_at BIGINT NOT NULL,
  updated_at BIGINT NOT NULL
);

CREATE TABLE segments (
  id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  name TEXT NOT NULL UNIQUE,
  body TEXT NOT NULL,
  version BIGINT NOT NULL CHECK (version >= 1),
  created_at BIGINT NOT NULL,
  updated_at BIGINT NOT NULL
);

CREATE TABLE parameters (
  id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  name TEXT NOT NULL UNIQUE,
  data_type TEXT NOT NULL CHECK (data_type IN ('string', 'number', 'boolean', 'json')),
  body TEXT NOT NULL,
  version BIGINT NOT NULL CHECK (version >= 1),
  created_at BIGINT NOT NULL,
  updated_at BIGINT NOT NULL
);

CREATE TABLE experiments (
  id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  uuid TEXT NOT NULL UNIQUE,
  name TEXT NOT NULL UNIQUE,
  status TEXT NOT NULL CHECK (status IN ('draft', 'scheduled', 'running', 'paused', 'completed', 'aborted')),
  start_date BIGINT,
  end_date BIGINT,
  body TEXT NOT NULL,
  version BIGINT NOT NULL CHECK (version >= 1),
  created_at BIGINT NOT NULL,
  updated_at BIGINT NOT NULL,
  CHECK (start_date IS NULL OR end_date IS NULL OR end_date > start_date)
);

-- Who uses what. The foreign keys refuse deleting a referenced attribute, segment or
-- parameter even if the service's own check were bypassed.
CREATE TABLE attribute_refs (
  owner_kind TEXT NOT NULL CHECK (owner_kind IN ('segment', 'parameter', 'experiment')),
  owner_id BIGINT NOT NULL,
  attribute_id BIGINT NOT NULL REFERENCES attributes (id) ON DELETE RESTRICT,
  PRIMARY KEY (owner_kind, owner_id, attribute_id)
);
CREATE INDEX attribute_refs_by_attribute ON attribute_refs (attribute_id);

CREATE TABLE segment_refs (
  owner_kind TEXT NOT NULL CHECK (owner_kind IN ('parameter', 'experiment')),
  owner_id BIGINT NOT NULL,
  segment_id BIGINT NOT NULL REFERENCES segments (id) ON DELETE RESTRICT,
  PRIMARY KEY (owner_kind, owner_id, segment_id)
);
CREATE INDEX segment_refs_by_segment ON segment_refs (segment_id);

CREATE TABLE parameter_refs (
  experiment_id BIGINT NOT NULL REFERENCES experiments (id) ON DELETE CASCADE,
  parameter_id BIGINT NOT NULL REFERENCES parameters (id) ON DELETE RESTRICT,
  PRIMARY KEY (experiment_id, parameter_id)
);
CREATE INDEX parameter_refs_by_parameter ON parameter_refs (parameter_id);

CREATE TABLE audit_log (
  id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  at BIGINT NOT NULL,
  actor TEXT NOT NULL,
  action TEXT NOT NULL,
  resource_kind TEXT NOT NULL,
  resource_id BIGINT NOT NULL,
  revision BIGINT NOT NULL,
  before_body TEXT,
  after_body TEXT
);
CREATE INDEX audit_log_by_resource ON audit_log (resource_kind, resource_id, id);
