package org.beitstream.trainer;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import org.beitstream.model.io.Safetensors;
import org.beitstream.runtime.storage.ObjectInfo;
import org.beitstream.runtime.storage.ObjectStore;
import org.beitstream.schemas.CheckpointLayout;
import org.beitstream.runtime.storage.PublishedSets;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeSet;

/**
 * The checkpoints of one run in the object store:
 * <pre>
 *   runs/&lt;run-id&gt;/checkpoints/step-000000001000/model.safetensors      weights, the authors' key names
 *                                                optimizer.safetensors  AdamW moments (exp_avg.*, exp_avg_sq.*)
 *                                                state.json             step, offsets, RNG, tokenizer, config
 *                                                MANIFEST.json          written last: the checkpoint is complete
 * </pre>
 * Step numbers are zero-padded so that key order is step order.
 */
final class Checkpoints {
    private static final Logger LOG = LoggerFactory.getLogger(Checkpoints.class);

    private final ObjectStore store;
    private final PublishedSets sets;
    private final String runId;

    Checkpoints(ObjectStore store, String runId) {
        this.store = store;
        this.sets = new PublishedSets(store);
        this.runId = runId;
    }

    /** A checkpoint serialised in memory, ready to upload. */
    record Snapshot(CheckpointState state, byte[] model, byte[] optimizer) {
        String prefix() {
            return CheckpointLayout.prefix(state.runId(), state.step());
        }
    }

    /** A checkpoint read back: its state and tensors on the caller's manager. */
    record Loaded(PublishedSets.Manifest manifest, CheckpointState state, Map<String, NDArray> model,
                  Map<String, NDArray> optimizer) {
    }

    PublishedSets.Manifest publish(Snapshot snapshot) throws IOException {
        return sets.publish(snapshot.prefix(), List.of(
                        PublishedSets.Part.of(CheckpointLayout.MODEL, snapshot.model()),
                        PublishedSets.Part.of(CheckpointLayout.OPTIMIZER, snapshot.optimizer()),
                        PublishedSets.Part.of(CheckpointLayout.STATE, snapshot.state().toJson())),
                Map.of("runId", runId, "step", Long.toString(snapshot.state().step())));
    }

    /** Complete checkpoints of the run, oldest first. */
    List<PublishedSets.Manifest> list() throws IOException {
        return sets.list(CheckpointLayout.runPrefix(runId));
    }

    /**
     * The newest complete checkpoint that reads back intact. One whose objects no longer match their manifest
     * (damaged in storage) is reported and the next older one is tried.
     */
    Optional<Loaded> loadNewest(NDManager manager) throws IOException {
        List<PublishedSets.Manifest> complete = list();
        for (int i = complete.size() - 1; i >= 0; i--) {
            PublishedSets.Manifest manifest = complete.get(i);
            try {
                return Optional.of(load(manifest, manager));
            } catch (IOException e) {
                if (e instanceof org.beitstream.runtime.storage.ObjectStoreException) {
                    throw e; // the store is unreachable: an older checkpoint would be the wrong answer
                }
                LOG.warn("checkpoint {} is damaged, trying an older one: {}", manifest.prefix(), e.getMessage());
            }
        }
        return Optional.empty();
    }

    Loaded load(PublishedSets.Manifest manifest, NDManager manager) throws IOException {
        CheckpointState state = CheckpointState.fromJson(sets.readVerified(manifest, CheckpointLayout.STATE));
        return new Loaded(manifest, state, tensors(manifest, CheckpointLayout.MODEL, manager),
                tensors(manifest, CheckpointLayout.OPTIMIZER, manager));
    }

    /** The weights of a published checkpoint under any prefix (to start a new run from another run's checkpoint). */
    Map<String, NDArray> modelOf(String prefix, NDManager manager) throws IOException {
        String normalised = prefix.endsWith("/") ? prefix : prefix + "/";
        PublishedSets.Manifest manifest = sets.read(normalised)
                .orElseThrow(() -> new IOException("no complete checkpoint under " + normalised));
        return tensors(manifest, CheckpointLayout.MODEL, manager);
    }

    private Map<String, NDArray> tensors(PublishedSets.Manifest manifest, String name, NDManager manager)
            throws IOException {
        byte[] bytes = sets.readVerified(manifest, name);
        return Safetensors.read(new ByteArrayInputStream(bytes), manager, manifest.prefix() + name);
    }

    /**
     * Keeps the {@code keep} newest complete checkpoints. Older ones are removed, and so are the leftovers of
     * uploads that never completed (objects without a manifest) older than the newest complete checkpoint.
     */
    void retain(int keep) throws IOException {
        List<PublishedSets.Manifest> complete = list();
        if (complete.isEmpty()) {
            return;
        }
        List<String> kept = complete.subList(Math.max(0, complete.size() - keep), complete.size()).stream()
                .map(PublishedSets.Manifest::prefix).toList();
        String newest = kept.get(kept.size() - 1);
        TreeSet<String> prefixes = new TreeSet<>();
        for (ObjectInfo object : store.list(CheckpointLayout.runPrefix(runId))) {
            String rest = object.key().substring(CheckpointLayout.runPrefix(runId).length());
            int slash = rest.indexOf('/');
            if (slash > 0) {
                prefixes.add(CheckpointLayout.runPrefix(runId) + rest.substring(0, slash + 1));
            }
        }
        List<String> removed = new ArrayList<>();
        for (String prefix : prefixes.headSet(newest, false)) {
            if (!kept.contains(prefix)) {
                sets.delete(prefix);
                removed.add(prefix);
            }
        }
        if (!removed.isEmpty()) {
            LOG.debug("retention removed {}", removed);
        }
    }
}
