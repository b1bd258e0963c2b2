package ai.originchain.ingest.source.mysql;

import java.nio.charset.StandardCharsets;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.SQLWarning;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;


import ai.originchain.ingest.failure.FieldError;
import ai.originchain.ingest.filter.FilterSql;
import ai.originchain.ingest.filter.RowFilter;
import ai.originchain.ingest.source.ModeSql;
import ai.originchain.ingest.source.SourceTable;
import ai.originchain.ingest.sync.MappingJob;
import ai.originchain.ingest.sync.MappingMode;

/**
 * Filters and incremental cursors in MySQL's SQL, on the sync's one consistent-snapshot connection:
 * columns found in {@code information_schema} and quoted with backticks, every value a bound
 * parameter read as the column's type by {@code CAST(? AS type)}. MySQL's casts do not fail on a bad
 * value, they warn (and yield 0 or NULL), so a value that draws a warning is one the type rejects.
 */
final class MySqlModes implements ModeSql {

    private static final Set<String> INTEGERS = Set.of("tinyint", "smallint", "mediumint", "int", "integer", "bigint");
    private static final Set<String> TEXTS = Set.of("char", "varchar", "tinytext", "text", "mediumtext", "longtext", "enum");
    private static final Set<String> TIMES = Set.of("date", "datetime", "timestamp");
    /** The ISO-8601 duration MappingModeParser accepts. */
    private static final Pattern DURATION = Pattern.compile(
            "^P(?:(\\d+)Y)?(?:(\\d+)M)?(?:(\\d+)W)?(?:(\\d+)D)?(?:T(?:(\\d+)H)?(?:(\\d+)M)?(?:(\\d+)(?:\\.(\\d{1,6}))?S)?)?$");
    private static final Pattern OFFSET = Pattern.compile(".*(?:[zZ]|[+-]\\d{2}(?::?\\d{2})?)$");
    private static final DateTimeFormatter UTC_TEXT = DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss.SSSSSS");

    private final MySqlRead read;

    MySqlModes(MySqlRead read) {
        this.read = read;
    }

    /** The type a value compared with this column is cast to; null when filters do not compare this type. */
    static String castType(MySqlRead.Column column) {
        String type = column.dataType().toLowerCase(Locale.ROOT);
        boolean unsigned = column.columnType().toLowerCase(Locale.ROOT).contains("unsigned");
        if (INTEGERS.contains(type) || type.equals("year")) {
            return unsigned ? "UNSIGNED" : "SIGNED";
        }
        if (TEXTS.contains(type)) {
            return "CHAR";
        }
        return switch (type) {
            case "decimal", "numeric" -> "DECIMAL(65,30)";
            case "float", "double", "real" -> "DOUBLE";
            case "date" -> "DATE";
            case "datetime", "timestamp" -> "DATETIME(6)";
            case "time" -> "TIME(6)";
            default -> null;
        };
    }

