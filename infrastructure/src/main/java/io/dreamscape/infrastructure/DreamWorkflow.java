package io.dreamscape.infrastructure;

import static io.dreamscape.infrastructure.ComputeStack.IMAGE_SUFFIXES;
import static io.dreamscape.infrastructure.ComputeStack.JOB_QUEUE_TAG;
import static io.dreamscape.infrastructure.ComputeStack.nag;

import io.github.cdklabs.cdknag.NagPackSuppression;
import io.github.cdklabs.cdknag.NagSuppressions;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import software.amazon.awscdk.ArnComponents;
import software.amazon.awscdk.Duration;
import software.amazon.awscdk.Stack;
import software.amazon.awscdk.services.events.EventPattern;
import software.amazon.awscdk.services.events.Rule;
import software.amazon.awscdk.services.events.targets.SfnStateMachine;
import software.amazon.awscdk.services.iam.PolicyStatement;
import software.amazon.awscdk.services.lambda.IFunction;
import software.amazon.awscdk.services.logs.LogGroup;
import software.amazon.awscdk.services.s3.IBucket;
import software.amazon.awscdk.services.stepfunctions.DefinitionBody;
import software.amazon.awscdk.services.stepfunctions.LogLevel;
import software.amazon.awscdk.services.stepfunctions.LogOptions;
import software.amazon.awscdk.services.stepfunctions.StateMachine;
import software.amazon.awscdk.services.stepfunctions.StateMachineType;

/**
 * The state machine that runs a job (statemachine/dreamscape.asl.json, with the functions' and Batch's ARNs
 * substituted in), its grants given by hand and scoped, and the EventBridge rule that starts it for every image
 * uploaded under uploads/.
 *
 * <p>Built straight into the stack (the stack is every resource's scope, as before this class existed), so the
 * logical ids and construct paths of deployed resources do not change.
 */
record DreamWorkflow(StateMachine machine) {

