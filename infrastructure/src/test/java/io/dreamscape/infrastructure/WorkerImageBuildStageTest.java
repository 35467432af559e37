package io.dreamscape.infrastructure;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.jar.JarFile;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import software.amazon.awscdk.App;
import software.amazon.awscdk.AppProps;

/**
 * Executes the worker image's build stage without Docker (no base image can be pulled here): the Docker context is the
 * one CDK stages for the asset, the stage's {@code COPY} instructions are applied to a temporary root, and its
 * {@code RUN} commands run there as written, with Maven pointed at a fresh local repository. That repository is
 * filled from the machine's own Maven repository as a read-only mirror (releases only, so none of this project's
 * snapshots can leak in from it) with Maven Central behind it: what the image build would download, it downloads.
 * Then the file the runtime stage copies {@code --from=build} must exist and be the worker jar, without the CPU
 * libtorch, and run as the runtime stage's smoke check runs it.
 *
 * <p>Issue 16 found the image unbuildable (functions' test-jar) while the old text-only checks passed: this test is
 * why that cannot happen again. It costs about a minute of CI (two module builds, no tests).
 */
class WorkerImageBuildStageTest {

    private static final ObjectMapper JSON = new ObjectMapper();

    @Test
    void buildStageCommandsProduceTheJarTheRuntimeStageCopies() throws Exception {
        Path target = Path.of("target").toAbsolutePath();
        Path work = target.resolve("image-build");
        deleteTree(work);
        Files.createDirectories(work);

        Path context = stagedDockerContext(work.resolve("cdk.out"));
        Dockerfile dockerfile = Dockerfile.parse(Files.readString(context.resolve(Artifacts.DOCKERFILE)));
        Dockerfile.Stage build = dockerfile.stage("build");
        Path root = work.resolve("root");
        Path workdir = root;
        for (Dockerfile.Instruction in : build.instructions()) {
            switch (in.keyword()) {
                case "WORKDIR" -> {
                    workdir = inRoot(root, workdir, in.arguments());
                    Files.createDirectories(workdir);
                }
                case "COPY" -> copy(context, root, workdir, in.arguments());
                case "RUN" -> run(work, workdir, Dockerfile.withoutRunFlags(in.arguments()));
                case "ARG", "ENV" -> fail("the build stage's " + in.keyword() + " is not emulated by this test: " + in);
                default -> {
                }
            }
        }

        Dockerfile.Instruction copyJar = dockerfile.stage(null).instructions().stream()
                .filter(i -> i.keyword().equals("COPY") && i.arguments().startsWith("--from=build "))
                .findFirst().orElseThrow(() -> new AssertionError("the runtime stage copies nothing from the build"));
        String[] parts = copyJar.arguments().split("\\s+");
        assertEquals("/app/dreamscape.jar", parts[2], copyJar.toString());
        Path jar = inRoot(root, root, parts[1]);
        assertTrue(Files.isRegularFile(jar), "the build stage produced no " + parts[1]);
        try (JarFile jf = new JarFile(jar.toFile())) {
            assertEquals("io.dreamscape.cli.DreamscapeCli", jf.getManifest().getMainAttributes().getValue("Main-Class"));
            assertTrue(jf.getEntry("io/dreamscape/worker/WorkerCommand.class") != null, "the worker is in the jar");
            assertTrue(jf.getEntry("io/dreamscape/cli/DoctorCommand.class") != null, "the smoke test is in the jar");
            List<String> cpuTorch = jf.stream().map(e -> e.getName())
                    .filter(n -> n.startsWith("pytorch/cpu/")).toList();
            assertEquals(List.of(), cpuTorch, "the image brings the CUDA libtorch; the CPU one must stay out");
            assertTrue(jf.getEntry("jnilib/linux-x86_64/cu128/libdjl_torch.so") != null,
                    "DJL's JNI library for the image's cu128 libtorch");
        }
        // The runtime stage's build-time smoke checks, on this machine's JDK.
        for (String command : List.of("worker", "doctor")) {
            Path out = work.resolve(command + "-help.txt");
            Process help = new ProcessBuilder(javaExecutable(), "-jar", jar.toString(), command, "--help")
                    .redirectErrorStream(true).redirectOutput(out.toFile()).start();
            assertTrue(help.waitFor(60, TimeUnit.SECONDS));
            assertEquals(0, help.exitValue(), Files.readString(out));
        }
        String runtime = String.join("\n", dockerfile.stage(null).instructions().stream().map(Object::toString).toList());
        assertTrue(runtime.contains("/app/dreamscape.jar worker --help") && runtime.contains("/app/dreamscape.jar doctor --help"),
                "the image build runs the same smoke checks");
    }

