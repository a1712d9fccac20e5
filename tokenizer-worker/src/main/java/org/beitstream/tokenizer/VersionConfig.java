package org.beitstream.tokenizer;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.beitstream.model.io.Safetensors;
import org.beitstream.model.tokenizer.TokenizerGeometry;
import org.beitstream.model.tokenizer.TorchScriptTokenizer;
import org.beitstream.model.tokenizer.VisualTokenizer;
import org.beitstream.model.vqkd.VqkdConfig;
import org.beitstream.model.vqkd.VqkdTokenizer;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.util.Map;

/**
 * What a tokenizer version is, as its config JSON says: our VQ-KD, or a user's TorchScript module. Each kind
 * keeps its weights in one object of the version's set, whose sha256 the announcement carries.
 */
public sealed interface VersionConfig {
    /** The config JSON field naming the kind; absent means VQ-KD, as in every version announced before kinds. */
    String KIND = "kind";

    /** The object of the version's set that holds the weights. */
    String objectName();

    /** The config JSON. */
    ObjectNode toJson(ObjectMapper json);

    /** The tokenizer, from the bytes of {@link #objectName()}; {@code version} names it in errors. */
    VisualTokenizer load(String version, byte[] object, NDManager manager) throws IOException;

    static VersionConfig fromJson(ObjectMapper json, String text) throws IOException {
        if (!(json.readTree(text) instanceof ObjectNode node)) {
            throw new IOException("the config is not a JSON object");
        }
        JsonNode kind = node.remove(KIND);
        String name = kind == null ? Vqkd.KIND_NAME : kind.asText();
        return switch (name) {
            case Vqkd.KIND_NAME -> new Vqkd(json.treeToValue(node, VqkdConfig.class));
            case TorchScript.KIND_NAME -> new TorchScript(json.treeToValue(node, TokenizerGeometry.class));
            default -> throw new IOException("unknown tokenizer kind '" + name + "' (known: " + Vqkd.KIND_NAME + ", "
                    + TorchScript.KIND_NAME + ")");
        };
    }

    /** Our VQ-KD: the authors' state dict as safetensors. */
    record Vqkd(VqkdConfig config) implements VersionConfig {
        static final String KIND_NAME = "vqkd";

        @Override
        public String objectName() {
            return "weights.safetensors";
        }

        /** Without a kind: workers older than kinds read such a config, and would refuse one with a field more. */
        @Override
        public ObjectNode toJson(ObjectMapper json) {
            return json.valueToTree(config);
        }

        @Override
        public VisualTokenizer load(String version, byte[] weights, NDManager manager) throws IOException {
            try (NDManager loading = manager.newSubManager()) {
                Map<String, NDArray> stateDict = Safetensors.read(new ByteArrayInputStream(weights), loading,
                        version + "/" + objectName());
                return VqkdTokenizer.fromStateDict(config, stateDict, manager);
            }
        }
    }

    /** A user's TorchScript module (docs/TOKENIZER.md), with the geometry it was probed with when published. */
    record TorchScript(TokenizerGeometry geometry) implements VersionConfig {
        static final String KIND_NAME = "torchscript";

        @Override
        public String objectName() {
            return "module.pt";
        }

        @Override
        public ObjectNode toJson(ObjectMapper json) {
            return json.createObjectNode().put(KIND, KIND_NAME).setAll((ObjectNode) json.valueToTree(geometry));
        }

        @Override
        public VisualTokenizer load(String version, byte[] module, NDManager manager) throws IOException {
            return TorchScriptTokenizer.load(version, module, geometry);
        }
    }
}
