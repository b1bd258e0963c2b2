package ai.originchain.ingest.sql;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.List;

import org.junit.jupiter.api.Test;

import ai.originchain.ingest.support.TestDatabases;

/** A literal the service quotes reads back as the value, whatever the session's standard_conforming_strings. */
class SqlLiteralsTest {

    private static final List<String> VALUES = List.of("plain", "O'Brien", "back\\slash", "\\'; SELECT 1; --",
            "'') OR true; --", "tab\tnl\n", "😀 é", "", "\\\\''\\");

    @Test
    void everyValueReadsBackUnderEitherStringSetting() throws SQLException {
        try (Connection c = TestDatabases.get().targetStore().getConnection(); Statement st = c.createStatement()) {
            for (String setting : List.of("on", "off")) {
                st.execute("SET standard_conforming_strings = " + setting);
                for (String value : VALUES) {
                    try (ResultSet rs = st.executeQuery("SELECT " + SqlLiterals.quote(value))) {
                        rs.next();
                        assertThat(rs.getString(1)).as(setting + ": " + value).isEqualTo(value);
                    }
                }
            }
        }
    }

    @Test
    void aNulIsRefused() {
        assertThatThrownBy(() -> SqlLiterals.quote("a\0b")).isInstanceOf(IllegalArgumentException.class);
    }
}
