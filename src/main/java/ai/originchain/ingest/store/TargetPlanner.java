package ai.originchain.ingest.store;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Savepoint;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;


import org.springframework.stereotype.Component;

import ai.originchain.ingest.failure.SyncFailure;
import ai.originchain.ingest.failure.FieldError;
import ai.originchain.ingest.source.SourceColumn;
import ai.originchain.ingest.source.SourceTable;
import ai.originchain.ingest.sync.MappingJob;
import ai.originchain.ingest.sync.SchemaDeclaration;
import ai.originchain.ingest.sync.SyncRun;
import ai.originchain.ingest.typemap.TargetColumn;
import ai.originchain.ingest.typemap.TargetTypeNames;
import ai.originchain.ingest.typemap.TypeMap;
import ai.originchain.ingest.typemap.Widening;

/**
 * The type-mapping step: gives every selected source column its target type (the type map, or the
 * manifest's declaration) and checks the result against a target table that already exists. It
 * only reads the target; a mismatch in any mapping fails the whole request with 422 before anything
 * is written.
 */
@Component("targetPlanner")
public class TargetPlanner {

    private static final String EXISTING_COLUMNS = """
            SELECT a.attname, pg_catalog.format_type(a.atttypid, a.atttypmod)
              FROM pg_catalog.pg_attribute a
              JOIN pg_catalog.pg_class c ON c.oid = a.attrelid
              JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
             WHERE n.nspname = ? AND c.relname = ? AND a.attnum > 0 AND NOT a.attisdropped
             ORDER BY a.attnum
            """;
    private static final String EXISTING_KEY = """
            SELECT a.attname
              FROM pg_catalog.pg_index i
              JOIN pg_catalog.pg_class c ON c.oid = i.indrelid
              JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
              JOIN LATERAL unnest(i.indkey) WITH ORDINALITY k(attnum, pos) ON true
              JOIN pg_catalog.pg_attribute a ON a.attrelid = c.oid AND a.attnum = k.attnum
             WHERE n.nspname = ? AND c.relname = ? AND i.indisprimary
             ORDER BY k.pos
            """;

    /** A probe table's column type: its target name, and whether it is a built-in type a declaration may take. */
    private static final String DECLARED_TYPE = """
            SELECT pg_catalog.format_type(a.atttypid, a.atttypmod),
                   t.typnamespace = 'pg_catalog'::regnamespace AND t.typtype IN ('b', 'r', 'm') AND t.typname !~ '^_?reg'
              FROM pg_catalog.pg_attribute a
              JOIN pg_catalog.pg_type t ON t.oid = a.atttypid
             WHERE a.attrelid = 'pg_temp.{probe}'::regclass AND a.attname = 'c'
            """;

    private final TargetConnections target;

    public TargetPlanner(TargetConnections target) {
        this.target = target;
    }

    public void plan(SyncRun run) {
        List<FieldError> errors = new ArrayList<>();
        try (Connection connection = target.work(run)) {
            connection.setAutoCommit(false);
            try {
                Map<String, String> declaredTypes = normalizeDeclarations(connection, run, errors);
                for (MappingJob job : run.jobs()) {
                    plan(connection, run, job, declaredTypes, errors);
                }
            } finally {
                connection.rollback();
            }
        } catch (SQLException e) {
            throw TargetErrors.unavailable(e);
        }
        if (!errors.isEmpty()) {
            throw SyncFailure.mismatch(errors);
        }
    }

