package ai.originchain.ingest.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.ToDoubleFunction;

import org.slf4j.LoggerFactory;

import ai.originchain.ingest.bench.Baseline.Result;
import ai.originchain.ingest.bench.ProcessWatch.Peaks;
import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;

/**
 * The benchmark: our service against hand-made COPY pipes and pgcopydb, side by side on the same servers.
 * Run it with {@code bench/run.sh}; {@code bench/README.md} says what every phase times.
 *
 * <pre>
 * each run (--runs N repeats all of it; the source tables are generated anew, the same rows each time):
 *  for each table (public.orders, public.pgbench_accounts unless --scale 0):
 *   raw pipe                  COPY out | COPY into the table with its key                         → raw_keyed.T
 *   raw pipe, key after       COPY out | COPY into the table without key, then ADD PRIMARY KEY   → raw_key_after.T
 *   staging pipe, empty       COPY out | COPY into staging; INSERT … ON CONFLICT DO UPDATE … IS DISTINCT FROM → baseline.T
 *   pgcopydb                  when installed: the one table into database bench_pgcopydb
 *   staging pipe, full        the same again, every row already there
 *  service (own JVM, -Xmx256m unless --heap, HTTP), tenant bench                                     → bench.T
 *   A   first sync into an empty target;  A+ until the target's range digests the service computes in
 *       the background after it are kept (not a sync: the time after A's answer, untimed by A);
 *   B   unchanged re-sync, the first (finds A+'s digests);  B2  unchanged re-sync again
 *   C1  re-sync after 1% of the rows changed, the newest keys (contiguous)  } each followed by the
 *   C2  re-sync after 1% changed, scattered (key % 100 = 0)                 } staging pipe doing the
 *   C3  re-sync after 10% changed (key % 10 = 0)                            } same re-sync
 *   D   mirror sync after 1% deleted (key % 100 = 7), after the staging pipe's hand-made mirror
 * </pre>
 * Between timed steps, untimed: VACUUM ANALYZE of the table just written and a CHECKPOINT on both servers.
 * During each service phase: its CPU seconds, heap and RSS peaks, and the bytes it read ({@code rchar}).
 */
public final class IngestBenchmark {

    static final String BASELINE_SCHEMA = "baseline";
    static final String RAW_SCHEMA = "raw_keyed";
    static final String RAW_KEY_AFTER_SCHEMA = "raw_key_after";

    static final String RAW = "raw pipe: table with its key";
    static final String RAW_KEY_AFTER = "raw pipe: no key, then ADD PRIMARY KEY";
    static final String STAGING_EMPTY = "staging pipe: empty target";
    static final String PGCOPYDB = "pgcopydb";
    static final String STAGING_FULL = "staging pipe: full target";
    static final String A = "A: first sync, empty target";
    static final String A_DIGESTS = "A+: target digests, in the background";
    static final String B = "B: unchanged re-sync, the first";
    static final String B2 = "B2: unchanged re-sync, digests kept";
    static final String D = "D: mirror, 1% deleted";
    static final String STAGING_D = "staging pipe: mirror, 1% deleted";

    /** A re-sync phase after a change at the source: ours, then the staging pipe doing the same. */
    record Change(String phase, String stagingPhase, String summary, java.util.function.Function<BenchTable, String> where) {
    }

    static final List<Change> CHANGES = List.of(
            new Change("C1: re-sync, 1% changed, clustered", "staging pipe: 1% changed, clustered",
                    "1% changed, clustered (the newest keys)", BenchTable::newestPercent),
            new Change("C2: re-sync, 1% changed, scattered", "staging pipe: 1% changed, scattered",
                    "1% changed, scattered (`key % 100 = 0`)", t -> t.key() + " % 100 = 0"),
            new Change("C3: re-sync, 10% changed", "staging pipe: 10% changed",
                    "10% changed (`key % 10 = 0`)", t -> t.key() + " % 10 = 0"));

    /**
     * One timed step. {@code stagingRef}: the staging-pipe phase this one is measured against
     * ({@code × staging pipe}); {@code peaks} only for the service's phases.
     */
    record Row(int run, String table, String phase, String stagingRef, long rows, long changed, double seconds,
               Peaks peaks, String note) {
    }

