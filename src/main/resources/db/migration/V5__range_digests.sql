-- The target's range digests, kept from one re-sync to the next (store/RangeDigestCache), so a re-sync
-- hashes the content of only those target ranges whose row versions moved since. One row per tenant
-- table; element i of the arrays describes key range i (bounds: key columns × bounds, bound by bound).
-- Of the rows it holds only keys (the bounds); the rest are row counts and md5 digests.
CREATE TABLE IF NOT EXISTS range_digests (
    tenant       text NOT NULL,
    table_name   text NOT NULL,
    -- md5 of the table's oid, columns, key and scope: any change of them and the row is ignored
    signature    text NOT NULL,
    -- +1 per re-sync; the ranges i with i % 32 = generation % 32 are hashed again whatever they hold
    generation   bigint NOT NULL,
    bounds       text[] NOT NULL,
    -- per range: its rows (-1: unknown), then in range order 8 bytes of md5 of its row versions (ctid, xmin)
    -- and the 16 bytes of md5 of its content (zeros where unknown or empty)
    range_rows   bigint[] NOT NULL,
    versions     bytea NOT NULL,
    contents     bytea NOT NULL,
    updated_at   timestamptz NOT NULL,
    PRIMARY KEY (tenant, table_name)
);
