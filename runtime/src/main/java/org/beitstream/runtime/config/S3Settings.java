package org.beitstream.runtime.config;

import java.net.URI;
import java.net.URISyntaxException;
import java.util.regex.Pattern;

/**
 * How to reach the object store (MinIO in production, S3Proxy embedded).
 *
 * @param endpoint  http(s)://host:port ({@code S3_ENDPOINT}, {@code --s3-endpoint})
 * @param accessKey {@code S3_ACCESS_KEY}
 * @param secretKey {@code S3_SECRET_KEY}
 * @param bucket    {@code S3_BUCKET}; every object of the system lives in it
 * @param region    {@code S3_REGION}, us-east-1 unless the store needs another
 */
public record S3Settings(URI endpoint, String accessKey, String secretKey, String bucket, String region) {
    private static final Pattern BUCKET_NAME = Pattern.compile("[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]");

    public S3Settings {
        if (endpoint == null) {
            throw new SettingException("S3_ENDPOINT (--s3-endpoint)", "is not set; give http(s)://host:port");
        }
        if (!("http".equals(endpoint.getScheme()) || "https".equals(endpoint.getScheme())) || endpoint.getHost() == null) {
            throw new SettingException("S3_ENDPOINT (--s3-endpoint)", "'" + endpoint + "' is not an http(s)://host:port URL");
        }
        if (accessKey == null || accessKey.isBlank()) {
            throw new SettingException("S3_ACCESS_KEY (--s3-access-key)", "is not set");
        }
        if (secretKey == null || secretKey.isBlank()) {
            throw new SettingException("S3_SECRET_KEY (--s3-secret-key)", "is not set");
        }
        if (bucket == null || !BUCKET_NAME.matcher(bucket).matches() || bucket.contains("..")) {
            throw new SettingException("S3_BUCKET (--s3-bucket)", "'" + bucket
                    + "' is not a valid bucket name (3-63 lower-case letters, digits, dots, hyphens)");
        }
        if (region == null || region.isBlank()) {
            region = "us-east-1";
        }
    }

    /** Parses the endpoint text, naming the setting when it is malformed. */
    public static URI endpoint(String text) {
        if (text == null || text.isBlank()) {
            return null;
        }
        try {
            return new URI(text.trim());
        } catch (URISyntaxException e) {
            throw new SettingException("S3_ENDPOINT (--s3-endpoint)", "'" + text + "' is not a URL: " + e.getMessage());
        }
    }

    /** The URI an object is named by in announcements: s3://bucket/key. */
    public String uriOf(String key) {
        return "s3://" + bucket + "/" + key;
    }
}
