package ai.originchain.ingest.api;

import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Set;
import java.util.regex.Pattern;

import com.fasterxml.jackson.databind.JsonNode;

import ai.originchain.ingest.failure.FieldError;
import ai.originchain.ingest.filter.RowFilter;
import ai.originchain.ingest.sync.MappingMode;
import ai.originchain.ingest.sync.MappingMode.CursorSpec;
import ai.originchain.ingest.sync.MappingMode.DeleteMode;
import ai.originchain.ingest.sync.MappingMode.Mode;

/**
 * The shape of a mapping's {@code mode}, {@code delete_mode}, {@code max_delete_fraction},
 * {@code filter} and {@code cursor} (400 naming the field). Column names and values are checked
 * against the source catalog later ({@code check-modes}, 422).
 */
final class MappingModeParser {

    static final Set<String> FIELDS = Set.of("mode", "delete_mode", "max_delete_fraction", "filter", "cursor");
    static final int MAX_FILTER_DEPTH = 16;
    static final int MAX_FILTER_VALUES = 1000;
    /** ISO-8601 durations as PostgreSQL's interval input reads them: P1D, PT5M, P1Y2M3DT4H5M6.5S, P2W. */
    static final Pattern ISO_DURATION = Pattern.compile(
            "^P(?=\\d|T\\d)(\\d+Y)?(\\d+M)?(\\d+W)?(\\d+D)?(T(?=\\d)(\\d+H)?(\\d+M)?(\\d+(\\.\\d{1,6})?S)?)?$");
    private static final Set<String> LEAF_FIELDS = Set.of("column", "op", "value");
    private static final Set<String> CURSOR_FIELDS = Set.of("column", "lookback");

    private final List<FieldError> errors;
    private int values;

    private MappingModeParser(List<FieldError> errors) {
        this.errors = errors;
    }

    /** The mapping's mode, or null when a field is invalid (each added to {@code errors}). */
    static MappingMode parse(JsonNode mapping, String at, List<FieldError> errors) {
        return new MappingModeParser(errors).mode(mapping, at);
    }

    private MappingMode mode(JsonNode m, String at) {
        int before = errors.size();
        Mode mode = Mode.UPSERT;
        JsonNode modeNode = m.get("mode");
        if (present(modeNode)) {
            mode = switch (modeNode.isTextual() ? modeNode.textValue() : "") {
                case "upsert" -> Mode.UPSERT;
                case "mirror" -> Mode.MIRROR;
                case "incremental" -> Mode.INCREMENTAL;
                default -> {
                    add(at + "mode", "must be \"upsert\", \"mirror\" or \"incremental\"");
                    yield null;
                }
            };
        }
        DeleteMode deleteMode = DeleteMode.HARD;
        JsonNode deleteNode = m.get("delete_mode");
        if (present(deleteNode)) {
            deleteMode = switch (deleteNode.isTextual() ? deleteNode.textValue() : "") {
                case "hard" -> DeleteMode.HARD;
                case "soft" -> DeleteMode.SOFT;
                default -> {
                    add(at + "delete_mode", "must be \"hard\" or \"soft\"");
                    yield null;
                }
            };
            if (mode != null && mode != Mode.MIRROR) {
                add(at + "delete_mode", "applies only with \"mode\": \"mirror\"");
            }
        }
        double fraction = MappingMode.DEFAULT_MAX_DELETE_FRACTION;
        JsonNode fractionNode = m.get("max_delete_fraction");
        if (present(fractionNode)) {
            if (!fractionNode.isNumber() || fractionNode.doubleValue() < 0 || fractionNode.doubleValue() > 1
                    || Double.isNaN(fractionNode.doubleValue())) {
                add(at + "max_delete_fraction", "must be a number from 0 to 1 (1 turns the mass-delete guard off)");
            } else {
                fraction = fractionNode.doubleValue();
            }
            if (mode != null && mode != Mode.MIRROR) {
                add(at + "max_delete_fraction", "applies only with \"mode\": \"mirror\"");
            }
        }
        RowFilter filter = null;
        String filterText = null;
        JsonNode filterNode = m.get("filter");
        if (present(filterNode)) {
            filter = filter(filterNode, at + "filter", 0);
            filterText = filterNode.toString();
        }
        CursorSpec cursor = null;
        JsonNode cursorNode = m.get("cursor");
        if (present(cursorNode)) {
            if (mode != null && mode != Mode.INCREMENTAL) {
                add(at + "cursor", "applies only with \"mode\": \"incremental\"");
            } else {
                cursor = cursor(cursorNode, at + "cursor");
            }
        } else if (mode == Mode.INCREMENTAL) {
            add(at + "cursor", "is required with \"mode\": \"incremental\": {\"column\": \"updated_at\", \"lookback\": \"PT5M\"}");
        }
        if (errors.size() > before) {
            return null;
        }
        return new MappingMode(mode, deleteMode, fraction, filter, filterText, cursor);
    }

    private CursorSpec cursor(JsonNode node, String at) {
        if (!node.isObject()) {
            add(at, "must be an object: {\"column\": \"updated_at\", \"lookback\": \"PT5M\"}");
            return null;
        }
        unknown(node, CURSOR_FIELDS, at);
        JsonNode column = node.get("column");
        if (!present(column) || !column.isTextual() || column.textValue().isEmpty()) {
            add(at + ".column", "is required: the name of an orderable column (integer, numeric, date, timestamp, timestamptz)");
            return null;
        }
        JsonNode lookback = node.get("lookback");
        if (!present(lookback)) {
            return new CursorSpec(column.textValue(), "0", true);
        }
        if (lookback.isNumber()) {
            if (lookback.doubleValue() < 0 || !Double.isFinite(lookback.doubleValue())) {
                add(at + ".lookback", "must not be negative");
                return null;
            }
            return new CursorSpec(column.textValue(), number(lookback), true);
        }
        if (!lookback.isTextual() || !ISO_DURATION.matcher(lookback.textValue()).matches()) {
            add(at + ".lookback", "must be an ISO-8601 duration such as \"PT5M\" or \"P1D\" (or a number for numeric cursors)");
            return null;
        }
        return new CursorSpec(column.textValue(), lookback.textValue(), false);
    }

