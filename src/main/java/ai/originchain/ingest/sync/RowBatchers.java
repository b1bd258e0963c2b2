package ai.originchain.ingest.sync;

import org.apache.camel.Body;
import org.apache.camel.ExchangeProperty;
import org.springframework.stereotype.Component;

import ai.originchain.ingest.IngestProperties;

/**
 * Wraps a mapping's rows in the batcher the splitter iterates, sized by {@code originchain.sync.batch-*}:
 * a read in parts gets one batcher per part, each on its own thread ({@link ParallelBatches}).
 */
@Component("rowBatchers")
public class RowBatchers {

    private final IngestProperties.Sync settings;

    public RowBatchers(IngestProperties properties) {
        this.settings = properties.getSync();
    }

    public java.util.Iterator<RowBatch> batch(@ExchangeProperty("mappingJob") MappingJob job, @Body RowSource rows) {
        if (rows instanceof PartedRead parted) {
            ParallelBatches batches = new ParallelBatches(job, parted, settings.getBatchRows(), settings.getBatchBytes());
            job.run().closeWhenDone(batches);
            return batches;
        }
        RowBatcher batcher = new RowBatcher(job, rows, settings.getBatchRows(), settings.getBatchBytes());
        job.run().closeWhenDone(batcher);
        return batcher;
    }
}
