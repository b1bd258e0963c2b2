package ai.originchain.ingest.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import java.nio.charset.StandardCharsets;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;

import ai.originchain.ingest.failure.FieldError;
import ai.originchain.ingest.failure.SyncFailure;
import ai.originchain.ingest.filter.FilterSql;
import ai.originchain.ingest.filter.RowFilter;
import ai.originchain.ingest.sync.MappingMode;

/** The shape of mode, filter and cursor fields, and how a checked filter is written as SQL. */
class MappingModeParserTest {

    private static MappingMode parse(String mappingFields) {
        String json = """
                {"source": {"host": "pg.internal", "database": "d", "user": "u", "password": "p", "sslmode": "require"},
                 "mappings": [{"source_table": "t", "target_schema": "t", "primary_key": ["id"], %s}]}""".formatted(mappingFields);
        return new ManifestParser().parse(json.getBytes(StandardCharsets.UTF_8)).mappings().get(0).mode();
    }

    private static List<String> fieldsAtFault(String mappingFields) {
        SyncFailure failure = catchThrowableOfType(SyncFailure.class, () -> parse(mappingFields));
        assertThat(failure).isNotNull();
        assertThat(failure.kind()).isEqualTo(SyncFailure.Kind.INVALID_REQUEST);
        return failure.errors().stream().map(FieldError::field).toList();
    }

    @Test
    void readsEveryModeField() {
        MappingMode mirror = parse("\"mode\": \"mirror\", \"delete_mode\": \"soft\", \"max_delete_fraction\": 1");
        assertThat(mirror.mirror()).isTrue();
        assertThat(mirror.softDelete()).isTrue();
        assertThat(mirror.maxDeleteFraction()).isEqualTo(1.0);
        assertThat(parse("\"mode\": \"mirror\"").maxDeleteFraction()).isEqualTo(0.5);
        assertThat(parse("\"columns\": [\"id\"]").mode()).isEqualTo(MappingMode.Mode.UPSERT);

        MappingMode incremental = parse("\"mode\": \"incremental\", \"cursor\": {\"column\": \"u\", \"lookback\": \"P1DT2H\"}");
        assertThat(incremental.cursor()).isEqualTo(new MappingMode.CursorSpec("u", "P1DT2H", false));
        assertThat(parse("\"mode\": \"incremental\", \"cursor\": {\"column\": \"v\", \"lookback\": 2.5}").cursor())
                .isEqualTo(new MappingMode.CursorSpec("v", "2.5", true));
    }

    @Test
    void isoDurationsAreThoseIntervalInputReads() {
        for (String ok : List.of("PT5M", "P1D", "P2W", "P1Y2M3DT4H5M6.5S", "PT0S")) {
            assertThat(MappingModeParser.ISO_DURATION.matcher(ok).matches()).as(ok).isTrue();
        }
        for (String bad : List.of("P", "PT", "5 minutes", "PT5", "P1DT", "-PT5M", "PT5M'; --")) {
            assertThat(MappingModeParser.ISO_DURATION.matcher(bad).matches()).as(bad).isFalse();
        }
    }

    @Test
    void everyErrorNamesItsPath() {
        assertThat(fieldsAtFault("\"filter\": {\"all\": [{\"column\": \"a\", \"op\": \"=\", \"value\": 1}, "
                + "{\"not\": {\"column\": \"b\", \"op\": \"~\", \"value\": 1}}]}"))
                .containsExactly("mappings[0].filter.all[1].not.op");
        assertThat(fieldsAtFault("\"filter\": {\"any\": [{\"column\": \"a\", \"op\": \"in\", \"value\": [1, null]}]}"))
                .containsExactly("mappings[0].filter.any[0].value");
        assertThat(fieldsAtFault("\"filter\": {\"all\": [], \"any\": []}")).containsExactly("mappings[0].filter");
        assertThat(fieldsAtFault("\"filter\": {\"column\": \"a\", \"op\": \"=\", \"value\": {\"x\": 1}}"))
                .containsExactly("mappings[0].filter.value");
        assertThat(fieldsAtFault("\"mode\": \"incremental\", \"cursor\": {\"column\": \"v\", \"lookback\": -1}"))
                .containsExactly("mappings[0].cursor.lookback");
        assertThat(fieldsAtFault("\"mode\": \"upsert\", \"delete_mode\": \"hard\", \"max_delete_fraction\": 0.2"))
                .containsExactly("mappings[0].delete_mode", "mappings[0].max_delete_fraction");
    }

    @Test
    void aCheckedFilterIsWrittenWithQuotedNamesAndTypedLiterals() {
        RowFilter.Leaf status = new RowFilter.Leaf("f.all[0]", "sta\"tus", RowFilter.Op.IN, List.of("a", "b"));
        RowFilter.Leaf amount = new RowFilter.Leaf("f.all[1].not", "amount", RowFilter.Op.GE, List.of("10"));
        RowFilter.Leaf note = new RowFilter.Leaf("f.all[2]", "note", RowFilter.Op.IS_NULL, List.of());
        RowFilter filter = new RowFilter.All("f", List.of(status, new RowFilter.Not("f.all[1]", amount), note));
        Map<RowFilter.Leaf, List<String>> literals = new IdentityHashMap<>();
        literals.put(status, List.of("'a'", "'b'"));
        literals.put(amount, List.of("'10'"));
        literals.put(note, List.of());
        Map<String, String> types = Map.of("sta\"tus", "text", "amount", "numeric", "note", "text");

        assertThat(FilterSql.render(filter, literals, types::get)).isEqualTo(
                "((\"sta\"\"tus\" IN ('a'::text, 'b'::text)) AND (NOT (\"amount\" >= '10'::numeric)) AND (\"note\" IS NULL))");
        assertThat(FilterSql.leaves(filter)).containsExactly(status, amount, note);
    }
}
