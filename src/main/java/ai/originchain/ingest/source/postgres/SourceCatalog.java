package ai.originchain.ingest.source.postgres;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.springframework.stereotype.Component;

import ai.originchain.ingest.failure.FieldError;
import ai.originchain.ingest.sync.MappingSpec;
import ai.originchain.ingest.typemap.SourceType;
import ai.originchain.ingest.source.CatalogCheck;
import ai.originchain.ingest.source.SourceColumn;
import ai.originchain.ingest.source.SourceTable;

/**
 * Checks a mapping's table, columns and primary key against the source catalog. Names are compared
 * exactly (as PostgreSQL stores them) and only ever bound as values here; what passes is quoted
 * wherever it later appears in SQL.
 */
@Component
public class SourceCatalog {

    private static final String FIND_TABLE = """
            SELECT c.oid, c.reltuples::bigint, has_table_privilege(c.oid, 'SELECT')
              FROM pg_catalog.pg_class c
              JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
             WHERE n.nspname = ? AND c.relname = ? AND c.relkind IN ('r', 'p', 'v', 'm', 'f')
            """;
    private static final String COLUMNS = """
            SELECT a.attname, a.atttypid, a.atttypmod
              FROM pg_catalog.pg_attribute a
             WHERE a.attrelid = ? AND a.attnum > 0 AND NOT a.attisdropped
             ORDER BY a.attnum
            """;
    private static final String TYPE = """
            SELECT pg_catalog.format_type(t.oid, ?), t.typtype, n.nspname, t.typname, t.typcategory,
                   t.typelem, t.typbasetype, t.typtypmod, t.typlen
              FROM pg_catalog.pg_type t
              JOIN pg_catalog.pg_namespace n ON n.oid = t.typnamespace
             WHERE t.oid = ?
            """;
    /** Unique, non-partial, plain-column indexes: their column names, to match against the primary key. */
    private static final String UNIQUE_KEYS = """
            SELECT array_agg(a.attname ORDER BY a.attname)
              FROM pg_catalog.pg_index i
              JOIN pg_catalog.pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = ANY (i.indkey)
             WHERE i.indrelid = ? AND i.indisunique AND i.indpred IS NULL AND i.indexprs IS NULL
             GROUP BY i.indexrelid
            """;

    public record Checked(List<SourceTable> tables, List<FieldError> errors) {
    }

    public Checked check(Connection connection, List<MappingSpec> mappings) throws SQLException {
        List<SourceTable> tables = new ArrayList<>();
        List<FieldError> errors = new ArrayList<>();
        Map<String, SourceType> typeCache = new HashMap<>();
        for (MappingSpec mapping : mappings) {
            SourceTable table = check(connection, mapping, errors, typeCache);
            tables.add(table);
        }
        return new Checked(tables, errors);
    }

    private SourceTable check(Connection connection, MappingSpec mapping, List<FieldError> errors,
                              Map<String, SourceType> typeCache) throws SQLException {
        long oid;
        long estimate;
        try (PreparedStatement st = connection.prepareStatement(FIND_TABLE)) {
            st.setString(1, mapping.sourceSchema());
            st.setString(2, mapping.sourceTable());
            try (ResultSet rs = st.executeQuery()) {
                if (!rs.next()) {
                    errors.add(new FieldError(mapping.field("source_table"), "the source has no table or view '"
                            + mapping.sourceTableName() + "' (names are case-sensitive)"));
                    return null;
                }
                oid = rs.getLong(1);
                estimate = rs.getLong(2);
                if (!rs.getBoolean(3)) {
                    errors.add(new FieldError(mapping.field("source_table"), "the source user may not SELECT from '"
                            + mapping.sourceTableName() + "'"));
                    return null;
                }
            }
        }
        Map<String, SourceColumn> byName = new LinkedHashMap<>();
        try (PreparedStatement st = connection.prepareStatement(COLUMNS)) {
            st.setLong(1, oid);
            try (ResultSet rs = st.executeQuery()) {
                while (rs.next()) {
                    String name = rs.getString(1);
                    byName.put(name, new SourceColumn(name, type(connection, rs.getLong(2), rs.getInt(3), typeCache)));
                }
            }
        }
        List<String> names = CatalogCheck.selectedColumns(mapping, byName, mapping.sourceTableName(), errors);
        if (names == null) {
            return null;
        }
        List<SourceColumn> selected = new ArrayList<>(names.stream().map(byName::get).toList());
        return new SourceTable(mapping.sourceSchema(), mapping.sourceTable(), selected,
                keyIsUnique(connection, oid, mapping.primaryKey()), estimate);
    }

