package ai.originchain.ingest.support;

import java.util.List;

import ai.originchain.ingest.sync.MappingSpec;
import ai.originchain.ingest.sync.SourceSpec;
import ai.originchain.ingest.sync.SyncManifest;
import ai.originchain.ingest.sync.SyncRun;

/** Runs and manifests for tests that call one bean directly. */
public final class Manifests {

    private Manifests() {
    }

    public static SourceSpec tlsSource() {
        TestDatabases dbs = TestDatabases.get();
        return new SourceSpec("localhost", dbs.tlsSource.getPort(), TestDatabases.SOURCE_DB, TestDatabases.SOURCE_USER,
                TestDatabases.SOURCE_PASSWORD.toCharArray(), SourceSpec.SslMode.REQUIRE, null);
    }

    public static SyncRun run(String tenant, MappingSpec... mappings) {
        return new SyncRun(tenant, new SyncManifest(tlsSource(), List.of(mappings), List.of()));
    }

    public static MappingSpec mapping(String table, String target, List<String> key, List<String> columns) {
        return new MappingSpec(0, "public", table, target, key, columns);
    }
}
