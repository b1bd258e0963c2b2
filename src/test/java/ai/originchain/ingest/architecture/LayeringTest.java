package ai.originchain.ingest.architecture;

import static com.tngtech.archunit.base.DescribedPredicate.not;
import static com.tngtech.archunit.core.domain.JavaClass.Predicates.belongToAnyOf;
import static com.tngtech.archunit.core.domain.JavaClass.Predicates.resideInAPackage;
import static com.tngtech.archunit.core.domain.JavaClass.Predicates.resideInAnyPackage;
import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;
import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayDeque;
import java.util.Deque;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;

import org.junit.jupiter.api.Test;

import com.tngtech.archunit.core.domain.Dependency;
import com.tngtech.archunit.core.domain.JavaClass;
import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import com.tngtech.archunit.junit.AnalyzeClasses;
import com.tngtech.archunit.junit.ArchTest;
import com.tngtech.archunit.lang.ArchRule;

import ai.originchain.ingest.IngestProperties;

/**
 * The package layering docs/architecture.md describes, checked on the service's classes.
 *
 * <p>The dependencies between packages that lie on a cycle today are listed in
 * {@link #KNOWN_CYCLE_EDGES}; the list may only shrink.
 */
@AnalyzeClasses(packages = "ai.originchain.ingest", importOptions = ImportOption.DoNotIncludeTests.class)
class LayeringTest {

    private static final String SERVICE = "ai.originchain.ingest..";

    @ArchTest
    static final ArchRule onlyTheApiEdgeKnowsHttp = noClasses()
            .that().resideOutsideOfPackage("ai.originchain.ingest.api..")
            .should().dependOnClassesThat().resideInAnyPackage("jakarta.servlet..", "org.springframework.web..",
                    "org.springframework.http..", "org.apache.camel.component.platform.http..", "org.apache.tomcat..",
                    "org.apache.catalina..")
            .because("HTTP is known only at the API edge (api/)");

    @ArchTest
    static final ArchRule failuresDependOnNothingOfTheService = noClasses()
            .that().resideInAPackage("ai.originchain.ingest.failure..")
            .should().dependOnClassesThat(resideInAPackage(SERVICE).and(not(resideInAPackage("ai.originchain.ingest.failure.."))))
            .because("a failure (a status, the fields at fault) is a value every part of the service may raise");

    @ArchTest
    static final ArchRule theEgressPolicyDependsOnlyOnFailuresAndItsSettings = noClasses()
            .that().resideInAPackage("ai.originchain.ingest.egress..")
            .should().dependOnClassesThat(resideInAPackage(SERVICE)
                    .and(not(resideInAnyPackage("ai.originchain.ingest.egress..", "ai.originchain.ingest.failure..")))
                    .and(not(belongToAnyOf(IngestProperties.class))))
            .because("every outbound connection goes through the egress policy, so it may lean on nothing it guards");

    /**
     * The dependencies between packages that lie on a cycle today: the debt the re-layering pays off.
     * The list may only shrink: a new dependency that closes or extends a cycle fails, and so does an
     * entry that no longer lies on one (remove it).
     */
    static final Set<String> KNOWN_CYCLE_EDGES = Set.of(
            "api -> runs", "api -> sync", "runs -> api", "runs -> sync", "source -> sync",
            "source -> typemap", "store -> source", "store -> sync", "store -> typemap", "sync -> runs",
            "sync -> source", "sync -> store", "sync -> typemap", "typemap -> source", "typemap -> store",
            "typemap -> sync");

    @Test
    void noNewDependencyLiesOnAPackageCycle() {
        JavaClasses classes = new ClassFileImporter().withImportOption(new ImportOption.DoNotIncludeTests())
                .importPackages("ai.originchain.ingest");
        Map<String, Set<String>> graph = new TreeMap<>();
        for (JavaClass from : classes) {
            String source = topPackage(from);
            if (source == null) {
                continue;
            }
            graph.computeIfAbsent(source, k -> new TreeSet<>());
            for (Dependency dependency : from.getDirectDependenciesFromSelf()) {
                String target = topPackage(dependency.getTargetClass());
                if (target != null && !target.equals(source)) {
                    graph.get(source).add(target);
                }
            }
        }
        Set<String> onCycles = new TreeSet<>();
        graph.forEach((from, targets) -> targets.stream().filter(to -> reaches(graph, to, from))
                .forEach(to -> onCycles.add(from + " -> " + to)));

        assertThat(onCycles).as("dependencies that lie on a package cycle (a new one closes a cycle; "
                + "docs/architecture.md says which way dependencies point)").isSubsetOf(KNOWN_CYCLE_EDGES);
        assertThat(new TreeSet<>(KNOWN_CYCLE_EDGES)).as("known cycle edges that no longer lie on a cycle: remove them "
                + "from KNOWN_CYCLE_EDGES").isSubsetOf(onCycles);
    }

    /** The package under ai.originchain.ingest a class belongs to, or null for the root and other code. */
    private static String topPackage(JavaClass type) {
        String name = type.getPackageName();
        String root = "ai.originchain.ingest.";
        if (!name.startsWith(root)) {
            return null;
        }
        int dot = name.indexOf('.', root.length());
        return dot < 0 ? name.substring(root.length()) : name.substring(root.length(), dot);
    }

    private static boolean reaches(Map<String, Set<String>> graph, String from, String to) {
        Deque<String> todo = new ArrayDeque<>(List.of(from));
        Set<String> seen = new HashSet<>();
        while (!todo.isEmpty()) {
            String next = todo.pop();
            if (next.equals(to)) {
                return true;
            }
            if (seen.add(next)) {
                todo.addAll(graph.getOrDefault(next, Set.of()));
            }
        }
        return false;
    }
}
