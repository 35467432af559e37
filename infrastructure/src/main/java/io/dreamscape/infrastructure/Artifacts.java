package io.dreamscape.infrastructure;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * What the stacks deploy from the other modules: the built Lambda jar, the state machine definition and the worker's
 * Docker build context. The infrastructure module never links the other modules' classes; it refers to their files.
 *
 * @param repoRoot      the repository root, also the worker image's Docker build context (its Dockerfile builds the
 *                      jar with Maven, so it needs the parent pom, {@code functions/} and {@code batch-container/})
 * @param functionsJar  the shaded Lambda jar ({@code functions/lambda/target/functions.jar})
 * @param stateMachine  {@code statemachine/dreamscape.asl.json}
 */
public record Artifacts(Path repoRoot, Path functionsJar, Path stateMachine) {

    public static final String FUNCTIONS_JAR = "functions/lambda/target/functions.jar";
    public static final String STATE_MACHINE = "statemachine/dreamscape.asl.json";
    public static final String DOCKERFILE = "batch-container/Dockerfile";

    /**
     * Paths left out of the worker image's build context and asset hash: build outputs, dependencies installed by
     * tools, and modules the image does not need. A change in them must not trigger an image rebuild.
     */
    public static final List<String> DOCKER_EXCLUDES = List.of(
            ".git", ".github", ".ci", "**/target", "**/node_modules", "**/cdk.out", "**/.idea", "**/*.iml",
            "**/src/test", "batch-container/benchmark", "infrastructure", "tests", "docs", "statemachine", "shared",
            "*.md");

    /** Finds the repository root from {@code start} upwards (the folder that holds the state machine definition). */
    public static Artifacts locate(Path start) {
        Path dir = start.toAbsolutePath().normalize();
        while (dir != null && !Files.isRegularFile(dir.resolve(STATE_MACHINE))) {
            dir = dir.getParent();
        }
        if (dir == null) {
            throw new IllegalStateException("Cannot find " + STATE_MACHINE + " in " + start.toAbsolutePath()
                    + " or any folder above it: run the CDK app from the Dreamscape repository.");
        }
        return new Artifacts(dir, dir.resolve(FUNCTIONS_JAR), dir.resolve(STATE_MACHINE));
    }

    /** The same repository, with another Lambda jar (tests use a placeholder when the jar is not built). */
    public Artifacts withFunctionsJar(Path jar) {
        return new Artifacts(repoRoot, jar, stateMachine);
    }

    /**
     * Fails with instructions when the Lambda jar is missing. A placeholder would synthesize a stack that deploys
     * Lambdas without handlers, so a real synth refuses instead.
     */
    public Artifacts requireFunctionsJar() {
        if (!Files.isRegularFile(functionsJar)) {
            throw new IllegalStateException("The Lambda jar " + functionsJar + " does not exist. Build it first: "
                    + "`mvn -B -pl functions/lambda -am package -DskipTests` in " + repoRoot + " (then run cdk again).");
        }
        return this;
    }

    public Path dockerfile() {
        return repoRoot.resolve(DOCKERFILE);
    }

    public String stateMachineDefinition() {
        try {
            return Files.readString(stateMachine);
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot read " + stateMachine, e);
        }
    }
}
