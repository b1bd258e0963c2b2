package ai.originchain.ingest.sync;

import org.apache.camel.Body;
import org.apache.camel.ExchangeProperty;
import org.springframework.stereotype.Component;

import ai.originchain.ingest.IngestProperties;

/** Wraps a mapping's rows in the batcher the splitter iterates, sized by {@code originchain.sync.batch-*}. */
@Component("rowBatchers")
public class RowBatchers {

    private final IngestProperties.Sync settings;

    public RowBatchers(IngestProperties properties) {
        this.settings = properties.getSync();
    }

    public RowBatcher batch(@ExchangeProperty("mappingJob") MappingJob job, @Body RowSource rows) {
        RowBatcher batcher = new RowBatcher(job, rows, settings.getBatchRows(), settings.getBatchBytes());
        job.run().closeWhenDone(batcher);
        return batcher;
    }
}
