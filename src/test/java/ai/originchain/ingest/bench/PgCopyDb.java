package ai.originchain.ingest.bench;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * pgcopydb, when the machine has it ({@code apt-get install pgcopydb}), copying one table into a
 * database of its own on the target server ({@value #DATABASE}), limited to the table by a filter file
 * ({@code [include-only-table]}), with {@code --table-jobs 2 --index-jobs 2}; it reads as the source's
 * read-only role over TLS, passwords from a {@code PGPASSFILE} in the work directory.
 *
 * <p>{@code pgcopydb clone} dumps the schema with the machine's {@code pg_dump}, which refuses a
 * server of a newer major version (Debian 12's pgcopydb 0.10 comes with pg_dump 15). Then the bench
 * creates the table without its key, untimed, as {@code clone}'s pre-data step would, and times
 * {@code pgcopydb copy data}: the rest of a clone (COPY with table jobs, then CREATE INDEX and
 * {@code ADD CONSTRAINT … PRIMARY KEY USING INDEX} with index jobs, VACUUM ANALYZE).
 */
final class PgCopyDb {

    static final String DATABASE = "bench_pgcopydb";

    record Result(long rows, double seconds) {
    }

    private final Path binary;
    private final String version;
    private final Integer pgDumpMajor;

    private PgCopyDb(Path binary, String version, Integer pgDumpMajor) {
        this.binary = binary;
        this.version = version;
        this.pgDumpMajor = pgDumpMajor;
    }

    static PgCopyDb detect() {
        Path bin = onPath("pgcopydb");
        if (bin == null) {
            return new PgCopyDb(null, null, null);
        }
        String v = firstLine(run(List.of(bin.toString(), "--version")), "pgcopydb version");
        Path pgDump = onPath("pg_dump");
        Integer major = null;
        if (pgDump != null) {
            Matcher m = Pattern.compile("\\(PostgreSQL\\) (\\d+)").matcher(run(List.of(pgDump.toString(), "--version")));
            major = m.find() ? Integer.valueOf(m.group(1)) : null;
        }
        return new PgCopyDb(bin, v == null ? "pgcopydb (version unknown)" : v.trim(), major);
    }

    boolean installed() {
        return binary != null;
    }

    /** "pgcopydb version 0.10-1 (/usr/bin/pgcopydb)", or "not installed". */
    String describe() {
        return installed() ? version + " (" + binary + "; pg_dump on PATH: " + (pgDumpMajor == null ? "none" : pgDumpMajor) + ")"
                : "not installed";
    }

    /** Whether {@code pgcopydb clone} can run: its pg_dump dumps servers up to its own major version. */
    boolean canClone(int serverMajor) {
        return pgDumpMajor != null && pgDumpMajor >= serverMajor;
    }

    /** The command timed, for the results. */
    String describeCommand(int serverMajor, BenchTable table) {
        String common = " --source 'postgres://<reader>@<source>/<db>?sslmode=require' --target 'postgres://<target>/"
                + DATABASE + "' --table-jobs 2 --index-jobs 2 --filters <file: [include-only-table] " + table.sourceTable() + ">";
        return canClone(serverMajor) ? "pgcopydb clone" + common + " --no-owner --no-acl"
                : "(untimed: " + table.createUnkeyed("public") + " in " + DATABASE + ")\npgcopydb copy data" + common;
    }

    /** One timed copy of {@code table}; the target database is made anew first (untimed). */
    Result copy(BenchServers servers, BenchTable table, Path work, int serverMajor) throws Exception {
        boolean clone = canClone(serverMajor);
        try (Connection c = servers.target().connect(); Statement st = c.createStatement()) {
            st.execute("DROP DATABASE IF EXISTS " + DATABASE + " WITH (FORCE)");
            st.execute("CREATE DATABASE " + DATABASE);
        }
        PgEndpoint into = servers.target().database(DATABASE);
        if (!clone) {
            try (Connection c = into.connect(); Statement st = c.createStatement()) {
                st.execute(table.createUnkeyed("public"));
            }
        }
        Path dir = work.resolve("pgcopydb");
        deleteTree(dir);
        Files.createDirectories(work);
        Path filter = work.resolve("pgcopydb-filter.ini");
        Files.writeString(filter, "[include-only-table]\n" + table.sourceTable() + "\n");
        Path pgpass = work.resolve("pgcopydb.pgpass");
        Files.deleteIfExists(pgpass);
        Files.createFile(pgpass, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
        Files.writeString(pgpass, pgpassLine(servers.sourceReader()) + pgpassLine(into));

        List<String> cmd = new ArrayList<>(List.of(binary.toString()));
        cmd.addAll(clone ? List.of("clone") : List.of("copy", "data"));
        cmd.addAll(List.of("--source", uri(servers.sourceReader()), "--target", uri(into), "--table-jobs", "2", "--index-jobs", "2",
                "--filters", filter.toString(), "--dir", dir.toString()));
        if (clone) {
            cmd.addAll(List.of("--no-owner", "--no-acl"));
        }
        Path log = work.resolve("pgcopydb-" + table.name() + ".log");
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(log.toFile());
        pb.environment().put("PGPASSFILE", pgpass.toString());
        pb.environment().remove("PGPASSWORD");
        long start = System.nanoTime();
        Process p = pb.start();
        int rc = p.waitFor();
        double seconds = (System.nanoTime() - start) / 1e9;
        Files.deleteIfExists(pgpass);
        if (rc != 0) {
            throw new IllegalStateException("pgcopydb exited " + rc + ", see " + log + ":\n" + tail(log));
        }
        long rows;
        try (Connection c = into.connect(); Statement st = c.createStatement();
             var rs = st.executeQuery("SELECT count(*) FROM public." + table.name())) {
            rs.next();
            rows = rs.getLong(1);
        }
        return new Result(rows, seconds);
    }

    /** Drops the copy's database again (disk, at 10M rows). */
    static void dropCopy(BenchServers servers) {
        try (Connection c = servers.target().connect(); Statement st = c.createStatement()) {
            st.execute("DROP DATABASE IF EXISTS " + DATABASE + " WITH (FORCE)");
        } catch (SQLException e) {
            // Not ours to drop (a given target without CREATEDB): nothing was copied there either.
        }
    }

    private static String uri(PgEndpoint e) {
        return "postgres://" + enc(e.user()) + "@" + e.host() + ":" + e.port() + "/" + enc(e.database())
                + "?sslmode=" + e.sslmode();
    }

    private static String enc(String s) {
        return java.net.URLEncoder.encode(s, StandardCharsets.UTF_8).replace("+", "%20");
    }

    private static String pgpassLine(PgEndpoint e) {
        return String.join(":", esc(e.host()), String.valueOf(e.port()), esc(e.database()), esc(e.user()), esc(e.password()))
                + "\n";
    }

    private static String esc(String s) {
        return s.replace("\\", "\\\\").replace(":", "\\:");
    }

    private static Path onPath(String name) {
        return Stream.of(System.getenv().getOrDefault("PATH", "").split(":")).filter(d -> !d.isEmpty())
                .map(d -> Path.of(d, name)).filter(Files::isExecutable).findFirst().orElse(null);
    }

    private static String firstLine(String text, String prefix) {
        return text.lines().filter(l -> l.startsWith(prefix)).findFirst().orElse(null);
    }

    private static String tail(Path log) {
        try {
            List<String> lines = Files.readAllLines(log);
            return String.join("\n", lines.subList(Math.max(0, lines.size() - 15), lines.size()));
        } catch (IOException e) {
            return "(no log)";
        }
    }

    private static void deleteTree(Path dir) throws IOException {
        if (!Files.exists(dir)) {
            return;
        }
        try (Stream<Path> all = Files.walk(dir)) {
            for (Path p : all.sorted(Comparator.reverseOrder()).toList()) {
                Files.delete(p);
            }
        }
    }

    /** A command's output, or "" when it could not run. */
    private static String run(List<String> command) {
        String out = Baseline.run(command);
        return out.equals("?") ? "" : out;
    }
}
