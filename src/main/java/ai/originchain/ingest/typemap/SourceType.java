package ai.originchain.ingest.typemap;

/**
 * A source column's type as the source catalog describes it.
 *
 * @param formatted {@code format_type(oid, typmod)} on the source, e.g. {@code numeric(12,2)} or {@code text[]}
 * @param kind      {@code pg_type.typtype}: b base, c composite, d domain, e enum, r range, m multirange, p pseudo
 * @param namespace schema of the type, {@code pg_catalog} for built-in types
 * @param name      the type's own name, e.g. {@code citext}
 * @param element   the element type when this is an array, else null
 * @param base      the base type when this is a domain, else null
 */
public record SourceType(String formatted, char kind, String namespace, String name, SourceType element, SourceType base) {

    public boolean isArray() {
        return element != null;
    }

    public boolean isBuiltIn() {
        return "pg_catalog".equals(namespace);
    }
}
