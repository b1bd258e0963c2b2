package ai.originchain.ingest.source;

import java.sql.SQLException;

import org.springframework.stereotype.Component;

import ai.originchain.ingest.IngestProperties;
import ai.originchain.ingest.sync.MappingJob;
import ai.originchain.ingest.sync.RowBatcher;
import ai.originchain.ingest.sync.SourceErrors;

/**
 * The SQL consumer of a mapping: opens a streaming read of the source table inside the sync's
 * snapshot and hands the route an iterator of row batches to split.
 */
@Component("tableReaders")
public class TableReaders {

    private final IngestProperties.Sync settings;

    public TableReaders(IngestProperties properties) {
        this.settings = properties.getSync();
    }

    public RowBatcher open(MappingJob job) {
        try {
            TableReader reader = TableReader.open(job.run().snapshot(), job.sourceTable());
            RowBatcher batcher = new RowBatcher(job, reader, settings.getBatchRows(), settings.getBatchBytes());
            job.run().closeWhenDone(batcher);
            return batcher;
        } catch (SQLException e) {
            throw SourceErrors.duringRead(job, e);
        }
    }
}
