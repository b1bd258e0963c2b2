package ai.originchain.ingest.source;

import java.sql.SQLException;

import org.springframework.stereotype.Component;

import ai.originchain.ingest.sync.MappingJob;
import ai.originchain.ingest.sync.RowSource;
import ai.originchain.ingest.sync.SourceErrors;

/**
 * The SQL consumer of a mapping: opens a streaming read of the source table inside the sync's
 * snapshot, in key order when the rows will be compared with the target's ({@link MappingJob#keyOrder()}).
 */
@Component("tableReaders")
public class TableReaders {

    public RowSource open(MappingJob job) {
        try {
            TableReader reader = TableReader.open(job.run().snapshot(), job.sourceTable(), job.keyOrder(),
                    job.modes().sourceWhere());
            job.run().closeWhenDone(reader);
            return reader;
        } catch (SQLException e) {
            throw SourceErrors.duringRead(job, e);
        }
    }
}
