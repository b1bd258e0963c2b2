package ai.originchain.ingest.source;

import java.sql.Connection;
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
import ai.originchain.ingest.source.postgres.SourceCatalog;
import ai.originchain.ingest.source.postgres.SourceConnector;

/**
 * Connects to the source, opens the sync's snapshot, and checks every mapping against the source
 * catalog before anything is written: an unknown table or column fails the request with 422.
 */
@Component("sourceInspector")
public class SourceInspector {

    /** Exchange property naming the run's source engine ({@link SourceEngines}); absent means PostgreSQL. */
    public static final String ENGINE = "originchainEngine";

    private final SourceEngines engines;

    @org.springframework.beans.factory.annotation.Autowired
    public SourceInspector(SourceEngines engines) {
        this.engines = engines;
    }

    /** An inspector of PostgreSQL sources only. */
    public SourceInspector(SourceConnector connector, SourceCatalog catalog) {
        this(new SourceEngines(List.of(new ai.originchain.ingest.source.postgres.PostgresEngine(connector, catalog))));
    }

    public void inspect(SyncRun run) {
        inspect(run, null);
    }

    public void inspect(@ExchangeProperty(SyncSteps.RUN) SyncRun run, @ExchangeProperty(ENGINE) String engine) {
        SourceRead snapshot;
        try {
            snapshot = engines.get(engine).begin(run);
        } catch (SQLException e) {
            throw SourceErrors.connecting(run.source(), e);
        }
        inspectWithin(run, snapshot);
    }

    /** Checks every mapping inside {@code snapshot}, a consistent read the run owns from here on. */
    public void inspectWithin(SyncRun run, SourceRead snapshot) {
        run.sourceRead(snapshot);
        CatalogCheck checked;
        try {
            checked = snapshot.check(run.manifest().mappings());
        } catch (SQLException e) {
            throw SyncFailure.sourceFailed("reading the source catalog failed: " + SourceErrors.reason(run, e));
        }
        if (!checked.errors().isEmpty()) {
            throw SyncFailure.mismatch(checked.errors());
        }
        List<FieldError> duplicates = new ArrayList<>();
        for (int i = 0; i < run.jobs().size(); i++) {
            MappingJob job = run.jobs().get(i);
            SourceTable table = checked.tables().get(i);
            job.sourceTable(table);
            checked.warnings().get(i).forEach(job.report()::warn);
            if (!table.keyIsUnique()) {
                String duplicate;
                try {
                    duplicate = snapshot.firstDuplicateKey(table, job.mapping().primaryKey());
                } catch (SQLException e) {
                    throw SyncFailure.sourceFailed("checking the key of " + job.mapping().sourceTableName() + " failed: "
                            + SourceErrors.reason(run, e));
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
