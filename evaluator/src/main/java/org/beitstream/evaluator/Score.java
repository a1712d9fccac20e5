package org.beitstream.evaluator;

/** One measured number: a metric of one backbone on one data set, with the sample counts behind it. */
public record Score(Metric metric, String dataset, double value, int trainSamples, int testSamples) {
}
