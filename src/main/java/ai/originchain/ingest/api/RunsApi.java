package ai.originchain.ingest.api;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.sql.Timestamp;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;

import org.apache.camel.Body;
import org.apache.camel.Exchange;
import org.apache.camel.ExchangeProperty;
import org.apache.camel.Header;
import org.springframework.stereotype.Component;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;

import ai.originchain.ingest.failure.SyncFailure;
import ai.originchain.ingest.runs.ActiveRuns;
import ai.originchain.ingest.runs.RunProgress;
import ai.originchain.ingest.sync.SyncHistory;
import ai.originchain.ingest.sync.SyncRun;
import ai.originchain.ingest.sync.SyncSteps;

/**
 * The runs API's steps around the run-history queries of routes/runs-api.yaml: checks the path and
 * query parameters, and turns history rows (or, for a run going on in this instance, its live
 * report) into the responses docs/api.md describes under Runs.
 */
@Component("runsApi")
public class RunsApi {

    static final String BASE = "/v1/tenants/%s/ingest/postgres/syncs/%s";
    static final Set<String> STATUSES = Set.of("running", "succeeded", "failed", "cancelled", "abandoned", "skipped");
    static final int DEFAULT_LIMIT = 20;
    static final int MAX_LIMIT = 100;
    /** Exchange property: how many runs the caller asked for. */
    static final String LIMIT = "originchainRunsLimit";
    /** Exchange property: the history rows read for a cancel. */
    static final String ROWS = "originchainRunRows";

    private final ObjectMapper json;
    private final ActiveRuns active;
    private final SyncHistory history;

    public RunsApi(ObjectMapper json, ActiveRuns active, SyncHistory history) {
        this.json = json;
        this.active = active;
        this.history = history;
    }

    /** 202 for a sync accepted to run in the background: where to watch it, and its report as it starts. */
    public void accepted(@ExchangeProperty(SyncSteps.RUN) SyncRun run, Exchange exchange) throws IOException {
        Map<String, Object> report = live(run);
        respond(exchange, 202, report);
        exchange.getMessage().setHeader("Location", BASE.formatted(run.tenant(), run.id()));
    }

    /** A sync id is an opaque string to callers; one that is no UUID names no run. */
    public void checkSyncId(@Header("sync_id") String syncId) {
        if (parseId(syncId) == null) {
            throw notFound();
        }
    }

    /** GET .../syncs/{sync_id}: the live report when the run goes on here, else its history row. */
    public void respondWithRun(@Header("tenant") String tenant, @Header("sync_id") String syncId,
                               @Body List<Map<String, Object>> rows, Exchange exchange) throws IOException {
        SyncRun run = active.find(tenant, syncId);
        if (run != null) {
            respond(exchange, 200, live(run));
        } else if (rows != null && !rows.isEmpty()) {
            respond(exchange, 200, fromRow(rows.get(0)));
        } else {
            throw notFound();
        }
    }

    /** The parameters of the list query (a map the SQL step reads {@code :#name} from); 400 naming a bad one. */
    public Map<String, Object> listQuery(@Header("tenant") String tenant, @Header("status") String status,
                                         @Header("limit") String limit, @Header("next") String next, Exchange exchange) {
        Map<String, Object> query = new HashMap<>();
        query.put("tenant", tenant);
        if (status != null && !STATUSES.contains(status)) {
            throw SyncFailure.invalid("status", "must be one of " + String.join(", ", STATUSES.stream().sorted().toList()));
        }
        query.put("status", status);
        int size = DEFAULT_LIMIT;
        if (limit != null) {
            try {
                size = Integer.parseInt(limit);
            } catch (NumberFormatException e) {
                size = -1;
            }
            if (size < 1 || size > MAX_LIMIT) {
                throw SyncFailure.invalid("limit", "must be an integer from 1 to " + MAX_LIMIT);
            }
        }
        exchange.setProperty(LIMIT, size);
        query.put("fetch", size + 1);
        query.put("before_started", null);
        query.put("before_id", null);
        if (next != null && !next.isEmpty()) {
            Cursor cursor = Cursor.decode(next);
            if (cursor == null) {
                throw SyncFailure.invalid("next", "is not a cursor this API returned");
            }
            query.put("before_started", Timestamp.from(cursor.startedAt()));
            query.put("before_id", cursor.syncId());
        }
        return query;
    }

