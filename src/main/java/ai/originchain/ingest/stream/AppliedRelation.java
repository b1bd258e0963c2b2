package ai.originchain.ingest.stream;

import java.util.List;
import java.util.stream.Collectors;

import ai.originchain.ingest.store.TargetPlan;
import ai.originchain.ingest.stream.PgOutput.Tuple;
import ai.originchain.ingest.sync.MappingSpec;
import ai.originchain.ingest.sql.SqlNames;
import ai.originchain.ingest.typemap.TargetColumn;

/**
 * A source relation as a stream applies it: which tuple positions feed which target columns, where
 * the mapping's key sits, and the target table's statements.
 *
 * @param columns  tuple positions of the target plan's columns, in the plan's order
 * @param keys     tuple positions of the mapping's key columns, in the key's order
 */
record AppliedRelation(PgOutput.Relation relation, MappingSpec mapping, TargetPlan plan, int[] columns, int[] keys) {

    int id() {
        return relation.id();
    }

    String table() {
        return SqlNames.qualified(plan.tenant(), plan.table());
    }

    byte[][] key(Tuple row) {
        byte[][] key = new byte[keys.length][];
        for (int i = 0; i < keys.length; i++) {
            key[i] = row.values()[keys[i]];
        }
        return key;
    }

    String keyList(String alias) {
        return plan.primaryKey().stream().map(k -> (alias == null ? "" : alias + ".") + SqlNames.quote(k))
                .collect(Collectors.joining(", "));
    }

    String columnList(List<TargetColumn> columns) {
        return columns.stream().map(c -> SqlNames.quote(c.name())).collect(Collectors.joining(", "));
    }

    /** Changes whenever the target's column set or types do, so staging tables never go stale. */
    String signature() {
        return plan.signature();
    }
}
