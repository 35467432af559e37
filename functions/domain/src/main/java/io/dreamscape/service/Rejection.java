package io.dreamscape.service;

/** An upload that cannot be dreamed; the message is the reason recorded on the job, in words a person can act on. */
public final class Rejection extends Exception {
    public Rejection(String reason) {
        super(reason, null, false, false);
    }
}
