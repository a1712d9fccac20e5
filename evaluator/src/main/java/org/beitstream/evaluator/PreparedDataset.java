package org.beitstream.evaluator;

import org.beitstream.evaluator.probe.PixelLabels;
import org.beitstream.schemas.ImageRecord;

import java.util.List;

/**
 * A data set at the model's input size, ready for any backbone of that configuration: prepared once per
 * evaluation and used for the checkpoint and its baseline alike.
 *
 * @param trainLabels class per training image (classification sets), else null
 * @param trainMasks  class per training pixel (segmentation sets), else null
 */
record PreparedDataset(EvalDataset source, List<byte[]> trainImages, List<byte[]> testImages, int[] trainLabels,
                       int[] testLabels, PixelLabels trainMasks, PixelLabels testMasks) {

    static PreparedDataset of(EvalDataset dataset, ModelInputs inputs) {
        List<byte[]> train = dataset.train().stream().map(inputs::pixels).toList();
        List<byte[]> test = dataset.test().stream().map(inputs::pixels).toList();
        if (dataset.segmentation()) {
            return new PreparedDataset(dataset, train, test, null, null, masks(dataset.train(), inputs),
                    masks(dataset.test(), inputs));
        }
        return new PreparedDataset(dataset, train, test, labels(dataset.train()), labels(dataset.test()), null, null);
    }

    private static int[] labels(List<ImageRecord> images) {
        return images.stream().mapToInt(ImageRecord::getLabel).toArray();
    }

    private static PixelLabels masks(List<ImageRecord> images, ModelInputs inputs) {
        int pixels = inputs.side() * inputs.side();
        byte[] classes = new byte[images.size() * pixels];
        for (int i = 0; i < images.size(); i++) {
            System.arraycopy(inputs.mask(images.get(i).getSegmentation()), 0, classes, i * pixels, pixels);
        }
        return new PixelLabels(classes, images.size(), inputs.side());
    }
}