    @Override
    public void check(MappingJob job, List<FieldError> errors) throws SQLException {
        MappingMode mode = job.mapping().mode();
        SourceTable table = job.sourceTable();
        Map<String, MySqlRead.Column> columns = read.columnsOf(table);
        String tableName = job.mapping().sourceTableName();
        if (mode.filter() != null) {
            Map<RowFilter.Leaf, List<String>> bound = new IdentityHashMap<>();
            Map<RowFilter.Leaf, List<String>> targetLiterals = new IdentityHashMap<>();
            boolean ok = true;
            for (RowFilter.Leaf leaf : FilterSql.leaves(mode.filter())) {
                MySqlRead.Column column = columns.get(leaf.column());
                if (column == null) {
                    errors.add(new FieldError(leaf.path() + ".column", "'" + leaf.column() + "' is not a column of "
                            + tableName + " (names are case-sensitive)"));
                    ok = false;
                    continue;
                }
                if (mode.mirror() && table.columns().stream().noneMatch(c -> c.name().equals(leaf.column()))) {
                    errors.add(new FieldError(leaf.path() + ".column", "'" + leaf.column() + "' is not among the mapping's "
                            + "columns: a mirror judges the filter on the target's stored values too"));
                    ok = false;
                    continue;
                }
                if (leaf.op().takesNoValue()) {
                    bound.put(leaf, List.of());
                    targetLiterals.put(leaf, List.of());
                    continue;
                }
                String cast = castType(column);
                if (cast == null) {
                    errors.add(new FieldError(leaf.path() + ".op", "'" + leaf.op().json() + "' does not apply to "
                            + leaf.column() + ", a column of type " + column.columnType()));
                    ok = false;
                    continue;
                }
                List<String> values = new ArrayList<>();
                List<String> literals = new ArrayList<>();
                for (String value : leaf.values()) {
                    String normalized = normalize(column, value);
                    String canonical = normalized == null ? null : cast(normalized, cast);
                    if (canonical == null || canonical.indexOf('\0') >= 0) {
                        errors.add(new FieldError(leaf.path() + ".value", "'" + truncate(value) + "' is not a valid "
                                + column.columnType() + " (the type of " + leaf.column() + ")"));
                        ok = false;
                        break;
                    }
                    values.add(normalized);
                    literals.add(targetLiteral(column, canonical));
                }
                bound.put(leaf, values);
                targetLiterals.put(leaf, literals);
            }
            if (ok) {
                List<String> parameters = new ArrayList<>();
                job.modes().sourceFilter(render(mode.filter(), bound, columns, parameters));
                job.modes().filterParameters(parameters);
                job.modes().filterLiterals(targetLiterals);
            }
        }
        if (mode.cursor() != null) {
            String field = job.mapping().field("cursor");
            MySqlRead.Column column = columns.get(mode.cursor().column());
            if (column == null) {
                errors.add(new FieldError(field + ".column", "'" + mode.cursor().column() + "' is not a column of " + tableName));
                return;
            }
            String type = column.dataType().toLowerCase(Locale.ROOT);
            boolean numeric = INTEGERS.contains(type) || type.equals("decimal") || type.equals("numeric");
            boolean time = TIMES.contains(type);
            if (!numeric && !time) {
                errors.add(new FieldError(field + ".column", "'" + mode.cursor().column() + "' is " + column.columnType()
                        + ", which has no order an incremental sync can follow: use an integer, decimal, date, "
                        + "datetime or timestamp column"));
            } else if (numeric && !mode.cursor().numeric()) {
                errors.add(new FieldError(field + ".lookback", "'" + mode.cursor().column() + "' is " + column.columnType()
                        + ": give the lookback as a number"));
            } else if (time && mode.cursor().numeric() && !mode.cursor().lookback().equals("0")) {
                errors.add(new FieldError(field + ".lookback", "'" + mode.cursor().column() + "' is " + column.columnType()
                        + ": give the lookback as an ISO-8601 duration such as \"PT5M\""));
            } else {
                job.modes().cursorType(numeric ? "DECIMAL(65,30)" : type.equals("date") ? "DATE" : "DATETIME(6)");
            }
        }
    }

    /** ISO-8601 times with an offset become the UTC instant for timestamps; datetimes drop the offset, as PostgreSQL's timestamp does. */
    private static String normalize(MySqlRead.Column column, String value) {
        String type = column.dataType().toLowerCase(Locale.ROOT);
        if (!(type.equals("datetime") || type.equals("timestamp")) || !OFFSET.matcher(value).matches() || value.length() < 11) {
            return value;
        }
        try {
            OffsetDateTime time = OffsetDateTime.parse(value.replace(' ', 'T').replaceAll("([+-]\\d{2})$", "$1:00"));
            return (type.equals("timestamp") ? time.withOffsetSameInstant(ZoneOffset.UTC) : time).toLocalDateTime().format(UTC_TEXT);
        } catch (DateTimeParseException e) {
            return null;
        }
    }

    /** The server's text of {@code CAST(value AS type)}, or null when the type rejects the value (a warning or NULL). */
    private String cast(String value, String type) throws SQLException {
        read.awaitTurn();
        try (PreparedStatement st = read.connection().prepareStatement("SELECT CAST(? AS " + type + ")")) {
            st.setString(1, value);
            try (ResultSet rs = st.executeQuery()) {
                rs.next();
                byte[] text = rs.getBytes(1);
                SQLWarning warning = st.getWarnings();
                if (text == null || warning != null || rs.getWarnings() != null) {
                    return null;
                }
                return new String(text, StandardCharsets.UTF_8);
            }
        } finally {
            read.releaseTurn();
        }
    }

    /** The value as a PostgreSQL literal for the target's scope (a mirror's filter judged at the target). */
    private static String targetLiteral(MySqlRead.Column column, String canonical) throws SQLException {
        String text = column.dataType().equalsIgnoreCase("timestamp") ? canonical + "+00" : canonical;
        return ai.originchain.ingest.sql.SqlLiterals.quote(text);
    }

    private static String render(RowFilter filter, Map<RowFilter.Leaf, List<String>> bound,
                                 Map<String, MySqlRead.Column> columns, List<String> parameters) {
        if (filter instanceof RowFilter.All all) {
            return join(all.parts(), " AND ", bound, columns, parameters);
        }
        if (filter instanceof RowFilter.Any any) {
            return join(any.parts(), " OR ", bound, columns, parameters);
        }
        if (filter instanceof RowFilter.Not not) {
            return "(NOT " + render(not.part(), bound, columns, parameters) + ")";
        }
        RowFilter.Leaf leaf = (RowFilter.Leaf) filter;
        String column = MySqlRead.quote(leaf.column());
        if (leaf.op().takesNoValue()) {
            return "(" + column + " " + leaf.op().sql() + ")";
        }
        // castType gives a fixed keyword from the list above, never text of the request.
        String placeholder = "CAST(? AS " + castType(columns.get(leaf.column())) + ")";
        List<String> values = bound.get(leaf);
        parameters.addAll(values);
        if (leaf.op().takesList()) {
            return "(" + column + " " + leaf.op().sql() + " ("
                    + values.stream().map(v -> placeholder).collect(Collectors.joining(", ")) + "))";
        }
        return "(" + column + " " + leaf.op().sql() + " " + placeholder + ")";
    }

