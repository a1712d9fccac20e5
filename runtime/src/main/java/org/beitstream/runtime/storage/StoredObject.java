package org.beitstream.runtime.storage;

/** An object as written: its key, its size and the sha256 of its content (hex). */
public record StoredObject(String key, long bytes, String sha256) {}
