package org.beitstream.runtime.storage;

/** An object's key and size as the store lists it. */
public record ObjectInfo(String key, long bytes) {}
