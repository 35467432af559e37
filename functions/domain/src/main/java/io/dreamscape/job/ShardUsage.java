package io.dreamscape.job;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;

/**
 * {@code jobs/{jobId}/usage/{index}.json}: what shard {@code index}'s workers actually used, one entry per attempt
 * (a Spot interruption or a retry adds one). The worker rewrites its own entry as it goes (at each octave end,
 * checkpoint and at the end), so an attempt killed without warning still counts up to its last write.
 *
 * @param attempts in order; {@code wallSeconds} from the worker's start (download, model load and upload included:
 *                 what the GPU instance is held for), {@code dreamSeconds} inside the engine, {@code units} the work
 *                 units dreamed in that time (for calibrating the planner's speed figure)
 */
public record ShardUsage(List<Attempt> attempts) {
    private static final ObjectMapper JSON = JsonMapper.builder()
            .disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES).build();

    public record Attempt(double wallSeconds, double dreamSeconds, long units, String device) {
    }

    public ShardUsage {
        attempts = attempts == null ? List.of() : List.copyOf(attempts);
    }

    public ShardUsage with(int attempt, Attempt a) {
        List<Attempt> all = new ArrayList<>(attempts);
        while (all.size() <= attempt) all.add(new Attempt(0, 0, 0, a.device()));
        all.set(attempt, a);
        return new ShardUsage(all);
    }

    public double wallSeconds() {
        return attempts.stream().mapToDouble(Attempt::wallSeconds).sum();
    }

    public double dreamSeconds() {
        return attempts.stream().mapToDouble(Attempt::dreamSeconds).sum();
    }

    public long units() {
        return attempts.stream().mapToLong(Attempt::units).sum();
    }

    public byte[] toJson() {
        try {
            return JSON.writeValueAsBytes(this);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public static ShardUsage fromJson(byte[] json) throws IOException {
        return JSON.readValue(json, ShardUsage.class);
    }
}
