package ai.originchain.ingest.typemap;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;


import org.apache.camel.ExchangeProperty;
import org.postgresql.PGConnection;
import org.springframework.stereotype.Component;

import ai.originchain.ingest.store.TargetConnections;
import ai.originchain.ingest.failure.SyncFailure;
import ai.originchain.ingest.source.SourceColumn;
import ai.originchain.ingest.source.SourceTable;
import ai.originchain.ingest.source.TableQuery;
import ai.originchain.ingest.sync.RowSource;
import ai.originchain.ingest.sync.MappingJob;
import ai.originchain.ingest.sync.SchemaDeclaration;
import ai.originchain.ingest.sync.SourceErrors;
import ai.originchain.ingest.sync.SyncRun;
import ai.originchain.ingest.sync.SyncSteps;
import ai.originchain.ingest.store.TargetErrors;

/**
 * Before anything is written: every value of a column whose declared type differs from its
 * inferred one is tried against the declared type at the target ({@code pg_input_is_valid},
 * PostgreSQL 16+), reading those columns and the key inside the sync's snapshot. The first value
 * that does not fit fails the request with 422 naming the column and the row's key.
 */
@Component("declaredTypeCheck")
public class DeclaredTypeCheck {

    private static final int ROWS_PER_ROUND = 50_000;

    private final TargetConnections target;

    public DeclaredTypeCheck(TargetConnections target) {
        this.target = target;
    }

    public void check(@ExchangeProperty(SyncSteps.RUN) SyncRun run) {
        for (MappingJob job : run.jobs()) {
            Optional<SchemaDeclaration> declaration = run.manifest().declarationFor(job.mapping().targetSchema());
            if (declaration.isEmpty()) {
                continue;
            }
            List<Declared> changed = new ArrayList<>();
            for (int i = 0; i < declaration.get().columns().size(); i++) {
                String name = declaration.get().columns().get(i).name();
                String planned = job.targetPlan().columns().stream().filter(c -> c.name().equals(name))
                        .map(TargetColumn::type).findFirst().orElse(null);
                SourceColumn source = job.sourceTable().columns().stream().filter(c -> c.name().equals(name))
                        .findFirst().orElse(null);
                if (planned != null && source != null && !planned.equals(TypeMap.map(source.type()).targetType())) {
                    changed.add(new Declared("schemas[" + declaration.get().index() + "].columns[" + i + "].type", name, planned));
                }
            }
            if (!changed.isEmpty()) {
                check(run, job, changed);
            }
        }
    }

    private record Declared(String field, String column, String type) {
    }

    private void check(SyncRun run, MappingJob job, List<Declared> declared) {
        Set<String> names = new LinkedHashSet<>(job.mapping().primaryKey());
        declared.forEach(d -> names.add(d.column()));
        List<SourceColumn> columns = names.stream()
                .map(n -> job.sourceTable().columns().stream().filter(c -> c.name().equals(n)).findFirst().orElseThrow())
                .toList();
        SourceTable subset = new SourceTable(job.sourceTable().schema(), job.sourceTable().name(), columns, true, -1);
        List<String> probeColumns = new ArrayList<>();
        for (int i = 0; i < columns.size(); i++) {
            probeColumns.add("c" + i);
        }
        String key = String.join(" || ',' || ", job.mapping().primaryKey().stream()
                .map(k -> "coalesce(c" + new ArrayList<>(names).indexOf(k) + ", 'NULL')").toList());
        RowSource reader;
        try {
            // Only the rows the mapping's filter reads.
            reader = run.sourceRead().read(new TableQuery(subset, job.mapping().primaryKey(), null, job.report(),
                    job.modes().sourceFilter()));
        } catch (SQLException e) {
            throw SourceErrors.duringRead(job, e);
        }
        try (reader; Connection connection = target.work(run)) {
            connection.setAutoCommit(false);
            try (Statement st = connection.createStatement()) {
                st.execute("CREATE TEMP TABLE oc_declared_check (" + String.join(" text, ", probeColumns)
                        + " text) ON COMMIT DROP");
                boolean more = true;
                while (more) {
                    ByteArrayOutputStream rows = new ByteArrayOutputStream();
                    int n = readRound(job, reader, rows);
                    more = n == ROWS_PER_ROUND;
                    connection.unwrap(PGConnection.class).getCopyAPI()
                            .copyIn("COPY oc_declared_check FROM STDIN", new ByteArrayInputStream(rows.toByteArray()));
                    for (Declared d : declared) {
                        String value = "c" + new ArrayList<>(names).indexOf(d.column());
                        try (PreparedStatement bad = connection.prepareStatement("SELECT " + key + ", left(" + value
                                + ", 64) FROM oc_declared_check WHERE NOT pg_catalog.pg_input_is_valid(" + value + ", ?) LIMIT 1")) {
                            bad.setString(1, d.type());
                            try (ResultSet rs = bad.executeQuery()) {
                                if (rs.next()) {
                                    throw SyncFailure.mismatch(d.field(), "value '" + rs.getString(2) + "' of column "
                                            + d.column() + " (primary key " + job.mapping().primaryKey() + " = (" + rs.getString(1)
                                            + ")) is not a valid " + d.type() + "; nothing of " + job.mapping().sourceTableName()
                                            + " was written");
                                }
                            }
                        }
                    }
                    st.execute("TRUNCATE oc_declared_check");
                }
            } finally {
                connection.rollback();
            }
        } catch (SQLException e) {
            if ("42883".equals(e.getSQLState())) {
                throw SyncFailure.targetUnavailable("declared types need a PostgreSQL 16 or newer target store");
            }
            throw TargetErrors.unavailable(e);
        } catch (IOException e) {
            throw SyncFailure.targetUnavailable("the target store failed while checking declared types");
        }
    }

    private static int readRound(MappingJob job, RowSource reader, ByteArrayOutputStream rows) {
        int n = 0;
        try {
            byte[] row;
            while (n < ROWS_PER_ROUND && (row = reader.nextRow()) != null) {
                rows.write(row, 0, row.length);
                n++;
            }
        } catch (SQLException e) {
            throw SourceErrors.duringRead(job, e);
        }
        return n;
    }
}
