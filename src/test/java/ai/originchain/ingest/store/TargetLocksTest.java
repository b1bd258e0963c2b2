package ai.originchain.ingest.store;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import java.util.List;

import org.junit.jupiter.api.Test;

import ai.originchain.ingest.failure.SyncFailure;
import ai.originchain.ingest.support.Manifests;
import ai.originchain.ingest.support.TestDatabases;
import ai.originchain.ingest.sync.SyncRun;

class TargetLocksTest {

    private final TargetLocks locks = new TargetLocks(TestDatabases.targetConnections());

    @Test
    void aSecondSyncOfTheSameTargetIsRefusedUntilTheFirstEnds() {
        SyncRun first = Manifests.run("locks_unit", Manifests.mapping("t", "orders", List.of("id"), null));
        SyncRun second = Manifests.run("locks_unit", Manifests.mapping("t", "orders", List.of("id"), null));
        SyncRun elsewhere = Manifests.run("locks_unit", Manifests.mapping("t", "customers", List.of("id"), null));

        locks.acquire(first);
        SyncFailure refused = catchThrowableOfType(SyncFailure.class, () -> locks.acquire(second));
        locks.acquire(elsewhere);

        assertThat(refused.kind()).isEqualTo(SyncFailure.Kind.TARGET_BUSY);
        first.close();
        elsewhere.close();
        locks.acquire(second);
        second.close();
    }
}
