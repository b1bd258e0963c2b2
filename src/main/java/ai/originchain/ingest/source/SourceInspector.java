package ai.originchain.ingest.source;

import java.sql.SQLException;

import org.apache.camel.ExchangeProperty;
import org.springframework.stereotype.Component;

import ai.originchain.ingest.api.ApiProblem;
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
        run.snapshot(snapshot);
        SourceCatalog.Checked checked;
        try {
            checked = catalog.check(snapshot.coordinator(), run.manifest().mappings());
        } catch (SQLException e) {
            throw ApiProblem.sourceFailed("reading the source catalog failed: " + SourceErrors.reason(run.source(), e), null);
        }
        if (!checked.errors().isEmpty()) {
            throw ApiProblem.unprocessable(checked.errors());
        }
        for (int i = 0; i < run.jobs().size(); i++) {
            MappingJob job = run.jobs().get(i);
            job.sourceTable(checked.tables().get(i));
        }
    }
}
