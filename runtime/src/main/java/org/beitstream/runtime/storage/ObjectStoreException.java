package org.beitstream.runtime.storage;

import java.io.IOException;

/** The object store refused or could not be reached; retrying later may succeed. */
public class ObjectStoreException extends IOException {
    public ObjectStoreException(String message, Throwable cause) {
        super(message, cause);
    }
}
