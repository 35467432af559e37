package io.dreamscape.handlers;

import com.amazonaws.services.lambda.runtime.Context;
import io.dreamscape.job.JobId;
import io.dreamscape.log.JsonLog;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * What every workflow handler does around its service call, in one place: run it, and when it throws, log the
 * failure once (with the invocation's context: job id, request id, cold start) and rethrow it for Step Functions'
 * Retry/Catch, an {@link IOException} as {@link UncheckedIOException} (a {@code RequestHandler} cannot declare it).
 */
final class HandlerShell {
    private HandlerShell() {
    }

    /** The service call of one invocation; it returns the handler's output. */
    @FunctionalInterface
    interface Call {
        Map<String, Object> run() throws IOException;
    }

    /** The service call of a step whose input is {@code {"jobId": …}}. */
    @FunctionalInterface
    interface JobCall {
        Map<String, Object> run(JobId id, JsonLog log) throws IOException;
    }

    /**
     * A step on one job (Plan, Assemble): the job id from the input (an input without one is a wiring mistake:
     * {@link IllegalArgumentException} before anything is logged), on every log line, then {@link #run}.
     */
    static Map<String, Object> forJob(String service, Map<String, Object> input, Context context, String failure,
                                      JobCall call) {
        JobId id = Payloads.jobId(input);
        JsonLog log = Logs.forInvocation(service, context).with("jobId", id);
        return run(log, failure, () -> call.run(id, log));
    }

    static Map<String, Object> run(JsonLog log, String failure, Call call) {
        try {
            return call.run();
        } catch (IOException e) {
            log.error(failure, e);
            throw new UncheckedIOException(e);
        } catch (RuntimeException e) {
            log.error(failure, e);
            throw e;
        }
    }

    /** A handler's output: names and values in pairs, in this order; a value may be null (the state machine sees null). */
    static Map<String, Object> output(Object... namesAndValues) {
        if (namesAndValues.length % 2 != 0) {
            throw new IllegalArgumentException("output needs names and values in pairs, got " + namesAndValues.length + " items");
        }
        Map<String, Object> out = new LinkedHashMap<>();
        for (int i = 0; i < namesAndValues.length; i += 2) {
            out.put((String) namesAndValues[i], namesAndValues[i + 1]);
        }
        return out;
    }
}
