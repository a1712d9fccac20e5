package org.beitstream.model.vqkd;

import ai.djl.ndarray.NDArray;

/**
 * Everything one tokenizer forward computes, named like the reference's intermediate values.
 *
 * @param preProcessed      the images rescaled to the encoder's input range
 * @param encoderFeatures   encoder patch tokens after fc_norm [B, N, De]
 * @param toQuantizer       encode_task_layer output [B, N, c], before normalisation
 * @param quantization      the quantizer's output (z normed, z_q, tokens, commitment loss)
 * @param quantizeNchw      z_q laid out as the decoder's image [B, c, h, w]
 * @param decoderFeatures   decoder patch tokens after fc_norm [B, N, Dd]
 * @param reconstruction    decode_task_layer output [B, N, Do]
 * @param reconstructionLoss mean over patches of 1 - cos(reconstruction, target)
 * @param totalLoss         commitment loss + reconstruction loss
 */
public record VqkdOutput(NDArray preProcessed, NDArray encoderFeatures, NDArray toQuantizer,
                         QuantizerOutput quantization, NDArray quantizeNchw, NDArray decoderFeatures,
                         NDArray reconstruction, NDArray reconstructionLoss, NDArray totalLoss) {}
