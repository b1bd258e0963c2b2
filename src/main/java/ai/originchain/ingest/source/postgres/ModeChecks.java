package ai.originchain.ingest.source.postgres;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Savepoint;
import java.sql.Types;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

import org.apache.camel.ExchangeProperty;
import org.springframework.stereotype.Component;

import ai.originchain.ingest.failure.FieldError;
import ai.originchain.ingest.failure.SyncFailure;
import ai.originchain.ingest.filter.FilterSql;
import ai.originchain.ingest.source.SourceEngines;
import ai.originchain.ingest.source.SourceInspector;
import ai.originchain.ingest.source.SourceTable;
import ai.originchain.ingest.filter.RowFilter;
import ai.originchain.ingest.sql.Connections;
import ai.originchain.ingest.sync.MappingJob;
import ai.originchain.ingest.sync.MappingMode;
import ai.originchain.ingest.sync.SourceErrors;
import ai.originchain.ingest.sql.SqlLiterals;
import ai.originchain.ingest.sql.SqlNames;
import ai.originchain.ingest.sync.SyncRun;
import ai.originchain.ingest.sync.SyncSteps;

/**
 * Checks each mapping's filter and cursor against the source catalog, inside the sync's snapshot and
 * before anything is written (422 naming the JSON path): every filter column must exist (and, for a
 * mirror, be among the columns the target gets), every value must be one its column's type reads —
 * tried by the source server itself, bound as a parameter. COPY takes no bind parameters, so the
 * filter reaches the read as literals the service quotes ({@link SqlLiterals}), untyped, so that each
 * takes its column's type; no text the source returns is written into SQL.
 * A cursor must be an orderable column, its lookback of the matching kind.
 */
@Component("modeChecks")
public class ModeChecks {

    static final Set<String> NUMERIC_CURSORS = Set.of("int2", "int4", "int8", "numeric");
    static final Set<String> TIME_CURSORS = Set.of("date", "timestamp", "timestamptz");
    /** A cursor's type as the service names it in the source's SQL, by its built-in base type. */
    private static final Map<String, String> CURSOR_TYPES = Map.of("int2", "smallint", "int4", "integer",
            "int8", "bigint", "numeric", "numeric", "date", "date", "timestamp", "timestamp without time zone",
            "timestamptz", "timestamp with time zone");
    private static final String COLUMNS = """
            SELECT a.attname, pg_catalog.format_type(a.atttypid, NULL), coalesce(b.typname, t.typname),
                   coalesce(b.typnamespace, t.typnamespace) = 'pg_catalog'::regnamespace
              FROM pg_catalog.pg_attribute a
              JOIN pg_catalog.pg_type t ON t.oid = a.atttypid
              LEFT JOIN pg_catalog.pg_type b ON t.typtype = 'd' AND b.oid = t.typbasetype
             WHERE a.attrelid = CAST(? AS regclass) AND a.attnum > 0 AND NOT a.attisdropped
            """;

    /** A source column as a filter or cursor sees it: its type as the source names it (for messages only), its base type. */
    record Column(String typeName, String baseType, boolean builtIn) {
    }

