package ai.originchain.ingest.stream;

import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.List;

import javax.sql.DataSource;

import org.apache.camel.Exchange;
import org.apache.camel.ExchangeProperty;
import org.postgresql.PGConnection;
import org.postgresql.copy.CopyIn;
import org.postgresql.copy.CopyOut;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.stereotype.Component;

import ai.originchain.ingest.source.postgres.SourceConnector;
import ai.originchain.ingest.source.SourceInspector;
import ai.originchain.ingest.source.postgres.PostgresEngine;
import ai.originchain.ingest.source.postgres.SourceSnapshot;
import ai.originchain.ingest.store.TargetErrors;
import ai.originchain.ingest.sync.MappingJob;
import ai.originchain.ingest.sync.SourceErrors;
import ai.originchain.ingest.sync.SourceSpec;
import ai.originchain.ingest.sql.SqlNames;
import ai.originchain.ingest.sync.SyncManifest;
import ai.originchain.ingest.sync.SyncRun;
import ai.originchain.ingest.sync.SyncSteps;

/**
 * The initial copy of a stream, on the sync chain's beans: a run whose snapshot is the one the new
 * replication slot exported, so the copy and the stream meet exactly at the slot's consistent point;
 * afterwards target rows the snapshot lacks are deleted, so each target table equals the snapshot.
 */
@Component("streamSnapshot")
public class StreamSnapshotSteps {

    private static final Logger log = LoggerFactory.getLogger(StreamSnapshotSteps.class);

    private final SourceConnector connector;
    private final SourceInspector inspector;
    private final PostgresEngine postgres;
    private final DataSource target;

    public StreamSnapshotSteps(SourceConnector connector, SourceInspector inspector, PostgresEngine postgres,
                               DataSource target) {
        this.postgres = postgres;
        this.connector = connector;
        this.inspector = inspector;
        this.target = target;
    }

    /** The copy's run: a sync of the tenant, admitted as one (it takes the target connections a sync does). */
    public void prepare(@ExchangeProperty(ChangeApplier.SESSION) StreamSession session, Exchange exchange) {
        SyncManifest manifest = session.definition().manifest();
        SourceSpec source = manifest.source();
        // The run wipes its password when it ends; the stream keeps its own.
        SourceSpec copy = new SourceSpec(source.host(), source.port(), source.database(), source.user(),
                source.passwordForConnect().toCharArray(), source.sslMode(), source.sslRootCertPem());
        SyncRun run = new SyncRun(session.tenant(), new SyncManifest(copy, manifest.mappings(), manifest.schemas()));
        run.triggeredBy("stream:" + session.name(), null);
        exchange.setProperty(SyncSteps.RUN, run);
    }

    /** Makes the stream's slot, after the copy was admitted: a refused copy makes nothing at the source. */
    public void makeSlot(@ExchangeProperty(ChangeApplier.SESSION) StreamSession session) throws SQLException {
        session.makeSlot();
    }

    /** Opens the copy's run inside the slot's snapshot and checks every mapping against it. */
    public void open(@ExchangeProperty(ChangeApplier.SESSION) StreamSession session,
                     @ExchangeProperty(SyncSteps.RUN) SyncRun run) {
        SourceSpec copy = run.manifest().source();
        SourceSnapshot snapshot;
        try {
            snapshot = SourceSnapshot.importing(connector, copy, session.snapshotName(), "stream " + session.name());
        } catch (SQLException e) {
            throw SourceErrors.connecting(copy, e);
        }
        inspector.inspectWithin(run, postgres.within(run, snapshot));
        log.info("stream {}/{}: copying {} mapping(s) in the slot's snapshot", session.tenant(), session.name(),
                run.jobs().size());
    }

    /** Deletes, in each target table that held rows before the copy, the rows whose key the snapshot lacks. */
    public void deleteRowsNotInSnapshot(@ExchangeProperty(SyncSteps.RUN) SyncRun run) {
        for (MappingJob job : run.jobs()) {
            if (job.bulkLoad()) {
                continue;
            }
            List<String> key = job.mapping().primaryKey();
            String keys = String.join(", ", key.stream().map(SqlNames::quote).toList());
            String table = SqlNames.qualified(run.tenant(), job.mapping().targetSchema());
            try (Connection source = run.snapshot().joinSnapshot(); Connection c = target.getConnection()) {
                c.setAutoCommit(false);
                try (Statement st = c.createStatement()) {
                    st.execute("CREATE TEMP TABLE oc_snapshot_keys ON COMMIT DROP AS SELECT " + keys + " FROM " + table
                            + " WITH NO DATA");
                    CopyOut out = source.unwrap(PGConnection.class).getCopyAPI().copyOut("COPY (SELECT " + keys + " FROM "
                            + SqlNames.qualified(job.sourceTable().schema(), job.sourceTable().name()) + ") TO STDOUT");
                    CopyIn in = c.unwrap(PGConnection.class).getCopyAPI().copyIn("COPY oc_snapshot_keys FROM STDIN");
                    byte[] row;
                    while ((row = out.readFromCopy()) != null) {
                        in.writeToCopy(row, 0, row.length);
                    }
                    in.endCopy();
                    st.execute("ANALYZE oc_snapshot_keys");
                    String match = key.stream().map(k -> "k." + SqlNames.quote(k) + " = t." + SqlNames.quote(k))
                            .reduce((a, b) -> a + " AND " + b).orElseThrow();
                    int deleted = st.executeUpdate("DELETE FROM " + table + " t WHERE NOT EXISTS (SELECT 1 FROM "
                            + "oc_snapshot_keys k WHERE " + match + ")");
                    c.commit();
                    log.info("stream copy {}: deleted {} row(s) of {} that the snapshot does not hold", run.id(), deleted, table);
                } catch (SQLException e) {
                    c.rollback();
                    throw e;
                }
                source.rollback();
            } catch (SQLException e) {
                throw TargetErrors.unavailable(e);
            }
        }
    }

    public void close(Exchange exchange) {
        SyncRun run = exchange.getProperty(SyncSteps.RUN, SyncRun.class);
        if (run != null) {
            run.close();
        }
    }
}
