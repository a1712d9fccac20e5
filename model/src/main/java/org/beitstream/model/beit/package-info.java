/**
 * BEiT v2 masked image modelling with patch aggregation: the typed configuration and presets
 * ({@link org.beitstream.model.beit.BeitConfig}), the pretraining model
 * ({@link org.beitstream.model.beit.BeitPretrainingModel}) and its loss, weight files in the authors' and
 * timm's layouts ({@link org.beitstream.model.beit.BeitWeights}), and the conformance group that checks all
 * of it against the authors' reference tensors ({@link org.beitstream.model.beit.PretrainingConformance}).
 *
 * <p>A training step, as the conformance group and the tests run it:
 * <pre>{@code
 * model.attachGradients();
 * try (NDManager step = manager.newSubManager();
 *      GradientCollector collector = Engine.getInstance().newGradientCollector()) {
 *     // images, boolMaskedPos and labels live on step, and so will every intermediate array
 *     PretrainingOutput out = model.forward(images, boolMaskedPos);
 *     NDArray loss = PretrainingLoss.of(out, labels).total();
 *     collector.backward(loss);
 *     adamW.step(loss.getFloat(), schedule.at(adamW.stepCount()));
 * }
 * }</pre>
 */
package org.beitstream.model.beit;
