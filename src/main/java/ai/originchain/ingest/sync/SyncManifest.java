package ai.originchain.ingest.sync;

import java.util.List;
import java.util.Optional;

/** A validated sync request: where to read, what to read, where it lands, and whom to tell (null: nobody). */
public record SyncManifest(SourceSpec source, List<MappingSpec> mappings, List<SchemaDeclaration> schemas,
                           WebhookSpec webhook) {

    public SyncManifest(SourceSpec source, List<MappingSpec> mappings, List<SchemaDeclaration> schemas) {
        this(source, mappings, schemas, null);
    }

    public Optional<SchemaDeclaration> declarationFor(String targetSchema) {
        return schemas.stream().filter(s -> s.name().equals(targetSchema)).findFirst();
    }
}