    /** Synthesizes the app and returns the worker image's staged asset folder: exactly what Docker would receive. */
    private static Path stagedDockerContext(Path outdir) throws IOException {
        Artifacts artifacts = Artifacts.locate(Path.of(""));
        if (!Files.isRegularFile(artifacts.functionsJar())) {
            Path placeholder = outdir.getParent().resolve("placeholder-functions.jar");
            Files.write(placeholder, new byte[] {'P', 'K', 5, 6, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0});
            artifacts = artifacts.withFunctionsJar(placeholder);
        }
        App app = new App(AppProps.builder().outdir(outdir.toString()).build());
        DreamscapeApp.build(app, artifacts, null);
        Path assembly = Path.of(app.synth().getDirectory());
        JsonNode images = JSON.readTree(assembly.resolve(DreamscapeApp.COMPUTE_STACK + ".assets.json").toFile())
                .path("dockerImages");
        assertEquals(1, images.size());
        JsonNode source = images.elements().next().path("source");
        assertEquals(Artifacts.DOCKERFILE, source.path("dockerFile").asText());
        return assembly.resolve(source.path("directory").asText());
    }

    /** Docker's COPY for sources in the context: a folder's contents go into the destination. */
    private static void copy(Path context, Path root, Path workdir, String arguments) throws IOException {
        String[] parts = arguments.split("\\s+");
        if (parts[0].startsWith("--")) {
            fail("COPY flags are not emulated by this test: COPY " + arguments);
        }
        String dest = parts[parts.length - 1];
        Path to = inRoot(root, workdir, dest);
        for (int i = 0; i < parts.length - 1; i++) {
            Path from = context.resolve(parts[i]);
            if (Files.isDirectory(from)) {
                copyTree(from, to);
            } else if (Files.isRegularFile(from)) {
                Path file = dest.endsWith("/") || Files.isDirectory(to) ? to.resolve(from.getFileName().toString()) : to;
                Files.createDirectories(file.getParent());
                Files.copy(from, file, StandardCopyOption.REPLACE_EXISTING);
            } else {
                fail("COPY " + arguments + ": " + parts[i] + " is not in the image's build context (see "
                        + "Artifacts.DOCKER_EXCLUDES)");
            }
        }
    }