    public void check(@ExchangeProperty(SyncSteps.RUN) SyncRun run, @ExchangeProperty(SourceInspector.ENGINE) String engine) {
        ai.originchain.ingest.source.ModeSql engineSql = null;
        if (engine != null && !SourceEngines.DEFAULT.equals(engine)) {
            engineSql = run.sourceRead().modeSql();
            if (engineSql == null) {
                refuseFiltersAndCursors(run, engine);
            }
        }
        List<FieldError> errors = new ArrayList<>();
        for (MappingJob job : run.jobs()) {
            MappingMode mode = job.mapping().mode();
            if (mode.softDelete() && job.sourceTable().columns().stream()
                    .anyMatch(c -> c.name().equals(MappingMode.DELETED_AT))) {
                errors.add(new FieldError(job.mapping().field("delete_mode"), "the source table "
                        + job.mapping().sourceTableName() + " has a column " + MappingMode.DELETED_AT
                        + ", which a soft-deleting mirror keeps for itself at the target; leave it out of columns or use hard deletes"));
            }
        }
        if (engineSql != null) {
            // Another engine renders filters and cursors in its own SQL, bound as parameters.
            try {
                for (MappingJob job : run.jobs()) {
                    MappingMode mode = job.mapping().mode();
                    if (mode.filter() != null || mode.cursor() != null) {
                        engineSql.check(job, errors);
                    }
                }
            } catch (SQLException e) {
                throw SyncFailure.sourceFailed("checking filters and cursors at the source failed: "
                        + SourceErrors.reason(run, e));
            }
        } else if (run.jobs().stream().anyMatch(j -> j.mapping().mode().filter() != null || j.mapping().mode().cursor() != null)) {
            Connection connection = null;
            try {
                connection = run.snapshot().joinSnapshot();
                for (MappingJob job : run.jobs()) {
                    MappingMode mode = job.mapping().mode();
                    if (mode.filter() != null || mode.cursor() != null) {
                        check(connection, job, columns(connection, job.sourceTable()), errors);
                    }
                }
            } catch (SQLException e) {
                throw SyncFailure.sourceFailed("checking filters and cursors at the source failed: "
                        + SourceErrors.reason(run, e));
            } finally {
                if (connection != null) {
                    Connections.rollbackAndClose(connection);
                }
            }
        }
        if (!errors.isEmpty()) {
            throw SyncFailure.mismatch(errors);
        }
    }

    private static void check(Connection connection, MappingJob job, Map<String, Column> columns, List<FieldError> errors)
            throws SQLException {
        MappingMode mode = job.mapping().mode();
        String table = job.mapping().sourceTableName();
        if (mode.filter() != null) {
            Map<RowFilter.Leaf, List<String>> literals = new IdentityHashMap<>();
            boolean ok = true;
            for (RowFilter.Leaf leaf : FilterSql.leaves(mode.filter())) {
                Column column = columns.get(leaf.column());
                if (column == null) {
                    errors.add(new FieldError(leaf.path() + ".column", "'" + leaf.column() + "' is not a column of "
                            + table + " (names are case-sensitive)"));
                    ok = false;
                    continue;
                }
                if (mode.mirror() && job.sourceTable().columns().stream().noneMatch(c -> c.name().equals(leaf.column()))) {
                    errors.add(new FieldError(leaf.path() + ".column", "'" + leaf.column() + "' is not among the mapping's "
                            + "columns: a mirror judges the filter on the target's stored values too"));
                    ok = false;
                    continue;
                }
                List<String> quoted = new ArrayList<>();
                for (String value : leaf.values()) {
                    if (!readsAs(connection, job.sourceTable(), leaf.column(), value)) {
                        errors.add(new FieldError(leaf.path() + ".value", "'" + truncate(value) + "' is not a valid "
                                + column.typeName() + " (the type of " + leaf.column() + ")"));
                        ok = false;
                        break;
                    }
                    quoted.add(SqlLiterals.quote(value));
                }
                literals.put(leaf, quoted);
                if (quoted.size() == leaf.values().size() && !applies(connection, job.sourceTable(),
                        FilterSql.render(leaf, Map.of(leaf, quoted), name -> null))) {
                    errors.add(new FieldError(leaf.path() + ".op", "'" + leaf.op().json() + "' does not apply to "
                            + leaf.column() + ", a column of type " + column.typeName()));
                    ok = false;
                }
            }
            if (ok) {
                job.modes().filterLiterals(literals);
                job.modes().sourceFilter(FilterSql.render(mode.filter(), literals, name -> null));
            }
        }
        if (mode.cursor() != null) {
            String field = job.mapping().field("cursor");
            Column column = columns.get(mode.cursor().column());
            if (column == null) {
                errors.add(new FieldError(field + ".column", "'" + mode.cursor().column() + "' is not a column of " + table));
                return;
            }
            boolean numeric = column.builtIn() && NUMERIC_CURSORS.contains(column.baseType());
            boolean time = column.builtIn() && TIME_CURSORS.contains(column.baseType());
            if (!numeric && !time) {
                errors.add(new FieldError(field + ".column", "'" + mode.cursor().column() + "' is " + column.typeName()
                        + ", which has no order an incremental sync can follow: use an integer, numeric, date, "
                        + "timestamp or timestamptz column"));
            } else if (numeric && !mode.cursor().numeric()) {
                errors.add(new FieldError(field + ".lookback", "'" + mode.cursor().column() + "' is " + column.typeName()
                        + ": give the lookback as a number"));
            } else if (time && mode.cursor().numeric() && !mode.cursor().lookback().equals("0")) {
                errors.add(new FieldError(field + ".lookback", "'" + mode.cursor().column() + "' is " + column.typeName()
                        + ": give the lookback as an ISO-8601 duration such as \"PT5M\""));
            } else {
                job.modes().cursorType(CURSOR_TYPES.get(column.baseType()));
            }
        }
    }

