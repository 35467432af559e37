package io.dreamscape.infrastructure;

import io.github.cdklabs.cdknag.AwsSolutionsChecks;
import java.nio.file.Path;
import software.amazon.awscdk.App;
import software.amazon.awscdk.AppProps;
import software.amazon.awscdk.Aspects;
import software.amazon.awscdk.Environment;
import software.amazon.awscdk.StackProps;
import software.amazon.awscdk.Tags;

/**
 * The CDK app: {@code cdk deploy --all} (or {@code mvn -e -q compile exec:java} in this folder, which only writes the
 * templates to {@code cdk.out/}). Two stacks: {@code Dreamscape-Data} (bucket, table; retained) and
 * {@code Dreamscape-Compute} (everything that runs).
 */
public final class DreamscapeApp {

    public static final String DATA_STACK = "Dreamscape-Data";
    public static final String COMPUTE_STACK = "Dreamscape-Compute";

    private DreamscapeApp() {
    }

    public static void main(String[] args) {
        // The CDK CLI says where to write (CDK_OUTDIR); run without it (mvn exec:java), the templates go to cdk.out/.
        String outdir = System.getenv().getOrDefault("CDK_OUTDIR", "cdk.out");
        App app = new App(AppProps.builder().outdir(outdir).build());
        Artifacts artifacts = Artifacts.locate(Path.of("")).requireFunctionsJar();
        build(app, artifacts, environment());
        app.synth();
    }

    /** Both stacks in {@code app}, with the AwsSolutions checks applied (a finding fails the synth). */
    public static Stacks build(App app, Artifacts artifacts, Environment env) {
        StackProps props = StackProps.builder()
                .env(env)
                .description("Dreamscape: DeepDream for giant images, pay per run")
                .build();
        StatefulStack data = new StatefulStack(app, DATA_STACK, props);
        ComputeStack compute = new ComputeStack(app, COMPUTE_STACK, props, data, artifacts,
                ComputeStack.Settings.from(app));
        Tags.of(app).add("project", "dreamscape");
        Aspects.of(app).add(AwsSolutionsChecks.Builder.create().verbose(true).build());
        return new Stacks(data, compute);
    }

    public record Stacks(StatefulStack data, ComputeStack compute) {
    }

    /** The account and region of the CLI's credentials when run by {@code cdk}; none (agnostic) otherwise. */
    private static Environment environment() {
        String account = System.getenv("CDK_DEFAULT_ACCOUNT");
        String region = System.getenv("CDK_DEFAULT_REGION");
        if (account == null || region == null) {
            return null;
        }
        return Environment.builder().account(account).region(region).build();
    }
}
