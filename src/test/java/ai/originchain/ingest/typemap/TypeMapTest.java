package ai.originchain.ingest.typemap;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class TypeMapTest {

    private static SourceType builtIn(String formatted) {
        return new SourceType(formatted, 'b', "pg_catalog", formatted, -1, null, null, false);
    }

    @Test
    void builtInTypesKeepTheirExactType() {
        for (String type : new String[] {"numeric(12,2)", "numeric", "timestamp with time zone", "character(3)",
                "character varying(200)", "jsonb", "bytea", "interval", "tsvector", "int4range"}) {
            TypeMap.Mapped mapped = TypeMap.map(builtIn(type));
            assertThat(mapped.targetType()).isEqualTo(type);
            assertThat(mapped.warning()).isEmpty();
        }
    }

    @Test
    void arraysOfBuiltInsStayArraysOfTheSameType() {
        SourceType numericArray = new SourceType("numeric(10,2)[]", 'b', "pg_catalog", "_numeric", -1, builtIn("numeric(10,2)"), null, false);
        SourceType uuidArray = new SourceType("uuid[]", 'b', "pg_catalog", "_uuid", -1, builtIn("uuid"), null, false);
        assertThat(TypeMap.map(numericArray).targetType()).isEqualTo("numeric(10,2)[]");
        assertThat(TypeMap.map(uuidArray).targetType()).isEqualTo("uuid[]");
    }

    @Test
    void objectIdentifierTypesBecomeTextSoTheTargetNeverLooksTheirValuesUp() {
        SourceType regclass = new SourceType("regclass", 'b', "pg_catalog", "regclass", -1, null, null, false);
        SourceType regtypes = new SourceType("regtype[]", 'b', "pg_catalog", "_regtype", -1,
                new SourceType("regtype", 'b', "pg_catalog", "regtype", -1, null, null, false), null, false);
        assertThat(TypeMap.map(regclass).targetType()).isEqualTo("text");
        assertThat(TypeMap.map(regclass).namedByTarget()).isFalse();
        assertThat(TypeMap.map(regclass).warning()).hasValueSatisfying(w -> assertThat(w).contains("regclass", "text"));
        assertThat(TypeMap.map(regtypes).targetType()).isEqualTo("text[]");
        assertThat(TypeMap.map(builtIn("oid")).targetType()).isEqualTo("oid");
    }

    @Test
    void userTypesBecomeTextOrTheirBaseWithAWarning() {
        SourceType mood = new SourceType("mood", 'e', "public", "mood", -1, null, null, false);
        SourceType moods = new SourceType("mood[]", 'b', "public", "_mood", -1, mood, null, false);
        SourceType positive = new SourceType("positive_amount", 'd', "public", "positive_amount", -1, null, builtIn("numeric(12,2)"), false);
        SourceType citext = new SourceType("citext", 'b', "public", "citext", -1, null, null, false);
        SourceType address = new SourceType("address", 'c', "public", "address", -1, null, null, false);

        assertThat(TypeMap.map(mood).targetType()).isEqualTo("text");
        assertThat(TypeMap.map(moods).targetType()).isEqualTo("text[]");
        assertThat(TypeMap.map(positive).targetType()).isEqualTo("numeric(12,2)");
        assertThat(TypeMap.map(citext).targetType()).isEqualTo("text");
        assertThat(TypeMap.map(address).targetType()).isEqualTo("text");
        for (SourceType type : new SourceType[] {mood, moods, positive, citext, address}) {
            assertThat(TypeMap.map(type).warning()).as(type.formatted()).isPresent();
        }
    }

    @Test
    void changesAreDetectedOnTextWhereEqualityIsCoarserThanIdentity() {
        assertThat(TypeMap.compareAsText("numeric(12,2)")).isTrue();
        assertThat(TypeMap.compareAsText("double precision")).isTrue();
        assertThat(TypeMap.compareAsText("json")).isTrue();
        assertThat(TypeMap.compareAsText("interval")).isTrue();
        assertThat(TypeMap.compareAsText("point")).isTrue();
        assertThat(TypeMap.compareAsText("bigint")).isFalse();
        assertThat(TypeMap.compareAsText("text[]")).isFalse();
        assertThat(TypeMap.compareAsText("timestamp with time zone")).isFalse();
        assertThat(TypeMap.compareAsText("character varying(200)")).isFalse();
    }
}
