package org.beitstream.tokenizer.worker;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import org.beitstream.model.conformance.Manifest;
import org.beitstream.model.conformance.VqkdConformance;
import org.beitstream.model.io.Safetensors;
import org.beitstream.model.testing.OracleVectors;
import org.beitstream.model.testing.TorchScriptFixtures;
import org.beitstream.model.tokenizer.TorchScriptTokenizer;
import org.beitstream.model.vqkd.VqkdTokenizer;
import org.junit.jupiter.api.Test;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class LoadedTokenizerTest {

    /**
     * Both implement the authors' tokenizer, one in our Java, one traced from PyTorch by
     * tools/export_vqkd_torchscript.py, so on the same worker pixels (unsigned bytes, scaled to [0, 1]) they
     * must give the same ids.
     */
    @Test
    void ourVqkdAndTheAuthorsExportedAsTorchScriptAgreeOnWorkerPixels() throws Exception {
        Path setA = OracleVectors.setA();
        try (NDManager manager = NDManager.newBaseManager()) {
            Map<String, NDArray> weights = Safetensors.read(setA.resolve("vqkd.weights.safetensors"), manager);
            var ours = new LoadedTokenizer("ours", VqkdTokenizer.fromStateDict(
                    VqkdConformance.config(Manifest.read(setA).get("vqkd")), weights, manager), manager.newSubManager());
            var traced = new LoadedTokenizer("traced", TorchScriptTokenizer.load("traced",
                    TorchScriptFixtures.bytes("vqkd-setA"), TorchScriptFixtures.SET_A), manager.newSubManager());
            assertEquals(List.of(32, 3, 4, 128), List.of(ours.imageSize(), ours.channels(), ours.gridSize(),
                    ours.codebookSize()));

            List<byte[]> images = new ArrayList<>();
            float[] reference = Safetensors.read(setA.resolve("vqkd.io.safetensors"), manager).get("in.images")
                    .toFloatArray();
            int perImage = 3 * 32 * 32;
            for (int i = 0; i < reference.length / perImage; i++) { // the authors' inputs, as bytes
                byte[] pixels = new byte[perImage];
                for (int p = 0; p < perImage; p++) {
                    pixels[p] = (byte) Math.round(reference[i * perImage + p] * 255);
                }
                images.add(pixels);
            }
            Random random = new Random(7);
            for (int i = 0; i < 15; i++) { // noise, and smooth waves of random direction and phase per channel
                byte[] noise = new byte[perImage];
                random.nextBytes(noise);
                images.add(noise);
                double fx = random.nextDouble() * 0.5;
                double fy = random.nextDouble() * 0.5;
                byte[] wave = new byte[perImage];
                for (int p = 0; p < perImage; p++) {
                    int c = p / 1024;
                    wave[p] = (byte) Math.round(127.5 + 127.5 * Math.sin(fx * (p % 32) + fy * (p / 32 % 32) + 2 * c));
                }
                images.add(wave);
            }

            long[][] expected = ours.tokens(images).orElseThrow();
            long[][] actual = traced.tokens(images).orElseThrow();
            for (int i = 0; i < images.size(); i++) {
                assertArrayEquals(expected[i], actual[i], "image " + i);
            }
            long codes = Arrays.stream(expected).flatMapToLong(Arrays::stream).distinct().count();
            assertTrue(codes >= 20, "the images use " + codes + " codes: too few to tell the tokenizers apart");
            ours.close();
            traced.close();
        }
    }
}
