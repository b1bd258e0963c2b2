package ai.originchain.ingest.source.sqlite;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;

import ai.originchain.ingest.failure.FieldError;
import ai.originchain.ingest.source.CatalogCheck;
import ai.originchain.ingest.source.SourceColumn;
import ai.originchain.ingest.source.SourceRead;
import ai.originchain.ingest.source.SourceTable;
import ai.originchain.ingest.source.TableQuery;
import ai.originchain.ingest.source.PostgresBuiltIn;
import ai.originchain.ingest.sql.Connections;
import ai.originchain.ingest.sync.MappingSpec;
import ai.originchain.ingest.sync.RowSource;

/**
 * The catalog and the table reads of one uploaded SQLite file. Tables, views and WITHOUT ROWID
 * tables alike; names compared exactly and bound as values, then quoted wherever they appear in SQL.
 * Each table read gets a connection of its own (the file is immutable), so mappings read in parallel.
 */
final class SqliteRead implements SourceRead {

    private static final String FIND_TABLE = "SELECT name FROM sqlite_master WHERE type IN ('table', 'view') AND name = ?";
    private static final String COLUMNS = "SELECT name, type, pk FROM pragma_table_info(?) ORDER BY cid";
    private static final String UNIQUE_INDEXES = "SELECT name FROM pragma_index_list(?) WHERE \"unique\" = 1 AND partial = 0";
    private static final String INDEX_COLUMNS = "SELECT name FROM pragma_index_info(?) ORDER BY seqno";

    private final String path;
    private final SqliteQueryLimit.Queries queries;
    private final long maxRowBytes;
    private final Connection catalog;
    private final List<Connection> readers = new java.util.concurrent.CopyOnWriteArrayList<>();

    SqliteRead(String path, SqliteQueryLimit.Queries queries, long maxRowBytes) throws SQLException {
        this.path = path;
        this.queries = queries;
        this.maxRowBytes = maxRowBytes;
        this.catalog = SqliteEngine.open(path);
    }

    @Override
    public CatalogCheck check(List<MappingSpec> mappings) throws SQLException {
        return CatalogCheck.of(mappings, this::check);
    }

    private SourceTable check(MappingSpec mapping, List<FieldError> errors, List<String> warnings) throws SQLException {
        if (!mapping.sourceSchema().equals("main")) {
            errors.add(new FieldError(mapping.field("source_table"), "an SQLite file has the one schema 'main'; name the table as 'table' or 'main.table'"));
            return null;
        }
        queries.start(catalog, mapping.sourceTable());
        try (PreparedStatement st = catalog.prepareStatement(FIND_TABLE)) {
            st.setString(1, mapping.sourceTable());
            try (ResultSet rs = st.executeQuery()) {
                if (!rs.next()) {
                    errors.add(new FieldError(mapping.field("source_table"), "the SQLite file has no table or view '"
                            + mapping.sourceTable() + "' (names are case-sensitive)"));
                    return null;
                }
            }
        }
        Map<String, String> declared = new LinkedHashMap<>();
        List<String> primaryKey = new ArrayList<>();
        try (PreparedStatement st = catalog.prepareStatement(COLUMNS)) {
            st.setString(1, mapping.sourceTable());
            try (ResultSet rs = st.executeQuery()) {
                while (rs.next()) {
                    declared.put(rs.getString(1), rs.getString(2) == null ? "" : rs.getString(2));
                    if (rs.getInt(3) > 0) {
                        primaryKey.add(rs.getString(1));
                    }
                }
            }
        }
        List<String> names = CatalogCheck.selectedColumns(mapping, declared, mapping.sourceTable(), errors);
        if (names == null) {
            return null;
        }
        List<String> selected = new ArrayList<>(names);
        List<Set<String>> classes = storageClasses(mapping.sourceTable(), selected);
        List<SourceColumn> columns = new ArrayList<>();
        for (int i = 0; i < selected.size(); i++) {
            String name = selected.get(i);
            SqliteTypeMap.Mapped mapped = SqliteTypeMap.map(declared.get(name), classes.get(i));
            mapped.warning().ifPresent(w -> warnings.add("column " + name + ": " + w));
            columns.add(new SourceColumn(name, PostgresBuiltIn.of(mapped.targetType())));
        }
        List<String> wanted = mapping.primaryKey().stream().sorted().toList();
        boolean unique = primaryKey.stream().sorted().toList().equals(wanted) || uniqueIndexes(mapping.sourceTable()).contains(wanted);
        return new SourceTable("main", mapping.sourceTable(), columns, unique, -1);
    }

