package io.dreamscape.job;

import java.util.List;

/** Fields set together with a state transition; null fields are left as they are. */
public record JobPatch(
        String format,
        Integer width,
        Integer height,
        DreamParameters parameters,
        Long totalWork,
        List<Long> shardWork,
        Estimate estimate,
        String outputKey,
        String previewKey,
        String thumbKey,
        String error) {

    public static final JobPatch NONE = new JobPatch(null, null, null, null, null, null, null, null, null, null, null);

    public static JobPatch validated(String format, int width, int height, DreamParameters parameters) {
        return new JobPatch(format, width, height, parameters, null, null, null, null, null, null, null);
    }

    public static JobPatch planned(DreamParameters parameters, long totalWork, List<Long> shardWork, Estimate estimate) {
        return new JobPatch(null, null, null, parameters, totalWork, shardWork, estimate, null, null, null, null);
    }

    public static JobPatch completed(String outputKey, String previewKey, String thumbKey) {
        return new JobPatch(null, null, null, null, null, null, null, outputKey, previewKey, thumbKey, null);
    }

    public static JobPatch failed(String reason) {
        return new JobPatch(null, null, null, null, null, null, null, null, null, null, reason);
    }
}
