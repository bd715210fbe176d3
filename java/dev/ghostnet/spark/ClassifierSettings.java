package dev.ghostnet.spark;

import dev.ghostnet.Precision;
import dev.ghostnet.image.Interpolation;
import dev.ghostnet.image.PreprocessOptions;
import java.io.Serializable;

/**
 * What a task needs of a {@link GhostNetClassifier}, checked on the driver and shipped with the
 * task: the model, how to run it, and where its columns are in each row.
 *
 * @param weights the checkpoint, a local path or a Hadoop file system URI
 * @param inputIndex the position of the image bytes in a row
 * @param pathIndex the position of the row's file path, or -1 when the input has none
 * @param withLogits whether rows get a logits column
 * @param withError whether rows get an error column
 */
record ClassifierSettings(String weights, DeviceChoice device, Precision precision, int batchSize, int topK,
    int resize, int crop, Interpolation interpolation, boolean failOnError, int inputIndex, int pathIndex,
    boolean withLogits, boolean withError) implements Serializable {

  PreprocessOptions preprocess() {
    return new PreprocessOptions(resize, crop, interpolation);
  }
}
