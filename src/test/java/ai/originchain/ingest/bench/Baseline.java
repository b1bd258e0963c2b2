package ai.originchain.ingest.bench;

import java.io.IOException;
import java.io.PipedInputStream;
import java.io.PipedOutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import org.postgresql.PGConnection;

/**
 * The baseline a DBA would write by hand: stream the source table out with COPY, pipe it into a
 * temporary staging table at the target with COPY, then one
 * {@code INSERT … SELECT … ON CONFLICT (key) DO UPDATE SET … WHERE … IS DISTINCT FROM …}.
 * With psql when there is one ({@code psql -c "\copy … to stdout" | psql -c "\copy … from pstdin"});
 * otherwise the same pipe through pgjdbc's CopyManager (copyOut → pipe → copyIn).
 */
final class Baseline {

    record Result(long rows, long changed, double seconds) {
    }

    private static final Pattern COPIED = Pattern.compile("(?m)^COPY (\\d+)$");
    private static final Pattern UPSERTED = Pattern.compile("(?m)^INSERT 0 (\\d+)$");

    private final Path psql;

    private Baseline(Path psql) {
        this.psql = psql;
    }

    /** psql from PATH, or from a Debian/Ubuntu PostgreSQL install; none with {@code usePsql=false}. */
    static Baseline detect(boolean usePsql) {
        if (!usePsql) {
            return new Baseline(null);
        }
        Stream<Path> onPath = Stream.of(System.getenv().getOrDefault("PATH", "").split(":"))
                .filter(d -> !d.isEmpty()).map(d -> Path.of(d, "psql"));
        Stream<Path> debian = Stream.of("/usr/lib/postgresql").map(Path::of).filter(Files::isDirectory)
                .flatMap(d -> {
                    try {
                        return Files.list(d).sorted(Comparator.reverseOrder()).map(v -> v.resolve("bin/psql")).toList().stream();
                    } catch (IOException e) {
                        return Stream.empty();
                    }
                });
        return new Baseline(Stream.concat(onPath, debian).filter(Files::isExecutable).findFirst().orElse(null));
    }

    boolean viaPsql() {
        return psql != null;
    }

    String client() {
        if (psql == null) {
            return "pgjdbc CopyManager (copyOut -> pipe -> copyIn; no psql found)";
        }
        return "psql (" + psql + ", " + run(List.of(psql.toString(), "--version")).trim() + ")";
    }

    /** What {@link #load} times, as a reader would type it (passwords come from PGPASSWORD). */
    String describe(BenchServers servers, BenchTable table, String schema) {
        if (psql == null) {
            return "CopyManager.copyOut(\"" + copyOut(table) + "\") -> pipe -> CopyManager.copyIn(\"COPY stage FROM STDIN\"), then:\n  "
                    + table.upsertFrom("stage", schema);
        }
        return "psql \"" + servers.sourceReader().conninfo() + "\" -X -q -c \"\\copy (" + select(table) + ") to stdout\" \\\n"
                + "  | psql \"" + servers.target().conninfo() + "\" -X -v ON_ERROR_STOP=1 \\\n"
                + "      -c \"" + createStaging(table, schema) + "\" -c \"\\copy stage from pstdin\" \\\n"
                + "      -c \"" + table.upsertFrom("stage", schema) + "\"";
    }

    /** One timed baseline load of {@code table} into {@code schema.table}. */
    Result load(BenchServers servers, BenchTable table, String schema) throws Exception {
        return load(servers, table, schema, false);
    }

    /** With {@code mirror}, the same and then a DELETE of the target's rows the staging table lacks. */
    Result load(BenchServers servers, BenchTable table, String schema, boolean mirror) throws Exception {
        String delete = mirror ? mirrorDelete(table, schema) : "SELECT 1";
        return psql != null ? viaPsql(servers, table, schema, delete) : viaCopyManager(servers, table, schema, delete);
    }

    static String mirrorDelete(BenchTable table, String schema) {
        return "DELETE FROM " + schema + "." + table.name() + " t WHERE NOT EXISTS (SELECT 1 FROM stage s WHERE s."
                + table.key() + " = t." + table.key() + ")";
    }

