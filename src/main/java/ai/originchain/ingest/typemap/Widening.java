package ai.originchain.ingest.typemap;

import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Which type changes a target column may follow on a rerun: those under which every value the old
 * type holds keeps its exact text. Anything else is refused, never applied.
 */
public final class Widening {

    private static final List<String> INTEGERS = List.of("smallint", "integer", "bigint");
    private static final Pattern VARCHAR = Pattern.compile("^character varying\\((\\d+)\\)$");
    private static final Pattern NUMERIC = Pattern.compile("^numeric\\((\\d+),(\\d+)\\)$");

    private Widening() {
    }

    /** Whether a column of type {@code from} may become {@code to} without changing any value. */
    public static boolean widens(String from, String to) {
        if (from.equals(to)) {
            return false;
        }
        if (INTEGERS.contains(from) && INTEGERS.contains(to)) {
            return INTEGERS.indexOf(to) > INTEGERS.indexOf(from);
        }
        Matcher fromVarchar = VARCHAR.matcher(from);
        if (fromVarchar.matches() || from.equals("character varying")) {
            if (to.equals("text") || to.equals("character varying")) {
                return true;
            }
            Matcher toVarchar = VARCHAR.matcher(to);
            return fromVarchar.matches() && toVarchar.matches()
                    && Integer.parseInt(toVarchar.group(1)) > Integer.parseInt(fromVarchar.group(1));
        }
        Matcher fromNumeric = NUMERIC.matcher(from);
        if (fromNumeric.matches()) {
            if (to.equals("numeric")) {
                return true;
            }
            Matcher toNumeric = NUMERIC.matcher(to);
            if (!toNumeric.matches()) {
                return false;
            }
            int p = Integer.parseInt(fromNumeric.group(1));
            int s = Integer.parseInt(fromNumeric.group(2));
            int p2 = Integer.parseInt(toNumeric.group(1));
            int s2 = Integer.parseInt(toNumeric.group(2));
            // Same scale only: a larger scale would print 1.50 as 1.500, changing the value's text.
            return s2 == s && p2 - s2 >= p - s;
        }
        return false;
    }
}
