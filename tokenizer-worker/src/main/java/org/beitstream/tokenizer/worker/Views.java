package org.beitstream.tokenizer.worker;

import org.beitstream.runtime.config.SettingException;
import org.beitstream.runtime.images.RandomResizedCrop;
import org.beitstream.runtime.images.SquareImage;

import java.util.SplittableRandom;

/**
 * What the worker tokenizes of each image: the image itself (its centred square), or {@code count}
 * random-resized-crop views of it, each its own {@code images.tokenized} record with the id {@code <id>/view-<k>}.
 * A view's crop is drawn from a random stream seeded by the image id and the view number, so a record processed
 * again after a crash gets the very same crops: augmentation does not weaken exactly-once.
 *
 * @param count views per image; 0 for the image itself
 * @param crop  how views are drawn
 */
public record Views(int count, RandomResizedCrop crop) {
    static final int MAX_VIEWS = 16;

    public Views {
        if (count < 0 || count > MAX_VIEWS) {
            throw new SettingException("--views", "must be in 0.." + MAX_VIEWS + " (0: the image itself), got " + count);
        }
    }

    /** The image itself, centre-cropped to a square: no augmentation. */
    public static Views none() {
        return new Views(0, RandomResizedCrop.defaults());
    }

    /** How many records one image becomes. */
    int perImage() {
        return Math.max(1, count);
    }

    /** The record id of view {@code view} of the image {@code id}. */
    String id(String id, int view) {
        return count == 0 ? id : id + "/view-" + view;
    }

    /** The region of a {@code width x height} image that view {@code view} shows. */
    SquareImage.Box box(String id, int view, int width, int height) {
        if (count == 0) {
            return SquareImage.Box.centreSquare(width, height);
        }
        // String.hashCode is specified by the language, so every worker, on any JVM, draws the same crops.
        long seed = 1_000_003L * id.hashCode() + view;
        return crop.sample(width, height, new SplittableRandom(seed));
    }
}
