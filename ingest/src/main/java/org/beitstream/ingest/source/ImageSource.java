package org.beitstream.ingest.source;

import java.util.Iterator;

/** A finite or endless supply of images; closed when ingest is done with it. */
public interface ImageSource extends Iterator<SourceImage>, AutoCloseable {

    /** How many images it will yield, or -1 when unknown or endless. */
    long size();

    @Override
    default void close() {}
}