    /** The workflow over {@code lambdas} and {@code batch}, in {@code stack}; uploads to {@code bucket} start it. */
    static DreamWorkflow create(Stack stack, LambdaTasks lambdas, GpuBatch batch, IBucket bucket, Artifacts artifacts) {
        LogGroup logs = ComputeStack.logGroup(stack, "WorkflowLogs");
        Map<String, String> substitutions = new LinkedHashMap<>();
        substitutions.put("ValidateFunctionArn", lambdas.validate().getFunctionArn());
        substitutions.put("PlanFunctionArn", lambdas.plan().getFunctionArn());
        substitutions.put("AssembleFunctionArn", lambdas.assemble().getFunctionArn());
        substitutions.put("MarkFailedFunctionArn", lambdas.markFailed().getFunctionArn());
        substitutions.put("JobQueueArn", batch.queue().getJobQueueArn());
        substitutions.put("JobDefinitionArn", batch.worker().getJobDefinitionArn());
        substitutions.put("MultiGpuJobQueueArn", batch.multiGpuQueue().getJobQueueArn());
        substitutions.put("MultiGpuJobDefinitionArn", batch.multiGpuWorker().getJobDefinitionArn());
        StateMachine machine = StateMachine.Builder.create(stack, "Workflow")
                .stateMachineType(StateMachineType.STANDARD)
                // fromString, not fromFile: the states stay in the template where tests and reviewers can read them.
                .definitionBody(DefinitionBody.fromString(artifacts.stateMachineDefinition()))
                .definitionSubstitutions(substitutions)
                .logs(LogOptions.builder().destination(logs).level(LogLevel.ALL).includeExecutionData(true).build())
                .build();

        // The definition is a string, so CDK cannot infer the grants: each is given by hand, scoped.
        for (IFunction fn : lambdas.workflowTasks()) {
            fn.grantInvoke(machine);
        }
        machine.addToRolePolicy(PolicyStatement.Builder.create()
                .sid("SubmitDreamJobs")
                .actions(List.of("batch:SubmitJob"))
                .resources(List.of(batch.queue().getJobQueueArn(), batch.worker().getJobDefinitionArn(),
                        batch.multiGpuQueue().getJobQueueArn(), batch.multiGpuWorker().getJobDefinitionArn()))
                .build());
        machine.addToRolePolicy(PolicyStatement.Builder.create()
                .sid("FollowDreamJobs")
                .actions(List.of("batch:DescribeJobs"))
                .resources(List.of("*")) // DescribeJobs has no resource-level permissions
                .build());
        // A stopped execution terminates its Batch job (.sync). Job ARNs carry only a random id, so "this queue's
        // jobs" is expressed by a tag: the definition submits every job with dreamscape:queue = this queue's ARN
        // (tagging on submit needs batch:TagResource, allowed for exactly that tag), and TerminateJob is allowed on
        // jobs that carry it, nowhere else.
        String jobs = stack.formatArn(ArnComponents.builder().service("batch").resource("job").resourceName("*")
                .build());
        String queueArn = batch.queue().getJobQueueArn();
        machine.addToRolePolicy(PolicyStatement.Builder.create()
                .sid("TagDreamJobsOnSubmit")
                .actions(List.of("batch:TagResource"))
                .resources(List.of(jobs))
                .conditions(Map.of(
                        "StringEquals", Map.of("aws:RequestTag/" + JOB_QUEUE_TAG, queueArn),
                        "ForAllValues:StringEquals", Map.of("aws:TagKeys", List.of(JOB_QUEUE_TAG))))
                .build());
        machine.addToRolePolicy(PolicyStatement.Builder.create()
                .sid("StopOwnDreamJobs")
                .actions(List.of("batch:TerminateJob"))
                .resources(List.of(jobs))
                .conditions(Map.of("StringEquals", Map.of("aws:ResourceTag/" + JOB_QUEUE_TAG, queueArn)))
                .build());
        machine.addToRolePolicy(PolicyStatement.Builder.create()
                .sid("BatchSyncEventRule")
                .actions(List.of("events:PutTargets", "events:PutRule", "events:DescribeRule"))
                .resources(List.of(stack.formatArn(ArnComponents.builder()
                        .service("events")
                        .resource("rule")
                        .resourceName("StepFunctionsGetEventsForBatchJobsRule")
                        .build())))
                .build());
        NagSuppressions.addResourceSuppressions(machine, List.of(
                nag("AwsSolutions-SF2", "X-Ray adds cost per trace for a workflow of five steps whose every "
                        + "transition is already in the execution history and the ALL-level log."),
                NagPackSuppression.builder()
                        .id("AwsSolutions-IAM5")
                        .reason("batch:DescribeJobs supports no resource-level permissions (.sync polls it); "
                                + "TerminateJob and TagResource name job/* (a job ARN holds only a random id) and "
                                + "are limited by the dreamscape:queue tag condition; "
                                + "lambda:InvokeFunction on <arn>:* allows the functions' versions only; CloudWatch "
                                + "Logs delivery actions require Resource *.")
                        .build()), true);
        uploadRule(stack, bucket, machine);
        return new DreamWorkflow(machine);
    }

    private static void uploadRule(Stack stack, IBucket bucket, StateMachine machine) {
        List<Object> keys = new ArrayList<>();
        for (String suffix : IMAGE_SUFFIXES) {
            keys.add(Map.of("wildcard", "uploads/*." + suffix));
            keys.add(Map.of("wildcard", "uploads/*." + suffix.toUpperCase(Locale.ROOT)));
        }
        Rule.Builder.create(stack, "UploadRule")
                .description("An image uploaded under uploads/ starts a Dreamscape execution")
                .eventPattern(EventPattern.builder()
                        .source(List.of("aws.s3"))
                        .detailType(List.of("Object Created"))
                        .detail(Map.of(
                                "bucket", Map.of("name", List.of(bucket.getBucketName())),
                                "object", Map.of("key", keys)))
                        .build())
                .targets(List.of(SfnStateMachine.Builder.create(machine)
                        .retryAttempts(20)
                        .maxEventAge(Duration.hours(24))
                        .build()))
                .build();
    }
}
