package org.beitstream.evaluator;

import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.beitstream.model.beit.BeitConfig;
import org.beitstream.model.beit.BeitPretrainingModel;
import org.beitstream.model.beit.BeitWeights;
import org.beitstream.model.io.Safetensors;
import org.beitstream.runtime.storage.ObjectStore;
import org.beitstream.runtime.storage.PublishedSets;
import org.beitstream.schemas.CheckpointAnnouncement;
import org.beitstream.schemas.CheckpointLayout;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.util.Optional;

/**
 * Reads the backbone of an announced checkpoint from the object store, as the trainer publishes it: a set under
 * {@code runs/<run-id>/checkpoints/step-<n>/} whose manifest is written last, holding {@code model.safetensors}
 * (the authors' keys) and {@code state.json} (whose {@code model} object is the architecture). Only the state's
 * architecture and the backbone's tensors are read; both are checked against the manifest's sha256.
 */
final class CheckpointReader {
    private static final ObjectMapper JSON = new ObjectMapper();

    private final ObjectStore store;
    private final PublishedSets sets;

    CheckpointReader(ObjectStore store) {
        this.store = store;
        this.sets = new PublishedSets(store);
    }

    /** The set's prefix of {@code s3://<bucket>/<prefix>MANIFEST.json}; the bucket must be the one configured. */
    String prefixOf(CheckpointAnnouncement announcement) throws IOException {
        String uri = announcement.getManifestUri();
        String bucketPrefix = "s3://" + store.settings().bucket() + "/";
        if (!uri.startsWith(bucketPrefix) || !uri.endsWith("/" + PublishedSets.MANIFEST)) {
            throw new IOException("manifest " + uri + " is not a " + PublishedSets.MANIFEST + " in bucket "
                    + store.settings().bucket());
        }
        return uri.substring(bucketPrefix.length(), uri.length() - PublishedSets.MANIFEST.length());
    }

    /** The checkpoint's backbone on {@code manager}, or empty when the checkpoint is gone (removed by retention). */
    Optional<BeitPretrainingModel> load(CheckpointAnnouncement announcement, NDManager manager) throws IOException {
        Optional<PublishedSets.Manifest> manifest = sets.read(prefixOf(announcement));
        if (manifest.isEmpty()) {
            return Optional.empty();
        }
        JsonNode state = JSON.readTree(sets.readVerified(manifest.get(), CheckpointLayout.STATE));
        BeitConfig config = JSON.treeToValue(state.get(CheckpointLayout.STATE_MODEL_FIELD), BeitConfig.class);
        BeitPretrainingModel model = BeitPretrainingModel.forLoading(config, manager, DataType.FLOAT32);
        byte[] weights = sets.readVerified(manifest.get(), CheckpointLayout.MODEL);
        BeitWeights.loadBackbone(model, Safetensors.read(new ByteArrayInputStream(weights), manager,
                manifest.get().prefix() + CheckpointLayout.MODEL));
        return Optional.of(model);
    }
}
