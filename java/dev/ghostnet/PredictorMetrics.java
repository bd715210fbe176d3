package dev.ghostnet;

import java.util.Map;

/**
 * A {@link Predictor}'s counters since it was built; percentiles are over the most recent
 * requests (a few thousand).
 *
 * @param completed images answered with a prediction
 * @param failed images answered with an error
 * @param imagesPerSecond completed images per second of the predictor's life
 * @param batchSizes how many batches ran with each number of real images
 * @param meanBatchSize real images per batch, on average
 * @param paddedImages images computed only to fill a batch to a size captured as a CUDA graph
 *     (on GPUs; always 0 on the host, where a batch computes its images and no others)
 * @param queueMillisP50 median time from a request being ready (decoded) to its batch starting
 * @param queueMillisP99 99th percentile of that time
 * @param latencyMillisP50 median time from submission to the answer
 * @param latencyMillisP99 99th percentile of that time
 */
public record PredictorMetrics(long completed, long failed, double imagesPerSecond, Map<Integer, Long> batchSizes,
    double meanBatchSize, long paddedImages, double queueMillisP50, double queueMillisP99, double latencyMillisP50,
    double latencyMillisP99) {}
