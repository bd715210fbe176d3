package dev.ghostnet;

import dev.ghostnet.image.Labels;
import dev.ghostnet.image.PreprocessOptions;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * A {@link Predictor}'s model and settings, each setting with a default; {@link Predictor#builder}
 * makes one. {@link #build()} takes a copy: changing the builder afterwards does not change a
 * predictor it built.
 */
public final class PredictorBuilder {
  private final Path weights;
  private final GhostNet model;
  private List<Device> devices;
  private GhostNet.Options options = GhostNet.Options.DEFAULT;
  private int maxBatchSize = 64;
  private Duration maxQueueDelay = Duration.ofMillis(2);
  private int contextsPerDevice = 2;
  private int queueCapacity = 1024;
  private Predictor.Overflow overflow = Predictor.Overflow.BLOCK;
  private int decodeThreads = Math.max(1, Runtime.getRuntime().availableProcessors());
  private PreprocessOptions preprocess = PreprocessOptions.DEFAULT;
  private Labels labels;
  private boolean labelsSet;
  private int topK = 5;

  PredictorBuilder(Path weights, GhostNet model) {
    this.weights = weights;
    this.model = model;
  }

  /**
   * The devices to load the model on, one model each; default every usable GPU, else the host.
   * Not for a builder of a loaded model, which runs on the model's device.
   */
  public PredictorBuilder devices(Device... devices) {
    requireWeightsToLoad("devices");
    if (devices == null || devices.length == 0) {
      throw new InvalidArgumentException("at least one device is needed");
    }
    for (Device device : devices) {
      Tensor.requireNonNull(device, "device");
    }
    this.devices = List.of(devices);
    return this;
  }

  /** How to load the model (precision, normalisation, ...). Not for a builder of a loaded model. */
  public PredictorBuilder options(GhostNet.Options options) {
    requireWeightsToLoad("options");
    Tensor.requireNonNull(options, "options");
    this.options = options;
    return this;
  }

  /** The most images in one forward pass (default 64). */
  public PredictorBuilder maxBatchSize(int n) {
    this.maxBatchSize = positive(n, "maxBatchSize");
    return this;
  }

  /** How long a batch waits for more images after its first (default 2 ms). */
  public PredictorBuilder maxQueueDelay(Duration delay) {
    if (delay == null || delay.isNegative()) {
      throw new InvalidArgumentException("maxQueueDelay must be zero or positive, found " + delay);
    }
    this.maxQueueDelay = delay;
    return this;
  }

  /** Execution contexts (and worker threads) per device (default 2: copies overlap compute). */
  public PredictorBuilder contextsPerDevice(int n) {
    this.contextsPerDevice = positive(n, "contextsPerDevice");
    return this;
  }

  /** Requests in flight at most (default 1024), and what a further one does. */
  public PredictorBuilder queue(int capacity, Predictor.Overflow overflow) {
    this.queueCapacity = positive(capacity, "queue capacity");
    Tensor.requireNonNull(overflow, "overflow");
    this.overflow = overflow;
    return this;
  }

  /** Threads that decode and preprocess images (default: one per core). */
  public PredictorBuilder decodeThreads(int n) {
    this.decodeThreads = positive(n, "decodeThreads");
    return this;
  }

  public PredictorBuilder preprocess(PreprocessOptions preprocess) {
    Tensor.requireNonNull(preprocess, "preprocess options");
    this.preprocess = preprocess;
    return this;
  }

  /**
   * Class names, one per class of the model (default ImageNet's for 1000-class models, else
   * none); null names each class by its index.
   */
  public PredictorBuilder labels(Labels labels) {
    this.labels = labels;
    this.labelsSet = true;
    return this;
  }

  /** Classes reported per image (default 5). */
  public PredictorBuilder topK(int k) {
    this.topK = positive(k, "topK");
    return this;
  }

  /** Loads the model (unless the builder was given one) and starts the predictor's workers. */
  public Predictor build() {
    List<GhostNet> models = model != null ? List.of(model) : load();
    try {
      PredictorConfig config = new PredictorConfig(maxBatchSize, maxQueueDelay, contextsPerDevice, queueCapacity,
          overflow, decodeThreads, preprocess, labelsFor(models.get(0).numClasses()), topK);
      return new Predictor(config, models, model == null);
    } catch (RuntimeException e) {
      if (model == null) {
        models.forEach(GhostNet::close);
      }
      throw e;
    }
  }

  private List<GhostNet> load() {
    List<Device> targets = devices;
    if (targets == null) {
      RuntimeInfo info = RuntimeInfo.query();
      targets = info.gpuUsable() ? info.gpus().stream().map(g -> Device.cuda(g.index())).toList()
          : List.of(Device.CPU);
    }
    List<GhostNet> loaded = new ArrayList<>();
    try {
      for (Device device : targets) {
        loaded.add(GhostNet.load(weights, device, options));
      }
    } catch (RuntimeException e) {
      loaded.forEach(GhostNet::close);
      throw e;
    }
    return loaded;
  }

  private Labels labelsFor(int classes) {
    if (!labelsSet) {
      return classes == 1000 ? Labels.imagenet() : null;
    }
    if (labels != null && labels.size() != classes) {
      throw new InvalidArgumentException("the labels name " + labels.size() + " classes, the model has " + classes);
    }
    return labels;
  }

  private void requireWeightsToLoad(String setting) {
    if (model != null) {
      throw new InvalidArgumentException("this builder runs a model already loaded: its " + setting
          + " were chosen when it was loaded");
    }
  }

  private static int positive(int n, String what) {
    if (n < 1) {
      throw new InvalidArgumentException(what + " must be at least 1, found " + n);
    }
    return n;
  }
}
