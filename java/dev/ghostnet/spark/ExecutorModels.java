package dev.ghostnet.spark;

import dev.ghostnet.Device;
import dev.ghostnet.GhostNet;
import dev.ghostnet.Precision;
import dev.ghostnet.Predictor;
import dev.ghostnet.image.PreprocessOptions;
import java.util.concurrent.ConcurrentHashMap;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * The models and predictors of this JVM, shared by every task and thread in it: one model per
 * (weights, device, precision), loaded by the first task that needs it, and one predictor over it
 * per batching and preprocessing setting, so that batches gather the images of concurrent tasks.
 * Everything is closed when the JVM exits.
 */
final class ExecutorModels {
  private static final Logger LOG = Logger.getLogger(ExecutorModels.class.getPackageName());

  private record ModelKey(String weights, Device device, Precision precision) {}

  private record PredictorKey(ModelKey model, int batchSize, PreprocessOptions preprocess, int topK) {}

  private static final ConcurrentHashMap<ModelKey, GhostNet> MODELS = new ConcurrentHashMap<>();
  private static final ConcurrentHashMap<PredictorKey, Predictor> PREDICTORS = new ConcurrentHashMap<>();

  static {
    Runtime.getRuntime().addShutdownHook(new Thread(ExecutorModels::closeAll, "ghostnet-spark-close"));
  }

  private ExecutorModels() {}

  /** The predictor for {@code settings} on {@code device}, loading the model if this JVM has not yet. */
  static Predictor predictor(ClassifierSettings settings, Device device) {
    ModelKey model = new ModelKey(settings.weights(), device, settings.precision());
    PredictorKey key = new PredictorKey(model, settings.batchSize(), settings.preprocess(), settings.topK());
    // The task threads decode; the predictor's single decoding thread only hands images on.
    return PREDICTORS.computeIfAbsent(key, k -> Predictor.builder(MODELS.computeIfAbsent(model, ExecutorModels::load))
        .maxBatchSize(k.batchSize()).preprocess(k.preprocess()).topK(k.topK()).decodeThreads(1).build());
  }

  private static GhostNet load(ModelKey key) {
    long start = System.nanoTime();
    GhostNet model = GhostNet.load(LocalWeights.of(key.weights()), key.device(),
        GhostNet.Options.DEFAULT.withPrecision(key.precision()));
    LOG.log(Level.INFO, "loaded {0} from {1} in {2} ms",
        new Object[] {model, key.weights(), (System.nanoTime() - start) / 1_000_000});
    return model;
  }

  /** Closes every predictor (each answers what it was given), then every model. */
  static void closeAll() {
    PREDICTORS.values().removeIf(predictor -> {
      predictor.close();
      return true;
    });
    MODELS.entrySet().removeIf(entry -> {
      LOG.log(Level.INFO, "closing {0} loaded from {1}", new Object[] {entry.getValue(), entry.getKey().weights()});
      entry.getValue().close();
      return true;
    });
  }
}
