package dev.ghostnet;

import dev.ghostnet.image.ImagePreprocessor;
import dev.ghostnet.image.Labels;
import dev.ghostnet.image.PreprocessOptions;
import dev.ghostnet.image.RgbImage;
import java.awt.image.BufferedImage;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;

/**
 * Images in, classes out, from any number of threads at once, keeping the devices busy.
 *
 * <p>Requests are decoded and preprocessed on a thread pool, then gathered into batches (up to
 * {@code maxBatchSize} images, waiting at most {@code maxQueueDelay} for more) by one worker per
 * execution context. With two or more contexts per device, copying one batch overlaps computing
 * the previous one; with several GPUs (one model each) every free worker pulls the next batch, so
 * work goes to the least loaded. At most {@code queueCapacity} requests are in flight: a further
 * one blocks or is rejected, as configured. {@link #close()} finishes what was submitted and
 * refuses new work.
 *
 * <pre>{@code
 * try (Predictor predictor = Predictor.builder(Path.of("ghostnet_100.safetensors")).build()) {
 *   Prediction p = predictor.predict(Path.of("cat.jpg"));
 *   CompletableFuture<Prediction> later = predictor.submit(Path.of("dog.png"));
 * }
 * }</pre>
 */
public final class Predictor implements AutoCloseable {
  /** What a submission does when {@code queueCapacity} requests are already in flight. */
  public enum Overflow {
    BLOCK,
    REJECT
  }

  private final List<GhostNet> models;
  private final boolean ownsModels;
  private final ImagePreprocessor preprocessor;
  private final PredictorStats stats = new PredictorStats();
  private final RequestQueue queue;
  private final ExecutorService decoders;
  private final List<Thread> workers = new ArrayList<>();
  private final Object lifecycle = new Object();
  private boolean closed;

  /** Starts the workers, and returns once each has its context and buffers (or throws why not). */
  private Predictor(PredictorConfig config, List<GhostNet> models, boolean ownsModels) {
    this.models = models;
    this.ownsModels = ownsModels;
    this.preprocessor = new ImagePreprocessor(config.preprocess());
    this.queue = new RequestQueue(config.queueCapacity(), config.overflow(), stats);
    AtomicInteger decoderNumber = new AtomicInteger();
    this.decoders = Executors.newFixedThreadPool(config.decodeThreads(), r -> {
      Thread t = new Thread(r, "ghostnet-decode-" + decoderNumber.incrementAndGet());
      t.setDaemon(true);
      return t;
    });
    List<PredictorWorker> starting = new ArrayList<>();
    for (GhostNet model : models) {
      for (int c = 0; c < config.contextsPerDevice(); c++) {
        PredictorWorker worker = new PredictorWorker(model, config, queue, stats);
        Thread thread = new Thread(worker, "ghostnet-" + model.device() + "-context-" + c);
        thread.setDaemon(true);
        thread.start();
        starting.add(worker);
        workers.add(thread);
      }
    }
    try {
      starting.forEach(PredictorWorker::awaitStarted);
    } catch (RuntimeException e) {
      stopWorkers();
      throw e;
    }
  }

  /** A builder for a predictor that loads the model in {@code weights} (any supported checkpoint). */
  public static Builder builder(Path weights) {
    Tensor.requireNonNull(weights, "weights path");
    return new Builder(weights, null);
  }

  /**
   * A builder for a predictor that runs {@code model}, already loaded, on its device and with the
   * options it was loaded with. The predictor does not close the model; once built, it keeps the
   * weights it needs alive, so the model may be closed before the predictor.
   */
  public static Builder builder(GhostNet model) {
    Tensor.requireNonNull(model, "model");
    return new Builder(null, model);
  }

  /** Classifies an image file (JPEG or PNG); the future completes when the answer is ready. */
  public CompletableFuture<Prediction> submit(Path image) {
    Tensor.requireNonNull(image, "image path");
    return submit(image.toString(), () -> preprocessor.preprocess(image));
  }

  /** Classifies an encoded JPEG or PNG held in memory; {@code name} names it in results and errors. */
  public CompletableFuture<Prediction> submit(byte[] encoded, String name) {
    Tensor.requireNonNull(encoded, "encoded image");
    return submit(String.valueOf(name), () -> preprocessor.preprocess(encoded, name));
  }

  /** Classifies a decoded image; its pixels must not change until the future completes. */
  public CompletableFuture<Prediction> submit(RgbImage image, String name) {
    Tensor.requireNonNull(image, "image");
    return submit(String.valueOf(name), () -> preprocessor.preprocess(image));
  }

  /**
   * Classifies an image the JDK holds, with the pixels {@link RgbImage#from} gives; it must not
   * change until the future completes.
   */
  public CompletableFuture<Prediction> submit(BufferedImage image, String name) {
    Tensor.requireNonNull(image, "image");
    return submit(String.valueOf(name), () -> preprocessor.preprocess(RgbImage.from(image)));
  }

  /** Classifies an image file and waits for the answer. */
  public Prediction predict(Path image) {
    return await(submit(image));
  }

  /** Classifies an encoded image and waits for the answer. */
  public Prediction predict(byte[] encoded, String name) {
    return await(submit(encoded, name));
  }

  /** Classifies a decoded image and waits for the answer. */
  public Prediction predict(RgbImage image, String name) {
    return await(submit(image, name));
  }

  /** Classifies an image the JDK holds and waits for the answer. */
  public Prediction predict(BufferedImage image, String name) {
    return await(submit(image, name));
  }

