package ai.originchain.ingest.source.mysql;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Semaphore;
import java.util.stream.Collectors;

import ai.originchain.ingest.failure.FieldError;
import ai.originchain.ingest.source.CatalogCheck;
import ai.originchain.ingest.source.PostgresBuiltIn;
import ai.originchain.ingest.source.SourceColumn;
import ai.originchain.ingest.source.SourceRead;
import ai.originchain.ingest.source.SourceTable;
import ai.originchain.ingest.source.TableQuery;
import ai.originchain.ingest.sql.Connections;
import ai.originchain.ingest.sync.MappingSpec;
import ai.originchain.ingest.sync.RowSource;

/**
 * A sync's consistent-snapshot transaction on a MySQL source, and its catalog. Names are compared
 * exactly as {@code information_schema} stores them and only bound as values; what passes is
 * quoted with backticks wherever it appears in SQL. A streaming result set occupies its connection
 * until read to the end, so table reads take turns ({@link #turn}).
 */
final class MySqlRead implements SourceRead {

    private static final String FIND_TABLE = """
            SELECT TABLE_NAME, TABLE_ROWS FROM information_schema.TABLES WHERE TABLE_SCHEMA = ? AND TABLE_NAME = ?
            """;
    private static final String COLUMNS = """
            SELECT COLUMN_NAME, DATA_TYPE, COLUMN_TYPE, NUMERIC_PRECISION, NUMERIC_SCALE, CHARACTER_MAXIMUM_LENGTH,
                   DATETIME_PRECISION
              FROM information_schema.COLUMNS WHERE TABLE_SCHEMA = ? AND TABLE_NAME = ? ORDER BY ORDINAL_POSITION
            """;
    private static final String UNIQUE_KEYS = """
            SELECT INDEX_NAME, COLUMN_NAME, SUB_PART FROM information_schema.STATISTICS
             WHERE TABLE_SCHEMA = ? AND TABLE_NAME = ? AND NON_UNIQUE = 0 ORDER BY INDEX_NAME, SEQ_IN_INDEX
            """;
    /** MariaDB's JSON is longtext under a json_valid check; MySQL's CHECK_CONSTRAINTS has no TABLE_NAME. */
    private static final String MARIADB_JSON_CHECKS = """
            SELECT CHECK_CLAUSE FROM information_schema.CHECK_CONSTRAINTS WHERE CONSTRAINT_SCHEMA = ? AND TABLE_NAME = ?
            """;

    /** A column as the reader needs it: the MySQL data type decides the SELECT expression and the rendering. */
    record Column(String name, String dataType, String columnType, MySqlTypeMap.Mapped mapped) {
    }

    private final Connection connection;
    private final boolean mariaDb;
    private final Semaphore turn = new Semaphore(1);
    private final Map<String, Map<String, Column>> columnsByTable = new HashMap<>();

    MySqlRead(Connection connection) throws SQLException {
        this.connection = connection;
        this.mariaDb = connection.getMetaData().getDatabaseProductVersion().toLowerCase(java.util.Locale.ROOT).contains("mariadb");
    }

    @Override
    public CatalogCheck check(List<MappingSpec> mappings) throws SQLException {
        return CatalogCheck.of(mappings, this::check);
    }

