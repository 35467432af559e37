package io.dreamscape.local;

import io.dreamscape.job.Job;
import io.dreamscape.job.JobId;
import io.dreamscape.job.StateChange;
import io.dreamscape.ports.ProgressStore;
import io.dreamscape.ports.WorkReport;
import java.io.IOException;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.SQLIntegrityConstraintViolationException;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * The progress store of local mode: an embedded H2 database ({@link ProgressDatabase}) in a file under the data folder,
 * so jobs survive a restart (and a kill: every change is one committed transaction). Keeps the DynamoDB adapter's
 * promises: claims are first-writer-wins, state changes and counted work follow the job model's rules
 * ({@link StateChange}, {@link WorkReport}). Local mode's shard processes share it over loopback TCP; every
 * read-modify-write is one transaction holding the job's row lock ({@code SELECT ... FOR UPDATE}) while it checks the
 * rule, and claims and creations rely on the primary key, so the guarantees hold across processes too.
 */
public final class H2ProgressStore implements ProgressStore, AutoCloseable {
    private final ProgressDatabase database;
    private final Connection db;
    private final Clock clock;

    private H2ProgressStore(ProgressDatabase database, Clock clock) {
        this.database = database;
        this.db = database.connection();
        this.clock = clock;
    }

    /** {@link #open(Path, Clock)} on the system clock. */
    public static H2ProgressStore open(Path folder) throws IOException {
        return open(folder, Clock.systemUTC());
    }

    /**
     * Opens (creating if needed) the store in {@code folder} in this process, and serves it to local mode's shard
     * processes on loopback ({@link #sharedUrl()}). {@code clock} stamps {@code updatedAt}.
     */
    public static H2ProgressStore open(Path folder, Clock clock) throws IOException {
        return new H2ProgressStore(ProgressDatabase.open(folder), clock);
    }

    /** {@link #connect(String, Path, Clock)} on the system clock. */
    public static H2ProgressStore connect(String sharedUrl, Path folder) throws IOException {
        return connect(sharedUrl, folder, Clock.systemUTC());
    }

    /** Connects to the store served by local mode ({@link #sharedUrl()}); {@code folder} holds its password. */
    public static H2ProgressStore connect(String sharedUrl, Path folder, Clock clock) throws IOException {
        return new H2ProgressStore(ProgressDatabase.connect(sharedUrl, folder), clock);
    }

    /** The JDBC URL under which the shard processes reach this store (loopback TCP). */
    public String sharedUrl() {
        return database.sharedUrl();
    }

    // ---------------------------------------------------------------- claims

    @Override
    public synchronized Claim claim(String contentKey, JobId candidate, String executionId) throws IOException {
        try {
            try (PreparedStatement p = db.prepareStatement("INSERT INTO claims VALUES (?, ?, ?)")) {
                p.setString(1, contentKey);
                p.setString(2, candidate.value());
                p.setString(3, executionId);
                p.executeUpdate();
                db.commit();
                return new Claim(candidate, true, executionId);
            } catch (SQLIntegrityConstraintViolationException taken) {
                db.rollback();
            }
            Claim existing = readClaim(contentKey).orElseThrow(() -> new IOException("claim for " + contentKey + " vanished"));
            return new Claim(existing.jobId(), false, existing.executionId());
        } catch (SQLException e) {
            throw io(e);
        }
    }

    @Override
    public synchronized Optional<JobId> claimed(String contentKey) throws IOException {
        try {
            return readClaim(contentKey).map(Claim::jobId);
        } catch (SQLException e) {
            throw io(e);
        }
    }

    /** The execution id stored with a content key's claim (local mode resumes a job with the id it started with). */
    public synchronized Optional<String> executionIdOf(String contentKey) throws IOException {
        try {
            return readClaim(contentKey).map(Claim::executionId);
        } catch (SQLException e) {
            throw io(e);
        }
    }

    private Optional<Claim> readClaim(String contentKey) throws SQLException {
        try (PreparedStatement p = db.prepareStatement("SELECT job_id, execution_id FROM claims WHERE content_key = ?")) {
            p.setString(1, contentKey);
            try (ResultSet r = p.executeQuery()) {
                db.commit();
                return r.next() ? Optional.of(new Claim(JobId.of(r.getString(1)), false, r.getString(2))) : Optional.empty();
            }
        }
    }

    // ---------------------------------------------------------------- jobs

    @Override
    public synchronized boolean create(Job job) throws IOException {
        try {
            try (PreparedStatement p = db.prepareStatement("INSERT INTO jobs VALUES (?, ?, ?, ?, ?)")) {
                p.setString(1, job.jobId().value());
                p.setString(2, job.createdAt().toString() + "#" + job.jobId());
                p.setString(3, job.source().key());
                p.setString(4, job.state().name());
                p.setString(5, JobDocument.write(job));
                p.executeUpdate();
                db.commit();
                return true;
            } catch (SQLIntegrityConstraintViolationException exists) {
                db.rollback();
                return false;
            }
        } catch (SQLException e) {
            throw io(e);
        }
    }

    @Override
    public synchronized Optional<Job> get(JobId id) throws IOException {
        try {
            return read(id);
        } catch (SQLException e) {
            throw io(e);
        }
    }