    private static String join(List<RowFilter> parts, String operator, Map<RowFilter.Leaf, List<String>> bound,
                               Map<String, MySqlRead.Column> columns, List<String> parameters) {
        List<String> rendered = new ArrayList<>();
        for (RowFilter part : parts) {
            rendered.add(render(part, bound, columns, parameters));
        }
        return rendered.stream().collect(Collectors.joining(operator, "(", ")"));
    }

    @Override
    public CursorRead cursorRead(MappingJob job, String mark) throws SQLException {
        MappingMode.CursorSpec cursor = job.mapping().mode().cursor();
        String column = MySqlRead.quote(cursor.column());
        String type = job.modes().cursorType();
        String condition = null;
        List<String> conditionParameters = new ArrayList<>();
        if (mark != null) {
            conditionParameters.add(mark);
            if (cursor.lookback().equals("0")) {
                condition = column + " >= CAST(? AS " + type + ")";
            } else if (cursor.numeric()) {
                condition = column + " >= CAST(? AS " + type + ") - CAST(? AS DECIMAL(65,30))";
                conditionParameters.add(cursor.lookback());
            } else {
                condition = column + " >= CAST(? AS " + type + ")" + intervals(cursor.lookback(), conditionParameters);
            }
        }
        String filter = job.modes().sourceFilter();
        List<String> parameters = new ArrayList<>(job.modes().filterParameters());
        parameters.addAll(conditionParameters);
        String where = filter == null ? condition : condition == null ? filter : filter + " AND " + condition;
        String table = MySqlRead.qualified(job.sourceTable());
        String to;
        boolean nullCursors = false;
        read.awaitTurn();
        try {
            String sql = "SELECT CAST(MAX(" + column + ") AS CHAR)"
                    + (mark == null ? "" : ", MAX(" + column + ") < CAST(? AS " + type + ")")
                    + " FROM " + table + (where == null ? "" : " WHERE " + where);
            try (PreparedStatement st = read.connection().prepareStatement(sql)) {
                int i = 1;
                if (mark != null) {
                    st.setString(i++, mark);
                }
                for (String parameter : parameters) {
                    st.setString(i++, parameter);
                }
                try (ResultSet rs = st.executeQuery()) {
                    rs.next();
                    byte[] max = rs.getBytes(1);
                    to = max == null ? null : new String(max, StandardCharsets.UTF_8);
                    // The mark never goes back, even when the rows in the lookback window are all older.
                    if (mark != null && rs.getBoolean(2)) {
                        to = mark;
                    }
                }
            }
            if (mark == null) {
                try (PreparedStatement st = read.connection().prepareStatement("SELECT EXISTS (SELECT 1 FROM " + table
                        + " WHERE " + column + " IS NULL" + (filter == null ? "" : " AND " + filter) + ")")) {
                    List<String> filterParameters = job.modes().filterParameters();
                    for (int i = 0; i < filterParameters.size(); i++) {
                        st.setString(i + 1, filterParameters.get(i));
                    }
                    try (ResultSet rs = st.executeQuery()) {
                        rs.next();
                        nullCursors = rs.getBoolean(1);
                    }
                }
            }
        } finally {
            read.releaseTurn();
        }
        return new CursorRead(condition, conditionParameters, to, nullCursors);
    }

    /** The lookback as MySQL intervals subtracted from the mark: months, days, microseconds, each a bound number. */
    private static String intervals(String lookback, List<String> parameters) {
        Matcher m = DURATION.matcher(lookback);
        if (!m.matches()) {
            throw new IllegalArgumentException("not an ISO-8601 duration: " + lookback);
        }
        long months = number(m, 1) * 12 + number(m, 2);
        long days = number(m, 3) * 7 + number(m, 4);
        String fraction = m.group(8) == null ? "0" : (m.group(8) + "00000").substring(0, 6);
        long micros = ((number(m, 5) * 60 + number(m, 6)) * 60 + number(m, 7)) * 1_000_000 + Long.parseLong(fraction);
        parameters.add(Long.toString(months));
        parameters.add(Long.toString(days));
        parameters.add(Long.toString(micros));
        return " - INTERVAL ? MONTH - INTERVAL ? DAY - INTERVAL ? MICROSECOND";
    }

    private static long number(Matcher m, int group) {
        return m.group(group) == null ? 0 : Long.parseLong(m.group(group));
    }

    private static String truncate(String value) {
        return value.length() <= 64 ? value : value.substring(0, 64) + "…";
    }
}