    private Result viaPsql(BenchServers servers, BenchTable table, String schema, String delete)
            throws IOException, InterruptedException {
        return pipeViaPsql(servers, table, List.of(createStaging(table, schema), "\\copy stage from pstdin",
                table.upsertFrom("stage", schema), delete));
    }

    /**
     * The raw pipe: COPY out of the source straight into {@code schema.table} (which the caller made
     * empty), no staging, no upsert; with {@code addKeyAfter} the table has no key and gets its
     * primary key after the load, in the same timed step.
     */
    Result rawPipe(BenchServers servers, BenchTable table, String schema, boolean addKeyAfter) throws Exception {
        String into = schema + "." + table.name();
        String addKey = addKeyAfter ? addPrimaryKey(table, schema) : "SELECT 1";
        if (psql != null) {
            return pipeViaPsql(servers, table, List.of("\\copy " + into + " from pstdin", addKey));
        }
        long start = System.nanoTime();
        try (Connection source = servers.sourceReader().connect(); Connection target = servers.target().connect();
             Statement st = target.createStatement()) {
            long copied = pipe(source, target, table, "COPY " + into + " FROM STDIN");
            st.execute(addKey);
            return new Result(copied, copied, (System.nanoTime() - start) / 1e9);
        }
    }

    static String addPrimaryKey(BenchTable table, String schema) {
        return "ALTER TABLE " + schema + "." + table.name() + " ADD PRIMARY KEY (" + table.key() + ")";
    }

    /** What {@link #rawPipe} times, as a reader would type it. */
    String describeRaw(BenchServers servers, BenchTable table, String schema, boolean addKeyAfter) {
        String into = schema + "." + table.name();
        if (psql == null) {
            return "CopyManager.copyOut(\"" + copyOut(table) + "\") -> pipe -> CopyManager.copyIn(\"COPY " + into
                    + " FROM STDIN\")" + (addKeyAfter ? ", then:\n  " + addPrimaryKey(table, schema) : "");
        }
        return "psql \"" + servers.sourceReader().conninfo() + "\" -X -q -c \"\\copy (" + select(table) + ") to stdout\" \\\n"
                + "  | psql \"" + servers.target().conninfo() + "\" -X -v ON_ERROR_STOP=1 -c \"\\copy " + into + " from pstdin\""
                + (addKeyAfter ? " \\\n      -c \"" + addPrimaryKey(table, schema) + "\"" : "");
    }

    /** The size of the table as COPY text, counted through the same client: what a full read moves. */
    long copyTextBytes(BenchServers servers, BenchTable table) throws Exception {
        if (psql != null) {
            ProcessBuilder pb = new ProcessBuilder("bash", "-o", "pipefail", "-c",
                    "PGPASSWORD=\"$SRC_PW\" \"$PSQL\" \"$SRC\" -X -q -v ON_ERROR_STOP=1 -c \"$COPY_OUT\" | wc -c");
            pb.environment().put("PSQL", psql.toString());
            pb.environment().put("SRC", servers.sourceReader().conninfo());
            pb.environment().put("SRC_PW", servers.sourceReader().password());
            pb.environment().put("COPY_OUT", "\\copy (" + select(table) + ") to stdout");
            pb.redirectErrorStream(true);
            Process p = pb.start();
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
            if (p.waitFor() != 0) {
                throw new IllegalStateException("counting the COPY text failed: " + out);
            }
            return Long.parseLong(out);
        }
        try (Connection source = servers.sourceReader().connect()) {
            long[] n = {0};
            java.io.OutputStream counter = new java.io.OutputStream() {
                @Override
                public void write(int b) {
                    n[0]++;
                }

                @Override
                public void write(byte[] b, int off, int len) {
                    n[0] += len;
                }
            };
            source.unwrap(PGConnection.class).getCopyAPI().copyOut(copyOut(table), counter);
            return n[0];
        }
    }

