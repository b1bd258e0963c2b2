package ai.originchain.ingest.source;

import java.sql.SQLException;
import java.util.List;

import ai.originchain.ingest.sync.SyncRun;
import ai.originchain.ingest.typemap.TypeMap;

/**
 * One kind of source database (PostgreSQL, MySQL, SQLite). The chain around it is shared: the
 * engine only opens the sync's consistent read ({@link SourceRead}), which knows the engine's
 * catalog and renders each table as PostgreSQL COPY text rows; the target side never learns which
 * engine the rows came from. Engines are Spring beans, found by {@link #name()} in {@link SourceEngines}.
 */
public interface SourceEngine {

    /** The engine's name in the API path and the route's {@code originchainEngine} property. */
    String name();

    /**
     * Connects and starts the sync's one consistent read of the source; 502-type trouble comes as
     * SQLException. The read ends when the sync does ({@link SourceRead#close()}).
     */
    SourceRead begin(SyncRun run) throws SQLException;

    /** The engine's type map, as docs/sources.md lists it (a test keeps the two equal). */
    List<TypeMap.Rule> typeRules();
}
