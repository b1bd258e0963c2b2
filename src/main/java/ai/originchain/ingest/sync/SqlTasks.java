package ai.originchain.ingest.sync;

import java.sql.SQLException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;

/** SQL work run on a daemon thread of its own, with its result, or its SQLException, back on the thread that joins it. */
public final class SqlTasks {

    /** A piece of SQL work. */
    @FunctionalInterface
    public interface SqlWork<T> {
        T run() throws SQLException;
    }

    private SqlTasks() {
    }

    public static <T> CompletableFuture<T> start(String threadName, SqlWork<T> work) {
        return CompletableFuture.supplyAsync(() -> {
            try {
                return work.run();
            } catch (SQLException e) {
                throw new CompletionException(e);
            }
        }, task -> {
            Thread thread = new Thread(task, threadName);
            thread.setDaemon(true);
            thread.start();
        });
    }

    /** The work's result; its SQLException or RuntimeException rethrown as it was. */
    public static <T> T join(CompletableFuture<T> task) throws SQLException {
        try {
            return task.join();
        } catch (CompletionException e) {
            if (e.getCause() instanceof SQLException sql) {
                throw sql;
            }
            if (e.getCause() instanceof RuntimeException runtime) {
                throw runtime;
            }
            throw e;
        }
    }
}
