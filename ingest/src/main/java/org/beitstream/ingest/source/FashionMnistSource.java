package org.beitstream.ingest.source;

import org.beitstream.schemas.Split;

import java.util.NoSuchElementException;

/** The images of one Fashion-MNIST part, in file order, as raw 28x28 grey pixels. */
public final class FashionMnistSource implements ImageSource {
    private final FashionMnist data;
    private final FashionMnist.Part part;
    private final Split split;
    private int next;

    /** {@code split} is set on every record (evaluation sets) or null (the training stream). */
    public FashionMnistSource(FashionMnist data, FashionMnist.Part part, Split split) {
        this.data = data;
        this.part = part;
        this.split = split;
    }

    @Override
    public long size() {
        return data.size();
    }

    @Override
    public boolean hasNext() {
        return next < data.size();
    }

    @Override
    public SourceImage next() {
        if (!hasNext()) {
            throw new NoSuchElementException();
        }
        int i = next++;
        String partName = part.name().toLowerCase();
        int label = data.labels()[i];
        return new SourceImage("fashion-mnist-" + partName + "-" + i, data.images()[i], "raw-gray8",
                FashionMnist.SIDE, FashionMnist.SIDE, label, FashionMnist.CLASS_NAMES.get(label), null, split,
                "fashion-mnist:" + partName + "/" + i);
    }
}
