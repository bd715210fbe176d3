package dev.ghostnet;

import dev.ghostnet.image.Labels;
import dev.ghostnet.image.PreprocessOptions;
import java.time.Duration;

/**
 * A {@link Predictor}'s settings, fixed when it is built: the builder can change afterwards
 * without touching a predictor it built.
 *
 * @param labels the class names, or null to name classes by their index
 */
record PredictorConfig(int maxBatchSize, Duration maxQueueDelay, int contextsPerDevice, int queueCapacity,
    Predictor.Overflow overflow, int decodeThreads, PreprocessOptions preprocess, Labels labels, int topK) {}