    /** source psql COPY out | target psql running {@code targetCommands} (each one -c) in order. */
    private Result pipeViaPsql(BenchServers servers, BenchTable table, List<String> targetCommands)
            throws IOException, InterruptedException {
        StringBuilder target = new StringBuilder();
        for (int i = 0; i < targetCommands.size(); i++) {
            target.append(" -c \"$CMD").append(i).append('"');
        }
        ProcessBuilder pb = new ProcessBuilder("bash", "-o", "pipefail", "-c",
                "PGPASSWORD=\"$SRC_PW\" \"$PSQL\" \"$SRC\" -X -q -v ON_ERROR_STOP=1 -c \"$COPY_OUT\""
                        + " | PGPASSWORD=\"$TGT_PW\" \"$PSQL\" \"$TGT\" -X -v ON_ERROR_STOP=1" + target);
        Map<String, String> env = pb.environment();
        env.put("PSQL", psql.toString());
        env.put("SRC", servers.sourceReader().conninfo());
        env.put("SRC_PW", servers.sourceReader().password());
        env.put("TGT", servers.target().conninfo());
        env.put("TGT_PW", servers.target().password());
        env.put("COPY_OUT", "\\copy (" + select(table) + ") to stdout");
        for (int i = 0; i < targetCommands.size(); i++) {
            env.put("CMD" + i, targetCommands.get(i));
        }
        pb.redirectErrorStream(true);
        long start = System.nanoTime();
        Process p = pb.start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        int rc = p.waitFor();
        double seconds = (System.nanoTime() - start) / 1e9;
        if (rc != 0) {
            throw new IllegalStateException("psql pipeline failed (exit " + rc + "):\n" + out);
        }
        long copied = lastNumber(COPIED, out);
        long upserted = lastNumber(UPSERTED, out);
        return new Result(copied, upserted < 0 ? copied : upserted, seconds);
    }

    private Result viaCopyManager(BenchServers servers, BenchTable table, String schema, String delete) throws Exception {
        long start = System.nanoTime();
        try (Connection source = servers.sourceReader().connect(); Connection target = servers.target().connect();
             Statement st = target.createStatement()) {
            st.execute(createStaging(table, schema));
            long copied = pipe(source, target, table, "COPY stage FROM STDIN");
            long changed = st.executeUpdate(table.upsertFrom("stage", schema));
            st.execute(delete);
            st.execute("DROP TABLE stage");
            return new Result(copied, changed, (System.nanoTime() - start) / 1e9);
        }
    }

    /** copyOut at the source → an in-memory pipe → copyIn at the target; the rows copied. */
    private static long pipe(Connection source, Connection target, BenchTable table, String copyIn)
            throws SQLException, IOException {
        PipedInputStream in = new PipedInputStream(1 << 20);
        PipedOutputStream out = new PipedOutputStream(in);
        CompletableFuture<Long> reader = CompletableFuture.supplyAsync(() -> {
            try (out) {
                return source.unwrap(PGConnection.class).getCopyAPI().copyOut(copyOut(table), out);
            } catch (SQLException | IOException e) {
                throw new IllegalStateException("copyOut failed", e);
            }
        });
        long copied;
        try (in) {
            copied = target.unwrap(PGConnection.class).getCopyAPI().copyIn(copyIn, in);
        }
        reader.join();
        return copied;
    }

    private static String select(BenchTable table) {
        return "SELECT " + table.columnList() + " FROM " + table.sourceTable();
    }

    private static String copyOut(BenchTable table) {
        return "COPY (" + select(table) + ") TO STDOUT";
    }

    private static String createStaging(BenchTable table, String schema) {
        return "CREATE TEMP TABLE stage (LIKE " + schema + "." + table.name() + ")";
    }

    private static long lastNumber(Pattern p, String text) {
        Matcher m = p.matcher(text);
        long last = -1;
        while (m.find()) {
            last = Long.parseLong(m.group(1));
        }
        return last;
    }

    /** A command's output (stderr included), or "?" when it could not run. */
    static String run(List<String> command) {
        try {
            Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            p.waitFor();
            return out;
        } catch (IOException e) {
            return "?";
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return "?";
        }
    }
}
