package org.beitstream.model.vit;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Predicate;

/**
 * A tree of named tensors, the Java counterpart of a PyTorch {@code nn.Module}'s state dict.
 *
 * <p>Every parameter and buffer is registered under the authors' name (relative to its module), and a
 * child's names are prefixed with the child's name and a dot, so {@link #parameters()} yields exactly the
 * keys of the authors' {@code state_dict()}: weights load and export by name.
 *
 * <p>Arrays are allocated through a {@link Allocation}: either real zero-filled arrays on a manager, or
 * shapes only, so that parameter counts of the 300M-parameter presets can be computed without memory.
 * Subclasses start from the constructor defaults of PyTorch (zeros, ones, layer-scale constants); the
 * initialisation schemes are applied afterwards by the owning model (see {@link Init}).
 */
public abstract class Module {
    private final Allocation allocation;
    private final Map<String, NDArray> parameters = new LinkedHashMap<>();
    private final Map<String, NDArray> buffers = new LinkedHashMap<>();
    private final Map<String, Shape> shapes = new LinkedHashMap<>();
    private final List<Map.Entry<String, Module>> children = new ArrayList<>();

    protected Module(Allocation allocation) {
        this.allocation = allocation;
    }

    protected final Allocation allocation() {
        return allocation;
    }

    /** Registers a trainable tensor filled with {@code value} (PyTorch's constructor default). */
    protected final NDArray parameter(String name, Shape shape, float value) {
        NDArray array = allocation.allocate(shape, value);
        shapes.put(name, shape);
        if (array != null) {
            parameters.put(name, array);
        }
        return array;
    }

    /** Registers a non-trainable tensor that is still part of the state dict (for example an index table). */
    protected final NDArray buffer(String name, NDArray array) {
        if (array != null) {
            buffers.put(name, array);
        }
        return array;
    }

    /** Registers a sub-module; an empty name merges its tensors into this module's namespace. */
    protected final <M extends Module> M child(String name, M module) {
        children.add(Map.entry(name, module));
        return module;
    }

    /** Trainable tensors in registration order, keyed by their full state-dict names. */
    public final Map<String, NDArray> parameters() {
        Map<String, NDArray> out = new LinkedHashMap<>();
        collect(out, "", true, false);
        return out;
    }

    /** Parameters and buffers: the full state dict. */
    public final Map<String, NDArray> stateDict() {
        Map<String, NDArray> out = new LinkedHashMap<>();
        collect(out, "", true, true);
        return out;
    }

    /** Shapes of the trainable tensors; available even when nothing was allocated. */
    public final Map<String, Shape> parameterShapes() {
        Map<String, Shape> out = new LinkedHashMap<>();
        collectShapes(out, "");
        return out;
    }

    /**
     * Copies every tensor of this module's state dict from {@code source} (keys prefixed with
     * {@code prefix}), converting the dtype when needed. Fails naming the first missing or mis-shaped key;
     * keys of {@code source} outside this module are ignored, so a backbone can load from a full checkpoint.
     * Call before gradients are attached: it writes into the arrays in place.
     */
    public final void load(Map<String, NDArray> source, String prefix) {
        load(source, prefix, name -> true);
    }

    /** As {@link #load(Map, String)}, for the tensors whose state-dict name {@code which} accepts. */
    public final void load(Map<String, NDArray> source, String prefix, Predicate<String> which) {
        for (Map.Entry<String, NDArray> entry : stateDict().entrySet()) {
            if (!which.test(entry.getKey())) {
                continue;
            }
            String key = prefix + entry.getKey();
            NDArray from = source.get(key);
            NDArray to = entry.getValue();
            if (from == null) {
                throw new IllegalArgumentException("missing tensor '" + key + "'");
            }
            if (!from.getShape().equals(to.getShape())) {
                throw new IllegalArgumentException("tensor '" + key + "' has shape " + from.getShape()
                        + ", the model expects " + to.getShape());
            }
            try (NDArray converted = from.toType(to.getDataType(), true)) {
                to.set(converted.toByteBuffer());
            }
        }
    }

    private void collect(Map<String, NDArray> out, String prefix, boolean withParameters, boolean withBuffers) {
        if (withParameters) {
            parameters.forEach((name, array) -> out.put(prefix + name, array));
        }
        if (withBuffers) {
            buffers.forEach((name, array) -> out.put(prefix + name, array));
        }
        for (Map.Entry<String, Module> child : children) {
            child.getValue().collect(out, childPrefix(prefix, child.getKey()), withParameters, withBuffers);
        }
    }

    private void collectShapes(Map<String, Shape> out, String prefix) {
        shapes.forEach((name, shape) -> out.put(prefix + name, shape));
        for (Map.Entry<String, Module> child : children) {
            child.getValue().collectShapes(out, childPrefix(prefix, child.getKey()));
        }
    }

    private static String childPrefix(String prefix, String name) {
        return name.isEmpty() ? prefix : prefix + name + ".";
    }

    /** Where a module's tensors come from. */
    public interface Allocation {
        /** Returns a new array of {@code shape} filled with {@code value}, or null when only shapes are wanted. */
        NDArray allocate(Shape shape, float value);

        /** The manager arrays live on, or null for {@link #shapesOnly()}. */
        NDManager manager();

        /** Real arrays of {@code dataType} on {@code manager}. */
        static Allocation on(NDManager manager, DataType dataType) {
            return new Allocation() {
                @Override
                public NDArray allocate(Shape shape, float value) {
                    return manager.full(shape, value, dataType);
                }

                @Override
                public NDManager manager() {
                    return manager;
                }
            };
        }

        /** Records shapes and allocates nothing: for parameter counts of large presets. */
        static Allocation shapesOnly() {
            return new Allocation() {
                @Override
                public NDArray allocate(Shape shape, float value) {
                    return null;
                }

                @Override
                public NDManager manager() {
                    return null;
                }
            };
        }
    }
}