    private SourceTable check(MappingSpec mapping, List<FieldError> errors, List<String> warnings) throws SQLException {
        long estimate = -1;
        boolean found = false;
        try (PreparedStatement st = connection.prepareStatement(FIND_TABLE)) {
            st.setString(1, mapping.sourceSchema());
            st.setString(2, mapping.sourceTable());
            try (ResultSet rs = st.executeQuery()) {
                while (rs.next()) {
                    if (rs.getString(1).equals(mapping.sourceTable())) {
                        found = true;
                        estimate = rs.getObject(2) == null ? -1 : rs.getLong(2);
                    }
                }
            }
        }
        if (!found) {
            errors.add(new FieldError(mapping.field("source_table"), "the source has no table or view '"
                    + mapping.sourceTableName() + "' that the source user may read (names are case-sensitive)"));
            return null;
        }
        List<String> jsonColumns = mariaDb ? mariaDbJsonColumns(mapping) : List.of();
        Map<String, Column> byName = new LinkedHashMap<>();
        List<FieldError> refused = new ArrayList<>();
        try (PreparedStatement st = connection.prepareStatement(COLUMNS)) {
            st.setString(1, mapping.sourceSchema());
            st.setString(2, mapping.sourceTable());
            try (ResultSet rs = st.executeQuery()) {
                while (rs.next()) {
                    String name = rs.getString(1);
                    MySqlTypeMap.Mapped mapped;
                    try {
                        mapped = MySqlTypeMap.map(rs.getString(2), rs.getString(3), longOrNull(rs, 4),
                                longOrNull(rs, 5), longOrNull(rs, 6), longOrNull(rs, 7), jsonColumns.contains(name));
                    } catch (MySqlTypeMap.Refused e) {
                        refused.add(new FieldError(mapping.field("source_table"), "column '" + name + "' of "
                                + mapping.sourceTableName() + ": " + e.getMessage()));
                        continue;
                    }
                    byName.put(name, new Column(name, rs.getString(2), rs.getString(3), mapped));
                }
            }
        }
        if (!refused.isEmpty()) {
            errors.addAll(refused);
            return null;
        }
        List<String> names = CatalogCheck.selectedColumns(mapping, byName, mapping.sourceTableName(), errors);
        if (names == null) {
            return null;
        }
        List<Column> selected = new ArrayList<>(names.stream().map(byName::get).toList());
        Map<String, Column> readColumns = new LinkedHashMap<>();
        List<SourceColumn> columns = new ArrayList<>();
        for (Column column : selected) {
            readColumns.put(column.name(), column);
            column.mapped().warning().ifPresent(w -> warnings.add("column " + column.name() + ": " + w));
            columns.add(new SourceColumn(column.name(), PostgresBuiltIn.of(column.mapped().targetType())));
        }
        columnsByTable.put(mapping.sourceTableName(), byName);
        return new SourceTable(mapping.sourceSchema(), mapping.sourceTable(), columns,
                keyIsUnique(mapping), estimate);
    }

    private List<String> mariaDbJsonColumns(MappingSpec mapping) throws SQLException {
        List<String> columns = new ArrayList<>();
        try (PreparedStatement st = connection.prepareStatement(MARIADB_JSON_CHECKS)) {
            st.setString(1, mapping.sourceSchema());
            st.setString(2, mapping.sourceTable());
            try (ResultSet rs = st.executeQuery()) {
                while (rs.next()) {
                    java.util.regex.Matcher m = java.util.regex.Pattern.compile("^json_valid\\(`((?:[^`]|``)+)`\\)$")
                            .matcher(rs.getString(1).trim());
                    if (m.matches()) {
                        columns.add(m.group(1).replace("``", "`"));
                    }
                }
            }
        }
        return columns;
    }

    private boolean keyIsUnique(MappingSpec mapping) throws SQLException {
        List<String> wanted = mapping.primaryKey().stream().sorted().toList();
        Map<String, List<String>> indexes = new LinkedHashMap<>();
        List<String> partial = new ArrayList<>();
        try (PreparedStatement st = connection.prepareStatement(UNIQUE_KEYS)) {
            st.setString(1, mapping.sourceSchema());
            st.setString(2, mapping.sourceTable());
            try (ResultSet rs = st.executeQuery()) {
                while (rs.next()) {
                    String index = rs.getString(1);
                    if (rs.getString(2) == null || rs.getObject(3) != null) {
                        partial.add(index);
                    }
                    indexes.computeIfAbsent(index, k -> new ArrayList<>()).add(rs.getString(2));
                }
            }
        }
        return indexes.entrySet().stream().anyMatch(e -> !partial.contains(e.getKey())
                && e.getValue().stream().sorted().toList().equals(wanted));
    }

    private static Long longOrNull(ResultSet rs, int column) throws SQLException {
        long value = rs.getLong(column);
        return rs.wasNull() ? null : value;
    }

    static String quote(String identifier) {
        return "`" + identifier.replace("`", "``") + "`";
    }

    static String qualified(SourceTable table) {
        return quote(table.schema()) + "." + quote(table.name());
    }

