package ticketflow.mongowire;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;

import org.h2.mvstore.MVStore;

import de.bwaldvogel.mongo.MongoServer;
import de.bwaldvogel.mongo.MongoVersion;
import de.bwaldvogel.mongo.backend.h2.H2Backend;

/**
 * The local stack's MongoDB stand-in: mongo-java-server's wire protocol over its H2 MVStore backend, kept in one
 * file. Neither mongo-java-server nor H2 ships a launcher that takes a listen address or a server version, so this
 * is it.
 *
 * <p>Flags win over environment variables: --listen / MONGO_WIRE_LISTEN (127.0.0.1:27017), --data / MONGO_WIRE_DATA
 * (file path; "memory" keeps nothing), --log-level / MONGO_WIRE_LOG_LEVEL (info), --autocommit-ms /
 * MONGO_WIRE_AUTOCOMMIT_MS (100).
 */
public final class MongoWire {

    /**
     * The Node.js driver 7 refuses servers below MongoDB 4.4 (wire version 9), and the newest version 1.47.0 knows,
     * its MONGO_5_0, announces wire version 8. Announcing 4.4 exactly is the least the driver accepts, so it sends
     * no options from later server versions.
     */
    private static final MongoVersion ANNOUNCED_VERSION = new MongoVersion() {
        @Override
        public List<Integer> getVersionArray() {
            return List.of(4, 4, 0);
        }

        @Override
        public int getWireVersion() {
            return 9;
        }
    };

    private MongoWire() {}

    public static void main(String[] args) throws Exception {
        Map<String, String> options = parse(args);
        String listen = option(options, "listen", "MONGO_WIRE_LISTEN", "127.0.0.1:27017");
        String data = option(options, "data", "MONGO_WIRE_DATA", "memory");
        String logLevel = option(options, "log-level", "MONGO_WIRE_LOG_LEVEL", "info");
        int autoCommitMs = Integer.parseInt(option(options, "autocommit-ms", "MONGO_WIRE_AUTOCOMMIT_MS", "100"));

        // slf4j-simple reads these once, when the first logger is created: set them before any library class loads.
        System.setProperty("org.slf4j.simpleLogger.defaultLogLevel", logLevel);
        System.setProperty("org.slf4j.simpleLogger.showDateTime", "true");
        System.setProperty("org.slf4j.simpleLogger.dateTimeFormat", "yyyy-MM-dd'T'HH:mm:ss.SSSX");
        // Every connect and close is logged at info, and health checks connect every few hundred milliseconds while
        // the supervisor waits; a connection reset by a client that went away is a Netty warning. Both are noise.
        System.setProperty("org.slf4j.simpleLogger.log.de.bwaldvogel.mongo.wire.MongoWireProtocolHandler", "warn");
        System.setProperty("org.slf4j.simpleLogger.log.io.netty", "error");

        int colon = listen.lastIndexOf(':');
        if (colon <= 0) {
            throw new IllegalArgumentException("--listen must be host:port, got " + listen);
        }
        String host = listen.substring(0, colon);
        int port = Integer.parseInt(listen.substring(colon + 1));

        H2Backend backend;
        if (data.equals("memory")) {
            backend = H2Backend.inMemory();
        } else {
            Path file = Path.of(data).toAbsolutePath();
            Files.createDirectories(file.getParent());
            // MVStore's default writes changes to disk only once a second; a shorter delay narrows what a crash
            // loses. The store file is locked, so a second server on the same file fails here instead of
            // corrupting it.
            MVStore store = new MVStore.Builder().fileName(file.toString()).open();
            store.setAutoCommitDelay(autoCommitMs);
            backend = new H2Backend(store);
        }
        backend.version(ANNOUNCED_VERSION);

        MongoServer server = new MongoServer(backend);
        CountDownLatch stopped = new CountDownLatch(1);
        // SIGTERM and SIGINT run shutdown hooks: stop accepting, drop clients, then flush and close the store so the
        // file is consistent for the next start.
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            try {
                server.shutdownNow();
            } finally {
                // shutdownNow closes the backend as well; closing again does nothing then, and still flushes the
                // store if the shutdown failed half-way.
                backend.close();
                System.err.println("mongo-wire: stopped");
                stopped.countDown();
            }
        }, "mongo-wire-shutdown"));

        server.bind(host, port);
        System.err.println("mongo-wire: listening on " + host + ":" + port + " (data: " + data + ")");
        stopped.await();
    }

    private static Map<String, String> parse(String[] args) {
        Map<String, String> options = new HashMap<>();
        for (int i = 0; i < args.length; i++) {
            String arg = args[i];
            if (!arg.startsWith("--")) {
                throw new IllegalArgumentException("unexpected argument " + arg);
            }
            String name = arg.substring(2);
            String value;
            int eq = name.indexOf('=');
            if (eq >= 0) {
                value = name.substring(eq + 1);
                name = name.substring(0, eq);
            } else if (i + 1 < args.length) {
                value = args[++i];
            } else {
                throw new IllegalArgumentException("missing value for --" + name);
            }
            options.put(name, value);
        }
        return options;
    }

    private static String option(Map<String, String> options, String flag, String envName, String fallback) {
        String value = options.get(flag);
        if (value == null) {
            value = System.getenv(envName);
        }
        return value == null || value.isEmpty() ? fallback : value;
    }
}
