package ai.originchain.ingest.runs;

import java.time.Duration;
import java.util.List;
import java.util.Map;

import org.springframework.stereotype.Component;

import ai.originchain.ingest.sync.SyncRun;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;

/**
 * The service's own metrics (docs/api.md, Service documents and metrics), in Prometheus terms:
 * {@code originchain_sync_runs_total{tenant,status}}, {@code originchain_rows_written_total{tenant}},
 * {@code originchain_sync_duration_seconds} (histogram, by tenant and status) and
 * {@code originchain_syncs_active} (runs going on in this instance).
 */
@Component("runMetrics")
public class RunMetrics {

    private final MeterRegistry registry;

    public RunMetrics(MeterRegistry registry, ActiveRuns active) {
        this.registry = registry;
        Gauge.builder("originchain.syncs.active", active, ActiveRuns::count)
                .description("Syncs running in this instance")
                .register(registry);
    }

    public void started(SyncRun run) {
        // Registers the tenant's series at 0, so a rate() over it starts from the first run.
        rowsWritten(run.tenant());
    }

    public void ended(SyncRun run, String status) {
        runs(run.tenant(), status).increment();
        long written = run.jobs().stream().mapToLong(job -> job.report().rowsWritten()).sum();
        rowsWritten(run.tenant()).increment(written);
        Timer.builder("originchain.sync.duration")
                .description("Duration of syncs, from start to end")
                .tag("tenant", run.tenant())
                .tag("status", status)
                .register(registry)
                .record(Duration.between(run.startedAt(), java.time.Instant.now()));
    }

    /** Runs the abandoned-run sweep marked (rows with the column {@code tenant}). */
    public void abandoned(List<Map<String, Object>> rows) {
        for (Map<String, Object> row : rows) {
            runs(String.valueOf(row.get("tenant")), "abandoned").increment();
        }
    }

    private Counter runs(String tenant, String status) {
        return Counter.builder("originchain.sync.runs")
                .description("Syncs that ended, by tenant and status")
                .tag("tenant", tenant)
                .tag("status", status)
                .register(registry);
    }

    private Counter rowsWritten(String tenant) {
        return Counter.builder("originchain.rows.written")
                .description("Rows upserted into the target store")
                .tag("tenant", tenant)
                .register(registry);
    }
}