    private void plan(Connection connection, SyncRun run, MappingJob job, Map<String, String> declaredTypes,
                      List<FieldError> errors) throws SQLException {
        SourceTable source = job.sourceTable();
        String table = job.mapping().targetSchema();
        Optional<SchemaDeclaration> declaration = run.manifest().declarationFor(table);
        List<TargetColumn> columns = new ArrayList<>();
        List<FieldError> refusedTypes = new ArrayList<>();
        for (int i = 0; i < source.columns().size(); i++) {
            SourceColumn column = source.columns().get(i);
            TypeMap.Mapped mapped = TypeMap.map(column.type());
            Optional<SchemaDeclaration.DeclaredColumn> declared = declaration.flatMap(d -> d.column(column.name()));
            String type;
            if (declared.isPresent() && declaredTypes.containsKey(table + "." + column.name())) {
                type = declaredTypes.get(table + "." + column.name());
            } else {
                type = TargetTypeNames.name(connection, mapped).orElse(null);
                if (type == null) {
                    refusedTypes.add(new FieldError(columnField(job, i), "column '" + column.name() + "' of "
                            + job.mapping().sourceTableName() + " has a type the source names '"
                            + shown(column.type().formatted()) + "', which is not a built-in type of the "
                            + "target store; nothing was written"));
                    continue;
                }
                if (declared.isEmpty()) {
                    mapped.warning().ifPresent(w -> job.report().warn("column " + column.name() + ": " + w));
                }
            }
            columns.add(new TargetColumn(column.name(), type, TypeMap.compareAsText(type)));
        }
        refusedTypes.addAll(unusableTypes(connection, job, columns));
        if (!refusedTypes.isEmpty()) {
            errors.addAll(refusedTypes);
            return;
        }
        declaration.ifPresent(d -> {
            for (int i = 0; i < d.columns().size(); i++) {
                String name = d.columns().get(i).name();
                if (columns.stream().noneMatch(c -> c.name().equals(name))) {
                    errors.add(new FieldError("schemas[" + d.index() + "].columns[" + i + "].name",
                            "'" + name + "' is not among the columns that " + job.mapping().field("columns") + " selects"));
                }
            }
        });
        Map<String, String> existing = existingColumns(connection, run.tenant(), table);
        boolean exists = !existing.isEmpty();
        List<SchemaChange> changes = new ArrayList<>();
        if (exists) {
            for (int i = 0; i < columns.size(); i++) {
                TargetColumn column = columns.get(i);
                String have = existing.get(column.name());
                String field = job.mapping().columns() == null
                        ? job.mapping().field("target_schema")
                        : columnField(job, i);
                if (have == null) {
                    changes.add(new SchemaChange(column.name(), null, column.type()));
                } else if (Widening.widens(have, column.type())) {
                    changes.add(new SchemaChange(column.name(), have, column.type()));
                } else if (!have.equals(column.type())) {
                    errors.add(new FieldError(field, "column '" + column.name() + "' is " + have + " in the existing target "
                            + run.tenant() + "." + table + ", but the sync needs " + column.type()
                            + ": only widening changes are applied (integer to bigint, longer varchar, varchar to text, "
                            + "more numeric precision at the same scale)"));
                }
            }
            for (String kept : existing.keySet()) {
                if (columns.stream().noneMatch(c -> c.name().equals(kept))
                        && !kept.equals(ai.originchain.ingest.sync.MappingMode.DELETED_AT)) {
                    job.report().warn("column " + kept + " of the target is no longer selected; it stays, and rows "
                            + "inserted from now on hold NULL in it");
                }
            }
            List<String> key = existingKey(connection, run.tenant(), table);
            if (!key.equals(job.mapping().primaryKey())) {
                errors.add(new FieldError(job.mapping().field("primary_key"), "the existing target " + run.tenant() + "."
                        + table + " has primary key " + key + ", not " + job.mapping().primaryKey()));
            }
        }
        job.targetPlan(new TargetPlan(run.tenant(), table, columns, job.mapping().primaryKey(), exists, changes));
    }

    private static String columnField(MappingJob job, int column) {
        return job.mapping().columns() == null ? job.mapping().field("source_table") : job.mapping().field("columns[" + column + "]");
    }

    /**
     * The columns whose type the target store names but refuses in a table (a modifier no honest
     * source reports, such as {@code numeric(0,5)}): tried in a temporary table the caller's rollback
     * discards, all at once, and one by one only when that fails.
     */
    private static List<FieldError> unusableTypes(Connection connection, MappingJob job, List<TargetColumn> columns)
            throws SQLException {
        if (columns.isEmpty() || tableAccepts(connection, columns)) {
            return List.of();
        }
        List<FieldError> refused = new ArrayList<>();
        for (int i = 0; i < columns.size(); i++) {
            if (!tableAccepts(connection, List.of(columns.get(i)))) {
                refused.add(new FieldError(columnField(job, i), "column '" + columns.get(i).name() + "' of "
                        + job.mapping().sourceTableName() + " has type " + columns.get(i).type()
                        + ", which the target store refuses for a column; nothing was written"));
            }
        }
        return refused;
    }

