package org.beitstream.model.tokenizer;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import org.beitstream.model.io.Safetensors;
import org.beitstream.model.testing.OracleVectors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

import static org.beitstream.model.testing.TorchScriptFixtures.SET_A;
import static org.beitstream.model.testing.TorchScriptFixtures.bytes;
import static org.beitstream.model.testing.TorchScriptFixtures.file;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** TorchScript tokenizers under the contract of docs/TOKENIZER.md, on the fixtures of resources/torchscript. */
class TorchScriptTokenizerTest {
    @TempDir
    Path dir;
    NDManager manager;

    @BeforeEach
    void start() {
        manager = NDManager.newBaseManager();
    }

    @AfterEach
    void stop() {
        manager.close();
    }

    @Test
    void theAuthorsVqkdExportedAsTorchScriptGivesExactlyTheirTokens() throws Exception {
        Map<String, NDArray> io = Safetensors.read(OracleVectors.setA().resolve("vqkd.io.safetensors"), manager);
        assertEquals(SET_A, TorchScriptTokenizer.probe(file("vqkd-setA", dir), 32, 3, 128));
        try (TorchScriptTokenizer tokenizer = TorchScriptTokenizer.load("setA", bytes("vqkd-setA"), SET_A)) {
            NDArray tokens = tokenizer.tokens(io.get("in.images"));
            assertEquals(new Shape(2, 16), tokens.getShape());
            assertEquals(DataType.INT64, tokens.getDataType());
            assertArrayEquals(io.get("out.embed_ind").toLongArray(), tokens.toLongArray());
        }
    }

    @Test
    void idsShapedAsAGridOfAnyIntegerTypeAreAccepted() throws Exception {
        // brightness-grid answers int32 [B, 4, 4] as BEiT v1's DALL-E does: each 8x8 patch's brightness in 128 levels.
        try (TorchScriptTokenizer tokenizer = TorchScriptTokenizer.load("grid", bytes("brightness-grid"), SET_A)) {
            NDArray images = manager.zeros(new Shape(2, 3, 32, 32));
            images.set(new NDIndex("1, :, 8:16, 24:32"), 1f); // row 1, column 3 of image 1
            long[] expected = new long[32];
            expected[16 + 4 + 3] = 127;
            NDArray tokens = tokenizer.tokens(images);
            assertEquals(new Shape(2, 16), tokens.getShape());
            assertArrayEquals(expected, tokens.toLongArray());
        }
    }

    @Test
    void aProbeRefusesAModuleThatBreaksTheContractNamingTheFile() throws Exception {
        Map<String, String> problems = Map.of(
                "float-ids", "returned float32 ids; the contract is an integer type",
                "non-square", "returned shape (1, 5) for one image; the contract is [1, N] with N a square number",
                "out-of-range", "returned ids in [128, 128], outside its vocabulary [0, 128)");
        for (var problem : problems.entrySet()) {
            Path module = file(problem.getKey(), dir);
            var e = assertThrows(IllegalArgumentException.class, () -> TorchScriptTokenizer.probe(module, 32, 3, 128));
            assertTrue(e.getMessage().startsWith("tokenizer " + module + " " + problem.getValue()), e.getMessage());
        }
        Path setA = file("vqkd-setA", dir);
        var wrongChannels = assertThrows(IllegalArgumentException.class, () -> TorchScriptTokenizer.probe(setA, 32, 1, 128));
        assertTrue(wrongChannels.getMessage().startsWith("tokenizer " + setA + " failed on images (1, 1, 32, 32)"),
                wrongChannels.getMessage());
    }

    @Test
    void everyForwardIsCheckedAndAViolationNamesTheVersion() throws Exception {
        // Valid on the probe's zeros, but white patches are level 127, outside a declared 64-code vocabulary.
        TokenizerGeometry small = new TokenizerGeometry(32, 3, 4, 64);
        try (TorchScriptTokenizer tokenizer = TorchScriptTokenizer.load("tok-v7", bytes("brightness-grid"), small)) {
            var e = assertThrows(IllegalStateException.class, () -> tokenizer.tokens(manager.ones(new Shape(1, 3, 32, 32))));
            assertEquals("tokenizer tok-v7 returned ids in [127, 127], outside its vocabulary [0, 64)", e.getMessage());
        }
        TokenizerGeometry wrongGrid = new TokenizerGeometry(32, 3, 8, 128);
        try (TorchScriptTokenizer tokenizer = TorchScriptTokenizer.load("tok-v8", bytes("vqkd-setA"), wrongGrid)) {
            var e = assertThrows(IllegalStateException.class, () -> tokenizer.tokens(manager.ones(new Shape(3, 3, 32, 32))));
            assertEquals("tokenizer tok-v8 returned shape (3, 16) for 3 images; the contract is [3, 64] or [3, 8, 8]",
                    e.getMessage());
        }
    }

    @Test
    void aMissingOrForeignFileIsRefusedNamingIt() throws IOException {
        Path missing = dir.resolve("missing.pt");
        var absent = assertThrows(IOException.class, () -> TorchScriptTokenizer.probe(missing, 32, 3, 128));
        assertEquals("TorchScript tokenizer " + missing + " does not exist", absent.getMessage());
        Path garbage = Files.writeString(dir.resolve("garbage.pt"), "not a module");
        var foreign = assertThrows(IOException.class, () -> TorchScriptTokenizer.probe(garbage, 32, 3, 128));
        assertTrue(foreign.getMessage().startsWith("cannot load TorchScript tokenizer " + garbage), foreign.getMessage());
        var fromBytes = assertThrows(IOException.class,
                () -> TorchScriptTokenizer.load("tok-v9", "not a module".getBytes(), SET_A));
        assertTrue(fromBytes.getMessage().startsWith("cannot load TorchScript tokenizer tok-v9"), fromBytes.getMessage());
    }
}
