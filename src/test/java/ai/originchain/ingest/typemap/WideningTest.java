package ai.originchain.ingest.typemap;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class WideningTest {

    @Test
    void followsChangesThatKeepEveryValueExact() {
        assertThat(Widening.widens("integer", "bigint")).isTrue();
        assertThat(Widening.widens("smallint", "integer")).isTrue();
        assertThat(Widening.widens("character varying(10)", "character varying(20)")).isTrue();
        assertThat(Widening.widens("character varying(10)", "text")).isTrue();
        assertThat(Widening.widens("numeric(10,2)", "numeric(14,2)")).isTrue();
        assertThat(Widening.widens("numeric(10,2)", "numeric")).isTrue();
    }

    @Test
    void refusesNarrowingOrChangesThatAlterText() {
        assertThat(Widening.widens("bigint", "integer")).isFalse();
        assertThat(Widening.widens("character varying(20)", "character varying(10)")).isFalse();
        assertThat(Widening.widens("text", "character varying(10)")).isFalse();
        assertThat(Widening.widens("numeric(10,2)", "numeric(10,3)")).isFalse();
        assertThat(Widening.widens("numeric(10,2)", "numeric(9,2)")).isFalse();
        assertThat(Widening.widens("integer", "text")).isFalse();
        assertThat(Widening.widens("timestamp without time zone", "timestamp with time zone")).isFalse();
        assertThat(Widening.widens("integer", "integer")).isFalse();
    }
}