    /**
     * The first key that occurs twice in the table, as text, or null. Run inside the sync's snapshot
     * for keys no unique index guarantees, so a key that is not one fails before anything is written.
     */
    public String firstDuplicateKey(Connection connection, SourceTable table, List<String> primaryKey) throws SQLException {
        String key = String.join(", ", primaryKey.stream().map(ai.originchain.ingest.sql.SqlNames::quote).toList());
        String sql = "SELECT ROW(" + key + ")::text FROM "
                + ai.originchain.ingest.sql.SqlNames.qualified(table.schema(), table.name())
                + " GROUP BY " + key + " HAVING count(*) > 1 LIMIT 1";
        try (PreparedStatement st = connection.prepareStatement(sql); ResultSet rs = st.executeQuery()) {
            return rs.next() ? rs.getString(1) : null;
        }
    }

    private static boolean keyIsUnique(Connection connection, long oid, List<String> primaryKey) throws SQLException {
        List<String> wanted = primaryKey.stream().sorted().toList();
        try (PreparedStatement st = connection.prepareStatement(UNIQUE_KEYS)) {
            st.setLong(1, oid);
            try (ResultSet rs = st.executeQuery()) {
                while (rs.next()) {
                    String[] names = (String[]) rs.getArray(1).getArray();
                    if (List.of(names).equals(wanted)) {
                        return true;
                    }
                }
            }
        }
        return false;
    }

    /** The source's description of a type (as a Relation message of a change stream names it). */
    public SourceType type(Connection connection, long oid, int typmod) throws SQLException {
        return type(connection, oid, typmod, new HashMap<>());
    }

    private static SourceType type(Connection connection, long oid, int typmod, Map<String, SourceType> cache)
            throws SQLException {
        String key = oid + "/" + typmod;
        SourceType cached = cache.get(key);
        if (cached != null) {
            return cached;
        }
        String formatted;
        char kind;
        String namespace;
        String name;
        char category;
        long elem;
        long base;
        int baseTypmod;
        int length;
        try (PreparedStatement st = connection.prepareStatement(TYPE)) {
            st.setInt(1, typmod);
            st.setLong(2, oid);
            try (ResultSet rs = st.executeQuery()) {
                if (!rs.next()) {
                    throw new SQLException("type " + oid + " vanished from the source catalog");
                }
                formatted = rs.getString(1);
                kind = rs.getString(2).charAt(0);
                namespace = rs.getString(3);
                name = rs.getString(4);
                category = rs.getString(5).charAt(0);
                elem = rs.getLong(6);
                base = rs.getLong(7);
                baseTypmod = rs.getInt(8);
                length = rs.getInt(9);
            }
        }
        SourceType element = null;
        // A true array: category A and variable length (int2vector/oidvector/name/point have typelem too).
        if (category == 'A' && elem != 0 && length == -1 && kind == 'b') {
            element = type(connection, elem, typmod, cache);
        }
        SourceType baseType = kind == 'd' ? type(connection, base, baseTypmod, cache) : null;
        SourceType type = new SourceType(formatted, kind, namespace, name, typmod, element, baseType, false);
        cache.put(key, type);
        return type;
    }
}
