package ai.originchain.ingest.source;

import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;

import ai.originchain.ingest.failure.FieldError;

import org.apache.camel.ExchangeProperty;
import org.springframework.stereotype.Component;

import ai.originchain.ingest.failure.SyncFailure;
import ai.originchain.ingest.sync.MappingJob;
import ai.originchain.ingest.sync.SourceErrors;
import ai.originchain.ingest.sync.SyncRun;
import ai.originchain.ingest.sync.SyncSteps;

/**
 * Connects to the source, opens the sync's snapshot, and checks every mapping against the source
 * catalog before anything is written: an unknown table or column fails the request with 422.
 */
@Component("sourceInspector")
public class SourceInspector {

    private final SourceConnector connector;
    private final SourceCatalog catalog;

    public SourceInspector(SourceConnector connector, SourceCatalog catalog) {
        this.connector = connector;
        this.catalog = catalog;
    }

    public void inspect(@ExchangeProperty(SyncSteps.RUN) SyncRun run) {
        SourceSnapshot snapshot;
        try {
            snapshot = SourceSnapshot.open(connector, run.source());
        } catch (SQLException e) {
            throw SourceErrors.connecting(run.source(), e);
        }
        inspect(run, snapshot);
    }

    /** Checks every mapping inside {@code snapshot}, which the run owns from here on. */
    public void inspect(SyncRun run, SourceSnapshot snapshot) {
        run.snapshot(snapshot);
        SourceCatalog.Checked checked;
        try {
            checked = catalog.check(snapshot.coordinator(), run.manifest().mappings());
        } catch (SQLException e) {
            throw SyncFailure.sourceFailed("reading the source catalog failed: " + SourceErrors.reason(run.source(), e));
        }
        if (!checked.errors().isEmpty()) {
            throw SyncFailure.mismatch(checked.errors());
        }
        List<FieldError> duplicates = new ArrayList<>();
        for (int i = 0; i < run.jobs().size(); i++) {
            MappingJob job = run.jobs().get(i);
            SourceTable table = checked.tables().get(i);
            job.sourceTable(table);
            if (!table.keyIsUnique()) {
                String duplicate;
                try {
                    duplicate = catalog.firstDuplicateKey(snapshot.coordinator(), table, job.mapping().primaryKey());
                } catch (SQLException e) {
                    throw SyncFailure.sourceFailed("checking the key of " + job.mapping().sourceTableName() + " failed: "
                            + SourceErrors.reason(run.source(), e));
                }
                if (duplicate != null) {
                    duplicates.add(new FieldError(job.mapping().field("primary_key"), "is not unique in "
                            + job.mapping().sourceTableName() + ": key " + duplicate + " occurs more than once; "
                            + "choose columns that identify a row"));
                }
            }
        }
        if (!duplicates.isEmpty()) {
            throw SyncFailure.mismatch(duplicates);
        }
    }
}
