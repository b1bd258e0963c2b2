package ai.originchain.ingest.store;

import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;

import ai.originchain.ingest.source.postgres.TableReader;
import ai.originchain.ingest.sync.CopyTextSession;
import ai.originchain.ingest.sync.KeyOrder;
import ai.originchain.ingest.sql.SqlNames;
import ai.originchain.ingest.typemap.TargetColumn;

/**
 * Reads the target table's current rows of a mapping's columns as COPY text, ordered by the key,
 * on a connection of its own in a {@code REPEATABLE READ READ ONLY} transaction with the same
 * output settings as the source read, so an unchanged value prints as the same bytes on both sides.
 */
final class TargetRows {

    private TargetRows() {
    }

    /** Only the rows that pass {@code where} (a mirror's scope), or all when it is null; the read closes {@code connection}. */
    static TableReader open(Connection connection, TargetPlan plan, KeyOrder order, String where) throws SQLException {
        try {
            connection.setAutoCommit(false);
            connection.setTransactionIsolation(Connection.TRANSACTION_REPEATABLE_READ);
            connection.setReadOnly(true);
            try (Statement st = connection.createStatement()) {
                CopyTextSession.apply(st);
            }
        } catch (SQLException | RuntimeException e) {
            try {
                connection.rollback();
            } catch (SQLException ignored) {
                // Closing below is what matters.
            }
            connection.close();
            throw e;
        }
        return TableReader.copyOut(connection, TableReader.copySql(
                plan.columns().stream().map(TargetColumn::name).toList(),
                SqlNames.qualified(plan.tenant(), plan.table()), order, where));
    }
}
