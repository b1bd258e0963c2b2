package ai.originchain.ingest.filter;

import java.util.List;

/**
 * A mapping's row predicate as the request gave it, in JSON, never SQL. Every node keeps its JSON
 * path ({@code mappings[0].filter.all[1]}) so an error names the leaf at fault.
 */
public sealed interface RowFilter {

    String path();

    record All(String path, List<RowFilter> parts) implements RowFilter {
    }

    record Any(String path, List<RowFilter> parts) implements RowFilter {
    }

    record Not(String path, RowFilter part) implements RowFilter {
    }

    /** A comparison of one column; {@code values} are the JSON scalars as text (none for the null tests). */
    record Leaf(String path, String column, Op op, List<String> values) implements RowFilter {
    }

    enum Op {
        EQ("=", "="), NE("!=", "<>"), LT("<", "<"), LE("<=", "<="), GT(">", ">"), GE(">=", ">="),
        IN("in", "IN"), NOT_IN("not_in", "NOT IN"), IS_NULL("is_null", "IS NULL"), IS_NOT_NULL("is_not_null", "IS NOT NULL");

        private final String json;
        private final String sql;

        Op(String json, String sql) {
            this.json = json;
            this.sql = sql;
        }

        public String json() { return json; }
        public String sql() { return sql; }

        public boolean takesList() {
            return this == IN || this == NOT_IN;
        }

        public boolean takesNoValue() {
            return this == IS_NULL || this == IS_NOT_NULL;
        }

        public static Op of(String json) {
            for (Op op : values()) {
                if (op.json.equals(json)) {
                    return op;
                }
            }
            return null;
        }
    }
}