  private static Prediction await(CompletableFuture<Prediction> future) {
    try {
      return future.get();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new GhostNetException("interrupted while waiting for a prediction", e);
    } catch (ExecutionException e) {
      Throwable cause = e.getCause();
      throw cause instanceof RuntimeException r ? r : new GhostNetException(String.valueOf(cause), cause);
    }
  }

  private CompletableFuture<Prediction> submit(String source, Supplier<byte[]> preprocess) {
    PredictionRequest request = new PredictionRequest(source, preprocess);
    queue.admit();
    try {
      decoders.execute(() -> decode(request));
    } catch (RejectedExecutionException e) {
      queue.withdraw();
      queue.requireOpen();
      throw e;
    }
    return request.result;
  }

  private void decode(PredictionRequest request) {
    try {
      request.pixels = request.preprocess.get();
    } catch (RuntimeException e) {
      queue.finish(request, null, e);
      return;
    }
    queue.ready(request);
  }

  /** Throughput, batch sizes, queueing time and latency so far. */
  public PredictorMetrics metrics() {
    return stats.snapshot();
  }

  /** The devices this predictor runs on. */
  public List<Device> devices() {
    return models.stream().map(GhostNet::device).toList();
  }

  @Override
  public String toString() {
    return models.get(0) + (models.size() > 1 ? " x " + models.size() + " devices" : "");
  }

  /**
   * Refuses new work, finishes every request already submitted, then frees the models it loaded.
   * Idempotent; returns when everything submitted has been answered.
   */
  @Override
  public void close() {
    synchronized (lifecycle) {
      if (closed) {
        return;
      }
      closed = true;
      queue.close();
      decoders.shutdown();
      try {
        while (!decoders.awaitTermination(100, TimeUnit.MILLISECONDS)) {
          // requests still being decoded go to the queue, then to the workers
        }
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new GhostNetException("interrupted while closing the predictor", e);
      } finally {
        try {
          stopWorkers();
        } finally {
          if (ownsModels) {
            models.forEach(GhostNet::close); // a worker still running keeps the weights it uses alive
          }
        }
      }
    }
  }

  /** Lets the workers finish what is ready, and waits for them. */
  private void stopWorkers() {
    queue.drain();
    decoders.shutdown();
    try {
      for (Thread worker : workers) {
        worker.join();
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new GhostNetException("interrupted while closing the predictor", e);
    }
  }

  /**
   * A predictor's settings, each with a default. {@link #build()} takes a copy: changing the
   * builder afterwards does not change a predictor it built.
   */
  public static final class Builder {
    private final Path weights;
    private final GhostNet model;
    private List<Device> devices;
    private GhostNet.Options options = GhostNet.Options.DEFAULT;
    private int maxBatchSize = 64;
    private Duration maxQueueDelay = Duration.ofMillis(2);
    private int contextsPerDevice = 2;
    private int queueCapacity = 1024;
    private Overflow overflow = Overflow.BLOCK;
    private int decodeThreads = Math.max(1, Runtime.getRuntime().availableProcessors());
    private PreprocessOptions preprocess = PreprocessOptions.DEFAULT;
    private Labels labels;
    private boolean labelsSet;
    private int topK = 5;

    private Builder(Path weights, GhostNet model) {
      this.weights = weights;
      this.model = model;
    }

    /**
     * The devices to load the model on, one model each; default every usable GPU, else the host.
     * Not for a builder of a loaded model, which runs on the model's device.
     */
    public Builder devices(Device... devices) {
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
    public Builder options(GhostNet.Options options) {
      requireWeightsToLoad("options");
      Tensor.requireNonNull(options, "options");
      this.options = options;
      return this;
    }

    /** The most images in one forward pass (default 64). */
    public Builder maxBatchSize(int n) {
      this.maxBatchSize = positive(n, "maxBatchSize");
      return this;
    }

    /** How long a batch waits for more images after its first (default 2 ms). */
    public Builder maxQueueDelay(Duration delay) {
      if (delay == null || delay.isNegative()) {
        throw new InvalidArgumentException("maxQueueDelay must be zero or positive, found " + delay);
      }
      this.maxQueueDelay = delay;
      return this;
    }

    /** Execution contexts (and worker threads) per device (default 2: copies overlap compute). */
    public Builder contextsPerDevice(int n) {
      this.contextsPerDevice = positive(n, "contextsPerDevice");
      return this;
    }

    /** Requests in flight at most (default 1024), and what a further one does. */
    public Builder queue(int capacity, Overflow overflow) {
      this.queueCapacity = positive(capacity, "queue capacity");
      Tensor.requireNonNull(overflow, "overflow");
      this.overflow = overflow;
      return this;
    }

    /** Threads that decode and preprocess images (default: one per core). */
    public Builder decodeThreads(int n) {
      this.decodeThreads = positive(n, "decodeThreads");
      return this;
    }

    public Builder preprocess(PreprocessOptions preprocess) {
      Tensor.requireNonNull(preprocess, "preprocess options");
      this.preprocess = preprocess;
      return this;
    }

    /**
     * Class names, one per class of the model (default ImageNet's for 1000-class models, else
     * none); null names each class by its index.
     */
    public Builder labels(Labels labels) {
      this.labels = labels;
      this.labelsSet = true;
      return this;
    }

    /** Classes reported per image (default 5). */
    public Builder topK(int k) {
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
}
