package ai.originchain.ingest.source.mysql;

import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.List;

import org.springframework.stereotype.Component;

import ai.originchain.ingest.source.SourceEngine;
import ai.originchain.ingest.source.SourceRead;
import ai.originchain.ingest.sql.Connections;
import ai.originchain.ingest.sync.SyncRun;
import ai.originchain.ingest.typemap.TypeMap;

/**
 * MySQL and MariaDB sources. One connection per sync holds a {@code REPEATABLE READ} transaction
 * started {@code WITH CONSISTENT SNAPSHOT, READ ONLY}: MySQL cannot hand a snapshot to another
 * connection, so the catalog checks and every table of the sync are read on that one connection,
 * one table at a time, and all see the source as of one instant.
 */
@Component
public class MySqlEngine implements SourceEngine {

    private final MySqlConnector connector;

    public MySqlEngine(MySqlConnector connector) {
        this.connector = connector;
    }

    @Override
    public String name() {
        return "mysql";
    }

    @Override
    public List<TypeMap.Rule> typeRules() {
        return MySqlTypeMap.rules();
    }

    @Override
    public SourceRead begin(SyncRun run) throws SQLException {
        Connection connection = connector.open(run.source());
        try (Statement st = connection.createStatement()) {
            connection.setTransactionIsolation(Connection.TRANSACTION_REPEATABLE_READ);
            st.execute("START TRANSACTION WITH CONSISTENT SNAPSHOT, READ ONLY");
            return new MySqlRead(connection);
        } catch (SQLException | RuntimeException e) {
            Connections.rollbackAndClose(connection);
            throw e;
        }
    }
}
