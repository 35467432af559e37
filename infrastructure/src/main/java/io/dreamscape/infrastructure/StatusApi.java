package io.dreamscape.infrastructure;

import static io.dreamscape.infrastructure.ComputeStack.nag;

import io.github.cdklabs.cdknag.NagSuppressions;
import java.util.List;
import software.amazon.awscdk.Stack;
import software.amazon.awscdk.aws_apigatewayv2_integrations.HttpLambdaIntegration;
import software.amazon.awscdk.services.apigateway.AccessLogFormat;
import software.amazon.awscdk.services.apigatewayv2.AddRoutesOptions;
import software.amazon.awscdk.services.apigatewayv2.HttpApi;
import software.amazon.awscdk.services.apigatewayv2.HttpMethod;
import software.amazon.awscdk.services.apigatewayv2.HttpStage;
import software.amazon.awscdk.services.apigatewayv2.IAccessLogDestination;
import software.amazon.awscdk.services.apigatewayv2.IAccessLogSettings;
import software.amazon.awscdk.services.apigatewayv2.LogGroupLogDestination;
import software.amazon.awscdk.services.apigatewayv2.ThrottleSettings;
import software.amazon.awscdk.services.lambda.IFunction;
import software.amazon.awscdk.services.logs.LogGroup;

/**
 * The public status API: an HTTP API whose GET routes all go to the status function's SnapStart alias, throttled,
 * with a JSON access log that names routes, never job ids.
 *
 * <p>Built straight into the stack (the stack is every resource's scope, as before this class existed), so the
 * logical ids and construct paths of deployed resources do not change.
 */
record StatusApi(HttpApi api) {
    /**
     * One JSON line per request, made only of HTTP API variables (AccessLogFormat.clf() is a REST API format: its
     * $context.resourcePath does not exist for HTTP APIs and the stage would be rejected). The route key, not the
     * path: a job's path holds its id, which is the capability to read it, and logs are no place for capabilities.
     */
    static final String ACCESS_LOG_FORMAT = "{\"requestId\":\"$context.requestId\","
            + "\"time\":\"$context.requestTime\",\"ip\":\"$context.identity.sourceIp\","
            + "\"method\":\"$context.httpMethod\",\"route\":\"$context.routeKey\","
            + "\"protocol\":\"$context.protocol\",\"status\":\"$context.status\","
            + "\"bytes\":\"$context.responseLength\",\"latencyMs\":\"$context.responseLatency\","
            + "\"integrationStatus\":\"$context.integrationStatus\","
            + "\"integrationLatencyMs\":\"$context.integrationLatency\","
            + "\"error\":\"$context.error.message\",\"integrationError\":\"$context.integrationErrorMessage\"}";

    /** The API in front of {@code status} (its SnapStart alias), built into {@code stack}. */
    static StatusApi create(Stack stack, IFunction status) {
        HttpApi api = HttpApi.Builder.create(stack, "StatusApi")
                .description("Dreamscape job status: GET /, GET /jobs, GET /jobs/{jobId}, deep-zoom tiles, viewer script")
                .createDefaultStage(false)
                .build();
        LogGroup accessLogs = ComputeStack.logGroup(stack, "StatusApiAccessLogs");
        HttpStage.Builder.create(stack, "StatusApiStage")
                .httpApi(api)
                .stageName("$default")
                .autoDeploy(true)
                // A public endpoint in front of a paid function: cap what a flood can cost.
                // The deep-zoom viewer asks for a few dozen tiles per view change (each a tiny redirect), hence 100/200.
                .throttle(ThrottleSettings.builder().rateLimit(100).burstLimit(200).build())
                .accessLogSettings(new IAccessLogSettings() {
                    @Override
                    public IAccessLogDestination getDestination() {
                        return new LogGroupLogDestination(accessLogs);
                    }

                    @Override
                    public AccessLogFormat getFormat() {
                        return AccessLogFormat.custom(ACCESS_LOG_FORMAT);
                    }
                })
                .build();
        HttpLambdaIntegration integration = HttpLambdaIntegration.Builder.create("Status", status)
                .build();
        for (String path : List.of("/", "/jobs", "/jobs/{jobId}", "/jobs/{jobId}/live.jpg", "/jobs/{jobId}/deepzoom/{file+}",
                "/viewer/{file+}")) {
            api.addRoutes(AddRoutesOptions.builder()
                    .path(path)
                    .methods(List.of(HttpMethod.GET))
                    .integration(integration)
                    .build()).forEach(route -> NagSuppressions.addResourceSuppressions(route, List.of(nag(
                            "AwsSolutions-APIG4", "Authorisation is in the status function: GET /jobs requires the "
                                    + "bearer token, a job's route needs its unguessable 128-bit id (a capability, "
                                    + "shareable by design), GET / shows nothing without one of them."))));
        }
        return new StatusApi(api);
    }

    /** The API's base URL. */
    String endpoint() {
        return api.getApiEndpoint();
    }
}
