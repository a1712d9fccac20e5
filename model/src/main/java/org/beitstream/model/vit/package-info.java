/**
 * Vision Transformer building blocks as BEiT uses them, one class per concept of timm's {@code beit.py}:
 * {@link org.beitstream.model.vit.PatchEmbed}, {@link org.beitstream.model.vit.Attention} (q/v biases,
 * optional relative position bias), {@link org.beitstream.model.vit.RelativePositionBias},
 * {@link org.beitstream.model.vit.Mlp} and the pre-norm {@link org.beitstream.model.vit.Block} with optional
 * layer scale.
 *
 * <p>Conventions, shared with every model built from these blocks (the BEiT v2 backbone, the VQ-KD
 * encoder and decoder):
 * <ul>
 *   <li>Tensors are plain DJL {@code NDArray}s registered under the authors' state-dict names
 *       ({@link org.beitstream.model.vit.Module}), so checkpoints load and export by name.</li>
 *   <li>{@code forward} methods take the data first: DJL attaches a result to the manager of the array an
 *       operation is called on, so intermediate arrays land on the caller's per-step manager. Operations
 *       that must start from a parameter take the step's manager explicitly.</li>
 *   <li>Constructors give PyTorch's constructor defaults; the owning model applies its initialisation
 *       scheme with {@link org.beitstream.model.vit.Init}.</li>
 * </ul>
 */
package org.beitstream.model.vit;