    private static void run(Path work, Path workdir, String command) throws Exception {
        for (String token : command.split("\\s+")) {
            if (token.startsWith("/")) {
                fail("a build-stage RUN command writes or reads an absolute path, which this test cannot map: "
                        + token + " in: " + command);
            }
        }
        Path bin = work.resolve("bin");
        Files.createDirectories(bin);
        Path settings = work.resolve("settings.xml");
        Files.writeString(settings, mirrorSettings(), StandardCharsets.UTF_8);
        // Every `mvn` of the command gets a fresh local repository and the mirror (as global settings, so a user's
        // own settings.xml, e.g. a company mirror, still applies).
        Path mvn = bin.resolve("mvn");
        Files.writeString(mvn, "#!/bin/sh\nexec '" + realMaven() + "' -gs '" + settings + "' -Dmaven.repo.local='"
                + work.resolve("m2") + "' \"$@\"\n");
        mvn.toFile().setExecutable(true);
        Path log = work.resolve("build-stage.log");
        ProcessBuilder pb = new ProcessBuilder("bash", "-euo", "pipefail", "-c", command)
                .directory(workdir.toFile())
                .redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()));
        String javaHome = System.getProperty("java.home");
        pb.environment().put("JAVA_HOME", javaHome);
        pb.environment().put("PATH", bin + ":" + javaHome + "/bin:" + System.getenv("PATH"));
        Process p = pb.start();
        if (!p.waitFor(15, TimeUnit.MINUTES)) {
            p.destroyForcibly();
            fail("the build stage's RUN did not finish in 15 minutes: " + command);
        }
        if (p.exitValue() != 0) {
            fail("the worker image's build stage fails (exit " + p.exitValue() + "): " + command + "\n"
                    + tail(log, 60));
        }
    }

    private static String mirrorSettings() {
        String local = System.getProperty("dreamscape.mavenLocalRepository",
                System.getProperty("user.home") + "/.m2/repository");
        String repository = """
                  <id>machine-local-repository</id>
                  <url>%s</url>
                  <releases><enabled>true</enabled></releases>
                  <snapshots><enabled>false</enabled></snapshots>
                """.formatted(Path.of(local).toUri());
        return """
                <settings>
                  <profiles>
                    <profile>
                      <id>machine-local-mirror</id>
                      <repositories><repository>%s</repository></repositories>
                      <pluginRepositories><pluginRepository>%s</pluginRepository></pluginRepositories>
                    </profile>
                  </profiles>
                  <activeProfiles><activeProfile>machine-local-mirror</activeProfile></activeProfiles>
                </settings>
                """.formatted(repository, repository);
    }

    private static String realMaven() {
        String home = System.getProperty("maven.home");
        if (home != null && !home.isBlank() && Files.isExecutable(Path.of(home, "bin", "mvn"))) {
            return Path.of(home, "bin", "mvn").toString();
        }
        for (String dir : System.getenv("PATH").split(":")) {
            if (Files.isExecutable(Path.of(dir, "mvn"))) {
                return Path.of(dir, "mvn").toString();
            }
        }
        throw new AssertionError("Maven is needed to run the image's build stage: set maven.home or put mvn on PATH");
    }

    private static String javaExecutable() {
        return Path.of(System.getProperty("java.home"), "bin", "java").toString();
    }

    /** A path inside the container (absolute, or relative to the working directory) on this machine. */
    private static Path inRoot(Path root, Path workdir, String containerPath) {
        Path p = containerPath.startsWith("/") ? root.resolve(containerPath.substring(1)) : workdir.resolve(containerPath);
        Path normal = p.normalize();
        assertTrue(normal.startsWith(root), containerPath);
        return normal;
    }

    private static void copyTree(Path from, Path to) throws IOException {
        try (Stream<Path> files = Files.walk(from)) {
            for (Path f : (Iterable<Path>) files::iterator) {
                Path dest = to.resolve(from.relativize(f).toString());
                if (Files.isDirectory(f)) {
                    Files.createDirectories(dest);
                } else {
                    Files.copy(f, dest, StandardCopyOption.REPLACE_EXISTING);
                }
            }
        }
    }

    private static void deleteTree(Path dir) throws IOException {
        if (!Files.exists(dir)) {
            return;
        }
        try (Stream<Path> files = Files.walk(dir)) {
            for (Path f : files.sorted(Comparator.reverseOrder()).toList()) {
                Files.delete(f);
            }
        }
    }

    private static String tail(Path log, int lines) throws IOException {
        List<String> all = Files.exists(log) ? Files.readAllLines(log) : List.of();
        return String.join("\n", all.subList(Math.max(0, all.size() - lines), all.size()));
    }

    @Test
    void dockerfileParserJoinsContinuationsAndSplitsStages() {
        Dockerfile d = Dockerfile.parse("""
                # comment
                FROM a:1 AS build
                RUN --mount=type=cache,target=/root/.m2 \\
                    echo one \\
                 && echo two
                FROM b:2
                COPY --from=build /x /y
                """);
        Dockerfile.Stage build = d.stage("build");
        assertEquals("echo one && echo two", Dockerfile.withoutRunFlags(build.instructions().get(0).arguments()));
        assertEquals("COPY", d.stage(null).instructions().get(0).keyword());
        assertFalse(d.stages().get(1).name() != null);
        List<String> names = new ArrayList<>();
        d.stages().forEach(s -> names.add(s.from()));
        assertEquals(List.of("a:1", "b:2"), names);
    }
}
