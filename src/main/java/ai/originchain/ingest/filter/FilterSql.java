package ai.originchain.ingest.filter;

import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.stream.Collectors;

import ai.originchain.ingest.sql.SqlNames;

/**
 * Writes a checked {@link RowFilter} as a SQL condition: columns quoted (they were found in the
 * catalog), values as literals the service quoted ({@link ai.originchain.ingest.sql.SqlLiterals}),
 * cast to a column type the target store named, or untyped (then each takes its column's type), so
 * SQL's own three-valued logic applies. The same filter renders for the source and for the target.
 */
public final class FilterSql {

    private FilterSql() {
    }

    /**
     * @param literals each leaf's values, quoted by the service
     * @param castType a column's type name as the target store's own {@code format_type} spells it, to cast
     *                 its literals to; null leaves them untyped
     */
    public static String render(RowFilter filter, Map<RowFilter.Leaf, List<String>> literals,
                                Function<String, String> castType) {
        if (filter instanceof RowFilter.All all) {
            return join(all.parts(), " AND ", literals, castType);
        }
        if (filter instanceof RowFilter.Any any) {
            return join(any.parts(), " OR ", literals, castType);
        }
        if (filter instanceof RowFilter.Not not) {
            return "(NOT " + render(not.part(), literals, castType) + ")";
        }
        RowFilter.Leaf leaf = (RowFilter.Leaf) filter;
        return leaf(leaf, literals.get(leaf), castType.apply(leaf.column()));
    }

    private static String join(List<RowFilter> parts, String operator, Map<RowFilter.Leaf, List<String>> literals,
                               Function<String, String> castType) {
        return parts.stream().map(p -> render(p, literals, castType)).collect(Collectors.joining(operator, "(", ")"));
    }

    private static String leaf(RowFilter.Leaf leaf, List<String> quoted, String type) {
        String column = SqlNames.quote(leaf.column());
        if (leaf.op().takesNoValue()) {
            return "(" + column + " " + leaf.op().sql() + ")";
        }
        List<String> typed = type == null ? quoted : quoted.stream().map(q -> q + "::" + type).toList();
        if (leaf.op().takesList()) {
            return "(" + column + " " + leaf.op().sql() + " (" + String.join(", ", typed) + "))";
        }
        return "(" + column + " " + leaf.op().sql() + " " + typed.get(0) + ")";
    }

    /** Every leaf of the filter, depth first. */
    public static List<RowFilter.Leaf> leaves(RowFilter filter) {
        if (filter instanceof RowFilter.All all) {
            return all.parts().stream().flatMap(p -> leaves(p).stream()).toList();
        }
        if (filter instanceof RowFilter.Any any) {
            return any.parts().stream().flatMap(p -> leaves(p).stream()).toList();
        }
        if (filter instanceof RowFilter.Not not) {
            return leaves(not.part());
        }
        return List.of((RowFilter.Leaf) filter);
    }
}
