package ai.originchain.ingest.source;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.util.List;

import org.junit.jupiter.api.Test;

import ai.originchain.ingest.support.TestDatabases;

/** Rows rendered by CopyTextRow are read back by PostgreSQL's own COPY as exactly the values given. */
class CopyTextRowTest {

    @Test
    void textBytesArraysAndNullsRoundTripThroughPostgresCopy() throws Exception {
        CopyTextRow row = new CopyTextRow();
        row.start();
        row.text("tab\there\nnew\\line\rcr 😀");
        row.bytea(new byte[] {0, 1, (byte) 0xfe, (byte) 0xff});
        row.textArray(List.of("a", "with \"quote\"", "back\\slash", "com,ma", ""));
        row.nullValue();
        row.text("");
        byte[] copyText = row.finish();

        try (java.sql.Connection c = TestDatabases.get().targetStore().getConnection();
             java.sql.Statement st = c.createStatement()) {
            st.execute("CREATE TEMP TABLE copy_text_row (t text, b bytea, a text[], n text, e text)");
            c.unwrap(org.postgresql.PGConnection.class).getCopyAPI()
                    .copyIn("COPY copy_text_row FROM STDIN", new java.io.ByteArrayInputStream(copyText));
            try (java.sql.ResultSet rs = st.executeQuery(
                    "SELECT t, encode(b, 'hex'), a[2], a[3], a[4], a[5], cardinality(a), n IS NULL, e FROM copy_text_row")) {
                rs.next();
                assertThat(rs.getString(1)).isEqualTo("tab\there\nnew\\line\rcr 😀");
                assertThat(rs.getString(2)).isEqualTo("0001feff");
                assertThat(rs.getString(3)).isEqualTo("with \"quote\"");
                assertThat(rs.getString(4)).isEqualTo("back\\slash");
                assertThat(rs.getString(5)).isEqualTo("com,ma");
                assertThat(rs.getString(6)).isEmpty();
                assertThat(rs.getInt(7)).isEqualTo(5);
                assertThat(rs.getBoolean(8)).isTrue();
                assertThat(rs.getString(9)).isEmpty();
            }
        }
        assertThat(new String(copyText, StandardCharsets.UTF_8)).endsWith("\n").contains("\t\\N\t");
    }
}
