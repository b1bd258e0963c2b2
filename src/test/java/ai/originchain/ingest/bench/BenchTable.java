package ai.originchain.ingest.bench;

import java.util.List;
import java.util.stream.Collectors;

/**
 * A source table of the benchmark: how it is created and filled at the source (in SQL, by the
 * server), how the re-sync phases change its rows ({@code UPDATE … SET changeSet WHERE …}), and the
 * SQL both the baselines and the checks use.
 */
record BenchTable(String name, String columnsDdl, List<String> columns, String key, String fillSql,
                  String changeSet) {

    /** {@code public.orders}: 10 columns of everyday types, ~230 MB with its key at 1M rows (~210 bytes/row as COPY text). */
    static BenchTable orders(long rows) {
        return new BenchTable("orders", """
                id bigint PRIMARY KEY, customer_id bigint, amount numeric(12,2), status text,
                created_at timestamptz, payload jsonb, tags text[], ref uuid, note varchar(200), flag boolean""",
                List.of("id", "customer_id", "amount", "status", "created_at", "payload", "tags", "ref", "note", "flag"),
                "id",
                // random() after setseed(): the same data every run.
                """
                INSERT INTO public.orders
                SELECT g,
                       1 + (random() * 49999)::bigint,
                       round((2 + random() * 998)::numeric, 2),
                       (ARRAY['new','paid','packed','shipped','delivered','cancelled','refunded'])[1 + (random() * 6)::int],
                       timestamptz '2024-01-01 00:00:00+00' + g * interval '29 seconds' + random() * interval '20 seconds',
                       jsonb_strip_nulls(jsonb_build_object(
                           'sku', 'SKU-' || lpad((random() * 99999)::int::text, 5, '0'),
                           'channel', (ARRAY['web','ios','android','store','phone'])[1 + (random() * 4)::int],
                           'ship_to', (ARRAY['DE','FR','NL','US','GB','CH','IT','ES'])[1 + (random() * 7)::int],
                           'coupon', CASE WHEN random() < 0.2 THEN 'SPRING' || (random() * 99)::int END)),
                       CASE (random() * 4)::int WHEN 0 THEN NULL WHEN 1 THEN ARRAY['gift']
                            WHEN 2 THEN ARRAY['b2b'] WHEN 3 THEN ARRAY['priority','gift']
                            ELSE ARRAY['repeat'] END,
                       md5(g::text)::uuid,
                       CASE WHEN random() < 0.4 THEN NULL
                            ELSE (ARRAY['Leave at door no. ', 'Call ahead, ext. ', 'Gift wrap, card #',
                                        'Reception, building '])[1 + (random() * 3)::int] || (random() * 200)::int END,
                       random() < 0.5
                  FROM generate_series(1, %d) g""".formatted(rows),
                "amount = amount + 1, status = 'updated', payload = payload || '{\"revised\": true}'");
    }

    /** {@code public.pgbench_accounts} exactly as {@code pgbench -i -s SCALE} (server-side generation) makes it. */
    static BenchTable pgbenchAccounts(int scale) {
        return new BenchTable("pgbench_accounts",
                "aid int NOT NULL, bid int, abalance int, filler character(84)",
                List.of("aid", "bid", "abalance", "filler"),
                "aid",
                "INSERT INTO public.pgbench_accounts (aid, bid, abalance, filler) "
                        + "SELECT aid, (aid - 1) / 100000 + 1, 0, '' FROM generate_series(1, " + (100_000L * scale) + ") AS aid",
                "abalance = abalance + 1");
    }

    String sourceTable() {
        return "public." + name;
    }

    String columnList() {
        return String.join(", ", columns);
    }

    /** Changes the rows {@code where} selects (every one of them: the SET always changes a value). */
    String update(String where) {
        return "UPDATE " + sourceTable() + " SET " + changeSet + " WHERE " + where;
    }

    /** The most recent 1% of the keys (the highest ones): a contiguous block, as fresh rows change. */
    String newestPercent() {
        return key + " > (SELECT max(" + key + ") - count(*) / 100 FROM " + sourceTable() + ")";
    }

    /** The target DDL without any key: for a bulk load that builds the key afterwards. */
    String createUnkeyed(String schema) {
        return "CREATE TABLE " + schema + "." + name + " (" + columnsDdl.replace(" PRIMARY KEY", "") + ")";
    }

    /** The target DDL: the source's columns, and its key as primary key. */
    String createTarget(String schema) {
        String ddl = columnsDdl.contains("PRIMARY KEY") ? columnsDdl : columnsDdl + ", PRIMARY KEY (" + key + ")";
        return "CREATE TABLE " + schema + "." + name + " (" + ddl + ")";
    }

    /** The baseline's upsert: the same statement shape the service runs, unchanged rows skipped. */
    String upsertFrom(String staging, String schema) {
        List<String> values = columns.stream().filter(c -> !c.equals(key)).toList();
        String set = values.stream().map(c -> c + " = EXCLUDED." + c).collect(Collectors.joining(", "));
        String current = values.stream().map(c -> "t." + c).collect(Collectors.joining(", "));
        String incoming = values.stream().map(c -> "EXCLUDED." + c).collect(Collectors.joining(", "));
        return "INSERT INTO " + schema + "." + name + " AS t (" + columnList() + ") SELECT " + columnList()
                + " FROM " + staging + " ON CONFLICT (" + key + ") DO UPDATE SET " + set
                + " WHERE (" + current + ") IS DISTINCT FROM (" + incoming + ")";
    }

    /** Row count and an order-independent checksum of every value's text form. */
    String fingerprint(String qualified) {
        return "SELECT count(*), coalesce(sum(hashtextextended((" + columnList() + ")::text, 0)), 0) FROM " + qualified;
    }
}
