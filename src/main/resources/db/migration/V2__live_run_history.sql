-- A run is recorded when it starts and kept current while it runs: when its report was last
-- written, and whether a caller asked it to stop (so the instance running it learns of a cancel
-- sent to another instance).
ALTER TABLE sync_runs ADD COLUMN IF NOT EXISTS updated_at timestamptz;
ALTER TABLE sync_runs ADD COLUMN IF NOT EXISTS cancel_requested boolean NOT NULL DEFAULT false;

-- The abandoned-run sweep looks at running rows only.
CREATE INDEX IF NOT EXISTS sync_runs_running ON sync_runs (started_at) WHERE status = 'running';
-- The runs API lists a tenant's runs newest first, by status too; the cursor breaks ties on sync_id.
CREATE INDEX IF NOT EXISTS sync_runs_tenant_status_started ON sync_runs (tenant, status, started_at DESC, sync_id DESC);
-- Retention purges by age.
CREATE INDEX IF NOT EXISTS sync_runs_finished ON sync_runs (finished_at);
