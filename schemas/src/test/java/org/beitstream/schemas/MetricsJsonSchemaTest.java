package org.beitstream.schemas;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.networknt.schema.JsonSchema;
import com.networknt.schema.JsonSchemaFactory;
import com.networknt.schema.SpecVersion;
import org.junit.jupiter.api.Test;

import java.io.InputStream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class MetricsJsonSchemaTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    private static JsonSchema schemaOf(String topic) throws Exception {
        try (InputStream in = MetricsJsonSchemaTest.class.getResourceAsStream("/json-schema/" + topic + ".schema.json")) {
            return JsonSchemaFactory.getInstance(SpecVersion.VersionFlag.V202012).getSchema(in);
        }
    }

    @Test
    void aTrainingRecordValidatesAndAMissingLossDoesNot() throws Exception {
        JsonSchema schema = schemaOf(Topics.METRICS_TRAIN.name());
        ObjectNode record = (ObjectNode) JSON.readTree("""
                {"runId": "r1", "step": 10, "time": "2026-11-24T01:00:00Z", "loss": 8.1, "lossMim": 4.0,
                 "lossAggregation": 4.1, "maskedAccuracy": 0.02, "learningRate": 1e-4, "gradNorm": 2.5,
                 "imagesPerSecond": 310.0, "modelFlopsUtilization": 0.4, "dataWaitSeconds": 0.01}""");
        assertTrue(schema.validate(record).isEmpty(), () -> schema.validate(record).toString());
        record.remove("loss");
        assertEquals(1, schema.validate(record).size());
    }

    @Test
    void evalRecordsOfCheckpointsAndBothReferencesAndTokenizerRecordsValidate() throws Exception {
        JsonNode eval = JSON.readTree("""
                {"runId": "r1", "step": 500, "metric": "linear_probe_accuracy", "value": 0.81, "baseline": false,
                 "dataset": "fashion-mnist", "trainSamples": 5000, "testSamples": 1000, "time": "2026-11-24T01:00:00Z"}""");
        assertTrue(schemaOf(Topics.METRICS_EVAL.name()).validate(eval).isEmpty());
        JsonNode rawPixels = ((ObjectNode) eval.deepCopy()).put("baseline", true).put("reference", "raw_pixels");
        assertTrue(schemaOf(Topics.METRICS_EVAL.name()).validate(rawPixels).isEmpty());
        JsonNode unknownReference = ((ObjectNode) rawPixels.deepCopy()).put("reference", "imagenet");
        assertFalse(schemaOf(Topics.METRICS_EVAL.name()).validate(unknownReference).isEmpty());

        JsonNode tokenizer = JSON.readTree("""
                {"phase": "serving", "tokenizerVersion": "v1", "time": "2026-11-24T01:00:00Z", "codebookSize": 8192,
                 "codesUsed": 8000, "codebookUsage": 0.976, "imagesPerSecond": 900, "batchLatencyP50Ms": 30}""");
        assertTrue(schemaOf(Topics.METRICS_TOKENIZER.name()).validate(tokenizer).isEmpty());

        JsonNode wrongPhase = ((ObjectNode) tokenizer.deepCopy()).put("phase", "guessing");
        assertFalse(schemaOf(Topics.METRICS_TOKENIZER.name()).validate(wrongPhase).isEmpty());
    }
}