    /** Checks the rule while holding the job's row lock ({@code SELECT ... FOR UPDATE}), then writes or lets go. */
    @Override
    public synchronized boolean change(JobId id, StateChange change) throws IOException {
        try {
            return writeOrRollback(change.next(lock(id), clock.instant()));
        } catch (SQLException e) {
            throw io(e);
        }
    }

    /** Checks the rule while holding the job's row lock ({@code SELECT ... FOR UPDATE}), then writes or lets go. */
    @Override
    public synchronized boolean count(JobId id, WorkReport report) throws IOException {
        try {
            Optional<Job> found = lock(id);
            return writeOrRollback(report.next(found, clock.instant())) || report.answerRefusal(id, found);
        } catch (SQLException e) {
            throw io(e);
        }
    }

    @Override
    public synchronized long shardWorkDone(JobId id, int shard) throws IOException {
        try {
            return read(id).map(j -> j.shardDone().getOrDefault(shard, 0L)).orElse(0L);
        } catch (SQLException e) {
            throw io(e);
        }
    }

    // ---------------------------------------------------------------- listing

    /** The cursor is the last listed job's {@code list_sk}. */
    @Override
    public synchronized Page list(String sourceKey, int limit, String cursor) throws IOException {
        ProgressStore.checkLimit(limit);
        boolean bySource = sourceKey != null && !sourceKey.isEmpty();
        boolean after = cursor != null && !cursor.isEmpty();
        String sql = "SELECT doc, list_sk FROM jobs WHERE 1=1" + (bySource ? " AND source_key = ?" : "")
                + (after ? " AND list_sk < ?" : "") + " ORDER BY list_sk DESC LIMIT ?";
        try (PreparedStatement p = db.prepareStatement(sql)) {
            int i = 1;
            if (bySource) p.setString(i++, sourceKey);
            if (after) p.setString(i++, cursor);
            p.setInt(i, limit + 1);
            List<Job> jobs = new ArrayList<>();
            String last = null;
            String next = null;
            try (ResultSet r = p.executeQuery()) {
                while (r.next()) {
                    if (jobs.size() == limit) {
                        next = last;
                        break;
                    }
                    jobs.add(JobDocument.read(r.getString(1)));
                    last = r.getString(2);
                }
            }
            db.commit();
            return new Page(jobs, next);
        } catch (SQLException e) {
            throw io(e);
        }
    }

    /** Jobs not yet COMPLETED or FAILED, oldest first: what a restart resumes. */
    public synchronized List<Job> unfinished() throws IOException {
        try (PreparedStatement p = db.prepareStatement(
                "SELECT doc FROM jobs WHERE state NOT IN ('COMPLETED', 'FAILED') ORDER BY list_sk")) {
            List<Job> jobs = new ArrayList<>();
            try (ResultSet r = p.executeQuery()) {
                while (r.next()) {
                    jobs.add(JobDocument.read(r.getString(1)));
                }
            }
            db.commit();
            return jobs;
        } catch (SQLException e) {
            throw io(e);
        }
    }

    // ---------------------------------------------------------------- plumbing

    private Optional<Job> read(JobId id) throws SQLException, IOException {
        try (PreparedStatement p = db.prepareStatement("SELECT doc FROM jobs WHERE job_id = ?")) {
            p.setString(1, id.value());
            try (ResultSet r = p.executeQuery()) {
                Optional<Job> job = r.next() ? Optional.of(JobDocument.read(r.getString(1))) : Optional.empty();
                db.commit();
                return job;
            }
        }
    }

    /** Reads the job and keeps its row locked until the caller commits or rolls back. */
    private Optional<Job> lock(JobId id) throws SQLException, IOException {
        try (PreparedStatement p = db.prepareStatement("SELECT doc FROM jobs WHERE job_id = ? FOR UPDATE")) {
            p.setString(1, id.value());
            try (ResultSet r = p.executeQuery()) {
                return r.next() ? Optional.of(JobDocument.read(r.getString(1))) : Optional.empty();
            } catch (IOException | RuntimeException e) {
                db.rollback();
                throw e;
            }
        }
    }

    /** Writes the job and commits, or rolls back when there is nothing to write: either releases the row lock. */
    private boolean writeOrRollback(Optional<Job> next) throws SQLException, IOException {
        if (next.isEmpty()) {
            db.rollback();
            return false;
        }
        write(next.get());
        return true;
    }

    /** Writes the job and commits, which releases its row lock. */
    private void write(Job j) throws SQLException, IOException {
        try (PreparedStatement p = db.prepareStatement("UPDATE jobs SET state = ?, doc = ? WHERE job_id = ?")) {
            p.setString(1, j.state().name());
            p.setString(2, JobDocument.write(j));
            p.setString(3, j.jobId().value());
            p.executeUpdate();
        }
        db.commit();
    }

    private IOException io(SQLException e) {
        try {
            db.rollback();
        } catch (SQLException ignored) {
            // the original error is what matters
        }
        return new IOException("local progress store: " + e.getMessage(), e);
    }

    @Override
    public synchronized void close() throws IOException {
        database.close();
    }
}
