package ai.originchain.ingest.sync;

import java.util.List;
import java.util.Optional;

/** An explicit target declaration from {@code schemas[]}: a declared column type wins over the inferred one. */
public record SchemaDeclaration(int index, String name, List<DeclaredColumn> columns) {

    public record DeclaredColumn(String name, String type) {
    }

    public Optional<DeclaredColumn> column(String columnName) {
        return columns.stream().filter(c -> c.name().equals(columnName)).findFirst();
    }
}
