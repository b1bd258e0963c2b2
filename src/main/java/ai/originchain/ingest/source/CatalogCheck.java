package ai.originchain.ingest.source;

import ai.originchain.ingest.sync.MappingSpec;

import java.util.List;

import ai.originchain.ingest.failure.FieldError;

/**
 * The catalog's answer for a sync's mappings: the checked table of each (null where it failed), the
 * fields at fault, and per mapping the warnings about types the map changes (e.g. spatial to WKB).
 */
public record CatalogCheck(List<SourceTable> tables, List<FieldError> errors, List<List<String>> warnings) {

    /** An engine's check of one mapping: its table, or null after adding the fields at fault to {@code errors}. */
    @FunctionalInterface
    public interface TableCheck {
        SourceTable check(MappingSpec mapping, List<FieldError> errors, List<String> warnings) throws java.sql.SQLException;
    }

    /** Checks every mapping with {@code check}, collecting the tables, the errors and each mapping's warnings. */
    public static CatalogCheck of(List<MappingSpec> mappings, TableCheck check) throws java.sql.SQLException {
        List<SourceTable> tables = new java.util.ArrayList<>();
        List<FieldError> errors = new java.util.ArrayList<>();
        List<List<String>> warnings = new java.util.ArrayList<>();
        for (MappingSpec mapping : mappings) {
            List<String> tableWarnings = new java.util.ArrayList<>();
            tables.add(check.check(mapping, errors, tableWarnings));
            warnings.add(tableWarnings);
        }
        return new CatalogCheck(tables, errors, warnings);
    }

    /**
     * The names of the columns {@code mapping} reads (all of {@code columns}, in their order, when it
     * names none), or null after adding to {@code errors} each named column or key column the table
     * lacks; {@code columns} holds the table's columns by name, in the table's order.
     */
    public static List<String> selectedColumns(MappingSpec mapping, java.util.Map<String, ?> columns, String tableName,
                                               List<FieldError> errors) {
        int errorsBefore = errors.size();
        List<String> selected = new java.util.ArrayList<>();
        if (mapping.columns() == null) {
            selected.addAll(columns.keySet());
        } else {
            for (int i = 0; i < mapping.columns().size(); i++) {
                String name = mapping.columns().get(i);
                if (columns.containsKey(name)) {
                    selected.add(name);
                } else {
                    errors.add(new FieldError(mapping.field("columns[" + i + "]"), "'" + name + "' is not a column of " + tableName));
                }
            }
        }
        for (int i = 0; i < mapping.primaryKey().size(); i++) {
            String name = mapping.primaryKey().get(i);
            if (!columns.containsKey(name)) {
                errors.add(new FieldError(mapping.field("primary_key[" + i + "]"), "'" + name + "' is not a column of " + tableName));
            }
        }
        return errors.size() > errorsBefore ? null : selected;
    }
}
