package org.beitstream.runtime.storage;

import io.minio.BucketExistsArgs;
import io.minio.GetObjectArgs;
import io.minio.ListObjectsArgs;
import io.minio.MakeBucketArgs;
import io.minio.MinioClient;
import io.minio.PutObjectArgs;
import io.minio.RemoveObjectArgs;
import io.minio.Result;
import io.minio.StatObjectArgs;
import io.minio.errors.ErrorResponseException;
import io.minio.errors.MinioException;
import io.minio.messages.Item;
import org.beitstream.runtime.config.S3Settings;

import java.io.IOException;
import java.io.InputStream;
import java.security.DigestInputStream;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;

/**
 * The system's bucket in an S3-compatible store, through the MinIO client. Uploads stream: objects of
 * unknown size go up in multipart parts, so a 100 GB checkpoint needs no more memory than one part.
 */
public final class ObjectStore implements AutoCloseable {
    /** Multipart part size: large enough for few requests, well under S3Proxy's comfortable 128 MiB. */
    static final long PART_BYTES = 64L * 1024 * 1024;

    private final MinioClient client;
    private final S3Settings settings;

    public ObjectStore(S3Settings settings) {
        this.settings = settings;
        this.client = MinioClient.builder()
                .endpoint(settings.endpoint().toString())
                .region(settings.region())
                .credentials(settings.accessKey(), settings.secretKey())
                .build();
    }

    public S3Settings settings() {
        return settings;
    }

    /** Creates the bucket if it does not exist yet. */
    public void ensureBucket() throws ObjectStoreException {
        call("create bucket " + settings.bucket(), () -> {
            if (!client.bucketExists(BucketExistsArgs.builder().bucket(settings.bucket()).build())) {
                client.makeBucket(MakeBucketArgs.builder().bucket(settings.bucket()).build());
            }
            return null;
        });
    }

    /** Streams {@code content} to {@code key} ({@code bytes} may be -1 when unknown) and returns its sha256. */
    public StoredObject put(String key, InputStream content, long bytes) throws ObjectStoreException {
        MessageDigest sha256 = sha256();
        CountingInputStream counted = new CountingInputStream(new DigestInputStream(content, sha256));
        call("put " + key, () -> client.putObject(PutObjectArgs.builder()
                .bucket(settings.bucket())
                .object(key)
                .stream(counted, bytes < 0 ? null : bytes, PART_BYTES)
                .build()));
        return new StoredObject(key, counted.count(), HexFormat.of().formatHex(sha256.digest()));
    }

    public StoredObject put(String key, byte[] content) throws ObjectStoreException {
        return put(key, new java.io.ByteArrayInputStream(content), content.length);
    }

    /** Opens an object for streaming; the caller closes the stream. */
    public InputStream get(String key) throws ObjectStoreException {
        return call("get " + key, () -> client.getObject(GetObjectArgs.builder()
                .bucket(settings.bucket()).object(key).build()));
    }

    public byte[] getBytes(String key) throws ObjectStoreException {
        try (InputStream in = get(key)) {
            return in.readAllBytes();
        } catch (ObjectStoreException e) {
            throw e;
        } catch (IOException e) {
            throw new ObjectStoreException("cannot read " + key + ": " + e.getMessage(), e);
        }
    }

    /** The object's size, or empty when there is no such object. */
    public Optional<ObjectInfo> stat(String key) throws ObjectStoreException {
        try {
            var stat = client.statObject(StatObjectArgs.builder().bucket(settings.bucket()).object(key).build());
            return Optional.of(new ObjectInfo(key, stat.size()));
        } catch (ErrorResponseException e) {
            if ("NoSuchKey".equals(e.errorResponse().code()) || "NoSuchObject".equals(e.errorResponse().code())) {
                return Optional.empty();
            }
            throw new ObjectStoreException("stat " + key + " failed: " + e.getMessage(), e);
        } catch (MinioException | RuntimeException e) {
            throw new ObjectStoreException("stat " + key + " failed: " + e.getMessage(), e);
        }
    }

    /** Every object whose key starts with {@code prefix}, at any depth, in key order. */
    public List<ObjectInfo> list(String prefix) throws ObjectStoreException {
        return call("list " + prefix, () -> {
            List<ObjectInfo> objects = new ArrayList<>();
            for (Result<Item> result : client.listObjects(ListObjectsArgs.builder()
                    .bucket(settings.bucket()).prefix(prefix).recursive(true).build())) {
                Item item = result.get();
                if (!item.isDir()) {
                    objects.add(new ObjectInfo(item.objectName(), item.size()));
                }
            }
            return objects;
        });
    }

    public void delete(String key) throws ObjectStoreException {
        call("delete " + key, () -> {
            client.removeObject(RemoveObjectArgs.builder().bucket(settings.bucket()).object(key).build());
            return null;
        });
    }

    static MessageDigest sha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every JVM has SHA-256", e);
        }
    }

    private interface StoreCall<T> {
        T run() throws MinioException, IOException;
    }

    private <T> T call(String what, StoreCall<T> action) throws ObjectStoreException {
        try {
            return action.run();
        } catch (MinioException | IOException | RuntimeException e) {
            throw new ObjectStoreException(what + " at " + settings.endpoint() + " failed: " + e.getMessage(), e);
        }
    }

    @Override
    public void close() throws Exception {
        client.close();
    }
}
