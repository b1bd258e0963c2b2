package ai.originchain.ingest;

import static org.assertj.core.api.Assertions.assertThat;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

import org.junit.jupiter.api.Test;

import ai.originchain.ingest.support.ConnectorTest;
import ai.originchain.ingest.support.TestDatabases;

/**
 * All mappings of a sync read one snapshot: while a writer commits transfers that touch two
 * tables at once, the synced copies of both tables always agree with each other.
 */
class SnapshotConsistencyTest extends ConnectorTest {

    @Test
    void relatedTablesArriveConsistentWithEachOther() throws Exception {
        TestDatabases.execute(source(),
                "DROP TABLE IF EXISTS public.debits", "DROP TABLE IF EXISTS public.credits",
                "CREATE TABLE public.debits (transfer_id bigint PRIMARY KEY, amount bigint)",
                "CREATE TABLE public.credits (transfer_id bigint PRIMARY KEY, amount bigint)",
                "INSERT INTO public.debits SELECT g, -g FROM generate_series(1, 200000) g",
                "INSERT INTO public.credits SELECT g, g FROM generate_series(1, 200000) g",
                "GRANT SELECT ON public.debits, public.credits TO readonly");

        AtomicBoolean stop = new AtomicBoolean();
        AtomicInteger committed = new AtomicInteger();
        CompletableFuture<Void> writer = CompletableFuture.runAsync(() -> {
            try (Connection c = source().getConnection();
                 PreparedStatement debit = c.prepareStatement("INSERT INTO public.debits VALUES (?, ?)");
                 PreparedStatement credit = c.prepareStatement("INSERT INTO public.credits VALUES (?, ?)")) {
                c.setAutoCommit(false);
                // Bounded: at most 20000 transfers, and it stops as soon as the sync has answered.
                for (long id = 200_001; id <= 220_000 && !stop.get(); id++) {
                    debit.setLong(1, id);
                    debit.setLong(2, -id);
                    debit.execute();
                    credit.setLong(1, id);
                    credit.setLong(2, id);
                    credit.execute();
                    c.commit();
                    committed.incrementAndGet();
                }
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        });
        // Start the sync only once transfers are flowing.
        while (committed.get() < 50 && !writer.isDone()) {
            Thread.onSpinWait();
        }
        int before = committed.get();
        Response response = post("acme", ACME_TOKEN, Map.of("source", tlsSource("require"), "mappings", List.of(
                mapping("public.debits", "debits", List.of("transfer_id"), null),
                mapping("public.credits", "credits", List.of("transfer_id"), null))));
        int after = committed.get();
        stop.set(true);
        writer.get();

        assertThat(response.status()).as(response.body()).isEqualTo(200);
        assertThat(after).as("transfers were committed while the sync ran").isGreaterThan(before);
        assertThat(TestDatabases.single(target(), """
                SELECT count(*) FROM acme.debits d FULL JOIN acme.credits c USING (transfer_id)
                 WHERE d.transfer_id IS NULL OR c.transfer_id IS NULL OR d.amount <> -c.amount""")).isEqualTo("0");
        long debits = Long.parseLong(TestDatabases.single(target(), "SELECT count(*) FROM acme.debits"));
        assertThat(debits).isBetween(200_000L + before, 200_000L + after);
    }
}
