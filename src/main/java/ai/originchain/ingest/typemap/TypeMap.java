package ai.originchain.ingest.typemap;

import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * The type map: what target type a source column gets, in one place. docs/modes.md's type map table is
 * generated from {@link #rules()} and a test keeps the two equal.
 *
 * <p>Values travel in PostgreSQL's own text form (COPY text out of the source, COPY text into the
 * target), so a value is never parsed by Java: whenever the target type is the source type, every
 * value arrives unchanged, ±infinity, NaN, BC dates and 1000-digit numerics included.
 */
public final class TypeMap {

    /** Types whose equality operator is exact identity of the stored value; others compare as text. */
    private static final Set<String> EXACT_EQUALITY = Set.of(
            "smallint", "integer", "bigint", "text", "boolean", "uuid", "date", "bytea", "jsonb", "oid",
            "macaddr", "macaddr8", "inet", "cidr", "money", "\"char\"", "name");
    private static final List<String> EXACT_EQUALITY_PREFIXES = List.of(
            "character varying", "character", "timestamp", "time ", "time(", "bit");

    /**
     * Built-in types whose values name objects of the server's own catalog: at the target they would be
     * looked up in the target store's catalog, which would tell a tenant whether another's objects exist.
     */
    private static final Set<String> OBJECT_IDENTIFIERS = Set.of("regclass", "regcollation", "regconfig", "regdictionary",
            "regnamespace", "regoper", "regoperator", "regproc", "regprocedure", "regrole", "regtype");

    public record Rule(String sourceTypes, String targetType, String note) {
    }

    /**
     * A source type's target type.
     *
     * @param targetType the target type's name: the service's own ({@code text}, another engine's type map),
     *                   or, when {@code builtIn} is set, the source's text, for messages only
     * @param builtIn    the built-in type whose name the target store gives ({@link TargetTypeNames}), or null
     * @param arrayOf    whether the target type is an array of {@code builtIn}'s
     */
    public record Mapped(String targetType, Optional<String> warning, SourceType builtIn, boolean arrayOf) {

        Mapped(String targetType, Optional<String> warning) {
            this(targetType, warning, null, false);
        }

        /** Whether the target type's name must come from the target store. */
        public boolean namedByTarget() {
            return builtIn != null;
        }
    }

    private TypeMap() {
    }

    /** The rules, in the order docs/modes.md lists them. */
    public static List<Rule> rules() {
        return List.of(
                new Rule("any built-in type (pg_catalog): integers, numeric, real/double, money, text/varchar/char, bytea, "
                        + "boolean, date/time/timestamp(tz)/interval, uuid, json/jsonb, xml, inet/cidr/macaddr(8), bit/varbit, "
                        + "tsvector/tsquery, geometric, oid, built-in ranges and multiranges",
                        "the same type, modifiers kept (`format_type`)", "identity"),
                new Rule("object identifier types (`regclass`, `regtype`, `regproc`, `regrole`, `regnamespace` …)", "text",
                        "warning: the object's name at the source; never looked up in the target's catalog"),
                new Rule("array of any type", "array of the element's target type", "identity for built-in elements"),
                new Rule("domain", "the domain's base type (resolved through nested domains)",
                        "warning: the domain's constraints are not copied"),
                new Rule("enum", "text", "warning: the label is kept, the enum type is not created"),
                new Rule("composite type", "text", "warning: the row's text form, e.g. `(1,\"a b\")`"),
                new Rule("user-defined range or multirange", "text", "warning: the range's text form"),
                new Rule("extension base type (citext, hstore, ltree, PostGIS …)", "text",
                        "warning: the type's text output, e.g. hstore `\"a\"=>\"1\"`"));
    }

    public static Mapped map(SourceType type) {
        if (type.isArray()) {
            Mapped element = map(type.element());
            if (element.warning().isEmpty()) {
                return type.serviceNamed() ? new Mapped(type.formatted(), Optional.empty())
                        : new Mapped(type.formatted(), Optional.empty(), type, false);
            }
            return new Mapped(element.targetType() + "[]",
                    element.warning().map(w -> w + " (array of " + type.element().formatted() + ")"),
                    element.builtIn(), element.namedByTarget());
        }
        return switch (type.kind()) {
            case 'd' -> {
                Mapped base = map(type.base());
                String warning = "domain " + type.formatted() + " is created as its base type " + base.targetType()
                        + "; its constraints are not copied";
                yield new Mapped(base.targetType(),
                        Optional.of(base.warning().map(w -> warning + "; " + w).orElse(warning)), base.builtIn(), base.arrayOf());
            }
            case 'e' -> new Mapped("text", Optional.of("enum " + type.formatted() + " is copied as text (its label)"));
            case 'c' -> new Mapped("text", Optional.of("composite type " + type.formatted() + " is copied as text (its row text form)"));
            default -> type.isBuiltIn() && OBJECT_IDENTIFIERS.contains(type.name())
                    ? new Mapped("text", Optional.of("object identifier type " + type.formatted() + " is copied as text (the "
                            + "object's name at the source), never looked up in the target store's catalog"))
                    : type.isBuiltIn()
                    ? new Mapped(type.formatted(), Optional.empty(), type.serviceNamed() ? null : type, false)
                    : new Mapped("text", Optional.of("type " + type.formatted() + " (schema " + type.namespace()
                            + ") is not built in and is copied as text (its text output)"));
        };
    }

    /** Whether "did this value change" must compare text forms for a target column of this type. */
    public static boolean compareAsText(String targetType) {
        String t = targetType.endsWith("[]") ? targetType.substring(0, targetType.indexOf('[')) : targetType;
        if (EXACT_EQUALITY.contains(t)) {
            return false;
        }
        for (String prefix : EXACT_EQUALITY_PREFIXES) {
            if (t.startsWith(prefix)) {
                return false;
            }
        }
        return true;
    }
}
