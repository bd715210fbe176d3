package dev.ghostnet;

import dev.ghostnet.image.Classification;
import java.util.List;

/**
 * One image's result from a {@link Predictor}.
 *
 * @param source the file or name the image came from
 * @param logits the network's output for it
 * @param top the most likely classes, most likely first
 */
public record Prediction(String source, float[] logits, List<Classification> top) {}
