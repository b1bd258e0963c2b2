package ai.originchain.ingest.typemap;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import org.junit.jupiter.api.Test;

/** docs/modes.md's type map table is the code's rules, row for row: edit TypeMap.rules() and the table together. */
class TypeMapDocTest {

    @Test
    void readmeTypeMapTableEqualsTheRulesInCode() throws Exception {
        List<String> lines = Files.readAllLines(Path.of("docs/modes.md"));
        int heading = lines.indexOf("## Type map");
        assertThat(heading).as("docs/modes.md has a '## Type map' section").isNotNegative();
        List<String> rows = lines.stream().skip(heading)
                .dropWhile(l -> !l.startsWith("| source type"))
                .skip(2)
                .takeWhile(l -> l.startsWith("|"))
                .toList();

        List<String> expected = TypeMap.rules().stream()
                .map(r -> "| " + r.sourceTypes() + " | " + r.targetType() + " | " + r.note() + " |")
                .toList();
        assertThat(rows).containsExactlyElementsOf(expected);
    }
}
