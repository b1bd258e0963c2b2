-- Change streams: their definitions (credentials AES-GCM encrypted, never plaintext) and the position
-- each has applied, written in the same target transaction as the changes (stream/StreamStore, ChangeApplier).
CREATE TABLE IF NOT EXISTS streams (
    tenant            text NOT NULL,
    stream            text NOT NULL,
    stream_id         uuid NOT NULL UNIQUE,
    definition        jsonb NOT NULL,
    fingerprint       text NOT NULL,
    credentials       bytea NOT NULL,
    publication       text NOT NULL,
    publication_owned boolean NOT NULL,
    slot              text NOT NULL,
    status            text NOT NULL,
    error             jsonb,
    source_lsn        bigint,
    lag_bytes         bigint,
    checked_at        timestamptz,
    created_at        timestamptz NOT NULL DEFAULT now(),
    updated_at        timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (tenant, stream)
);
CREATE TABLE IF NOT EXISTS stream_positions (
    stream_id   uuid PRIMARY KEY,
    lsn         bigint NOT NULL,
    applied_at  timestamptz NOT NULL DEFAULT now()
);

