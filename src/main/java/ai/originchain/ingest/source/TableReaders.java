package ai.originchain.ingest.source;

import java.sql.SQLException;

import org.springframework.stereotype.Component;

import ai.originchain.ingest.sync.MappingJob;
import ai.originchain.ingest.sync.RowSource;
import ai.originchain.ingest.sync.SourceErrors;

/**
 * The SQL consumer of a mapping: opens a streaming read of the source table inside the sync's
 * consistent read, through the run's source engine, in key order when the rows will be compared with the target's ({@link MappingJob#keyOrder()}).
 */
@Component("tableReaders")
public class TableReaders {

    public RowSource open(MappingJob job) {
        job.run().throwIfAborted();
        job.report().estimatedRows(job.sourceTable().estimatedRows());
        try {
            RowSource reader = job.run().sourceRead().read(new TableQuery(job.sourceTable(), job.mapping().primaryKey(),
                    job.keyOrder(), job.report(), job.modes().readWhere(), job.modes().sourceParameters()));
            job.run().closeWhenDone(reader);
            // An abort that came while the read opened has not closed it: end here.
            job.run().throwIfAborted();
            return reader;
        } catch (SQLException e) {
            throw SourceErrors.duringRead(job, e);
        }
    }
}
