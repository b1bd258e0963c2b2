package ai.originchain.ingest.typemap;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.Optional;

/**
 * Names a source's built-in type the target store's way: the target's own {@code format_type} of the
 * {@code pg_catalog} type that has the name the source reported, with the source's type modifier, both
 * bound as parameters. The source's text of the type never reaches SQL; a name the target has no
 * built-in (non-pseudo) type for is refused by the caller.
 */
public final class TargetTypeNames {

    private static final String FORMAT = """
            SELECT pg_catalog.format_type(t.oid, CASE WHEN t.typmodin <> 0 THEN ? ELSE -1 END)
              FROM pg_catalog.pg_type t
             WHERE t.typname = ? AND t.typnamespace = 'pg_catalog'::regnamespace
               AND t.typisdefined AND t.typtype IN ('b', 'r', 'm')
            """;

    private TargetTypeNames() {
    }

    /** The target store's name of {@code mapped}'s type; empty when the target has no such built-in type. */
    public static Optional<String> name(Connection target, TypeMap.Mapped mapped) throws SQLException {
        if (!mapped.namedByTarget()) {
            return Optional.of(mapped.targetType());
        }
        SourceType type = mapped.builtIn();
        if (type.name() == null || type.name().indexOf('\0') >= 0) {
            return Optional.empty();
        }
        try (PreparedStatement st = target.prepareStatement(FORMAT)) {
            st.setInt(1, type.typmod());
            st.setString(2, type.name());
            try (ResultSet rs = st.executeQuery()) {
                if (!rs.next()) {
                    return Optional.empty();
                }
                return Optional.of(rs.getString(1) + (mapped.arrayOf() ? "[]" : ""));
            }
        }
    }
}
