package ai.originchain.ingest.source.mysql;

import java.nio.charset.StandardCharsets;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.Arrays;
import java.util.List;

import ai.originchain.ingest.source.CopyTextRow;
import ai.originchain.ingest.sync.MappingReport;
import ai.originchain.ingest.sync.RowSource;

/**
 * Streams one MySQL table as PostgreSQL COPY text rows: the server's text of each value (or its
 * bytes, for binary types) rendered as COPY text, one row in memory at a time. Zero dates become
 * NULL, counted per column and reported as a warning when the table has been read.
 */
final class MySqlTableReader implements RowSource {

    private final MySqlRead read;
    private final Statement statement;
    private final ResultSet rows;
    private final List<MySqlRead.Column> columns;
    private final MySqlTypeMap.Read[] reads;
    private final int[] bitLengths;
    private final long[] zeroDates;
    private final MappingReport report;
    private final CopyTextRow row = new CopyTextRow();
    private boolean ended;
    private long count;

    MySqlTableReader(MySqlRead read, Statement statement, ResultSet rows, List<MySqlRead.Column> columns,
                     MappingReport report) {
        this.read = read;
        this.statement = statement;
        this.rows = rows;
        this.columns = columns;
        this.report = report;
        this.reads = columns.stream().map(c -> c.mapped().read()).toArray(MySqlTypeMap.Read[]::new);
        this.bitLengths = columns.stream().mapToInt(c -> c.mapped().targetType().startsWith("bit(")
                ? Integer.parseInt(c.mapped().targetType().replaceAll("\\D", "")) : 0).toArray();
        this.zeroDates = new long[columns.size()];
    }

    @Override
    public byte[] nextRow() throws SQLException {
        if (ended) {
            return null;
        }
        if (!rows.next()) {
            end();
            return null;
        }
        row.start();
        for (int i = 0; i < reads.length; i++) {
            int index = i + 1;
            switch (reads[i]) {
                case TEXT -> row.textBytes(rows.getBytes(index));
                case BYTES -> row.bytea(rows.getBytes(index));
                case BITS -> {
                    String bits = ascii(rows.getBytes(index));
                    row.text(bits == null ? null : "0".repeat(Math.max(0, bitLengths[i] - bits.length())) + bits);
                }
                case DATE, DATETIME -> temporal(i, ascii(rows.getBytes(index)), "");
                case TIMESTAMP -> temporal(i, ascii(rows.getBytes(index)), "+00");
                case SET -> {
                    byte[] raw = rows.getBytes(index);
                    String members = raw == null ? null : new String(raw, StandardCharsets.UTF_8);
                    if (members == null) {
                        row.nullValue();
                    } else {
                        row.textArray(members.isEmpty() ? List.of() : Arrays.asList(members.split(",", -1)));
                    }
                }
            }
        }
        count++;
        return row.finish();
    }

    private static String ascii(byte[] value) {
        return value == null ? null : new String(value, StandardCharsets.US_ASCII);
    }

    private void temporal(int column, String value, String zone) {
        if (value == null) {
            row.nullValue();
        } else if (isZeroDate(value)) {
            zeroDates[column]++;
            row.nullValue();
        } else {
            row.text(value + zone);
        }
    }

    /** {@code 0000-00-00}, or a date with a zero month or day: values PostgreSQL has no counterpart for. */
    static boolean isZeroDate(String value) {
        return value.length() >= 10 && (value.startsWith("0000-") || value.startsWith("00", 5) || value.startsWith("00", 8));
    }

    public long rowsRead() {
        return count;
    }

    private void end() {
        ended = true;
        try {
            rows.close();
            statement.close();
        } catch (SQLException ignored) {
            // The rows were all read; nothing is lost.
        } finally {
            read.readEnded();
        }
        if (report != null) {
            for (int i = 0; i < zeroDates.length; i++) {
                if (zeroDates[i] > 0) {
                    report.warn("column " + columns.get(i).name() + ": " + zeroDates[i]
                            + " zero date(s) (0000-00-00 or a zero month or day) read as NULL");
                }
            }
        }
    }

    @Override
    public void close() {
        if (!ended) {
            ended = true;
            read.abandon();
        }
    }

    @Override
    public String toString() {
        return "MySqlTableReader[" + columns.size() + " columns, " + count + " rows]";
    }
}
