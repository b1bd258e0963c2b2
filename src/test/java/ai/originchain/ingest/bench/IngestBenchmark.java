package ai.originchain.ingest.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

import org.slf4j.LoggerFactory;

import ai.originchain.ingest.bench.Baseline.Result;
import ai.originchain.ingest.bench.ProcessWatch.Peaks;
import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;

/**
 * The benchmark: our service against the hand-written psql COPY baseline, on the same servers.
 * Run it with {@code bench/run.sh}; {@code bench/README.md} says what every phase times.
 *
 * <pre>
 * for each table (public.orders, public.pgbench_accounts):
 *   baseline, empty target   COPY out | COPY into staging; INSERT … ON CONFLICT DO UPDATE … IS DISTINCT FROM   → baseline.T
 *   baseline, full target    the same again, every row already there
 * service (own JVM, -Xmx256m, HTTP), tenant bench                                                        → bench.T
 *   A  first sync into an empty target
 *   B  unchanged re-sync
 *   (source: UPDATE … WHERE id % 10 = 0)
 *   C  re-sync after 10% of the rows changed      (and, for reference, the baseline doing the same)
 *   (source: DELETE … WHERE key % 100 = 7)
 *   D  mirror sync after 1% of the rows were deleted (the baseline first: its pipe, upsert, then
 *      DELETE … WHERE NOT EXISTS (SELECT 1 FROM stage …))
 * </pre>
 * Between timed steps, untimed: VACUUM ANALYZE of the table just written and a CHECKPOINT on both servers.
 */
public final class IngestBenchmark {

    static final String BASELINE_SCHEMA = "baseline";

    record Row(String table, String phase, long rows, long changed, double seconds, Double baselineSeconds, Peaks peaks) {
    }

    record Options(long rows, int scale, String sourceUrl, String targetUrl, boolean profile, boolean usePsql,
                   int writers, int batchRows, Path serviceClasspath) {

        static Options parse(String[] args) {
            long rows = 1_000_000;
            Integer scale = null;
            boolean rowsGiven = false;
            String source = null;
            String target = null;
            boolean profile = false;
            boolean psql = true;
            int writers = 2;
            int batchRows = 20_000;
            Path cp = null;
            for (int i = 0; i < args.length; i++) {
                String a = args[i];
                switch (a) {
                    case "--rows" -> { rows = Long.parseLong(args[++i].replace("_", "")); rowsGiven = true; }
                    case "--scale" -> scale = Integer.parseInt(args[++i]);
                    case "--source-url" -> source = args[++i];
                    case "--target-url" -> target = args[++i];
                    case "--profile" -> profile = true;
                    case "--no-psql" -> psql = false;
                    case "--writers" -> writers = Integer.parseInt(args[++i]);
                    case "--batch-rows" -> batchRows = Integer.parseInt(args[++i]);
                    case "--service-classpath" -> cp = Path.of(args[++i]);
                    default -> throw new IllegalArgumentException("unknown option " + a);
                }
            }
            if ((source == null) != (target == null)) {
                throw new IllegalArgumentException("--source-url and --target-url go together");
            }
            // pgbench_accounts has 100,000 rows per scale unit: a smaller --rows shrinks it alike.
            int s = scale != null ? scale : rowsGiven ? (int) Math.max(1, rows / 100_000) : 10;
            return new Options(rows, s, source, target, profile, psql, writers, batchRows, cp);
        }
    }

    private final Options options;
    private final Path repo = Path.of("").toAbsolutePath();
    private final Path work = repo.resolve("bench/work");
    private final List<AutoCloseable> toClose = new ArrayList<>();
    private final List<Row> rows = new ArrayList<>();
    private final List<HotMethods.Window> syncWindows = new ArrayList<>();
    private BenchServers servers;
    private ServiceProcess service;
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
        if (options.sourceUrl() == null) {
            say("starting two embedded PostgreSQL servers (source: TLS + password role; target: plain) …");
            servers = remember(BenchServers.embedded(work.resolve("pg")));
        } else {
            servers = BenchServers.given(PgEndpoint.parse(options.sourceUrl()), PgEndpoint.parse(options.targetUrl()));
            say("using the given servers; public.orders, public.pgbench_accounts at the source and schemas "
                    + BASELINE_SCHEMA + ", " + ServiceProcess.TENANT + " at the target are dropped and recreated");
        }
        String sourceVersion = single(servers.sourceAdmin(), "SHOW server_version");
        String targetVersion = single(servers.target(), "SHOW server_version");
        say("source " + servers.sourceReader() + ": PostgreSQL " + sourceVersion);
        say("target " + servers.target() + ": PostgreSQL " + targetVersion);
        if (!major(sourceVersion).equals(major(targetVersion))) {
            say("WARNING: source and target run different major versions");
        }

