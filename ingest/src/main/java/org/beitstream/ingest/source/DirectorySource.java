package org.beitstream.ingest.source;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.NoSuchElementException;
import java.util.stream.Stream;

/**
 * The files under a folder, in path order. A file's class is the name of its first sub-folder (class
 * indices follow the sorted folder names); files directly in the root are unlabelled. Files are read as
 * they are: deciding whether they are images is validation's job, so a bad file is dead-lettered, not skipped.
 */
public final class DirectorySource implements ImageSource {
    private final Path root;
    private final List<Path> files;
    private final List<String> classes;
    private int next;

    public DirectorySource(Path root) throws IOException {
        if (!Files.isDirectory(root)) {
            throw new IOException("dir source: " + root + " is not a directory");
        }
        this.root = root;
        try (Stream<Path> walk = Files.walk(root)) {
            this.files = walk.filter(Files::isRegularFile)
                    .filter(p -> !p.getFileName().toString().startsWith("."))
                    .sorted()
                    .toList();
        }
        this.classes = files.stream()
                .map(root::relativize)
                .filter(p -> p.getNameCount() > 1)
                .map(p -> p.getName(0).toString())
                .distinct()
                .sorted()
                .toList();
    }

    public List<String> classes() {
        return classes;
    }

    @Override
    public long size() {
        return files.size();
    }

    @Override
    public boolean hasNext() {
        return next < files.size();
    }

    @Override
    public SourceImage next() {
        if (!hasNext()) {
            throw new NoSuchElementException();
        }
        Path file = files.get(next++);
        Path relative = root.relativize(file);
        String className = relative.getNameCount() > 1 ? relative.getName(0).toString() : null;
        byte[] data;
        try {
            data = Files.readAllBytes(file);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + file, e);
        }
        return new SourceImage("dir-" + relative.toString().replace('/', '_'), data, "", 0, 0,
                className == null ? null : classes.indexOf(className), className, null, null,
                "dir:" + file);
    }
}
