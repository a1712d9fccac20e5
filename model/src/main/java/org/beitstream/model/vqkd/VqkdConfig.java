package org.beitstream.model.vqkd;

import org.beitstream.model.beit.BeitConfig;
import org.beitstream.model.teacher.HogTeacher;

import java.util.List;

/**
 * The VQ-KD tokenizer, with the arguments of the authors' {@code VQKD} constructor. The teacher is not part
 * of the model here: its features come in as the regression target (see {@code PatchTeacher}), and
 * {@code decoderOutDim} must equal their width (512 for CLIP ViT-B/16, 768 for DINO).
 *
 * @param encoder            the encoder ViT over image patches
 * @param decoder            the decoder ViT over the token grid (patch size 1, {@code in_chans} = code dim)
 * @param nEmbed             codebook size
 * @param embedDim           code dimension
 * @param decay              EMA decay of the codebook
 * @param processType        how images in [0, 1] (or [0, 255]) are rescaled before the encoder
 * @param quantizeKmeansInit initialise the codebook by k-means on the first batch
 * @param decoderOutDim      width of the reconstructed teacher features
 * @param deadCodeRestart    beyond the reference: re-seeding of unused codes (OFF reproduces the reference)
 */
public record VqkdConfig(ViTConfig encoder, ViTConfig decoder, int nEmbed, int embedDim, double decay,
                         ProcessType processType, boolean quantizeKmeansInit, int decoderOutDim,
                         DeadCodeRestart.Settings deadCodeRestart) {

    /** The reference's {@code pre_process} variants. */
    public enum ProcessType {
        /** To [-1, 1]; images whose maximum is at most 1 are first taken to be in [0, 1] and scaled by 255. */
        DEFAULT,
        /** ImageNet mean/std normalisation of [0, 1] images. */
        IMAGENET_NORM
    }

    /** The commitment weight the reference hard-codes. */
    public static final double BETA = 1.0;

    public VqkdConfig {
        if (encoder == null || decoder == null || processType == null || deadCodeRestart == null) {
            throw new IllegalArgumentException("encoder, decoder, process_type and dead-code restart must be given");
        }
        if (decoder.inChans() != embedDim) {
            throw new IllegalArgumentException("decoder in_chans (" + decoder.inChans()
                    + ") must equal the code embed_dim (" + embedDim + ")");
        }
        if (decoder.patchSize() != 1 || decoder.imgSize() != encoder.gridSize()) {
            throw new IllegalArgumentException("decoder must see the " + encoder.gridSize() + "x" + encoder.gridSize()
                    + " token grid with patch_size 1, got img_size " + decoder.imgSize() + " and patch_size "
                    + decoder.patchSize());
        }
        if (decoderOutDim < 1) {
            throw new IllegalArgumentException("decoder_out_dim must be at least 1, got " + decoderOutDim);
        }
        // The remaining checks (n_embed, embed_dim, decay) are the quantizer's.
        quantizer(nEmbed, embedDim, decay, quantizeKmeansInit, deadCodeRestart);
    }

    /**
     * {@code vqkd_encoder_base_decoder_3x768x12_clip}: ViT-B/16 encoder at 224 px, 3-layer 768-wide decoder,
     * 8192 codes of 32 dimensions, CLIP targets (512).
     */
    public static VqkdConfig base3x768x12Clip() {
        return base(3, 512);
    }

    /** {@code vqkd_encoder_base_decoder_1x768x12_clip}. */
    public static VqkdConfig base1x768x12Clip() {
        return base(1, 512);
    }

    /** {@code vqkd_encoder_base_decoder_1x768x12_dino}. */
    public static VqkdConfig base1x768x12Dino() {
        return base(1, 768);
    }

    private static VqkdConfig base(int decoderDepth, int decoderOutDim) {
        ViTConfig encoder = ViTConfig.base(224);
        return new VqkdConfig(encoder, encoder.asDecoder(encoder.gridSize(), 32, decoderDepth), 8192, 32, 0.99,
                ProcessType.DEFAULT, true, decoderOutDim, DeadCodeRestart.Settings.OFF);
    }

    /** The tokenizer presets by name, as {@code --preset} takes them. */
    public static final List<String> PRESETS = List.of("fmnist-tiny");

    /** A named preset: {@code fmnist-tiny}. */
    public static VqkdConfig preset(String name) {
        if ("fmnist-tiny".equals(name)) {
            return fmnistTiny();
        }
        throw new IllegalArgumentException("unknown tokenizer preset '" + name + "', known: " + PRESETS);
    }

    /**
     * The tokenizer of BEiT's {@code fmnist-tiny} ({@link BeitConfig#FMNIST_TINY}): its image size, channels, patch
     * size and a codebook as large as its vocabulary (1024 codes of 32 dimensions, as the paper's code width).
     * Sized for a 2-core CPU: a 4-layer, 128-wide encoder (4 heads of 32) and a 1-layer decoder of the same width,
     * a quarter of the backbone's cost per image, since the tokenizer is trained before the backbone and must not
     * take longer. The targets are HOG histograms of each patch (no pretrained teacher is needed), so
     * {@code decoder_out_dim} is the HOG width; k-means initialisation is on, as in the authors' recipe.
     */
    public static VqkdConfig fmnistTiny() {
        BeitConfig beit = BeitConfig.FMNIST_TINY;
        ViTConfig encoder = new ViTConfig(beit.imgSize(), beit.patchSize(), beit.inChans(), 128, 4, 4, 4.0, true, 0f,
                BeitConfig.LAYER_NORM_EPS);
        int codeDim = 32;
        return new VqkdConfig(encoder, encoder.asDecoder(encoder.gridSize(), codeDim, 1), beit.vocabSize(), codeDim,
                0.99, ProcessType.DEFAULT, true, HogTeacher.Config.forPatches(beit.patchSize()).bins(),
                DeadCodeRestart.Settings.OFF);
    }

    /** The same tokenizer regressing targets {@code width} wide (the teacher's feature width). */
    public VqkdConfig withDecoderOutDim(int width) {
        return new VqkdConfig(encoder, decoder, nEmbed, embedDim, decay, processType, quantizeKmeansInit, width,
                deadCodeRestart);
    }

    /** The same tokenizer with another dead-code policy ({@link DeadCodeRestart.Settings#OFF}: the reference). */
    public VqkdConfig withDeadCodeRestart(DeadCodeRestart.Settings restart) {
        return new VqkdConfig(encoder, decoder, nEmbed, embedDim, decay, processType, quantizeKmeansInit,
                decoderOutDim, restart);
    }

    public QuantizerConfig quantizer() {
        return quantizer(nEmbed, embedDim, decay, quantizeKmeansInit, deadCodeRestart);
    }

    private static QuantizerConfig quantizer(int nEmbed, int embedDim, double decay, boolean kmeansInit,
                                             DeadCodeRestart.Settings restart) {
        return new QuantizerConfig(nEmbed, embedDim, BETA, decay, kmeansInit, restart);
    }
}
