package io.dreamscape.handlers;

import com.amazonaws.services.lambda.runtime.Context;
import io.dreamscape.log.JsonLog;

final class Logs {
    private Logs() {
    }

    static JsonLog forInvocation(String service, Context context) {
        JsonLog log = JsonLog.of(service).with("coldStart", Wiring.takeColdStart());
        if (context != null && context.getAwsRequestId() != null) {
            log = log.with("requestId", context.getAwsRequestId());
        }
        return log;
    }
}
