package ai.originchain.ingest.store;

import java.util.List;

import ai.originchain.ingest.typemap.TargetColumn;

/**
 * The target table of a mapping: {@code tenant.table}, the columns the sync writes, and the key.
 *
 * @param exists      whether the table was already there when the sync was planned
 * @param changes     what a rerun must change in the existing table first (new columns, widened types)
 */
public record TargetPlan(String tenant, String table, List<TargetColumn> columns, List<String> primaryKey,
                         boolean exists, List<SchemaChange> changes) {

    public TargetPlan(String tenant, String table, List<TargetColumn> columns, List<String> primaryKey, boolean exists) {
        this(tenant, table, columns, primaryKey, exists, List.of());
    }

    /** A short hash of the table and its column set and types: staging tables named by it never go stale. */
    public String signature() {
        try {
            java.security.MessageDigest sha = java.security.MessageDigest.getInstance("SHA-256");
            sha.update((tenant + "\0" + table).getBytes(java.nio.charset.StandardCharsets.UTF_8));
            for (TargetColumn c : columns) {
                sha.update(("\0" + c.name() + "\0" + c.type()).getBytes(java.nio.charset.StandardCharsets.UTF_8));
            }
            return java.util.HexFormat.of().formatHex(sha.digest(), 0, 8);
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
