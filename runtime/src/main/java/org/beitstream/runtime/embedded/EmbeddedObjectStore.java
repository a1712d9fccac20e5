package org.beitstream.runtime.embedded;

import org.beitstream.runtime.config.S3Settings;
import org.gaul.s3proxy.S3Proxy;
import org.gaul.s3proxy.auth.AuthenticationType;
import org.gaul.s3proxy.nio2blob.FilesystemNio2BlobStore;

import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * A real S3 API server (S3Proxy) inside this JVM, storing objects as files under a directory.
 * Stopping it and starting another on the same directory keeps every object, as a restarted MinIO would.
 */
public final class EmbeddedObjectStore implements AutoCloseable {
    public static final String DEFAULT_ACCESS_KEY = "beit-stream";
    public static final String DEFAULT_SECRET_KEY = "beit-stream-secret";

    private final S3Proxy proxy;
    private final Path dataDir;
    private final String accessKey;
    private final String secretKey;

    private EmbeddedObjectStore(S3Proxy proxy, Path dataDir, String accessKey, String secretKey) {
        this.proxy = proxy;
        this.dataDir = dataDir;
        this.accessKey = accessKey;
        this.secretKey = secretKey;
    }

    public static EmbeddedObjectStore start(Path dataDir) throws IOException {
        return start(dataDir, 0, DEFAULT_ACCESS_KEY, DEFAULT_SECRET_KEY);
    }

    /** Starts on {@code port} (0 picks a free one), with the given credentials. */
    public static EmbeddedObjectStore start(Path dataDir, int port, String accessKey, String secretKey)
            throws IOException {
        Path blobs = Files.createDirectories(dataDir.resolve("s3"));
        S3Proxy proxy = S3Proxy.builder()
                .blobStore(new FilesystemNio2BlobStore(blobs.toString()))
                .endpoint(URI.create("http://127.0.0.1:" + (port == 0 ? FreePort.pick() : port)))
                .awsAuthentication(AuthenticationType.AWS_V2_OR_V4, accessKey, secretKey)
                // A stopped store must drop in-flight uploads at once, as a crashed server would.
                .stopTimeout(0)
                .build();
        try {
            proxy.start(); // blocks until Jetty is serving or has failed
        } catch (Exception e) {
            throw new IOException("cannot start S3Proxy on " + dataDir, e);
        }
        if (!"STARTED".equals(proxy.getState())) {
            throw new IOException("S3Proxy on " + dataDir + " is " + proxy.getState() + " after start");
        }
        return new EmbeddedObjectStore(proxy, dataDir, accessKey, secretKey);
    }

    public URI endpoint() {
        return URI.create("http://127.0.0.1:" + proxy.getPort());
    }

    public String accessKey() {
        return accessKey;
    }

    public String secretKey() {
        return secretKey;
    }

    public Path dataDir() {
        return dataDir;
    }

    /** Settings for a client of this store, using {@code bucket}. */
    public S3Settings settings(String bucket) {
        return new S3Settings(endpoint(), accessKey, secretKey, bucket, "us-east-1");
    }

    @Override
    public void close() {
        try {
            proxy.stop();
        } catch (Exception e) {
            throw new IllegalStateException("cannot stop S3Proxy", e);
        }
    }
}
