package ai.originchain.ingest.runs;

import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

import org.springframework.stereotype.Component;

import ai.originchain.ingest.sync.SyncRun;

/** The runs going on in this instance, by sync id: their live reports, and the handle to stop them. */
@Component("activeRuns")
public class ActiveRuns {

    private final Map<String, SyncRun> runs = new ConcurrentHashMap<>();

    public void add(SyncRun run) {
        runs.put(run.id(), run);
    }

    public void remove(SyncRun run) {
        runs.remove(run.id(), run);
    }

    /** The run with this id if it runs here (for this tenant), else null. */
    public SyncRun find(String tenant, String syncId) {
        SyncRun run = syncId == null ? null : runs.get(syncId);
        return run != null && run.tenant().equals(tenant) ? run : null;
    }

    public Collection<SyncRun> all() {
        return List.copyOf(runs.values());
    }

    public int count() {
        return runs.size();
    }
}
