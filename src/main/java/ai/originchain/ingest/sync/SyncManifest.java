package ai.originchain.ingest.sync;

import java.util.List;
import java.util.Optional;

/** A validated sync request: where to read, what to read, where it lands. */
public record SyncManifest(SourceSpec source, List<MappingSpec> mappings, List<SchemaDeclaration> schemas) {

    public Optional<SchemaDeclaration> declarationFor(String targetSchema) {
        return schemas.stream().filter(s -> s.name().equals(targetSchema)).findFirst();
    }
}