    private RowFilter filter(JsonNode node, String at, int depth) {
        if (!node.isObject() || node.isEmpty()) {
            add(at, "must be an object: {\"column\", \"op\", \"value\"}, {\"all\": [...]}, {\"any\": [...]} or {\"not\": {...}}");
            return null;
        }
        if (depth >= MAX_FILTER_DEPTH) {
            add(at, "nests deeper than " + MAX_FILTER_DEPTH + " levels");
            return null;
        }
        for (String combinator : List.of("all", "any", "not")) {
            if (node.has(combinator)) {
                if (node.size() != 1) {
                    add(at, "a \"" + combinator + "\" node holds nothing else");
                    return null;
                }
                return combined(combinator, node.get(combinator), at + "." + combinator, depth);
            }
        }
        unknown(node, LEAF_FIELDS, at);
        JsonNode column = node.get("column");
        String name = null;
        if (!present(column) || !column.isTextual() || column.textValue().isEmpty()) {
            add(at + ".column", "is required: a column name");
        } else if (column.textValue().indexOf('\0') >= 0
                || column.textValue().getBytes(java.nio.charset.StandardCharsets.UTF_8).length > ManifestParser.MAX_IDENTIFIER_BYTES) {
            add(at + ".column", "must be a PostgreSQL name of at most " + ManifestParser.MAX_IDENTIFIER_BYTES + " bytes");
        } else {
            name = column.textValue();
        }
        JsonNode opNode = node.get("op");
        RowFilter.Op op = present(opNode) && opNode.isTextual() ? RowFilter.Op.of(opNode.textValue()) : null;
        if (op == null) {
            add(at + ".op", "must be one of =, !=, <, <=, >, >=, in, not_in, is_null, is_not_null");
        }
        List<String> values = op == null ? null : values(op, node.get("value"), at + ".value");
        if (name == null || op == null || values == null) {
            return null;
        }
        return new RowFilter.Leaf(at, name, op, values);
    }

    private RowFilter combined(String combinator, JsonNode value, String at, int depth) {
        if (combinator.equals("not")) {
            RowFilter part = present(value) ? filter(value, at, depth + 1) : null;
            if (!present(value)) {
                add(at, "must be a filter object");
            }
            return part == null ? null : new RowFilter.Not(at, part);
        }
        if (!present(value) || !value.isArray() || value.isEmpty()) {
            add(at, "must be a non-empty array of filters");
            return null;
        }
        List<RowFilter> parts = new ArrayList<>();
        boolean ok = true;
        for (int i = 0; i < value.size(); i++) {
            RowFilter part = filter(value.get(i), at + "[" + i + "]", depth + 1);
            ok &= part != null;
            parts.add(part);
        }
        if (!ok) {
            return null;
        }
        return combinator.equals("all") ? new RowFilter.All(at, List.copyOf(parts)) : new RowFilter.Any(at, List.copyOf(parts));
    }

    private List<String> values(RowFilter.Op op, JsonNode value, String at) {
        if (op.takesNoValue()) {
            if (value != null) {
                add(at, "is not taken by " + op.json());
                return null;
            }
            return List.of();
        }
        if (!present(value)) {
            add(at, op.takesList() ? "is required: a non-empty array of values"
                    : "is required: a JSON string, number or boolean (for NULL use is_null)");
            return null;
        }
        if (op.takesList()) {
            if (!value.isArray() || value.isEmpty()) {
                add(at, "must be a non-empty array of values for " + op.json());
                return null;
            }
            List<String> list = new ArrayList<>();
            for (int i = 0; i < value.size(); i++) {
                String scalar = scalar(value.get(i), at);
                if (scalar == null) {
                    return null;
                }
                list.add(scalar);
            }
            return counted(list, at);
        }
        String scalar = scalar(value, at);
        return scalar == null ? null : counted(List.of(scalar), at);
    }

    private List<String> counted(List<String> list, String at) {
        values += list.size();
        if (values > MAX_FILTER_VALUES) {
            add(at, "a filter holds at most " + MAX_FILTER_VALUES + " values");
            return null;
        }
        return list;
    }

    private String scalar(JsonNode value, String at) {
        if (value.isTextual()) {
            if (value.textValue().indexOf('\0') >= 0) {
                add(at, "must not hold a NUL character");
                return null;
            }
            return value.textValue();
        }
        if (value.isNumber()) {
            return number(value);
        }
        if (value.isBoolean()) {
            return value.asText();
        }
        add(at, "values are JSON strings, numbers or booleans (for NULL use is_null / is_not_null)");
        return null;
    }

    private static String number(JsonNode value) {
        return value.isIntegralNumber() ? value.bigIntegerValue().toString() : value.decimalValue().toPlainString();
    }

    private void unknown(JsonNode node, Set<String> allowed, String at) {
        for (Iterator<String> names = node.fieldNames(); names.hasNext(); ) {
            String name = names.next();
            if (!allowed.contains(name)) {
                add(at + "." + ManifestParser.truncate(name), "is not a known field");
            }
        }
    }

    private static boolean present(JsonNode node) {
        return node != null && !node.isNull();
    }

    private void add(String field, String message) {
        errors.add(new FieldError(field, message));
    }
}