        List<BenchTable> tables = List.of(BenchTable.orders(options.rows()), BenchTable.pgbenchAccounts(options.scale()));
        List<String> sizes = generate(tables);

        try (Connection c = servers.target().connect(); Statement st = c.createStatement()) {
            st.execute("DROP SCHEMA IF EXISTS " + BASELINE_SCHEMA + " CASCADE");
            st.execute("DROP SCHEMA IF EXISTS " + ServiceProcess.TENANT + " CASCADE");
            st.execute("CREATE SCHEMA " + BASELINE_SCHEMA);
            for (BenchTable t : tables) {
                st.execute(t.createTarget(BASELINE_SCHEMA));
            }
        }

        Baseline baseline = Baseline.detect(options.usePsql());
        say("baseline client: " + baseline.client());
        say("baseline, as timed:\n" + baseline.describe(servers, tables.get(0), BASELINE_SCHEMA));
        for (BenchTable t : tables) {
            settle(BASELINE_SCHEMA, t);
            rows.add(baselineRow(t, "baseline: empty target", baseline.load(servers, t, BASELINE_SCHEMA)));
            settle(BASELINE_SCHEMA, t);
            rows.add(baselineRow(t, "baseline: full target", baseline.load(servers, t, BASELINE_SCHEMA)));
        }

        say("starting the service …");
        Path jfr = options.profile() ? work.resolve("service.jfr") : null;
        service = remember(ServiceProcess.start(repo, work, servers.target(), options.writers(), options.batchRows(),
                jfr, options.serviceClasspath()));
        say("service pid " + service.pid() + ": " + service.launch + (jfr != null ? " (with JFR, settings=profile)" : ""));

        for (BenchTable t : tables) {
            settle(null, t);
            rows.add(serviceRow(t, "A: first sync, empty target", "baseline: empty target"));
            settle(ServiceProcess.TENANT, t);
            rows.add(serviceRow(t, "B: unchanged re-sync", "baseline: full target"));
        }

        try (Connection c = servers.sourceAdmin().connect(); Statement st = c.createStatement()) {
            for (BenchTable t : tables) {
                int changed = st.executeUpdate(t.changeSql());
                say("source: " + changed + " rows of " + t.sourceTable() + " changed (" + t.changeSql().replaceAll("\\s+", " ").trim() + ")");
                st.execute("VACUUM ANALYZE " + t.sourceTable());
            }
        }
        for (BenchTable t : tables) {
            settle(ServiceProcess.TENANT, t);
            rows.add(serviceRow(t, "C: re-sync, 10% changed", "baseline: full target"));
            settle(BASELINE_SCHEMA, t);
            rows.add(baselineRow(t, "baseline: 10% changed", baseline.load(servers, t, BASELINE_SCHEMA)));
        }

        // D: 1% of the rows deleted at the source, then a mirror sync (and the baseline's hand-made mirror).
        try (Connection c = servers.sourceAdmin().connect(); Statement st = c.createStatement()) {
            for (BenchTable t : tables) {
                int deleted = st.executeUpdate("DELETE FROM " + t.sourceTable() + " WHERE " + t.key() + " % 100 = 7");
                say("source: " + deleted + " rows of " + t.sourceTable() + " deleted (" + t.key() + " % 100 = 7)");
                st.execute("VACUUM ANALYZE " + t.sourceTable());
            }
        }
        for (BenchTable t : tables) {
            settle(BASELINE_SCHEMA, t);
            rows.add(baselineRow(t, "baseline: mirror, 1% deleted", baseline.load(servers, t, BASELINE_SCHEMA, true)));
            settle(ServiceProcess.TENANT, t);
            rows.add(serviceRow(t, "D: mirror, 1% deleted", "baseline: mirror, 1% deleted", "mirror"));
        }