    /**
     * Whether the source reads {@code value} as a value of the column's type. The type is named by no
     * text: the parameter, sent untyped, takes the column's type from the CASE, and the server reads it
     * when the statement is bound; no row is read.
     */
    private static boolean readsAs(Connection connection, SourceTable table, String column, String value)
            throws SQLException {
        if (value.indexOf('\0') >= 0) {
            return false;
        }
        Savepoint savepoint = connection.setSavepoint();
        try (PreparedStatement st = connection.prepareStatement("SELECT CASE WHEN false THEN " + SqlNames.quote(column)
                + " ELSE ? END FROM " + SqlNames.qualified(table.schema(), table.name()) + " LIMIT 0")) {
            st.setObject(1, value, Types.OTHER);
            st.executeQuery().close();
            connection.releaseSavepoint(savepoint);
            return true;
        } catch (SQLException e) {
            if (e.getSQLState() != null && e.getSQLState().startsWith("22")) {
                connection.rollback(savepoint);
                return false;
            }
            throw e;
        }
    }

    /** Whether the source can evaluate the condition on the table (json has no =, for one); nothing is read. */
    private static boolean applies(Connection connection, SourceTable table, String condition) throws SQLException {
        Savepoint savepoint = connection.setSavepoint();
        try (PreparedStatement st = connection.prepareStatement("SELECT 1 FROM "
                + SqlNames.qualified(table.schema(), table.name()) + " WHERE " + condition + " LIMIT 0");
             ResultSet rs = st.executeQuery()) {
            connection.releaseSavepoint(savepoint);
            return true;
        } catch (SQLException e) {
            if (e.getSQLState() != null && e.getSQLState().startsWith("42")) {
                connection.rollback(savepoint);
                return false;
            }
            throw e;
        }
    }

    private static Map<String, Column> columns(Connection connection, SourceTable table) throws SQLException {
        Map<String, Column> columns = new HashMap<>();
        try (PreparedStatement st = connection.prepareStatement(COLUMNS)) {
            st.setString(1, SqlNames.qualified(table.schema(), table.name()));
            try (ResultSet rs = st.executeQuery()) {
                while (rs.next()) {
                    columns.put(rs.getString(1), new Column(rs.getString(2), rs.getString(3), rs.getBoolean(4)));
                }
            }
        }
        return columns;
    }

    private static String truncate(String value) {
        return value.length() <= 64 ? value : value.substring(0, 64) + "…";
    }

    /** An engine without {@link ai.originchain.ingest.source.ModeSql} (SQLite) takes upsert and mirror only. */
    private static void refuseFiltersAndCursors(SyncRun run, String engine) {
        List<FieldError> errors = new ArrayList<>();
        for (MappingJob job : run.jobs()) {
            MappingMode mode = job.mapping().mode();
            if (mode.filter() != null) {
                errors.add(new FieldError(job.mapping().field("filter"), "is not supported for " + engine
                        + " sources yet; filter at the source with a view, or sync and filter at the target"));
            }
            if (mode.cursor() != null) {
                errors.add(new FieldError(job.mapping().field("mode"), "incremental is not supported for " + engine
                        + " sources yet; use upsert or mirror"));
            }
        }
        if (!errors.isEmpty()) {
            throw SyncFailure.invalid(errors);
        }
    }
}
