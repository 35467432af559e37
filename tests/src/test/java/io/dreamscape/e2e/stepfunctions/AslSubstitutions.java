package io.dreamscape.e2e.stepfunctions;

import java.util.Map;

/**
 * What the CDK stack substitutes into the definition (DefinitionSubstitutions), with ARNs of the real shape. The
 * function names are what {@link LambdaEndpoint} routes by.
 */
final class AslSubstitutions {
    static final String JOB_QUEUE = "arn:aws:batch:us-east-1:123456789012:job-queue/Queue";
    static final String JOB_DEFINITION = "arn:aws:batch:us-east-1:123456789012:job-definition/Worker:1";
    static final String MULTI_GPU_JOB_QUEUE = "arn:aws:batch:us-east-1:123456789012:job-queue/MultiGpuQueue";
    static final String MULTI_GPU_JOB_DEFINITION = "arn:aws:batch:us-east-1:123456789012:job-definition/MultiGpuWorker:1";
    static final Map<String, String> VALUES = Map.of(
            "ValidateFunctionArn", "arn:aws:lambda:us-east-1:123456789012:function:Validate",
            "PlanFunctionArn", "arn:aws:lambda:us-east-1:123456789012:function:Plan",
            "AssembleFunctionArn", "arn:aws:lambda:us-east-1:123456789012:function:Assemble",
            "MarkFailedFunctionArn", "arn:aws:lambda:us-east-1:123456789012:function:MarkFailed",
            "JobQueueArn", JOB_QUEUE,
            "JobDefinitionArn", JOB_DEFINITION,
            "MultiGpuJobQueueArn", MULTI_GPU_JOB_QUEUE,
            "MultiGpuJobDefinitionArn", MULTI_GPU_JOB_DEFINITION);

    private AslSubstitutions() {
    }

    static String apply(String definition) {
        String out = definition;
        for (var e : VALUES.entrySet()) {
            out = out.replace("${" + e.getKey() + "}", e.getValue());
        }
        if (out.matches("(?s).*\\$\\{[A-Za-z]+}.*")) {
            throw new IllegalStateException("the definition has a placeholder this test does not know");
        }
        return out;
    }
}
