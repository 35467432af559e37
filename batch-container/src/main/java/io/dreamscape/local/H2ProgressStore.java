package io.dreamscape.local;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.databind.DeserializationContext;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonDeserializer;
import com.fasterxml.jackson.databind.JsonSerializer;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializerProvider;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.module.SimpleModule;
import io.dreamscape.job.Job;
import io.dreamscape.job.JobId;
import io.dreamscape.job.JobPatch;
import io.dreamscape.job.JobState;
import io.dreamscape.ports.ProgressStore;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.SecureRandom;
import java.util.HexFormat;
import org.h2.tools.Server;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.SQLIntegrityConstraintViolationException;
import java.sql.Statement;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;

/**
 * The progress store of local mode: an embedded H2 database in a file under the data folder, so jobs survive a
 * restart (and a kill: every change is one committed transaction). Behaves like the DynamoDB adapter: claims are
 * first-writer-wins, state changes are conditional and only go forward, progress is an atomic add that is refused once
 * the job has left PLANNED/DREAMING. Local mode's shard processes share it over loopback TCP; every
 * read-modify-write is one transaction holding the job's row lock ({@code SELECT ... FOR UPDATE}), and claims and
 * creations rely on the primary key, so the guarantees hold across processes too.
 *
 * <p>Schema: {@code claims(content_key PK, job_id, execution_id)}, {@code jobs(job_id PK, list_sk, source_key, state,
 * doc)} where {@code doc} is the {@link Job} as JSON and {@code list_sk = createdAt#jobId} orders the list.
 */
public final class H2ProgressStore implements ProgressStore, AutoCloseable {
    private static final ObjectMapper JSON = JsonMapper.builder()
            .disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
            .addModule(new SimpleModule("instants")
                    .addSerializer(Instant.class, new JsonSerializer<>() {
                        @Override
                        public void serialize(Instant v, JsonGenerator g, SerializerProvider p) throws IOException {
                            g.writeString(v.toString());
                        }
                    })
                    .addDeserializer(Instant.class, new JsonDeserializer<>() {
                        @Override
                        public Instant deserialize(JsonParser p, DeserializationContext c) throws IOException {
                            return Instant.parse(p.getValueAsString());
                        }
                    }))
            .build();

    static final String USER = "dreamscape";
    static final String SECRET_FILE = "progress.secret";

    private final Connection db;
    private final Server server;

    private H2ProgressStore(Connection db, Server server) {
        this.db = db;
        this.server = server;
    }

    /**
     * Opens (creating if needed) the store in {@code folder} ({@code progress.mv.db}) in this process, and serves it
     * to local mode's shard processes on a loopback TCP port ({@link #sharedUrl()}; H2 refuses connections from other
     * machines, and a random password kept in {@code folder/progress.secret}, readable by its owner only, guards it).
     */
    public static H2ProgressStore open(Path folder) throws IOException {
        Path dir = Files.createDirectories(folder.toAbsolutePath());
        // H2 reads this once, when it first loads: its TCP server then listens on loopback only (without it, it listens
        // on every interface and merely refuses other machines).
        if (System.getProperty("h2.bindAddress") == null) {
            System.setProperty("h2.bindAddress", "127.0.0.1");
        }
        String password = secret(dir);
        // WRITE_DELAY=0: a commit is on disk before it returns, so a kill -9 loses no progress already shown.
        // DB_CLOSE_ON_EXIT=FALSE: local mode closes it itself, after its shard processes have stopped.
        String url = "jdbc:h2:file:" + dir.resolve("progress") + ";LOCK_TIMEOUT=20000;WRITE_DELAY=0;DB_CLOSE_ON_EXIT=FALSE";
        Connection c = null;
        try {
            c = DriverManager.getConnection(url, USER, password);
            try (Statement s = c.createStatement()) {
                s.execute("CREATE TABLE IF NOT EXISTS claims (content_key VARCHAR(128) PRIMARY KEY, "
                        + "job_id VARCHAR(32) NOT NULL, execution_id VARCHAR(200))");
                s.execute("CREATE TABLE IF NOT EXISTS jobs (job_id VARCHAR(32) PRIMARY KEY, list_sk VARCHAR(80) NOT NULL, "
                        + "source_key VARCHAR(2048) NOT NULL, state VARCHAR(16) NOT NULL, doc CLOB NOT NULL)");
                s.execute("CREATE INDEX IF NOT EXISTS jobs_by_created ON jobs(list_sk)");
                s.execute("CREATE INDEX IF NOT EXISTS jobs_by_source ON jobs(source_key, list_sk)");
            }
            c.setAutoCommit(false);
            Server tcp = Server.createTcpServer("-tcpPort", Integer.toString(freePort()), "-tcpDaemon", "-ifExists").start();
            return new H2ProgressStore(c, tcp);
        } catch (SQLException e) {
            if (c != null) {
                try {
                    c.close();
                } catch (SQLException ignored) {
                    // reporting the first error
                }
            }
            throw new IOException("cannot open the progress store in " + dir + ": " + e.getMessage()
                    + (e.getMessage() != null && e.getMessage().contains("ocked")
                    ? " (is another `dreamscape local` using this data folder?)" : ""), e);
        }
    }

