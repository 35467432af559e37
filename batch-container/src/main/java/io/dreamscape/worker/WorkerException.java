package io.dreamscape.worker;

/**
 * Why a worker could not finish its shard, in words a person can act on. {@link Kind#PERMANENT}: retrying the same
 * attempt cannot help (no plan, no input, undecodable input, corrupt checkpoint, bad model); the worker records the
 * job as FAILED with this message. {@link Kind#TRANSIENT}: the infrastructure was unreachable (S3, DynamoDB); the job
 * is left as it is for a retry or for the workflow's own failure handling.
 */
public final class WorkerException extends Exception {
    public enum Kind { PERMANENT, TRANSIENT }

    private final Kind kind;

    public WorkerException(Kind kind, String message, Throwable cause) {
        super(message, cause);
        this.kind = kind;
    }

    public static WorkerException permanent(String message) {
        return new WorkerException(Kind.PERMANENT, message, null);
    }

    public static WorkerException permanent(String message, Throwable cause) {
        return new WorkerException(Kind.PERMANENT, message, cause);
    }

    public static WorkerException transientFailure(String message, Throwable cause) {
        return new WorkerException(Kind.TRANSIENT, message, cause);
    }

    public Kind kind() {
        return kind;
    }
}
