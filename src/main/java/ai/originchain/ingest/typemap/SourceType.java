package ai.originchain.ingest.typemap;

/**
 * A source column's type as the source describes it. What a source server reports is untrusted:
 * {@code formatted} only ever appears in messages; a built-in type's name in the target's SQL is the
 * target store's own {@code format_type} of {@code name} and {@code typmod} (see {@link TargetTypeNames}).
 *
 * @param formatted    {@code format_type(oid, typmod)} on the source, e.g. {@code numeric(12,2)} or {@code text[]}
 * @param kind         {@code pg_type.typtype}: b base, c composite, d domain, e enum, r range, m multirange, p pseudo
 * @param namespace    schema of the type, {@code pg_catalog} for built-in types
 * @param name         the type's own name, e.g. {@code citext}, {@code _int4} for {@code integer[]}
 * @param typmod       the column's type modifier ({@code atttypmod}), -1 for none
 * @param element      the element type when this is an array, else null
 * @param base         the base type when this is a domain, else null
 * @param serviceNamed whether {@code formatted} is the service's own name of the type (another engine's
 *                     type map), rather than a source server's text
 */
public record SourceType(String formatted, char kind, String namespace, String name, int typmod, SourceType element,
                         SourceType base, boolean serviceNamed) {

    public boolean isArray() {
        return element != null;
    }

    public boolean isBuiltIn() {
        return "pg_catalog".equals(namespace);
    }
}