    record Options(long rows, int scale, String sourceUrl, String targetUrl, boolean profile, boolean usePsql,
                   boolean usePgcopydb, int writers, int batchRows, Path serviceClasspath, int runs, String heap,
                   long warmUpRows, String commandLine) {

        static Options parse(String[] args) {
            long rows = 1_000_000;
            Integer scale = null;
            boolean rowsGiven = false;
            String source = null;
            String target = null;
            boolean profile = false;
            boolean psql = true;
            boolean pgcopydb = true;
            int writers = 2;
            int batchRows = 20_000;
            int runs = 1;
            String heap = "256m";
            long warmUp = 0;
            Path cp = null;
            List<String> shown = new ArrayList<>();
            for (int i = 0; i < args.length; i++) {
                String a = args[i];
                switch (a) {
                    case "--rows" -> { rows = Long.parseLong(args[++i].replace("_", "")); rowsGiven = true; }
                    case "--scale" -> scale = Integer.parseInt(args[++i]);
                    case "--no-pgbench" -> scale = 0;
                    case "--source-url" -> source = args[++i];
                    case "--target-url" -> target = args[++i];
                    case "--profile" -> profile = true;
                    case "--no-psql" -> psql = false;
                    case "--no-pgcopydb" -> pgcopydb = false;
                    case "--writers" -> writers = Integer.parseInt(args[++i]);
                    case "--batch-rows" -> batchRows = Integer.parseInt(args[++i]);
                    case "--runs" -> runs = Integer.parseInt(args[++i]);
                    case "--heap" -> heap = args[++i];
                    case "--warm-up" -> warmUp = Long.parseLong(args[++i].replace("_", ""));
                    case "--service-classpath" -> cp = Path.of(args[++i]);
                    default -> throw new IllegalArgumentException("unknown option " + a);
                }
                if (!a.equals("--service-classpath")) {
                    shown.add(a);
                    if (List.of("--rows", "--scale", "--writers", "--batch-rows", "--runs", "--heap", "--warm-up").contains(a)) {
                        shown.add(args[i]);
                    } else if (a.equals("--source-url") || a.equals("--target-url")) {
                        shown.add("<url>");
                    }
                }
            }
            if ((source == null) != (target == null)) {
                throw new IllegalArgumentException("--source-url and --target-url go together");
            }
            if (runs < 1) {
                throw new IllegalArgumentException("--runs must be at least 1");
            }
            if (!heap.matches("\\d+[kKmMgG]?")) {
                throw new IllegalArgumentException("--heap takes a -Xmx size such as 256m");
            }
            // pgbench_accounts has 100,000 rows per scale unit: a smaller --rows shrinks it alike, a
            // larger one does not grow it past scale 10 (1M accounts) unless --scale says so.
            int s = scale != null ? scale : rowsGiven ? (int) Math.min(10, Math.max(1, rows / 100_000)) : 10;
            String commandLine = "bench/run.sh" + (shown.isEmpty() ? "" : " " + String.join(" ", shown));
            return new Options(rows, s, source, target, profile, psql, pgcopydb, writers, batchRows, cp, runs, heap,
                    warmUp, commandLine);
        }
    }

    private final Options options;
    private final Path repo = Path.of("").toAbsolutePath();
    private final Path work = repo.resolve("bench/work");
    private final List<AutoCloseable> toClose = new ArrayList<>();
    private final List<Row> rows = new ArrayList<>();
    private final List<HotMethods.Window> syncWindows = new ArrayList<>();
    private final Map<String, Long> copyTextBytes = new LinkedHashMap<>();
    private final List<String> runLoads = new ArrayList<>();
    private BenchServers servers;
    private ServiceProcess service;
    private Baseline baseline;
    private PgCopyDb pgcopydb;
    private int serverMajor;
    private int run;
    private volatile boolean stopping;
    private String loadBefore;

    private IngestBenchmark(Options options) {
        this.options = options;
    }

