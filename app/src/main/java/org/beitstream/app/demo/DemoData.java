package org.beitstream.app.demo;

import org.beitstream.ingest.source.FashionMnist;
import org.beitstream.ingest.source.ImageSource;
import org.beitstream.ingest.source.ImageSources;
import org.beitstream.ingest.source.SourceImage;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;

/**
 * The images of a demo: Fashion-MNIST when its Debian package (or {@code --path}) is there, procedural scenes
 * otherwise. The stream replays the training images in passes, as a system that keeps producing images would; the
 * evaluation sets are the labelled images the probes are trained and scored on.
 */
final class DemoData {
    /** One labelled set for images.eval, as {@code ./beit-stream ingest --eval} would produce it. */
    record EvaluationSource(String spec, long limit, int side, long seed) {}

    private static final int MOSAIC_SIDE = 56;

    private final Path fashionMnistDir;
    private final boolean fashionMnist;

    private DemoData(Path fashionMnistDir, boolean fashionMnist) {
        this.fashionMnistDir = fashionMnistDir;
        this.fashionMnist = fashionMnist;
    }

    static DemoData detect(Path fashionMnistDir) {
        return new DemoData(fashionMnistDir, FashionMnist.available(fashionMnistDir, FashionMnist.Part.TRAIN)
                && FashionMnist.available(fashionMnistDir, FashionMnist.Part.TEST));
    }

    boolean isFashionMnist() {
        return fashionMnist;
    }

    String description() {
        return fashionMnist
                ? "Fashion-MNIST from " + fashionMnistDir + ": the stream replays its 60,000 training images in passes; "
                + "probes on 3,000 / 1,000 labelled images and 300 mosaics"
                : "synthetic scenes (Fashion-MNIST is not installed: apt-get install dataset-fashion-mnist): "
                + "the stream is procedural shapes; the segmentation probe on 2,000 labelled scenes, no linear probe";
    }

    List<EvaluationSource> evaluationSources() {
        return fashionMnist
                ? List.of(new EvaluationSource("fashion-mnist:train", 3_000, FashionMnist.SIDE, 0),
                new EvaluationSource("fashion-mnist:test", 1_000, FashionMnist.SIDE, 0),
                new EvaluationSource("mosaic", 300, MOSAIC_SIDE, 0))
                : List.of(new EvaluationSource("synthetic", 2_000, FashionMnist.SIDE, 1));
    }

    ImageSource openEvaluation(EvaluationSource source) throws IOException {
        return ImageSources.open(source.spec(), new ImageSources.Options(fashionMnistDir, source.seed(), source.limit(),
                source.side(), true));
    }

    /** Pass {@code pass} (from 1) of the stream; later passes carry ids of their own. */
    ImageSource streamPass(int pass) throws IOException {
        ImageSource images = fashionMnist
                ? ImageSources.open("fashion-mnist:train", new ImageSources.Options(fashionMnistDir, 0, -1, 0, false))
                : ImageSources.open("synthetic", new ImageSources.Options(fashionMnistDir, 100 + pass, 20_000,
                FashionMnist.SIDE, false));
        return pass == 1 ? images : new Renamed(images, "pass-" + pass + "/");
    }

    private record Renamed(ImageSource images, String prefix) implements ImageSource {
        @Override
        public long size() {
            return images.size();
        }

        @Override
        public boolean hasNext() {
            return images.hasNext();
        }

        @Override
        public SourceImage next() {
            SourceImage image = images.next();
            return image.withId(prefix + image.id());
        }

        @Override
        public void close() {
            images.close();
        }
    }
}
