-- Back to one configuration: production's (or, without it, the first environment's) states
-- return into the parameters, its revision continues; experiments of other environments are
-- deleted and sdk keys of other environments revoked, so none of them gains access.
CREATE TEMP TABLE kept_environment AS
  SELECT id, name, revision, revision_at FROM environments ORDER BY name <> 'production', position, id LIMIT 1;
UPDATE parameters SET body = (
  SELECT json_set(parameters.body, '$.defaultValue', json(s.body -> '$.defaultValue'),
                  '$.enabled', json(s.body -> '$.enabled'), '$.rules', json(s.body -> '$.rules'))
  FROM parameter_states s WHERE s.parameter_id = parameters.id
    AND s.environment_id = (SELECT id FROM kept_environment))
WHERE EXISTS (SELECT 1 FROM parameter_states s WHERE s.parameter_id = parameters.id
                AND s.environment_id = (SELECT id FROM kept_environment));
UPDATE aurora_revision SET
  revision = MAX(revision, (SELECT revision FROM kept_environment)),
  updated_at = MAX(updated_at, (SELECT revision_at FROM kept_environment))
WHERE id = 1;
DELETE FROM experiments WHERE environment_id IS NOT (SELECT id FROM kept_environment);
DELETE FROM attribute_refs WHERE owner_kind = 'experiment' AND owner_id NOT IN (SELECT id FROM experiments);
DELETE FROM segment_refs WHERE owner_kind = 'experiment' AND owner_id NOT IN (SELECT id FROM experiments);
DELETE FROM parameter_refs WHERE experiment_id NOT IN (SELECT id FROM experiments);
UPDATE api_keys SET revoked_at = CAST((julianday('now') - 2440587.5) * 86400000000 AS INTEGER)
WHERE environment IS NOT NULL AND environment <> (SELECT name FROM kept_environment) AND revoked_at IS NULL;
DROP TABLE kept_environment;

DROP INDEX audit_log_by_environment;
ALTER TABLE audit_log DROP COLUMN environment;
ALTER TABLE api_keys DROP COLUMN environment;
DROP INDEX experiments_by_environment;
ALTER TABLE experiments DROP COLUMN environment_id;
DROP TABLE parameter_states;
DROP TABLE environments;
