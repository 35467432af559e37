package io.dreamscape.service;

import io.dreamscape.job.ParameterJson;
import io.dreamscape.job.Source;
import io.dreamscape.ports.ObjectStore;
import java.io.IOException;
import java.util.Optional;

/**
 * What makes two upload events the same job: the same bytes at the same key dreamed with the same effective
 * parameters (defaults, then the preset folder, then {@code x-amz-meta-dreamscape}). So a redelivered event or two
 * concurrent copies of one upload make one job, while a user who fixes a rejected parameter and uploads the same
 * picture again under the same name gets a new job.
 */
public final class UploadIdentity {
    private UploadIdentity() {
    }

    /** The idempotency key of {@code s}: reads the object's metadata (one HEAD). */
    public static String contentKey(ObjectStore objects, Source s) throws IOException {
        Optional<ObjectStore.ObjectInfo> head = objects.head(s.key(), s.versionId());
        return s.contentKey(effectiveParameters(s.key(), head.map(h -> h.metadata().get(UploadParameters.METADATA_NAME))
                .orElse(null)));
    }

    /**
     * The parameters an upload at {@code key} with metadata {@code metadataJson} is dreamed with, as canonical JSON;
     * parameters that are refused are keyed by their text, so a corrected upload is still a new job.
     */
    static String effectiveParameters(String key, String metadataJson) {
        try {
            return ParameterJson.write(UploadParameters.resolve(UploadParameters.presetOf(key), metadataJson));
        } catch (Rejection e) {
            return "refused:" + (metadataJson == null ? "" : metadataJson);
        }
    }
}
