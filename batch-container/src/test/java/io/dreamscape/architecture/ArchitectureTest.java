package io.dreamscape.architecture;

import static com.tngtech.archunit.base.DescribedPredicate.not;
import static com.tngtech.archunit.core.domain.JavaClass.Predicates.resideInAPackage;
import static com.tngtech.archunit.core.domain.JavaClass.Predicates.resideInAnyPackage;
import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;
import static com.tngtech.archunit.library.Architectures.layeredArchitecture;
import static com.tngtech.archunit.library.dependencies.SlicesRuleDefinition.slices;

import com.tngtech.archunit.core.importer.ImportOption;
import com.tngtech.archunit.junit.AnalyzeClasses;
import com.tngtech.archunit.junit.ArchTest;
import com.tngtech.archunit.lang.ArchRule;

/**
 * The dependency rules of docs/architecture.md, checked on the compiled production classes of every module.
 *
 * <p>It lives here because batch-container's test classpath is the one that holds all production code: domain and
 * aws (compile), lambda and testing (test scope) and its own cli/local/worker/engine. The Maven module boundaries
 * already stop the domain from compiling against the AWS SDK or DJL; these rules also cover what a pom cannot see:
 * the package layering inside batch-container, which packages the handlers may call, and cycles. Test code is left
 * out (tests may reach across layers to set things up).
 */
@AnalyzeClasses(packages = "io.dreamscape", importOptions = ImportOption.DoNotIncludeTests.class)
class ArchitectureTest {

    /** The job model, ports, services, image I/O, stitching and logging: what runs unchanged everywhere. */
    private static final String[] DOMAIN = {"io.dreamscape.job..", "io.dreamscape.ports..", "io.dreamscape.service..",
        "io.dreamscape.imaging..", "io.dreamscape.stitch..", "io.dreamscape.log.."};

    @ArchTest
    static final ArchRule domainKnowsNoCloudNoTorchAndNoOuterLayer = noClasses()
            .that().resideInAnyPackage(DOMAIN)
            .should().dependOnClassesThat().resideInAnyPackage(
                    "software.amazon..", "com.amazonaws..", "ai.djl..",
                    "io.dreamscape.aws..", "io.dreamscape.handlers..", "io.dreamscape.engine..",
                    "io.dreamscape.worker..", "io.dreamscape.local..", "io.dreamscape.cli..", "io.dreamscape.testing..")
            .because("the domain runs in the Lambdas, the worker and local mode alike; AWS and DJL stay behind ports");

    @ArchTest
    static final ArchRule engineKnowsNoCloudAndNoCaller = noClasses()
            .that().resideInAPackage("io.dreamscape.engine..")
            .should().dependOnClassesThat().resideInAnyPackage(
                    "software.amazon..", "com.amazonaws..",
                    "io.dreamscape.aws..", "io.dreamscape.handlers..", "io.dreamscape.worker..",
                    "io.dreamscape.local..", "io.dreamscape.cli..", "io.dreamscape.testing..")
            .because("the engine dreams an image on a device; where the image comes from is the worker's business");

    /**
     * Handlers are thin shells: they turn an event into a service call (wired with the AWS adapters) and its result
     * into a response. Image decoding, stitching and planning arithmetic belong to the services they call.
     */
    @ArchTest
    static final ArchRule handlersCallServicesNotInternals = noClasses()
            .that().resideInAPackage("io.dreamscape.handlers..")
            .should().dependOnClassesThat(resideInAPackage("io.dreamscape..").and(not(resideInAnyPackage(
                    "io.dreamscape.handlers..", "io.dreamscape.service..", "io.dreamscape.ports..",
                    "io.dreamscape.job..", "io.dreamscape.log..", "io.dreamscape.aws.."))))
            .as("handlers depend, within io.dreamscape, only on handlers, service, ports, job, log and aws");

    @ArchTest
    static final ArchRule awsAdaptersImplementPortsOnly = noClasses()
            .that().resideInAPackage("io.dreamscape.aws..")
            .should().dependOnClassesThat().resideInAnyPackage(
                    "io.dreamscape.handlers..", "io.dreamscape.engine..", "io.dreamscape.worker..",
                    "io.dreamscape.local..", "io.dreamscape.cli..", "io.dreamscape.testing..", "ai.djl..");

    /** batch-container's packages, outermost first: cli → local → worker → engine, all of them on the domain. */
    @ArchTest
    static final ArchRule layers = layeredArchitecture().consideringOnlyDependenciesInLayers()
            .layer("cli").definedBy("io.dreamscape.cli..")
            .layer("local").definedBy("io.dreamscape.local..")
            .layer("worker").definedBy("io.dreamscape.worker..")
            .layer("engine").definedBy("io.dreamscape.engine..")
            .layer("handlers").definedBy("io.dreamscape.handlers..")
            .layer("aws").definedBy("io.dreamscape.aws..")
            .layer("domain").definedBy(DOMAIN)
            .whereLayer("cli").mayNotBeAccessedByAnyLayer()
            .whereLayer("handlers").mayNotBeAccessedByAnyLayer()
            .whereLayer("local").mayOnlyBeAccessedByLayers("cli")
            .whereLayer("worker").mayOnlyBeAccessedByLayers("local", "cli")
            .whereLayer("engine").mayOnlyBeAccessedByLayers("worker", "local", "cli")
            .whereLayer("aws").mayOnlyBeAccessedByLayers("handlers", "worker", "local", "cli");

    @ArchTest
    static final ArchRule noCyclesBetweenTopLevelPackages = slices().matching("io.dreamscape.(*)..")
            .should().beFreeOfCycles();
}
