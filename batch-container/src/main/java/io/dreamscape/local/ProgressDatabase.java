package io.dreamscape.local;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.SecureRandom;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.HexFormat;
import org.h2.tools.Server;

/**
 * The H2 database behind local mode's progress store: a file under the data folder, its schema, and the loopback TCP
 * server through which local mode's shard processes reach it (guarded by a random password in a file only its owner
 * can read). One connection per process, in manual-commit mode: {@link H2ProgressStore} makes every call one
 * transaction.
 *
 * <p>Schema: {@code claims(content_key PK, job_id, execution_id)}, {@code jobs(job_id PK, list_sk, source_key, state,
 * doc)} where {@code doc} is the {@code Job} as JSON ({@link JobDocument}) and {@code list_sk = createdAt#jobId} orders
 * the list.
 *
 * @param server the TCP server when this process owns the database; null for a shard process's connection to it
 */
record ProgressDatabase(Connection connection, Server server) implements AutoCloseable {
    static final String USER = "dreamscape";
    static final String SECRET_FILE = "progress.secret";

    /**
     * Opens (creating if needed) the database in {@code folder} ({@code progress.mv.db}) in this process, and serves it
     * on a loopback TCP port ({@link #sharedUrl()}; H2 refuses connections from other machines, and a random password
     * kept in {@code folder/progress.secret}, readable by its owner only, guards it).
     */
    static ProgressDatabase open(Path folder) throws IOException {
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
            return new ProgressDatabase(c, tcp);
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

    /** Connects to the database served by local mode ({@link #sharedUrl()}); {@code folder} holds its password. */
    static ProgressDatabase connect(String sharedUrl, Path folder) throws IOException {
        try {
            Connection c = DriverManager.getConnection(sharedUrl, USER, secret(folder.toAbsolutePath()));
            c.setAutoCommit(false);
            return new ProgressDatabase(c, null);
        } catch (SQLException e) {
            throw new IOException("cannot reach local mode's progress store at " + sharedUrl + ": " + e.getMessage(), e);
        }
    }

    /** The JDBC URL under which the shard processes reach this database (loopback TCP). */
    String sharedUrl() {
        if (server == null) {
            throw new IllegalStateException("this store is itself a connection to a shared one");
        }
        try {
            String path = connection.getMetaData().getURL().replaceFirst("^jdbc:h2:file:", "").replaceFirst(";.*$", "");
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
    public void close() throws IOException {
        try {
            if (server != null) {
                server.stop();
            }
            connection.close();
        } catch (SQLException e) {
            throw new IOException(e);
        }
    }
}
