package org.beitstream.evaluator.probe;

/**
 * Per-feature {@code (x - mean) / std} with the statistics of the training rows, so that one learning rate and
 * one L2 weight fit the features of any backbone (a random one's are tiny, a trained one's are not).
 */
record Standardizer(float[] mean, float[] std) {
    /** Below this spread a feature is constant: it is centred, not scaled up into noise. */
    private static final double MIN_STD = 1e-6;

    static Standardizer fit(Matrix train) {
        int d = train.columns();
        double[] sum = new double[d];
        double[] sumSquares = new double[d];
        for (int r = 0; r < train.rows(); r++) {
            for (int c = 0; c < d; c++) {
                double v = train.get(r, c);
                sum[c] += v;
                sumSquares[c] += v * v;
            }
        }
        float[] mean = new float[d];
        float[] std = new float[d];
        for (int c = 0; c < d; c++) {
            double m = sum[c] / Math.max(1, train.rows());
            double variance = Math.max(0, sumSquares[c] / Math.max(1, train.rows()) - m * m);
            mean[c] = (float) m;
            std[c] = (float) (Math.sqrt(variance) < MIN_STD ? 1 : Math.sqrt(variance));
        }
        return new Standardizer(mean, std);
    }

    Matrix apply(Matrix x) {
        float[] out = new float[x.data().length];
        int d = x.columns();
        for (int i = 0; i < out.length; i++) {
            out[i] = (x.data()[i] - mean[i % d]) / std[i % d];
        }
        return new Matrix(out, x.rows(), d);
    }
}