    @Override
    public String firstDuplicateKey(SourceTable table, List<String> primaryKey) throws SQLException {
        String shown = primaryKey.stream().map(k -> "MIN(CAST(" + quote(k) + " AS CHAR))").collect(Collectors.joining(", "));
        String groups = primaryKey.stream().map(k -> "CAST(" + quote(k) + " AS BINARY)").collect(Collectors.joining(", "));
        String sql = "SELECT CONCAT('(', CONCAT_WS(',', " + shown + "), ')') FROM " + qualified(table)
                + " GROUP BY " + groups + " HAVING COUNT(*) > 1 LIMIT 1";
        awaitTurn();
        try (Statement st = connection.createStatement(); ResultSet rs = st.executeQuery(sql)) {
            return rs.next() ? rs.getString(1) : null;
        } finally {
            turn.release();
        }
    }

    @Override
    public RowSource read(TableQuery query) throws SQLException {
        SourceTable table = query.table();
        Map<String, Column> known = columnsByTable.get(table.schema() + "." + table.name());
        List<Column> columns = table.columns().stream().map(c -> known.get(c.name())).toList();
        String select = columns.stream().map(c -> MySqlTypeMap.selectExpression(c.dataType(), quote(c.name())))
                .collect(Collectors.joining(", "));
        String sql = "SELECT " + select + " FROM " + qualified(table);
        if (query.where() != null) {
            sql += " WHERE " + query.where();
        }
        if (query.order() != null) {
            sql += " ORDER BY " + orderBy(query, known);
        }
        awaitTurn();
        try {
            PreparedStatement st = connection.prepareStatement(sql, ResultSet.TYPE_FORWARD_ONLY, ResultSet.CONCUR_READ_ONLY);
            // Connector/J streams row by row only with this fetch size; nothing but the current row is held.
            st.setFetchSize(Integer.MIN_VALUE);
            for (int i = 0; i < query.parameters().size(); i++) {
                st.setString(i + 1, query.parameters().get(i));
            }
            ResultSet rows = st.executeQuery();
            return new MySqlTableReader(this, st, rows, columns, query.report());
        } catch (SQLException | RuntimeException e) {
            turn.release();
            throw e;
        }
    }

    /** The key order the merge-diff expects: integers by value, text by its UTF-8 bytes, NULL last. */
    private static String orderBy(TableQuery query, Map<String, Column> known) {
        List<String> parts = new ArrayList<>();
        for (String key : query.primaryKey()) {
            String quoted = quote(key);
            String target = known.get(key).mapped().targetType();
            String value = target.equals("smallint") || target.equals("integer") || target.equals("bigint")
                    ? quoted
                    : "CAST(CONVERT(CAST(" + quoted + " AS CHAR) USING utf8mb4) AS BINARY)";
            parts.add("(" + quoted + " IS NULL)");
            parts.add(value);
        }
        return String.join(", ", parts);
    }

    @Override
    public ai.originchain.ingest.source.ModeSql modeSql() {
        return new MySqlModes(this);
    }

    /** The catalog's columns of a table the check found, by name. */
    Map<String, Column> columnsOf(SourceTable table) {
        return columnsByTable.get(table.schema() + "." + table.name());
    }

    Connection connection() {
        return connection;
    }

    void awaitTurn() throws SQLException {
        try {
            turn.acquire();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new SQLException("interrupted while waiting for the source connection");
        }
    }

    void releaseTurn() {
        turn.release();
    }

    /** A table read ended: at its last row, the next read may use the connection. */
    void readEnded() {
        turn.release();
    }

    /**
     * A read abandoned before its end: Connector/J would read the rest of the table to close the
     * result set, so the connection is dropped instead; the sync is failing anyway.
     */
    void abandon() {
        try {
            connection.abort(Runnable::run);
        } catch (SQLException | RuntimeException ignored) {
            // Closing below is all that is left.
        }
        turn.release();
    }

    /**
     * Drops the sync's one connection at once: Connector/J's {@code Statement.cancel} would open a
     * connection of its own (KILL QUERY), outside {@link MySqlSocketFactory}'s checked endpoint, so it
     * is not used. MySQL ends the statement once it finds the client gone.
     */
    @Override
    public void abort() {
        try {
            connection.abort(Runnable::run);
        } catch (SQLException | RuntimeException ignored) {
            // Already closed or broken: nothing left to cut off.
        }
    }

    @Override
    public void close() {
        Connections.rollbackAndClose(connection);
    }
}
