package ai.originchain.ingest.source.sqlite;

import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.List;

import org.springframework.stereotype.Component;
import org.sqlite.SQLiteConfig;
import org.sqlite.SQLiteOpenMode;

import ai.originchain.ingest.IngestProperties;
import ai.originchain.ingest.source.SourceEngine;
import ai.originchain.ingest.source.SourceRead;
import ai.originchain.ingest.sync.SyncRun;
import ai.originchain.ingest.typemap.TypeMap;

/**
 * SQLite sources: a database file uploaded with the request ({@code source.database} is its path).
 * It is opened read-only and immutable, so nothing the file holds can make SQLite write (no journal,
 * no WAL recovery, no locks), and the whole sync reads one unchanging file: consistent by construction.
 * Uploaded files are untrusted (sqlite.org/security.html): schema code is not trusted, cells are checked.
 */
@Component
public class SqliteEngine implements SourceEngine {

    private final SqliteQueryLimit queryLimit;
    private final long maxRowBytes;

    public SqliteEngine(SqliteQueryLimit queryLimit, IngestProperties properties) {
        this.queryLimit = queryLimit;
        this.maxRowBytes = properties.getSource().getMaxRowBytes();
    }

    @Override
    public String name() {
        return "sqlite";
    }

    @Override
    public List<TypeMap.Rule> typeRules() {
        return SqliteTypeMap.rules();
    }

    @Override
    public SourceRead begin(SyncRun run) throws SQLException {
        return new SqliteRead(run.source().database(), queryLimit.of(run), maxRowBytes);
    }

    static Connection open(String path) throws SQLException {
        SQLiteConfig config = new SQLiteConfig();
        config.setReadOnly(true);
        config.setOpenMode(SQLiteOpenMode.READONLY);
        Connection connection = config.createConnection("jdbc:sqlite:file:" + path + "?immutable=1&mode=ro");
        try (Statement st = connection.createStatement()) {
            st.execute("PRAGMA trusted_schema = OFF");
            st.execute("PRAGMA cell_size_check = ON");
            st.execute("PRAGMA mmap_size = 0");
            st.execute("PRAGMA query_only = ON");
            return connection;
        } catch (SQLException | RuntimeException e) {
            connection.close();
            throw e;
        }
    }
}