    /** Whether a table with these column types can be made; the column names are the probe's own. */
    private static boolean tableAccepts(Connection connection, List<TargetColumn> columns) throws SQLException {
        StringBuilder ddl = new StringBuilder("CREATE TEMP TABLE oc_plan_probe (");
        for (int i = 0; i < columns.size(); i++) {
            ddl.append(i == 0 ? "" : ", ").append('c').append(i).append(' ').append(columns.get(i).type());
        }
        Savepoint savepoint = connection.setSavepoint();
        try (Statement st = connection.createStatement()) {
            st.execute(ddl.append(')').toString());
            connection.rollback(savepoint);
            return true;
        } catch (SQLException e) {
            if (e.getSQLState() != null && e.getSQLState().startsWith("08")) {
                throw e;
            }
            connection.rollback(savepoint);
            return false;
        }
    }

    private static String shown(String sourceText) {
        return sourceText == null ? "" : sourceText.length() <= 64 ? sourceText : sourceText.substring(0, 64) + "…";
    }

    /**
     * Declared types, as the target spells them ({@code int} becomes {@code integer}): each is tried
     * in a temporary table that the caller's rollback discards. The declared text matched a strict
     * type-name pattern in the parser, so it is safe to place in DDL. Only built-in types are taken,
     * and none whose values are looked up in the catalog (regclass…, refused by the parser already):
     * a name that is no type and a name of any other object get the same answer, so the answer tells
     * nothing of what the target store holds.
     */
    private Map<String, String> normalizeDeclarations(Connection connection, SyncRun run, List<FieldError> errors)
            throws SQLException {
        Map<String, String> normalized = new LinkedHashMap<>();
        int probe = 0;
        for (SchemaDeclaration declaration : run.manifest().schemas()) {
            if (run.manifest().mappings().stream().noneMatch(m -> m.targetSchema().equals(declaration.name()))) {
                errors.add(new FieldError("schemas[" + declaration.index() + "].name",
                        "no mapping in this request has target_schema '" + declaration.name() + "'"));
                continue;
            }
            for (int i = 0; i < declaration.columns().size(); i++) {
                SchemaDeclaration.DeclaredColumn column = declaration.columns().get(i);
                String probeTable = "oc_type_probe_" + probe++;
                String builtIn = null;
                Savepoint savepoint = connection.setSavepoint();
                try (Statement st = connection.createStatement()) {
                    st.execute("CREATE TEMP TABLE " + probeTable + " (c " + column.type() + ")");
                    try (ResultSet rs = st.executeQuery(DECLARED_TYPE.replace("{probe}", probeTable))) {
                        rs.next();
                        builtIn = rs.getBoolean(2) ? rs.getString(1) : null;
                    }
                    connection.releaseSavepoint(savepoint);
                } catch (SQLException e) {
                    if (e.getSQLState() != null && e.getSQLState().startsWith("08")) {
                        throw e;
                    }
                    connection.rollback(savepoint);
                }
                if (builtIn == null) {
                    errors.add(new FieldError("schemas[" + declaration.index() + "].columns[" + i + "].type",
                            "'" + column.type() + "' is not a built-in type of the target store (such as numeric(12,2), "
                                    + "text, timestamptz or bigint[])"));
                } else {
                    normalized.put(declaration.name() + "." + column.name(), builtIn);
                }
            }
        }
        return normalized;
    }

    private static Map<String, String> existingColumns(Connection connection, String schema, String table)
            throws SQLException {
        Map<String, String> columns = new LinkedHashMap<>();
        try (PreparedStatement st = connection.prepareStatement(EXISTING_COLUMNS)) {
            st.setString(1, schema);
            st.setString(2, table);
            try (ResultSet rs = st.executeQuery()) {
                while (rs.next()) {
                    columns.put(rs.getString(1), rs.getString(2));
                }
            }
        }
        return columns;
    }

    private static List<String> existingKey(Connection connection, String schema, String table) throws SQLException {
        List<String> key = new ArrayList<>();
        try (PreparedStatement st = connection.prepareStatement(EXISTING_KEY)) {
            st.setString(1, schema);
            st.setString(2, table);
            try (ResultSet rs = st.executeQuery()) {
                while (rs.next()) {
                    key.add(rs.getString(1));
                }
            }
        }
        return key;
    }
}
