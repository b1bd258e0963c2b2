package ai.originchain.ingest.source.sqlite;

import java.sql.Connection;
import java.sql.SQLException;
import java.time.Duration;

import org.springframework.stereotype.Component;
import org.sqlite.ProgressHandler;

import ai.originchain.ingest.IngestProperties;
import ai.originchain.ingest.failure.SyncFailure;
import ai.originchain.ingest.sync.MappingSpec;
import ai.originchain.ingest.sync.SyncRun;

/**
 * The time limit on every query against an uploaded SQLite file ({@code originchain.sqlite.max-query-duration},
 * from the query's start to its last row), and the way to stop one from another thread. SQLite calls a
 * progress handler every {@value #VM_STEPS} virtual-machine steps of a running statement, on the thread
 * that runs it; the handler ends the statement (SQLITE_INTERRUPT) once the sync's read was stopped, or
 * once the query is over its time, which aborts the sync with a 422 on the mapping naming the table.
 */
@Component
public class SqliteQueryLimit {

    /** Steps between two calls of the handler: a few milliseconds of SQLite's work at most. */
    static final int VM_STEPS = 10_000;

    private final IngestProperties.Sqlite settings;

    public SqliteQueryLimit(IngestProperties properties) {
        this.settings = properties.getSqlite();
    }

    /** The queries of one sync's read of its upload. */
    Queries of(SyncRun run) {
        return new Queries(run);
    }

    final class Queries {

        private final SyncRun run;
        private volatile boolean stopped;

        private Queries(SyncRun run) {
            this.run = run;
        }

        /** From now on, what {@code connection} runs is a query over {@code table}, whose time starts now. */
        void start(Connection connection, String table) throws SQLException {
            Duration limit = settings.getMaxQueryDuration();
            long deadline = System.nanoTime() + limit.toNanos();
            ProgressHandler.setHandler(connection, VM_STEPS, new ProgressHandler() {
                @Override
                protected int progress() {
                    if (!stopped && System.nanoTime() - deadline > 0) {
                        run.abort(tooLong(table, limit));
                        stopped = true;
                    }
                    return stopped ? 1 : 0;
                }
            });
        }

        /** Ends every statement of the read, at its next handler call (a few milliseconds); new ones end as soon. */
        void stop() {
            stopped = true;
        }

        private SyncFailure tooLong(String table, Duration limit) {
            MappingSpec mapping = run.manifest().mappings().stream().filter(m -> m.sourceTable().equals(table))
                    .findFirst().orElse(run.manifest().mappings().get(0));
            return SyncFailure.mismatch("mappings[" + mapping.index() + "]", "a query of the SQLite table or view '" + table
                    + "' ran longer than originchain.sqlite.max-query-duration (" + limit + ") and was stopped");
        }
    }
}