    /** GET .../syncs: a page of reports, newest first, and the cursor of the next page (null on the last). */
    public void respondWithList(@Header("tenant") String tenant, @ExchangeProperty(LIMIT) int limit,
                                @Body List<Map<String, Object>> rows, Exchange exchange) throws IOException {
        List<Map<String, Object>> syncs = new ArrayList<>();
        for (Map<String, Object> row : rows.subList(0, Math.min(limit, rows.size()))) {
            SyncRun run = active.find(tenant, String.valueOf(row.get("sync_id")));
            syncs.add(run != null ? live(run) : fromRow(row));
        }
        String next = null;
        if (rows.size() > limit) {
            Map<String, Object> last = rows.get(limit - 1);
            next = new Cursor(((Timestamp) last.get("started_at")).toInstant(), (UUID) last.get("sync_id")).encode();
        }
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("syncs", syncs);
        body.put("next", next);
        respond(exchange, 200, body);
    }

    /** DELETE .../syncs/{sync_id}, before the cancel is recorded: 404 for no such run, 409 once it has ended. */
    public void checkCancellable(@Header("tenant") String tenant, @Header("sync_id") String syncId,
                                 @Body List<Map<String, Object>> rows, Exchange exchange) {
        SyncRun run = active.find(tenant, syncId);
        if (run == null && (rows == null || rows.isEmpty())) {
            throw notFound();
        }
        boolean running = run != null ? run.isRunning() : "running".equals(rows.get(0).get("status"));
        if (!running) {
            String status = run != null ? String.valueOf(run.report().get("status")) : String.valueOf(rows.get(0).get("status"));
            throw SyncFailure.stateConflict("sync " + syncId + " has already ended (" + status + ")");
        }
        exchange.setProperty(ROWS, rows);
    }

    /** Stops the run when it goes on here (elsewhere its instance sees the recorded cancel); 202 with its report. */
    public void cancelled(@Header("tenant") String tenant, @Header("sync_id") String syncId,
                          @ExchangeProperty(ROWS) List<Map<String, Object>> rows, Exchange exchange) throws IOException {
        SyncRun run = active.find(tenant, syncId);
        if (run != null) {
            run.abort(RunProgress.cancelled());
            respond(exchange, 202, live(run));
        } else {
            respond(exchange, 202, fromRow(rows.get(0)));
        }
    }

    private Map<String, Object> live(SyncRun run) {
        Map<String, Object> report = run.report();
        report.put("instance", history.instance());
        return report;
    }

    private Map<String, Object> fromRow(Map<String, Object> row) throws IOException {
        Object text = row.get("report");
        Map<String, Object> report = text == null ? new LinkedHashMap<>()
                : json.readValue(text.toString(), new TypeReference<LinkedHashMap<String, Object>>() { });
        report.put("sync_id", String.valueOf(row.get("sync_id")));
        report.put("status", row.get("status"));
        Object finished = row.get("finished_at");
        if (finished instanceof Timestamp ts && report.get("finished_at") == null) {
            report.put("finished_at", ts.toInstant().toString());
        }
        report.put("instance", row.get("instance"));
        return report;
    }

    private void respond(Exchange exchange, int status, Map<String, Object> body) throws IOException {
        exchange.getMessage().setBody(json.writeValueAsString(body));
        HttpResponses.prepare(exchange, status, "application/json");
    }

    private static SyncFailure notFound() {
        return SyncFailure.notFound("no sync with this id for this tenant");
    }

    static UUID parseId(String syncId) {
        if (syncId == null || syncId.length() != 36) {
            return null;
        }
        try {
            return UUID.fromString(syncId);
        } catch (IllegalArgumentException e) {
            return null;
        }
    }

    /** Where a page ended: the last run's start and id (the list's order), opaque to callers. */
    record Cursor(Instant startedAt, UUID syncId) {

        String encode() {
            return Base64.getUrlEncoder().withoutPadding()
                    .encodeToString((startedAt + "|" + syncId).getBytes(StandardCharsets.UTF_8));
        }

        static Cursor decode(String text) {
            try {
                String[] parts = new String(Base64.getUrlDecoder().decode(text), StandardCharsets.UTF_8).split("\\|", 2);
                UUID id = parts.length == 2 ? parseId(parts[1]) : null;
                return id == null ? null : new Cursor(Instant.parse(parts[0]), id);
            } catch (IllegalArgumentException | DateTimeParseException e) {
                return null;
            }
        }
    }
}
