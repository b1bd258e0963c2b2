-- The incremental high-water marks: one row per tenant, target schema and source table; a mark advances
-- only when a sync succeeds (sync/CursorMarks).
CREATE TABLE IF NOT EXISTS sync_cursors (
    tenant         text NOT NULL,
    target_schema  text NOT NULL,
    source_table   text NOT NULL,
    cursor_column  text NOT NULL,
    filter         text,
    high_water     text,
    sync_id        uuid NOT NULL,
    updated_at     timestamptz NOT NULL,
    PRIMARY KEY (tenant, target_schema, source_table)
);

