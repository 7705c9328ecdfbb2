-- The durable job queue (docs/jobs.md): snapshot publications and other background work,
-- enqueued in the same transaction as the change that causes them. Times are microseconds
-- since the Unix epoch, as everywhere. PostgreSQL dialect.
CREATE TABLE jobs (
  id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  kind TEXT NOT NULL,                 -- what runs it: 'publish'
  job_key TEXT NOT NULL,              -- what it is about: 'publish:s3'; coalescing unit
  revision BIGINT NOT NULL DEFAULT 0 CHECK (revision >= 0),  -- newest revision it must cover
  state TEXT NOT NULL CHECK (state IN ('pending', 'running', 'succeeded', 'dead')),
  attempts INTEGER NOT NULL DEFAULT 0 CHECK (attempts >= 0),
  max_attempts INTEGER NOT NULL CHECK (max_attempts >= 1),
  run_at BIGINT NOT NULL,             -- not before
  locked_by TEXT,                     -- the worker that claimed it last
  locked_until BIGINT,                -- lease end while running
  last_error TEXT,
  result TEXT,                        -- JSON from the last successful run
  created_at BIGINT NOT NULL,
  updated_at BIGINT NOT NULL,
  finished_at BIGINT
);
-- Coalescing: at most one pending or running job per key.
CREATE UNIQUE INDEX jobs_active_key ON jobs (job_key) WHERE state IN ('pending', 'running');
CREATE INDEX jobs_due ON jobs (state, run_at);
CREATE INDEX jobs_by_key ON jobs (job_key, state, revision);
