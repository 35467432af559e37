/**
 * The job model shared by every stage (plain Java: no AWS or DJL types).
 *
 * <ul>
 *   <li>{@link io.dreamscape.job.StorageLayout}: the S3 key layout ({@code uploads/}, {@code jobs/{jobId}/plan.json},
 *   {@code jobs/{jobId}/shards/{index}.png}, {@code jobs/{jobId}/checkpoints/{index}/}, and a folder per job under
 *   {@code outputs/}, so no two jobs share an output key).</li>
 *   <li>{@link io.dreamscape.job.JobState}: {@code RECEIVED → VALIDATED → PLANNED → DREAMING → ASSEMBLING →
 *   COMPLETED}, or {@code FAILED} from any unfinished state; forward only.</li>
 *   <li>{@link io.dreamscape.job.JobId}: 128 random bits, the capability that opens a job's status;
 *   {@link io.dreamscape.job.Source#contentKey(String)}: the separate idempotency key (bucket, key, ETag and the
 *   effective parameters).</li>
 *   <li>{@link io.dreamscape.job.Plan} ({@code plan.json}) and {@link io.dreamscape.job.Shard} (core and halo
 *   rectangles, the shard result format, per-shard work).</li>
 *   <li>{@link io.dreamscape.job.DreamParameters} and friends: the one parameter schema.</li>
 * </ul>
 */
package io.dreamscape.job;