        List<String> checks = new ArrayList<>(verify(tables));
        checks.addAll(cpuByThread());
        List<String> profile = List.of();
        if (jfr != null) {
            Path dump = work.resolve("service-dump.jfr");
            service.dumpRecording(dump);
            profile = HotMethods.read(dump, syncWindows).report(15);
        }
        service.close();

        List<String> table = table();
        System.out.println();
        table.forEach(System.out::println);
        System.out.println();
        checks.forEach(System.out::println);
        if (!profile.isEmpty()) {
            System.out.println();
            profile.forEach(System.out::println);
        }
        Path results = writeResults(table, checks, profile, sizes, sourceVersion, targetVersion, baseline, tables);
        say(String.format(Locale.ROOT, "done in %.0f s; results in %s", (System.nanoTime() - t0) / 1e9, repo.relativize(results)));
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
    private void settle(String writtenSchema, BenchTable t) throws SQLException {
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

    private Row baselineRow(BenchTable t, String phase, Result r) {
        say(String.format(Locale.ROOT, "%-17s %-28s %,10d rows %,10d changed %8.2f s", t.name(), phase, r.rows(),
                r.changed(), r.seconds()));
        return new Row(t.name(), phase, r.rows(), r.changed(), r.seconds(), null, null);
    }

    private Row serviceRow(BenchTable t, String phase, String baselinePhase) throws Exception {
        return serviceRow(t, phase, baselinePhase, "upsert");
    }

    private Row serviceRow(BenchTable t, String phase, String baselinePhase, String mode) throws Exception {
        Double base = rows.stream().filter(r -> r.table().equals(t.name()) && r.phase().equals(baselinePhase))
                .map(Row::seconds).findFirst().orElse(null);
        ServiceProcess.Sync sync;
        Peaks peaks;
        try (ProcessWatch watch = new ProcessWatch(service.pid())) {
            Instant start = Instant.now();
            sync = service.sync(servers.sourceReader(), t, mode);
            syncWindows.add(new HotMethods.Window(start, Instant.now()));
            peaks = watch.finish();
        }
        say(String.format(Locale.ROOT, "%-17s %-28s %,10d rows %,10d changed %8.2f s (service: %d ms)%s", t.name(), phase,
                sync.rowsRead(), sync.rowsChanged(), sync.seconds(), sync.durationMs(),
                mode.equals("mirror") ? ", " + sync.rowsDeleted() + " deleted" : ""));
        String shown = mode.equals("mirror") ? phase + String.format(Locale.ROOT, " (%,d deleted)", sync.rowsDeleted()) : phase;
        return new Row(t.name(), shown, sync.rowsRead(), sync.rowsChanged(), sync.seconds(), base, peaks);
    }

    /** Same rows and values at the source, in the baseline's tables and in the service's. */
    private List<String> verify(List<BenchTable> tables) throws SQLException {
        List<String> out = new ArrayList<>();
        for (BenchTable t : tables) {
            String source = single(servers.sourceAdmin(), t.fingerprint(t.sourceTable()));
            String base = single(servers.target(), t.fingerprint(BASELINE_SCHEMA + "." + t.name()));
            String ours = single(servers.target(), t.fingerprint(ServiceProcess.TENANT + "." + t.name()));
            boolean same = source.equals(base) && source.equals(ours);
            out.add("check " + t.name() + ": (rows, checksum) source=" + source + " baseline=" + base + " service=" + ours
                    + (same ? "  OK" : "  MISMATCH"));
            if (!same) {
                throw new IllegalStateException(String.join("\n", out));
            }
        }
        return out;
    }

    /** Where the service's CPU went during all its sync phases, by thread. */
    private List<String> cpuByThread() {
        java.util.Map<String, Double> total = new java.util.TreeMap<>();
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
        out.add(String.format(Locale.ROOT, "service CPU during the sync phases: %.1f s; by thread (/proc/PID/task):", all));
        total.entrySet().stream().sorted(java.util.Map.Entry.<String, Double>comparingByValue().reversed()).limit(8)
                .forEach(e -> out.add(String.format(Locale.ROOT, "  %6.1f s  %4.0f%%  %s", e.getValue(),
                        100 * e.getValue() / Math.max(whole, 0.01), e.getKey())));
        if (all - sum > 0.05) {
            out.add(String.format(Locale.ROOT, "  %6.1f s         (threads that ended during a phase)", all - sum));
        }
        return out;
    }

    private List<String> table() {
        List<String> out = new ArrayList<>();
        out.add("| table | phase | rows | changed | seconds | rows/s | × baseline time | heap peak MB | RSS peak MB | service CPU s |");
        out.add("|---|---|---:|---:|---:|---:|---:|---:|---:|---:|");
        for (Row r : rows) {
            Peaks p = r.peaks();
            out.add(String.format(Locale.ROOT, "| %s | %s | %,d | %,d | %.2f | %,.0f | %s | %s | %s | %s |",
                    r.table(), r.phase(), r.rows(), r.changed(), r.seconds(), r.rows() / r.seconds(),
                    r.baselineSeconds() == null ? "" : String.format(Locale.ROOT, "%.2f", r.seconds() / r.baselineSeconds()),
                    p == null ? "" : String.format(Locale.ROOT, "%.0f", p.heapMb()),
                    p == null ? "" : String.format(Locale.ROOT, "%.0f%s", p.rssMb(), p.rssSinceStart() ? "*" : ""),
                    p == null ? "" : String.format(Locale.ROOT, "%.1f", p.cpuSeconds())));
        }
        return out;
    }

    private Path writeResults(List<String> table, List<String> checks, List<String> profile, List<String> sizes,
                              String sourceVersion, String targetVersion, Baseline baseline, List<BenchTable> tables)
            throws IOException {
        int cores = Runtime.getRuntime().availableProcessors();
        Path file = repo.resolve("bench/results/" + LocalDate.now(ZoneOffset.UTC) + "-" + cores + "cores.md");
        Files.createDirectories(file.getParent());
        List<String> md = new ArrayList<>();
        if (!Files.exists(file)) {
            md.add("# Ingest benchmark, " + LocalDate.now(ZoneOffset.UTC) + ", " + cores + " cores");
            md.add("");
            md.add("Made by `bench/run.sh`; each run below is appended. `× baseline time` = service seconds / baseline "
                    + "seconds: phase A against the baseline into an empty target, B and C against the baseline into a "
                    + "full target (below 1: the service was faster). Heap = sampled peak of `jstat -gc` used "
                    + "(S0U+S1U+EU+OU) during the phase; RSS = `VmHWM` of the service's process during the phase; "
                    + "service CPU = user+system CPU seconds the service's JVM used during the phase.");
            md.add("");
        }
        md.add("## Run of " + DateTimeFormatter.ISO_INSTANT.format(Instant.now().truncatedTo(java.time.temporal.ChronoUnit.SECONDS))
                + (options.profile() ? " (with --profile: JFR on, expect some overhead)" : ""));
        md.add("");
        md.add("- machine: " + cores + " cores (`nproc`), " + memory() + ", " + cpuModel() + "; Java "
                + System.getProperty("java.version"));
        md.add("- load average (1/5/15 min, other work on the machine skews the timings): " + loadBefore
                + " before the run, " + loadAverage() + " after");
        md.add("- code: " + gitCommit());
        md.add("- PostgreSQL: source " + sourceVersion + ", target " + targetVersion
                + (options.sourceUrl() == null ? " (embedded, started by the bench)" : " (given by URL)"));
        md.add("- rows: " + String.format(Locale.ROOT, "%,d", options.rows()) + " orders; pgbench scale "
                + options.scale() + " (" + String.format(Locale.ROOT, "%,d", 100_000L * options.scale()) + " accounts)");
        sizes.forEach(s -> md.add("  - " + s));
        md.add("- service: " + service.launch + ", writers=" + options.writers() + ", batch-rows=" + options.batchRows());
        md.add("- baseline client: " + baseline.client());
        md.add("");
        md.addAll(table);
        md.add("");
        checks.forEach(c -> md.add(c.startsWith("  ") ? "    - " + c.trim().replaceAll("\\s+", " ") : "- " + c));
        if (rows.stream().anyMatch(r -> r.peaks() != null && r.peaks().rssSinceStart())) {
            md.add("- `*` RSS peak since the service started (the kernel refused to reset VmHWM)");
        }
        md.add("");
        md.add("Baseline as timed (orders):");
        md.add("");
        md.add("```");
        md.add(baseline.describe(servers, tables.get(0), BASELINE_SCHEMA));
        md.add("```");
        if (!profile.isEmpty()) {
            md.add("");
            md.add("Profile (JFR, settings=profile, sync phases only):");
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
