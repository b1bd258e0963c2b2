package ai.originchain.ingest.source.postgres;

import java.sql.Connection;
import java.sql.SQLException;
import java.util.concurrent.SynchronousQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;

import org.postgresql.core.QueryExecutor;
import org.postgresql.jdbc.PgConnection;

/**
 * Stops a source session from any thread without waiting for the source: its running statement is
 * cancelled at the source (a PostgreSQL cancel request, sent in the background: it is a connection
 * of its own, which pgjdbc opens through the session's own socket factory, so to the same checked
 * address), and its socket is closed at once. A statement the source runs on (a {@code pg_sleep}, a
 * lock wait) would otherwise go on there after the client has gone.
 */
final class SourceCancel {

    /** At most this many cancel requests in flight; beyond it the socket is still closed, the request is skipped. */
    private static final int MAX_SENDERS = 16;
    private static final ThreadPoolExecutor SENDERS = senders();

    private SourceCancel() {
    }

    static void cancelAndDrop(Connection connection) {
        PgConnection session;
        try {
            session = connection.unwrap(PgConnection.class);
            if (session.isClosed()) {
                return;
            }
        } catch (SQLException | RuntimeException e) {
            return;
        }
        QueryExecutor executor = session.getQueryExecutor();
        SENDERS.execute(() -> {
            try {
                executor.sendQueryCancel();
            } catch (SQLException | RuntimeException ignored) {
                // The source is gone or refused: the dropped socket ends the session there.
            }
        });
        try {
            session.abort(Runnable::run);
        } catch (SQLException | RuntimeException ignored) {
            // Already closed or broken: nothing left to cut off.
        }
    }

    private static ThreadPoolExecutor senders() {
        ThreadPoolExecutor executor = new ThreadPoolExecutor(0, MAX_SENDERS, 30, TimeUnit.SECONDS, new SynchronousQueue<>(),
                r -> {
                    Thread thread = new Thread(r, "originchain-source-cancel");
                    thread.setDaemon(true);
                    return thread;
                }, new ThreadPoolExecutor.DiscardPolicy());
        return executor;
    }
}
