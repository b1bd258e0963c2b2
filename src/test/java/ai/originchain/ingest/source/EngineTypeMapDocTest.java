package ai.originchain.ingest.source;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import org.junit.jupiter.api.Test;

import ai.originchain.ingest.source.mysql.MySqlTypeMap;
import ai.originchain.ingest.source.sqlite.SqliteTypeMap;
import ai.originchain.ingest.typemap.TypeMap;

/** docs/sources.md's MySQL and SQLite type map tables are the engines' rules, row for row. */
class EngineTypeMapDocTest {

    @Test
    void readmeMySqlTypeMapEqualsTheRulesInCode() throws Exception {
        assertThat(table("### MySQL type map", "| MySQL type")).containsExactlyElementsOf(rows(MySqlTypeMap.rules()));
    }

    @Test
    void readmeSqliteTypeMapEqualsTheRulesInCode() throws Exception {
        assertThat(table("### SQLite type map", "| SQLite column")).containsExactlyElementsOf(rows(SqliteTypeMap.rules()));
    }

    private static List<String> table(String heading, String header) throws Exception {
        List<String> lines = Files.readAllLines(Path.of("docs/sources.md"));
        int at = lines.indexOf(heading);
        assertThat(at).as("docs/sources.md has a '%s' section", heading).isNotNegative();
        return lines.stream().skip(at).dropWhile(l -> !l.startsWith(header)).skip(2).takeWhile(l -> l.startsWith("|")).toList();
    }

    private static List<String> rows(List<TypeMap.Rule> rules) {
        return rules.stream().map(r -> "| " + r.sourceTypes() + " | " + r.targetType() + " | " + r.note() + " |").toList();
    }
}
