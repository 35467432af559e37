package io.dreamscape.e2e.stepfunctions;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.dreamscape.job.Job;
import io.dreamscape.job.JobState;
import io.dreamscape.ports.ProgressStore;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The scenarios every Step Functions stand-in must pass with the real definition and the real handlers: the loopback
 * one ({@link WorkflowExecutionTest}, what CI runs) and LocalStack ({@link LocalStackWorkflowTest}, with Docker).
 */
abstract class WorkflowScenarios {

    /** How an execution ended: status SUCCEEDED or FAILED, the Fail state's error and cause, or the output. */
    record Outcome(String status, String error, String cause, JsonNode output) {
    }

    /** Uploads {@code bytes} under {@code key} and returns the EventBridge event for it. */
    protected abstract JsonNode upload(String key, byte[] bytes) throws Exception;

    protected abstract Outcome execute(JsonNode event) throws Exception;

    protected abstract ProgressStore progress();

    /** Further checks a stand-in can make (e.g. which functions were called). */
    protected void afterRejection(Outcome outcome) {
    }

    protected void afterDuplicate(Outcome first, Outcome second) {
    }

    @Test
    void badUploadFailsWithTheReasonRecorded() throws Exception {
        JsonNode event = upload("uploads/notes.jpg",
                "these are my holiday notes, not a picture".getBytes(StandardCharsets.UTF_8));

        Outcome run = execute(event);

        assertEquals("FAILED", run.status());
        assertEquals("UploadRejected", run.error());
        assertNotNull(run.cause());
        assertFalse(run.cause().isBlank());
        List<Job> jobs = progress().list("uploads/notes.jpg", 10, null).jobs();
        assertEquals(1, jobs.size());
        assertEquals(JobState.FAILED, jobs.get(0).state());
        assertEquals(run.cause(), jobs.get(0).error(), "the execution and the record give the same reason");
        afterRejection(run);
    }

    @Test
    void duplicateEventStartsOneJob() throws Exception {
        JsonNode event = upload("uploads/twice.jpg", Uploads.jpeg(160, 120));

        Outcome first = execute(event);
        Outcome second = execute(event);

        assertEquals("SUCCEEDED", second.status(), () -> second.error() + " " + second.cause());
        assertTrue(second.output().path("duplicate").asBoolean(), second.output().toString());
        List<Job> jobs = progress().list("uploads/twice.jpg", 10, null).jobs();
        assertEquals(1, jobs.size());
        assertEquals(jobs.get(0).jobId().value(), second.output().path("jobId").asText());
        afterDuplicate(first, second);
    }
}
