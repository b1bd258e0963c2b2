package ai.originchain.ingest.stream;

import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;

import ai.originchain.ingest.stream.PgOutput.Tuple;

/**
 * The changes of the source transaction being read, reduced to each key's final state per table (a
 * key is either deleted or holds one row), so one COPY and one merge apply many changes. Unchanged
 * TOASTed values of an update take the value an earlier change of the same transaction wrote.
 */
final class TransactionBuffer {

    /** A key's final state: a row to upsert ({@code values}, relation-ordered) or a deletion ({@code values} null). */
    record Pending(byte[][] key, byte[][] values) {
        boolean deleted() {
            return values == null;
        }
    }

    final Map<Integer, LinkedHashMap<String, Pending>> byRelation = new LinkedHashMap<>();
    private int size;

    int size() {
        return size;
    }

    void clear() {
        byRelation.clear();
        size = 0;
    }

    void upsert(AppliedRelation relation, Tuple row) {
        byte[][] key = relation.key(row);
        LinkedHashMap<String, Pending> pending = byRelation.computeIfAbsent(relation.id(), id -> new LinkedHashMap<>());
        String id = keyId(key);
        byte[][] values = row.values();
        Pending earlier = pending.get(id);
        if (earlier != null && !earlier.deleted()) {
            for (int i = 0; i < values.length; i++) {
                if (values[i] == PgOutput.UNCHANGED && i < earlier.values().length) {
                    values[i] = earlier.values()[i];
                }
            }
        }
        if (pending.put(id, new Pending(key, values)) == null) {
            size++;
        }
    }

    void delete(AppliedRelation relation, byte[][] key) {
        LinkedHashMap<String, Pending> pending = byRelation.computeIfAbsent(relation.id(), id -> new LinkedHashMap<>());
        if (pending.put(keyId(key), new Pending(key, null)) == null) {
            size++;
        }
    }

    static String keyId(byte[][] key) {
        StringBuilder id = new StringBuilder();
        for (byte[] part : key) {
            id.append(part == null ? "\u0001N" : new String(part, StandardCharsets.ISO_8859_1)).append('\u0000');
        }
        return id.toString();
    }
}