    /** The storage classes each column's values have, NULL left out: one pass over the table. */
    private List<Set<String>> storageClasses(String table, List<String> columns) throws SQLException {
        String select = columns.stream().map(c -> "group_concat(DISTINCT typeof(" + quote(c) + "))")
                .collect(Collectors.joining(", "));
        List<Set<String>> classes = new ArrayList<>();
        try (Statement st = catalog.createStatement(); ResultSet rs = st.executeQuery("SELECT " + select + " FROM " + quote(table))) {
            rs.next();
            for (int i = 1; i <= columns.size(); i++) {
                Set<String> seen = new LinkedHashSet<>();
                String list = rs.getString(i);
                if (list != null) {
                    for (String c : list.split(",")) {
                        if (!c.equals("null")) {
                            seen.add(c);
                        }
                    }
                }
                classes.add(seen);
            }
        }
        return classes;
    }

    private List<List<String>> uniqueIndexes(String table) throws SQLException {
        List<String> names = new ArrayList<>();
        try (PreparedStatement st = catalog.prepareStatement(UNIQUE_INDEXES)) {
            st.setString(1, table);
            try (ResultSet rs = st.executeQuery()) {
                while (rs.next()) {
                    names.add(rs.getString(1));
                }
            }
        }
        List<List<String>> keys = new ArrayList<>();
        for (String index : names) {
            List<String> columns = new ArrayList<>();
            try (PreparedStatement st = catalog.prepareStatement(INDEX_COLUMNS)) {
                st.setString(1, index);
                try (ResultSet rs = st.executeQuery()) {
                    while (rs.next()) {
                        columns.add(rs.getString(1));
                    }
                }
            }
            if (!columns.contains(null)) {
                keys.add(columns.stream().sorted().toList());
            }
        }
        return keys;
    }

    static String quote(String identifier) {
        return "\"" + identifier.replace("\"", "\"\"") + "\"";
    }

    @Override
    public String firstDuplicateKey(SourceTable table, List<String> primaryKey) throws SQLException {
        String shown = primaryKey.stream().map(k -> "coalesce(CAST(" + quote(k) + " AS TEXT), 'NULL')")
                .collect(Collectors.joining(" || ',' || "));
        String groups = primaryKey.stream().map(SqliteRead::quote).collect(Collectors.joining(", "));
        String sql = "SELECT '(' || " + shown + " || ')' FROM " + quote(table.name()) + " GROUP BY " + groups
                + " HAVING count(*) > 1 LIMIT 1";
        queries.start(catalog, table.name());
        try (Statement st = catalog.createStatement(); ResultSet rs = st.executeQuery(sql)) {
            return rs.next() ? rs.getString(1) : null;
        }
    }

    @Override
    public RowSource read(TableQuery query) throws SQLException {
        SourceTable table = query.table();
        // Each value's size first (octet_length reads a record's header, not the value), so that a row over
        // max-row-bytes is refused before any of its values is read.
        String sizes = table.columns().stream().map(c -> "octet_length(" + quote(c.name()) + ")").collect(Collectors.joining(", "));
        String select = table.columns().stream().map(c -> quote(c.name())).collect(Collectors.joining(", "));
        String sql = "SELECT " + sizes + ", " + select + " FROM " + quote(table.name());
        if (query.order() != null) {
            // The merge-diff's order: integers by value, text by its UTF-8 bytes (BINARY), NULL last.
            sql += " ORDER BY " + query.primaryKey().stream()
                    .map(k -> "(" + quote(k) + " IS NULL), " + quote(k) + " COLLATE BINARY")
                    .collect(Collectors.joining(", "));
        }
        Connection connection = SqliteEngine.open(path);
        readers.add(connection);
        try {
            queries.start(connection, table.name());
            Statement st = connection.createStatement();
            ResultSet rows = st.executeQuery(sql);
            return new SqliteTableReader(connection, rows, table.columns().stream().map(SourceColumn::name).toList(),
                    query.primaryKey(), maxRowBytes);
        } catch (SQLException | RuntimeException e) {
            connection.close();
            throw e;
        }
    }

    @Override
    public void abort() {
        queries.stop();
    }

    @Override
    public void close() {
        for (Connection connection : readers) {
            Connections.closeQuietly(connection);
        }
        readers.clear();
        Connections.closeQuietly(catalog);
    }
}