    public static void main(String[] args) throws Exception {
        ((Logger) LoggerFactory.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME)).setLevel(Level.WARN);
        IngestBenchmark bench = new IngestBenchmark(Options.parse(args));
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            bench.stopping = true;
            bench.closeAll();
        }, "bench-cleanup"));
        try {
            bench.run();
        } catch (Exception | Error e) {
            if (bench.stopping) {
                System.err.println("[bench] stopped before the end");
                return;
            }
            throw e;
        } finally {
            bench.closeAll();
        }
    }

    private void run() throws Exception {
        Files.createDirectories(work);
        long t0 = System.nanoTime();
        loadBefore = loadAverage();
        say(options.commandLine());
        if (options.sourceUrl() == null) {
            say("starting two embedded PostgreSQL servers (source: TLS + password role; target: plain) …");
            servers = remember(BenchServers.embedded(work.resolve("pg")));
        } else {
            servers = BenchServers.given(PgEndpoint.parse(options.sourceUrl()), PgEndpoint.parse(options.targetUrl()));
            say("using the given servers; public.orders, public.pgbench_accounts at the source, schemas "
                    + String.join(", ", BASELINE_SCHEMA, RAW_SCHEMA, RAW_KEY_AFTER_SCHEMA, ServiceProcess.TENANT)
                    + " and database " + PgCopyDb.DATABASE + " at the target are dropped and recreated");
        }
        String sourceVersion = single(servers.sourceAdmin(), "SHOW server_version");
        String targetVersion = single(servers.target(), "SHOW server_version");
        serverMajor = Integer.parseInt(major(sourceVersion));
        say("source " + servers.sourceReader() + ": PostgreSQL " + sourceVersion);
        say("target " + servers.target() + ": PostgreSQL " + targetVersion);
        if (!major(sourceVersion).equals(major(targetVersion))) {
            say("WARNING: source and target run different major versions");
        }

        List<BenchTable> tables = new ArrayList<>(List.of(BenchTable.orders(options.rows())));
        if (options.scale() > 0) {
            tables.add(BenchTable.pgbenchAccounts(options.scale()));
        }
        baseline = Baseline.detect(options.usePsql());
        pgcopydb = options.usePgcopydb() ? PgCopyDb.detect() : null;
        say("pipe client: " + baseline.client());
        say("pgcopydb: " + pgcopydbState());
        say("staging pipe, as timed:\n" + baseline.describe(servers, tables.get(0), BASELINE_SCHEMA));

        List<String> sizes = List.of();
        List<String> checks = new ArrayList<>();
        List<String> profile = List.of();
        for (run = 1; run <= options.runs(); run++) {
            runLoads.add(loadAverage());
            say("run " + run + " of " + options.runs() + " (load average " + runLoads.get(run - 1) + ")");
            List<String> generated = generate(tables);
            if (run == 1) {
                sizes = new ArrayList<>(generated);
                for (BenchTable t : tables) {
                    long bytes = baseline.copyTextBytes(servers, t);
                    copyTextBytes.put(t.name(), bytes);
                    String line = String.format(Locale.ROOT, "%s as COPY text (counted through the pipe's client): %,d bytes (%.1f MB)",
                            t.sourceTable(), bytes, bytes / 1e6);
                    sizes.add(line);
                    say(line);
                }
            }
            profile = oneRun(tables, checks);
        }

        List<String> out = new ArrayList<>();
        for (int r = 1; r <= options.runs(); r++) {
            if (options.runs() > 1) {
                out.add("Run " + r + " of " + options.runs() + " (load average at its start: " + runLoads.get(r - 1) + "):");
                out.add("");
            }
            out.addAll(table(r));
            out.add("");
        }
        for (BenchTable t : tables) {
            out.addAll(summary(t));
            out.add("");
        }
        checks.addAll(cpuByThread());
        System.out.println();
        out.forEach(System.out::println);
        checks.forEach(System.out::println);
        if (!profile.isEmpty()) {
            System.out.println();
            profile.forEach(System.out::println);
        }
        Path results = writeResults(out, checks, profile, sizes, sourceVersion, targetVersion, tables);
        say(String.format(Locale.ROOT, "done in %.0f s; results in %s", (System.nanoTime() - t0) / 1e9, repo.relativize(results)));
    }

    private String pgcopydbState() {
        if (pgcopydb == null) {
            return "skipped (--no-pgcopydb)";
        }
        if (!pgcopydb.installed()) {
            return "not installed";
        }
        return pgcopydb.describe() + "; timed: " + (pgcopydb.canClone(serverMajor) ? "pgcopydb clone"
                : "pgcopydb copy data, the table created by the bench (pg_dump older than the server's PostgreSQL "
                + serverMajor + ": pgcopydb clone cannot dump the schema)");
    }

    /** One whole sequence: targets reset, the pipes and pgcopydb, the service's phases, the checks. */
    private List<String> oneRun(List<BenchTable> tables, List<String> checks) throws Exception {
        Map<String, String> sourcePrints = new LinkedHashMap<>();
        for (BenchTable t : tables) {
            sourcePrints.put(t.name(), single(servers.sourceAdmin(), t.fingerprint(t.sourceTable())));
        }
        try (Connection c = servers.target().connect(); Statement st = c.createStatement()) {
            for (String schema : List.of(BASELINE_SCHEMA, RAW_SCHEMA, RAW_KEY_AFTER_SCHEMA, ServiceProcess.TENANT)) {
                st.execute("DROP SCHEMA IF EXISTS " + schema + " CASCADE");
            }
            for (String schema : List.of(BASELINE_SCHEMA, RAW_SCHEMA, RAW_KEY_AFTER_SCHEMA)) {
                st.execute("CREATE SCHEMA " + schema);
            }
            for (BenchTable t : tables) {
                st.execute(t.createTarget(BASELINE_SCHEMA));
            }
        }

        for (BenchTable t : tables) {
            rawPipe(t, RAW_SCHEMA, false, sourcePrints.get(t.name()));
            rawPipe(t, RAW_KEY_AFTER_SCHEMA, true, sourcePrints.get(t.name()));
            settle(BASELINE_SCHEMA, t);
            rows.add(pipeRow(t, STAGING_EMPTY, STAGING_EMPTY, baseline.load(servers, t, BASELINE_SCHEMA)));
            if (pgcopydb != null && pgcopydb.installed()) {
                settle(null, t);
                try {
                    PgCopyDb.Result r = pgcopydb.copy(servers, t, work, serverMajor);
                    String copied = single(servers.target().database(PgCopyDb.DATABASE), t.fingerprint("public." + t.name()));
                    if (!copied.equals(sourcePrints.get(t.name()))) {
                        throw new IllegalStateException("pgcopydb's copy of " + t.name() + " differs from the source: "
                                + copied + " vs " + sourcePrints.get(t.name()));
                    }
                    rows.add(pipeRow(t, PGCOPYDB, STAGING_EMPTY, new Result(r.rows(), r.rows(), r.seconds())));
                } catch (IllegalStateException | SQLException e) {
                    // pgcopydb is a reference, not the subject: the run goes on without its line.
                    say("pgcopydb failed: " + e.getMessage());
                    checks.add("run " + run + ": pgcopydb of " + t.name() + " failed: "
                            + String.valueOf(e.getMessage()).lines().findFirst().orElse(""));
                } finally {
                    PgCopyDb.dropCopy(servers);
                }
            }
            settle(BASELINE_SCHEMA, t);
            rows.add(pipeRow(t, STAGING_FULL, STAGING_FULL, baseline.load(servers, t, BASELINE_SCHEMA)));
        }

        say("starting the service …");
        syncWindows.clear();
        Path jfr = options.profile() ? work.resolve("service.jfr") : null;
        service = remember(ServiceProcess.start(repo, work, work.resolve("service-run" + run + ".log"), servers.target(),
                options.writers(), options.batchRows(),
                jfr, options.serviceClasspath(), options.heap()));
        say("service pid " + service.pid() + ": " + service.launch + (jfr != null ? " (with JFR, settings=profile)" : ""));

        if (options.warmUpRows() > 0) {
            warmUp(tables.get(0));
        }
        for (BenchTable t : tables) {
            settle(null, t);
            rows.add(serviceRow(t, A, STAGING_EMPTY, "upsert"));
            rows.add(backgroundDigestsRow(t));
            settle(ServiceProcess.TENANT, t);
            rows.add(serviceRow(t, B, STAGING_FULL, "upsert"));
            settle(ServiceProcess.TENANT, t);
            rows.add(serviceRow(t, B2, STAGING_FULL, "upsert"));
        }

        for (Change change : CHANGES) {
            try (Connection c = servers.sourceAdmin().connect(); Statement st = c.createStatement()) {
                for (BenchTable t : tables) {
                    String where = change.where().apply(t);
                    int changed = st.executeUpdate(t.update(where));
                    say("source: " + changed + " rows of " + t.sourceTable() + " changed (WHERE " + where + ")");
                    st.execute("VACUUM ANALYZE " + t.sourceTable());
                }
            }
            for (BenchTable t : tables) {
                settle(ServiceProcess.TENANT, t);
                rows.add(serviceRow(t, change.phase(), change.stagingPhase(), "upsert"));
                settle(BASELINE_SCHEMA, t);
                rows.add(pipeRow(t, change.stagingPhase(), change.stagingPhase(), baseline.load(servers, t, BASELINE_SCHEMA)));
            }
        }

        // D: 1% of the rows deleted at the source, then a mirror sync (and the staging pipe's hand-made mirror).
        try (Connection c = servers.sourceAdmin().connect(); Statement st = c.createStatement()) {
            for (BenchTable t : tables) {
                int deleted = st.executeUpdate("DELETE FROM " + t.sourceTable() + " WHERE " + t.key() + " % 100 = 7");
                say("source: " + deleted + " rows of " + t.sourceTable() + " deleted (" + t.key() + " % 100 = 7)");
                st.execute("VACUUM ANALYZE " + t.sourceTable());
            }
        }
        for (BenchTable t : tables) {
            settle(BASELINE_SCHEMA, t);
            rows.add(pipeRow(t, STAGING_D, STAGING_D, baseline.load(servers, t, BASELINE_SCHEMA, true)));
            settle(ServiceProcess.TENANT, t);
            rows.add(serviceRow(t, D, STAGING_D, "mirror"));
        }

        verify(tables).forEach(line -> checks.add((options.runs() > 1 ? "run " + run + ": " : "") + line));
        List<String> profile = List.of();
        if (jfr != null) {
            Path dump = work.resolve("service-dump.jfr");
            service.dumpRecording(dump);
            profile = HotMethods.read(dump, syncWindows).report(15);
        }
        service.close();
        return profile;
    }

    /** One raw pipe into {@code schema.T} made empty first (untimed); checked against the source, then dropped. */
    private void rawPipe(BenchTable t, String schema, boolean keyAfter, String sourcePrint) throws Exception {
        try (Connection c = servers.target().connect(); Statement st = c.createStatement()) {
            st.execute("DROP TABLE IF EXISTS " + schema + "." + t.name());
            st.execute(keyAfter ? t.createUnkeyed(schema) : t.createTarget(schema));
        }
        settle(null, t);
        Result r = baseline.rawPipe(servers, t, schema, keyAfter);
        rows.add(pipeRow(t, keyAfter ? RAW_KEY_AFTER : RAW, STAGING_EMPTY, r));
        String copied = single(servers.target(), t.fingerprint(schema + "." + t.name()));
        if (!copied.equals(sourcePrint)) {
            throw new IllegalStateException("the raw pipe's copy of " + t.name() + " differs from the source: " + copied
                    + " vs " + sourcePrint);
        }
        try (Connection c = servers.target().connect(); Statement st = c.createStatement()) {
            st.execute("DROP TABLE " + schema + "." + t.name());
        }
    }

    /** Creates and fills the source tables in SQL, at the source; returns their sizes. */
    private List<String> generate(List<BenchTable> tables) throws SQLException {
        List<String> sizes = new ArrayList<>();
        try (Connection c = servers.sourceAdmin().connect(); Statement st = c.createStatement()) {
            st.execute("SELECT setseed(0.42)");
            for (BenchTable t : tables) {
                long start = System.nanoTime();
                st.execute("DROP TABLE IF EXISTS " + t.sourceTable());
                // Filled first, keyed after: as pgbench -i does, and faster.
                st.execute("CREATE TABLE " + t.sourceTable() + " (" + t.columnsDdl().replace(" PRIMARY KEY", "") + ")"
                        + (t.name().startsWith("pgbench") ? " WITH (fillfactor = 100)" : ""));
                st.execute(t.fillSql());
                st.execute("ALTER TABLE " + t.sourceTable() + " ADD PRIMARY KEY (" + t.key() + ")");
                st.execute("VACUUM ANALYZE " + t.sourceTable());
                servers.grantRead(c, t.sourceTable());
                try (ResultSet rs = st.executeQuery("SELECT count(*), pg_size_pretty(pg_total_relation_size('" + t.sourceTable()
                        + "')), pg_total_relation_size('" + t.sourceTable() + "') / count(*) FROM " + t.sourceTable())) {
                    rs.next();
                    String size = String.format(Locale.ROOT, "%s: %,d rows, %s with its key (%d bytes/row)",
                            t.sourceTable(), rs.getLong(1), rs.getString(2), rs.getLong(3));
                    sizes.add(size);
                    say(String.format(Locale.ROOT, "generated %s in %.1f s", size, (System.nanoTime() - start) / 1e9));
                }
            }
        }
        return sizes;
    }

    /** Untimed, before each timed step: the table just written vacuumed and analyzed, then a checkpoint on both servers. */
    private void settle(String writtenSchema, BenchTable t) throws Exception {
        if (service != null && service.isRunning()) {
            // The target digests the service computes after a whole-table merge: never during a timed step.
            double waited = service.awaitBackgroundDigests(Duration.ofHours(1));
            if (waited >= 0.1) {
                say(String.format(Locale.ROOT, "(untimed: %.1f s until the service's background digests were kept)", waited));
            }
        }
        try (Connection c = servers.target().connect(); Statement st = c.createStatement()) {
            if (writtenSchema != null) {
                st.execute("VACUUM ANALYZE " + writtenSchema + "." + t.name());
            }
            checkpoint(st);
        }
        try (Connection c = servers.sourceAdmin().connect(); Statement st = c.createStatement()) {
            checkpoint(st);
        }
    }

    private static void checkpoint(Statement st) {
        try {
            st.execute("CHECKPOINT");
        } catch (SQLException e) {
            // Needs superuser or pg_checkpoint on servers we did not start; the run goes on without.
        }
    }

    private Row pipeRow(BenchTable t, String phase, String stagingRef, Result r) {
        say(String.format(Locale.ROOT, "%-17s %-40s %,10d rows %,10d changed %8.2f s", t.name(), phase, r.rows(),
                r.changed(), r.seconds()));
        return new Row(run, t.name(), phase, stagingRef, r.rows(), r.changed(), r.seconds(), null, "");
    }

    private Row serviceRow(BenchTable t, String phase, String stagingRef, String mode) throws Exception {
        ServiceProcess.Sync sync;
        Peaks peaks;
        try (ProcessWatch watch = new ProcessWatch(service.pid())) {
            Instant start = Instant.now();
            sync = service.sync(servers.sourceReader(), t, mode);
            syncWindows.add(new HotMethods.Window(start, Instant.now()));
            peaks = watch.finish();
        }
        say(String.format(Locale.ROOT, "%-17s %-40s %,10d rows %,10d changed %8.2f s (service: %d ms, read %.1f MB)%s",
                t.name(), phase, sync.rowsRead(), sync.rowsChanged(), sync.seconds(), sync.durationMs(),
                peaks.bytesRead() / 1e6, mode.equals("mirror") ? ", " + sync.rowsDeleted() + " deleted" : ""));
        String note = mode.equals("mirror") ? String.format(Locale.ROOT, " (%,d deleted)", sync.rowsDeleted()) : "";
        return new Row(run, t.name(), phase, stagingRef, sync.rowsRead(), sync.rowsChanged(), sync.seconds(), peaks, note);
    }

    /** A+: the wait, after A's answer, until the service has kept the target's digests it computes in the background. */
    private Row backgroundDigestsRow(BenchTable t) throws Exception {
        double seconds;
        Peaks peaks;
        try (ProcessWatch watch = new ProcessWatch(service.pid())) {
            seconds = service.awaitBackgroundDigests(Duration.ofHours(1));
            peaks = watch.finish();
        }
        say(String.format(Locale.ROOT, "%-17s %-40s %8.2f s (read %.1f MB)", t.name(), A_DIGESTS, seconds,
                peaks.bytesRead() / 1e6));
        return new Row(run, t.name(), A_DIGESTS, STAGING_FULL, 0, 0, seconds, peaks, "");
    }

    /**
     * {@code --warm-up N}: before its timed phases the fresh service syncs, untimed, a copy of the first N
     * rows of {@code t} the way the phases do (first sync, re-sync twice, 1% changed, mirror), so its JVM
     * has compiled those paths, as a long-running service's has; then the copy is dropped at both sides.
     */
    private void warmUp(BenchTable t) throws Exception {
        BenchTable copy = new BenchTable("warmup_" + t.name(), t.columnsDdl(), t.columns(), t.key(), null, t.changeSet());
        try (Connection c = servers.sourceAdmin().connect(); Statement st = c.createStatement()) {
            st.execute("DROP TABLE IF EXISTS " + copy.sourceTable());
            st.execute("CREATE TABLE " + copy.sourceTable() + " AS SELECT * FROM " + t.sourceTable() + " ORDER BY " + t.key()
                    + " LIMIT " + options.warmUpRows());
            st.execute("ALTER TABLE " + copy.sourceTable() + " ADD PRIMARY KEY (" + t.key() + ")");
            servers.grantRead(c, copy.sourceTable());
        }
        long start = System.nanoTime();
        service.sync(servers.sourceReader(), copy, "upsert");
        service.sync(servers.sourceReader(), copy, "upsert");
        service.sync(servers.sourceReader(), copy, "upsert");
        try (Connection c = servers.sourceAdmin().connect(); Statement st = c.createStatement()) {
            st.executeUpdate(copy.update(t.key() + " % 100 = 0"));
        }
        service.sync(servers.sourceReader(), copy, "mirror");
        say(String.format(Locale.ROOT, "service warmed up (untimed): 4 syncs of a %,d-row copy of %s in %.1f s",
                options.warmUpRows(), t.sourceTable(), (System.nanoTime() - start) / 1e9));
        try (Connection c = servers.sourceAdmin().connect(); Statement st = c.createStatement()) {
            st.execute("DROP TABLE " + copy.sourceTable());
        }
        try (Connection c = servers.target().connect(); Statement st = c.createStatement()) {
            st.execute("DROP TABLE IF EXISTS " + ServiceProcess.TENANT + "." + copy.name());
        }
    }

    /** Same rows and values at the source, in the staging pipe's tables and in the service's. */
    private List<String> verify(List<BenchTable> tables) throws SQLException {
        List<String> out = new ArrayList<>();
        for (BenchTable t : tables) {
            String source = single(servers.sourceAdmin(), t.fingerprint(t.sourceTable()));
            String base = single(servers.target(), t.fingerprint(BASELINE_SCHEMA + "." + t.name()));
            String ours = single(servers.target(), t.fingerprint(ServiceProcess.TENANT + "." + t.name()));
            boolean same = source.equals(base) && source.equals(ours);
            out.add("check " + t.name() + ": (rows, checksum) source=" + source + " staging pipe=" + base + " service=" + ours
                    + (same ? "  OK" : "  MISMATCH") + " (the raw pipes' and pgcopydb's copies matched the source too)");
            if (!same) {
                throw new IllegalStateException(String.join("\n", out));
            }
        }
        return out;
    }

    /** Where the service's CPU went during all its sync phases, by thread. */
    private List<String> cpuByThread() {
        Map<String, Double> total = new TreeMap<>();
        double all = 0;
        for (Row r : rows) {
            if (r.peaks() != null) {
                r.peaks().cpuByThread().forEach((k, v) -> total.merge(k, v, Double::sum));
                all += r.peaks().cpuSeconds();
            }
        }
        double sum = total.values().stream().mapToDouble(Double::doubleValue).sum();
        double whole = all;
        List<String> out = new ArrayList<>();
        out.add(String.format(Locale.ROOT, "service CPU during the sync phases%s: %.1f s; by thread (/proc/PID/task):",
                options.runs() > 1 ? " of all runs" : "", all));
        total.entrySet().stream().sorted(Map.Entry.<String, Double>comparingByValue().reversed()).limit(8)
                .forEach(e -> out.add(String.format(Locale.ROOT, "  %6.1f s  %4.0f%%  %s", e.getValue(),
                        100 * e.getValue() / Math.max(whole, 0.01), e.getKey())));
        if (all - sum > 0.05) {
            out.add(String.format(Locale.ROOT, "  %6.1f s         (threads that ended during a phase)", all - sum));
        }
        return out;
    }

    private Row find(int r, String table, String phase) {
        return rows.stream().filter(x -> x.run() == r && x.table().equals(table) && x.phase().equals(phase))
                .findFirst().orElse(null);
    }

    private static String ratio(Row row, Row ref) {
        return ref == null ? "" : String.format(Locale.ROOT, "%.2f", row.seconds() / ref.seconds());
    }

    /** Every timed step of run {@code r}, in the order it ran. */
    private List<String> table(int r) {
        List<String> out = new ArrayList<>();
        out.add("| table | phase | rows | changed | seconds | rows/s | × staging pipe | × raw pipe | service read MB "
                + "| read % of COPY text | service CPU s | heap peak MB | RSS peak MB |");
        out.add("|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|");
        for (Row row : rows) {
            if (row.run() != r) {
                continue;
            }
            Peaks p = row.peaks();
            Long text = copyTextBytes.get(row.table());
            boolean read = p != null && p.bytesRead() >= 0;
            out.add(String.format(Locale.ROOT, "| %s | %s%s | %,d | %,d | %.2f | %,.0f | %s | %s | %s | %s | %s | %s | %s |",
                    row.table(), row.phase(), row.note(), row.rows(), row.changed(), row.seconds(), row.rows() / row.seconds(),
                    ratio(row, find(r, row.table(), row.stagingRef())), ratio(row, find(r, row.table(), RAW)),
                    read ? String.format(Locale.ROOT, "%.1f", p.bytesRead() / 1e6) : "",
                    read && text != null ? String.format(Locale.ROOT, "%.1f%%", 100.0 * p.bytesRead() / text) : "",
                    p == null ? "" : String.format(Locale.ROOT, "%.1f", p.cpuSeconds()),
                    p == null ? "" : String.format(Locale.ROOT, "%.0f", p.heapMb()),
                    p == null ? "" : String.format(Locale.ROOT, "%.0f%s", p.rssMb(), p.rssSinceStart() ? "*" : "")));
        }
        return out;
    }

    /**
     * The issue's table for {@code t}: method | seconds | × staging pipe, every ratio against the staging
     * pipe into an empty target of the same run; min–max over the runs.
     */
    private List<String> summary(BenchTable t) {
        String pipe = baseline.viaPsql() ? "`psql \\copy` out \\| `psql \\copy` in" : "pgjdbc CopyManager copyOut \\| copyIn";
        Map<String, String> methods = new LinkedHashMap<>();
        methods.put(RAW, pipe + ", table with its key (raw pipe)");
        methods.put(RAW_KEY_AFTER, "the same into a table without key, then `ADD PRIMARY KEY`");
        methods.put(STAGING_EMPTY, "staging pipe + `INSERT … ON CONFLICT` (hand-made idempotent)");
        methods.put(PGCOPYDB, pgcopydbMethod(t));
        methods.put(A, "**ours, first sync**");
        methods.put(A_DIGESTS, "ours, the target's range digests computed in the background after the first sync (no sync waits)");
        methods.put(B, "**ours, unchanged re-sync, the first** (finds the digests computed in the background)");
        methods.put(B2, "**ours, unchanged re-sync, digests kept** (only moved target ranges hashed)");
        for (Change c : CHANGES) {
            methods.put(c.phase(), "**ours, re-sync, " + c.summary() + "**");
        }
        methods.put(D, "**ours, mirror re-sync, 1% deleted**");

        List<String> out = new ArrayList<>();
        long n = rows.stream().filter(r -> r.table().equals(t.name()) && r.phase().equals(RAW)).mapToLong(Row::rows).findFirst().orElse(0);
        out.add(String.format(Locale.ROOT, "%s, %,d rows%s:", t.sourceTable(), n,
                options.runs() > 1 ? ", " + options.runs() + " runs (min–max)" : ""));
        out.add("");
        out.add("| method | seconds | × staging pipe |");
        out.add("|---|---:|---:|");
        methods.forEach((phase, label) -> {
            List<Double> seconds = new ArrayList<>();
            List<Double> ratios = new ArrayList<>();
            for (int r = 1; r <= options.runs(); r++) {
                Row row = find(r, t.name(), phase);
                Row ref = find(r, t.name(), STAGING_EMPTY);
                if (row != null) {
                    seconds.add(row.seconds());
                    if (ref != null) {
                        ratios.add(row.seconds() / ref.seconds());
                    }
                }
            }
            out.add("| " + label + " | " + (seconds.isEmpty() ? "—" : range(seconds, "%.1f")) + " | "
                    + (ratios.isEmpty() ? "—" : range(ratios, "%.2f")) + " |");
        });
        out.add("");
        out.add("Ours, per phase: what the service read (`rchar` of /proc/PID/io: source and target together, as % of the "
                + String.format(Locale.ROOT, "table's %.1f MB of COPY text), its CPU and its heap:", copyTextBytes.getOrDefault(t.name(), 0L) / 1e6));
        out.add("");
        out.add("| phase | × staging pipe (same work) | read MB | read % of COPY text | service CPU s | heap peak MB |");
        out.add("|---|---:|---:|---:|---:|---:|");
        List<String> ours = new ArrayList<>(List.of(A, A_DIGESTS, B, B2));
        CHANGES.forEach(c -> ours.add(c.phase()));
        ours.add(D);
        for (String phase : ours) {
            List<Row> per = new ArrayList<>();
            List<Double> same = new ArrayList<>();
            for (int r = 1; r <= options.runs(); r++) {
                Row row = find(r, t.name(), phase);
                if (row != null && row.peaks() != null) {
                    per.add(row);
                    Row ref = find(r, t.name(), row.stagingRef());
                    if (ref != null) {
                        same.add(row.seconds() / ref.seconds());
                    }
                }
            }
            if (per.isEmpty()) {
                continue;
            }
            double text = copyTextBytes.getOrDefault(t.name(), 0L);
            out.add("| " + phase + " | " + (same.isEmpty() ? "" : range(same, "%.2f"))
                    + " | " + rangeOf(per, r -> r.peaks().bytesRead() / 1e6, "%.1f")
                    + " | " + (text > 0 ? rangeOf(per, r -> 100.0 * r.peaks().bytesRead() / text, "%.1f") + "%" : "")
                    + " | " + rangeOf(per, r -> r.peaks().cpuSeconds(), "%.1f")
                    + " | " + rangeOf(per, r -> r.peaks().heapMb(), "%.0f") + " |");
        }
        return out;
    }

    private String pgcopydbMethod(BenchTable t) {
        if (pgcopydb == null) {
            return "pgcopydb: skipped (--no-pgcopydb)";
        }
        if (!pgcopydb.installed()) {
            return "pgcopydb: not installed";
        }
        String v = pgcopydb.describe().replaceAll(" \\(.*", "").replace("pgcopydb version ", "pgcopydb ");
        return pgcopydb.canClone(serverMajor) ? "pgcopydb clone of the table (" + v + ")"
                : "pgcopydb copy data of the table (" + v + "; the bench creates the table: this pg_dump cannot dump PostgreSQL "
                + serverMajor + ", so no `clone`)";
    }

    private static String rangeOf(List<Row> rows, ToDoubleFunction<Row> f, String format) {
        List<Double> values = rows.stream().map(r -> f.applyAsDouble(r)).toList();
        return range(values, format);
    }

    private static String range(List<Double> values, String format) {
        double min = values.stream().mapToDouble(Double::doubleValue).min().orElse(Double.NaN);
        double max = values.stream().mapToDouble(Double::doubleValue).max().orElse(Double.NaN);
        String lo = String.format(Locale.ROOT, format, min);
        String hi = String.format(Locale.ROOT, format, max);
        return values.size() == 1 || lo.equals(hi) ? lo : lo + "–" + hi;
    }

    private Path writeResults(List<String> tablesOut, List<String> checks, List<String> profile, List<String> sizes,
                              String sourceVersion, String targetVersion, List<BenchTable> tables) throws IOException {
        int cores = Runtime.getRuntime().availableProcessors();
        Path file = repo.resolve("bench/results/" + LocalDate.now(ZoneOffset.UTC) + "-" + cores + "cores.md");
        Files.createDirectories(file.getParent());
        List<String> md = new ArrayList<>();
        if (!Files.exists(file)) {
            md.add("# Ingest benchmark, " + LocalDate.now(ZoneOffset.UTC) + ", " + cores + " cores");
            md.add("");
            md.add("Made by `bench/run.sh`; each run below is appended, with what its columns mean.");
            md.add("");
        }
        md.add("## Run of " + DateTimeFormatter.ISO_INSTANT.format(Instant.now().truncatedTo(java.time.temporal.ChronoUnit.SECONDS))
                + (options.profile() ? " (with --profile: JFR on, expect some overhead)" : ""));
        md.add("");
        md.add("- command: `" + options.commandLine() + "`");
        md.add("- machine: " + cores + " cores (`nproc`), " + memory() + ", " + cpuModel() + "; Java "
                + System.getProperty("java.version"));
        md.add("- load average (1/5/15 min, other work on the machine skews the timings): " + loadBefore
                + " before the run" + (options.runs() > 1 ? ", " + String.join(" / ", runLoads) + " at the start of each run" : "")
                + ", " + loadAverage() + " after");
        md.add("- code: " + gitCommit());
        md.add("- PostgreSQL: source " + sourceVersion + ", target " + targetVersion
                + (options.sourceUrl() == null ? " (embedded, started by the bench)" : " (given by URL)"));
        md.add("- rows: " + String.format(Locale.ROOT, "%,d", options.rows()) + " orders; "
                + (options.scale() > 0 ? "pgbench scale " + options.scale() + " ("
                + String.format(Locale.ROOT, "%,d", 100_000L * options.scale()) + " accounts)" : "no pgbench_accounts (--scale 0)"));
        sizes.forEach(s -> md.add("  - " + s));
        md.add("- service: " + service.launch + ", writers=" + options.writers() + ", batch-rows=" + options.batchRows()
                + (options.warmUpRows() > 0 ? String.format(Locale.ROOT, "; warmed up before the timed phases by 4 untimed syncs"
                + " of a %,d-row copy of the first table (`--warm-up`: its JVM has compiled the paths, as a long-running"
                + " service's has)", options.warmUpRows()) : "; a fresh JVM (no `--warm-up`): the first phases pay its JIT compilation"));
        md.add("- pipe client (raw and staging pipes): " + baseline.client());
        md.add("- pgcopydb: " + pgcopydbState());
        md.add("- columns: `× staging pipe` = seconds ÷ the staging pipe's seconds for the same work in the same run "
                + "(first loads against the staging pipe into an empty target, re-syncs against the staging pipe's "
                + "same re-sync; in the summary every line against the empty-target staging pipe, as in issue 10); "
                + "`× raw pipe` = seconds ÷ the raw pipe into the keyed table; below 1 is faster. Service read = delta of "
                + "`rchar` in /proc/PID/io (every read(2): the sockets to source and target, and a few files) during "
                + "the phase, also as % of the table's COPY text size; service CPU = user+system seconds of its JVM; "
                + "heap = sampled peak of `jstat -gc` used (S0U+S1U+EU+OU); RSS = `VmHWM` during the phase.");
        md.add("");
        md.addAll(tablesOut);
        checks.forEach(c -> md.add(c.startsWith("  ") ? "    - " + c.trim().replaceAll("\\s+", " ") : "- " + c));
        if (rows.stream().anyMatch(r -> r.peaks() != null && r.peaks().rssSinceStart())) {
            md.add("- `*` RSS peak since the service started (the kernel refused to reset VmHWM)");
        }
        md.add("");
        md.add("As timed (orders):");
        md.add("");
        md.add("```");
        md.add(baseline.describeRaw(servers, tables.get(0), RAW_SCHEMA, false));
        md.add("");
        md.add(baseline.describeRaw(servers, tables.get(0), RAW_KEY_AFTER_SCHEMA, true));
        md.add("");
        md.add(baseline.describe(servers, tables.get(0), BASELINE_SCHEMA));
        if (pgcopydb != null && pgcopydb.installed()) {
            md.add("");
            md.add(pgcopydb.describeCommand(serverMajor, tables.get(0)));
        }
        md.add("```");
        if (!profile.isEmpty()) {
            md.add("");
            md.add("Profile (JFR, settings=profile, sync phases only" + (options.runs() > 1 ? ", last run" : "") + "):");
            md.add("");
            md.add("```");
            md.addAll(profile);
            md.add("```");
        }
        md.add("");
        Files.write(file, md, java.nio.file.StandardOpenOption.CREATE, java.nio.file.StandardOpenOption.APPEND);
        return file;
    }

    private static String memory() {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/meminfo"))) {
                if (line.startsWith("MemTotal:")) {
                    return String.format(Locale.ROOT, "%.0f GiB RAM", Double.parseDouble(line.replaceAll("\\D", "")) / 1024 / 1024);
                }
            }
        } catch (IOException | RuntimeException ignored) {
            // Not Linux.
        }
        return "RAM unknown";
    }

    private String gitCommit() {
        try {
            Process p = new ProcessBuilder("git", "describe", "--always", "--dirty").directory(repo.toFile())
                    .redirectErrorStream(true).start();
            String out = new String(p.getInputStream().readAllBytes()).trim();
            return p.waitFor() == 0 ? out : "?";
        } catch (IOException e) {
            return "?";
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return "?";
        }
    }

    private static String loadAverage() {
        try {
            String[] f = Files.readString(Path.of("/proc/loadavg")).trim().split("\\s+");
            return f[0] + " " + f[1] + " " + f[2];
        } catch (IOException | RuntimeException e) {
            return "?";
        }
    }

    private static String cpuModel() {
        try {
            return Files.readAllLines(Path.of("/proc/cpuinfo")).stream().filter(l -> l.startsWith("model name"))
                    .map(l -> l.substring(l.indexOf(':') + 1).trim()).findFirst().orElse("CPU unknown");
        } catch (IOException e) {
            return "CPU unknown";
        }
    }

    private static String single(PgEndpoint db, String sql) throws SQLException {
        try (Connection c = db.connect(); Statement st = c.createStatement(); ResultSet rs = st.executeQuery(sql)) {
            rs.next();
            StringBuilder sb = new StringBuilder(rs.getString(1));
            for (int i = 2; i <= rs.getMetaData().getColumnCount(); i++) {
                sb.append(',').append(rs.getString(i));
            }
            return sb.toString();
        }
    }

    private static String major(String version) {
        return version.split("[ .]")[0];
    }

    private <T extends AutoCloseable> T remember(T resource) {
        synchronized (toClose) {
            toClose.add(resource);
        }
        return resource;
    }

    /** Stops the service, then the servers: on the way out, whether the run succeeded or not. */
    private void closeAll() {
        List<AutoCloseable> all;
        synchronized (toClose) {
            all = new ArrayList<>(toClose);
            toClose.clear();
        }
        for (int i = all.size() - 1; i >= 0; i--) {
            try {
                all.get(i).close();
            } catch (Exception e) {
                System.err.println("cleanup: " + e);
            }
        }
    }

    private static void say(String message) {
        System.out.println("[bench " + DateTimeFormatter.ofPattern("HH:mm:ss").format(java.time.LocalTime.now()) + "] " + message);
    }
}
