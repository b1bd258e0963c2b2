package ai.originchain.ingest.source;

import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;

import org.springframework.stereotype.Component;

import ai.originchain.ingest.IngestProperties;
import ai.originchain.ingest.sync.MappingJob;
import ai.originchain.ingest.sync.ModeState;
import ai.originchain.ingest.sync.PartedRead;
import ai.originchain.ingest.sync.RowSource;
import ai.originchain.ingest.sync.SourceErrors;

/**
 * The SQL consumer of a mapping: opens a streaming read of the source table inside the sync's
 * consistent read, through the run's source engine, in key order when the rows will be compared with the target's ({@link MappingJob#keyOrder()}):
 * a large merge as one ordered read per key-range part ({@link ai.originchain.ingest.sync.ModeState#mergeParts()}).
 */
@Component("tableReaders")
public class TableReaders {

    private final IngestProperties.Sync settings;

    public TableReaders(IngestProperties properties) {
        this.settings = properties.getSync();
    }

    public RowSource open(MappingJob job) {
        job.run().throwIfAborted();
        job.report().estimatedRows(job.sourceTable().estimatedRows());
        if (job.modes().readsNothing()) {
            return RowSource.empty(); // every range equal: no session of the source is opened for nothing
        }
        try {
            TableQuery query = new TableQuery(job.sourceTable(), job.mapping().primaryKey(),
                    job.keyOrder(), job.report(), job.modes().readWhere(), job.modes().sourceParameters());
            RowSource reader;
            List<String> mergeParts = job.modes().mergeParts();
            if (job.bulkLoad() && query.order() == null && settings.getReaders() > 1) {
                // A bulk load needs no order: a large table is read as originchain.sync.readers parts at once.
                List<RowSource> parts = job.run().sourceRead().readInParts(query, settings.getReaders(),
                        settings.getReadPartMinBytes());
                reader = parts.size() == 1 ? parts.get(0) : new PartedRead(parts);
            } else if (query.order() != null && mergeParts != null) {
                reader = readInKeyRanges(job, query, mergeParts);
            } else {
                reader = job.run().sourceRead().read(query);
            }
            job.run().closeWhenDone(reader);
            // An abort that came while the read opened has not closed it: end here.
            job.run().throwIfAborted();
            return reader;
        } catch (SQLException e) {
            throw SourceErrors.duringRead(job, e);
        }
    }

    /** A large merge's source read as one ordered read per key range of {@code parts}, each on its own session of the snapshot. */
    private static PartedRead readInKeyRanges(MappingJob job, TableQuery query, List<String> parts) throws SQLException {
        List<RowSource> reads = new ArrayList<>();
        try {
            for (String part : parts) {
                reads.add(job.run().sourceRead().read(new TableQuery(query.table(), query.primaryKey(), query.order(),
                        query.report(), ModeState.and(query.where(), part), query.parameters())));
            }
        } catch (SQLException | RuntimeException e) {
            reads.forEach(RowSource::close);
            throw e;
        }
        return new PartedRead(reads);
    }
}