    /** Connects to the store served by local mode ({@link #sharedUrl()}); {@code folder} holds its password. */
    public static H2ProgressStore connect(String sharedUrl, Path folder) throws IOException {
        try {
            Connection c = DriverManager.getConnection(sharedUrl, USER, secret(folder.toAbsolutePath()));
            c.setAutoCommit(false);
            return new H2ProgressStore(c, null);
        } catch (SQLException e) {
            throw new IOException("cannot reach local mode's progress store at " + sharedUrl + ": " + e.getMessage(), e);
        }
    }

    /** The JDBC URL under which the shard processes reach this store (loopback TCP). */
    public String sharedUrl() {
        if (server == null) {
            throw new IllegalStateException("this store is itself a connection to a shared one");
        }
        try {
            String path = db.getMetaData().getURL().replaceFirst("^jdbc:h2:file:", "").replaceFirst(";.*$", "");
            return "jdbc:h2:tcp://127.0.0.1:" + server.getPort() + "/" + path + ";LOCK_TIMEOUT=20000";
        } catch (SQLException e) {
            throw new IllegalStateException(e);
        }
    }

    private static String secret(Path dir) throws IOException {
        Path file = dir.resolve(SECRET_FILE);
        if (!Files.exists(file)) {
            byte[] b = new byte[24];
            new SecureRandom().nextBytes(b);
            Path tmp = Files.createTempFile(dir, "secret", ".tmp");
            try {
                Files.setPosixFilePermissions(tmp, PosixFilePermissions.fromString("rw-------"));
            } catch (UnsupportedOperationException notPosix) {
                // Windows: the folder's own permissions apply
            }
            Files.writeString(tmp, HexFormat.of().formatHex(b));
            try {
                Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE);
            } catch (FileAlreadyExistsException raced) {
                Files.deleteIfExists(tmp);
            }
        }
        return Files.readString(file).strip();
    }

    private static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        }
    }

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

    @Override
    public synchronized boolean create(Job job) throws IOException {
        try {
            try (PreparedStatement p = db.prepareStatement("INSERT INTO jobs VALUES (?, ?, ?, ?, ?)")) {
                p.setString(1, job.jobId().value());
                p.setString(2, job.createdAt().toString() + "#" + job.jobId());
                p.setString(3, job.source().key());
                p.setString(4, job.state().name());
                p.setString(5, JSON.writeValueAsString(job));
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

    @Override
    public synchronized boolean transition(JobId id, JobState from, JobState to, JobPatch patch) throws IOException {
        if (!from.canMoveTo(to)) {
            throw new IllegalArgumentException("a job never moves " + from + " → " + to);
        }
        return update(id, to, patch, Set.of(from));
    }

    @Override
    public synchronized boolean advance(JobId id, JobState to, JobPatch patch) throws IOException {
        return update(id, to, patch, JobState.predecessorsOf(to));
    }

    private boolean update(JobId id, JobState to, JobPatch patch, Set<JobState> allowedFrom) throws IOException {
        try {
            Optional<Job> found = lock(id);
            if (found.isEmpty() || !allowedFrom.contains(found.get().state())) {
                db.rollback();
                return false;
            }
            Job j = found.get();
            JobPatch p = patch == null ? JobPatch.NONE : patch;
            Job next = new Job(j.jobId(), j.contentKey(), j.source(), to, j.createdAt(), Instant.now(),
                    or(p.format(), j.format()), or(p.width(), j.width()), or(p.height(), j.height()),
                    or(p.parameters(), j.parameters()), j.outputName(),
                    p.totalWork() != null ? p.totalWork() : j.totalWork(), j.workDone(), j.currentOctave(),
                    or(p.shardWork(), j.shardWork()), j.shardDone(), j.shardOctave(), j.startedAt(), j.heartbeatAt(),
                    or(p.estimate(), j.estimate()), or(p.outputKey(), j.outputKey()), or(p.previewKey(), j.previewKey()),
                    or(p.thumbKey(), j.thumbKey()), or(p.error(), j.error()));
            write(next);
            return true;
        } catch (SQLException e) {
            throw io(e);
        }
    }

    @Override
    public synchronized boolean addWork(JobId id, int shard, long units, Integer octave, Instant heartbeat) throws IOException {
        if (units < 0) {
            throw new IllegalArgumentException("work units are never negative: " + units);
        }
        try {
            Optional<Job> found = lock(id);
            if (found.isEmpty() || (found.get().state() != JobState.PLANNED && found.get().state() != JobState.DREAMING)) {
                db.rollback();
                return false;
            }
            Job j = found.get();
            Map<Integer, Long> done = new TreeMap<>(j.shardDone());
            done.merge(shard, units, Long::sum);
            Map<Integer, Integer> octaves = new TreeMap<>(j.shardOctave());
            if (octave != null) {
                octaves.put(shard, octave);
            }
            Integer current = octaves.values().stream().min(Integer::compare).orElse(null);
            Job next = new Job(j.jobId(), j.contentKey(), j.source(), JobState.DREAMING, j.createdAt(), Instant.now(),
                    j.format(), j.width(), j.height(), j.parameters(), j.outputName(), j.totalWork(),
                    j.workDone() + units, current, j.shardWork(), done, octaves,
                    j.startedAt() != null ? j.startedAt() : heartbeat, heartbeat, j.estimate(), j.outputKey(),
                    j.previewKey(), j.thumbKey(), j.error());
            write(next);
            return true;
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

    @Override
    public synchronized Page list(String sourceKey, int limit, String cursor) throws IOException {
        if (limit < 1 || limit > 100) {
            throw new IllegalArgumentException("limit is " + limit + "; allowed 1 to 100");
        }
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
                    jobs.add(JSON.readValue(r.getString(1), Job.class));
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
                    jobs.add(JSON.readValue(r.getString(1), Job.class));
                }
            }
            db.commit();
            return jobs;
        } catch (SQLException e) {
            throw io(e);
        }
    }

    private Optional<Job> read(JobId id) throws SQLException, IOException {
        try (PreparedStatement p = db.prepareStatement("SELECT doc FROM jobs WHERE job_id = ?")) {
            p.setString(1, id.value());
            try (ResultSet r = p.executeQuery()) {
                Optional<Job> job = r.next() ? Optional.of(JSON.readValue(r.getString(1), Job.class)) : Optional.empty();
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
                return r.next() ? Optional.of(JSON.readValue(r.getString(1), Job.class)) : Optional.empty();
            } catch (IOException | RuntimeException e) {
                db.rollback();
                throw e;
            }
        }
    }

    private void write(Job j) throws SQLException, IOException {
        try (PreparedStatement p = db.prepareStatement("UPDATE jobs SET state = ?, doc = ? WHERE job_id = ?")) {
            p.setString(1, j.state().name());
            p.setString(2, JSON.writeValueAsString(j));
            p.setString(3, j.jobId().value());
            p.executeUpdate();
        }
        db.commit();
    }

    private static <T> T or(T value, T otherwise) {
        return value != null ? value : otherwise;
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
        try {
            if (server != null) {
                server.stop();
            }
            db.close();
        } catch (SQLException e) {
            throw new IOException(e);
        }
    }
}
