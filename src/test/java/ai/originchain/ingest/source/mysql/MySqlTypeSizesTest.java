package ai.originchain.ingest.source.mysql;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

import ai.originchain.ingest.source.PostgresBuiltIn;

/** The numbers a MySQL server reports for a type reach the target's DDL only within the engine's own limits. */
class MySqlTypeSizesTest {

    @Test
    void honestSizesMakeTheTypesTheyName() {
        assertThat(MySqlTypeMap.map("decimal", "decimal(65,30)", 65L, 30L, null, null, false).targetType()).isEqualTo("numeric(65,30)");
        assertThat(MySqlTypeMap.map("varchar", "varchar(255)", null, null, 255L, null, false).targetType())
                .isEqualTo("character varying(255)");
        assertThat(MySqlTypeMap.map("datetime", "datetime(6)", null, null, null, 6L, false).targetType())
                .isEqualTo("timestamp(6) without time zone");
        assertThat(MySqlTypeMap.map("bit", "bit(64)", 64L, null, null, null, false).targetType()).isEqualTo("bit(64)");
    }

    @Test
    void sizesNoServerReportsAreRefused() {
        assertThatThrownBy(() -> MySqlTypeMap.map("decimal", "decimal(1,0)); DROP TABLE x; --", 100_000L, 0L, null, null, false))
                .isInstanceOf(MySqlTypeMap.Refused.class).hasMessageContaining("precision 100000");
        assertThatThrownBy(() -> MySqlTypeMap.map("decimal", "decimal", null, null, null, null, false))
                .isInstanceOf(MySqlTypeMap.Refused.class);
        assertThatThrownBy(() -> MySqlTypeMap.map("decimal", "decimal(10,20)", 10L, 20L, null, null, false))
                .isInstanceOf(MySqlTypeMap.Refused.class).hasMessageContaining("scale 20");
        assertThatThrownBy(() -> MySqlTypeMap.map("varchar", "varchar(-1)", null, null, -1L, null, false))
                .isInstanceOf(MySqlTypeMap.Refused.class);
        assertThatThrownBy(() -> MySqlTypeMap.map("timestamp", "timestamp(9)", null, null, null, 9L, false))
                .isInstanceOf(MySqlTypeMap.Refused.class);
        assertThatThrownBy(() -> MySqlTypeMap.map("bit", "bit(0)", 0L, null, null, null, false))
                .isInstanceOf(MySqlTypeMap.Refused.class);
    }

    @Test
    void anyOtherTypeTextBecomesTextAndNeverATypeName() {
        MySqlTypeMap.Mapped mapped = MySqlTypeMap.map("int); DROP TABLE x; --", "int); DROP TABLE x; --", null, null, null, null, false);
        assertThat(mapped.targetType()).isEqualTo("text");
        assertThatThrownBy(() -> PostgresBuiltIn.of("integer); DROP TABLE x; --")).isInstanceOf(IllegalArgumentException.class);
    }
}
