package ai.originchain.ingest.architecture;

import static com.tngtech.archunit.base.DescribedPredicate.not;
import static com.tngtech.archunit.core.domain.JavaClass.Predicates.belongToAnyOf;
import static com.tngtech.archunit.core.domain.JavaClass.Predicates.resideInAPackage;
import static com.tngtech.archunit.core.domain.JavaClass.Predicates.resideInAnyPackage;
import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;
import static com.tngtech.archunit.library.dependencies.SlicesRuleDefinition.slices;

import com.tngtech.archunit.core.importer.ImportOption;
import com.tngtech.archunit.junit.AnalyzeClasses;
import com.tngtech.archunit.junit.ArchTest;
import com.tngtech.archunit.lang.ArchRule;
import com.tngtech.archunit.library.freeze.FreezingArchRule;

import ai.originchain.ingest.IngestProperties;

/**
 * The package layering docs/architecture.md describes, checked on the service's classes.
 *
 * <p>The package cycles that exist today are recorded in {@code src/test/resources/archunit-store}
 * and may only shrink: a dependency that adds to a cycle fails here. When a cycle is broken, its
 * entries leave the store on the next run (commit the changed store).
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

    @ArchTest
    static final ArchRule noNewPackageCycle = FreezingArchRule.freeze(
            slices().matching("ai.originchain.ingest.(*)..").should().beFreeOfCycles());
}
