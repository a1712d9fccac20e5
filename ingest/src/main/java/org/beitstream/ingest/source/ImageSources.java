package org.beitstream.ingest.source;

import org.beitstream.schemas.Split;

import java.io.IOException;
import java.nio.file.Path;

/** Opens a source from its spec: {@code fashion-mnist[:train|:test]}, {@code dir:PATH}, {@code synthetic}, {@code mosaic}. */
public final class ImageSources {
    public static final String SPECS = "fashion-mnist[:train|:test], dir:PATH, synthetic, mosaic";

    /**
     * @param fashionMnistDir where the IDX files are
     * @param count           images to generate for the procedural sources
     * @param side            image side of the procedural sources (canvas side for mosaic)
     * @param evaluationSet   whether records carry their split (for images.eval)
     */
    public record Options(Path fashionMnistDir, long seed, long count, int side, boolean evaluationSet) {}

    private ImageSources() {}

    public static ImageSource open(String spec, Options options) throws IOException {
        if (spec.startsWith("dir:")) {
            return new DirectorySource(Path.of(spec.substring("dir:".length())));
        }
        return switch (spec) {
            case "fashion-mnist", "fashion-mnist:train" -> fashionMnist(FashionMnist.Part.TRAIN, options);
            case "fashion-mnist:test" -> fashionMnist(FashionMnist.Part.TEST, options);
            case "synthetic" -> new SyntheticSource(options.side(), options.count(), options.seed(), options.evaluationSet());
            case "mosaic" -> new MosaicSource(FashionMnist.load(options.fashionMnistDir(), FashionMnist.Part.TRAIN),
                    FashionMnist.load(options.fashionMnistDir(), FashionMnist.Part.TEST), Math.max(options.side(),
                    FashionMnist.SIDE), options.count(), options.seed());
            default -> throw new IllegalArgumentException("SOURCE: unknown source '" + spec + "'; use one of " + SPECS);
        };
    }

    private static ImageSource fashionMnist(FashionMnist.Part part, Options options) throws IOException {
        Split split = !options.evaluationSet() ? null : part == FashionMnist.Part.TRAIN ? Split.TRAIN : Split.TEST;
        return new FashionMnistSource(FashionMnist.load(options.fashionMnistDir(), part), part, split);
    }
}
