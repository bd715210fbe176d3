package dev.ghostnet;

import dev.ghostnet.image.Classification;
import dev.ghostnet.image.ImagePreprocessor;
import dev.ghostnet.image.Labels;
import dev.ghostnet.image.PreprocessOptions;
import dev.ghostnet.image.RgbImage;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.Semaphore;
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

  private final Builder config;
  private final ImagePreprocessor preprocessor;
  private final Semaphore capacity;
  private final BlockingQueue<Request> ready = new LinkedBlockingQueue<>();
  private final ExecutorService decoders;
  private final List<GhostNet> models = new ArrayList<>();
  private final List<Thread> workers = new ArrayList<>();
  private final Stats stats = new Stats();
  private final Object lifecycle = new Object();
  private volatile boolean closed;
  private volatile boolean draining;

  private static final class Request {
    final String source;
    final Supplier<byte[]> decode; // the preprocessed image
    final CompletableFuture<Prediction> result = new CompletableFuture<>();
    final long submitted = System.nanoTime();
    byte[] pixels;
    long readyAt;

    Request(String source, Supplier<byte[]> decode) {
      this.source = source;
      this.decode = decode;
    }
  }

  private Predictor(Builder config) {
    this.config = config;
    this.preprocessor = new ImagePreprocessor(config.preprocess);
    this.capacity = new Semaphore(config.queueCapacity);
    AtomicInteger decoderNumber = new AtomicInteger();
    this.decoders = Executors.newFixedThreadPool(config.decodeThreads, r -> {
      Thread t = new Thread(r, "ghostnet-decode-" + decoderNumber.incrementAndGet());
      t.setDaemon(true);
      return t;
    });
    try {
      for (Device device : config.devices) {
        GhostNet model = config.weights != null ? GhostNet.load(config.weights, device, config.options)
            : GhostNet.random(1.0, 1000, 0, device, config.options);
        models.add(model);
        for (int c = 0; c < config.contextsPerDevice; c++) {
          Worker worker = new Worker(model);
          Thread thread = new Thread(worker, "ghostnet-" + device + "-context-" + c);
          thread.setDaemon(true);
          workers.add(thread);
        }
      }
      if (!config.labelsSet && models.get(0).numClasses() == 1000) {
        config.labels = Labels.imagenet();
      }
    } catch (RuntimeException e) {
      models.forEach(GhostNet::close);
      decoders.shutdownNow();
      throw e;
    }
    workers.forEach(Thread::start);
  }

  /** A builder for a predictor of the model in {@code weights} (any supported checkpoint). */
  public static Builder builder(Path weights) {
    Tensor.requireNonNull(weights, "weights path");
    return new Builder(weights);
  }

  /** A builder for GhostNet 1.0x with random weights: for benchmarks and tests. */
  public static Builder builderWithRandomWeights() {
    return new Builder(null);
  }

  /** Classifies an image file (JPEG or PNG); the future completes when the answer is ready. */
  public CompletableFuture<Prediction> submit(Path image) {
    Tensor.requireNonNull(image, "image path");
    return submit(new Request(image.toString(), () -> preprocessor.preprocess(image)));
  }

  /** Classifies an encoded JPEG or PNG held in memory; {@code name} names it in results and errors. */
  public CompletableFuture<Prediction> submit(byte[] encoded, String name) {
    Tensor.requireNonNull(encoded, "encoded image");
    return submit(new Request(String.valueOf(name), () -> preprocessor.preprocess(encoded, name)));
  }

  /** Classifies a decoded image. */
  public CompletableFuture<Prediction> submit(RgbImage image, String name) {
    Tensor.requireNonNull(image, "image");
    return submit(new Request(String.valueOf(name), () -> preprocessor.preprocess(image)));
  }

  /** Classifies an image file and waits for the answer. */
  public Prediction predict(Path image) {
    return await(submit(image));
  }

  /** Classifies an encoded image and waits for the answer. */
  public Prediction predict(byte[] encoded, String name) {
    return await(submit(encoded, name));
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

  private CompletableFuture<Prediction> submit(Request request) {
    admit();
    try {
      decoders.execute(() -> decode(request));
    } catch (RejectedExecutionException e) {
      capacity.release();
      throw new IllegalStateException("the predictor is closed");
    }
    return request.result;
  }

  /** Takes a place in the queue, blocking or refusing as configured. */
  private void admit() {
    if (closed) {
      throw new IllegalStateException("the predictor is closed");
    }
    if (config.overflow == Overflow.REJECT) {
      if (!capacity.tryAcquire()) {
        throw new RejectedExecutionException(
            "the predictor's queue is full: " + config.queueCapacity + " requests are in flight");
      }
      return;
    }
    try {
      while (!capacity.tryAcquire(50, TimeUnit.MILLISECONDS)) {
        if (closed) {
          throw new IllegalStateException("the predictor is closed");
        }
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new RejectedExecutionException("interrupted while waiting for space in the predictor's queue", e);
    }
  }

  private void decode(Request request) {
    try {
      request.pixels = request.decode.get();
      request.readyAt = System.nanoTime();
      ready.add(request);
    } catch (RuntimeException e) {
      finish(request, null, e);
    }
  }

  /** Answers a request; its counters are updated first, so metrics() already includes it. */
  private void finish(Request request, Prediction prediction, Throwable error) {
    stats.answered(error == null, System.nanoTime() - request.submitted);
    capacity.release();
    if (error == null) {
      request.result.complete(prediction);
    } else {
      request.result.completeExceptionally(error);
    }
  }

  /** Runs batches on one execution context until the predictor is closed and drained. */
  private final class Worker implements Runnable {
    private final GhostNet model;

    Worker(GhostNet model) {
      this.model = model;
    }

    @Override
    public void run() {
      try (Stream stream = Stream.create(model.device());
          ExecutionContext context = model.newContext(stream);
          Batches batches = new Batches(model, stream, config.preprocess.crop(), config.maxBatchSize)) {
        List<Request> batch = new ArrayList<>(config.maxBatchSize);
        while (nextBatch(batch)) {
          stats.batch(batch, System.nanoTime());
          try {
            float[] out = batches.run(context, batch);
            int classes = model.numClasses();
            for (int i = 0; i < batch.size(); i++) {
              Request r = batch.get(i);
              float[] row = Arrays.copyOfRange(out, i * classes, (i + 1) * classes);
              finish(r, new Prediction(r.source, row, Classification.topK(row, config.topK, config.labels)), null);
            }
          } catch (RuntimeException e) {
            batch.forEach(r -> finish(r, null, e));
          }
          batch.clear();
        }
      }
    }

    /** Waits for a first request, then gathers more until the batch is full or the delay passes. */
    private boolean nextBatch(List<Request> batch) {
      try {
        Request first = null;
        while (first == null) {
          first = ready.poll(20, TimeUnit.MILLISECONDS);
          if (first == null && draining) {
            return false;
          }
        }
        batch.add(first);
        long deadline = System.nanoTime() + config.maxQueueDelay.toNanos();
        while (batch.size() < config.maxBatchSize) {
          Request next = ready.poll(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
          if (next == null) {
            break;
          }
          batch.add(next);
        }
        return true;
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return !batch.isEmpty();
      }
    }
  }

  /**
   * One context's batch buffers. Batches run at power-of-two sizes (the rest of the batch is
   * whatever the buffer held: those rows' results are ignored), so a context plans, and on GPUs
   * captures, a handful of shapes rather than one per batch size. Copies are ordered on the
   * context's stream, so another context's compute overlaps them.
   */
  private static final class Batches implements AutoCloseable {
    private final Device device;
    private final Stream stream;
    private final int crop;
    private final int classes;
    private final Tensor images;  // pinned host memory for the largest batch
    private final Tensor logits;  // pinned host memory for its result
    private final Map<Integer, Tensor[]> bySize = new TreeMap<>(); // host in, device in, device out, host out

    Batches(GhostNet model, Stream stream, int crop, int maxBatch) {
      this.device = model.device();
      this.stream = stream;
      this.crop = crop;
      this.classes = model.numClasses();
      this.images = Tensor.allocatePinned(DType.U8, Shape.nhwc(maxBatch, crop, crop, 3));
      this.logits = Tensor.allocatePinned(DType.F32, Shape.of(maxBatch, classes));
    }

    /** The smallest power of two that holds {@code count} images, at most {@code max}. */
    static int size(int count, int max) {
      int size = 1;
      while (size < count) {
        size <<= 1;
      }
      return Math.min(size, max);
    }

    float[] run(ExecutionContext context, List<Request> batch) {
      int imageBytes = batch.get(0).pixels.length;
      for (int i = 0; i < batch.size(); i++) {
        images.write((long) i * imageBytes, batch.get(i).pixels);
      }
      Tensor[] t = bySize.computeIfAbsent(size(batch.size(), (int) images.shape().dim(0)), this::tensors);
      if (device.isCuda()) {
        t[1].copyFrom(t[0], stream);
        context.enqueue(t[1], t[2]);
        t[3].copyFrom(t[2], stream);
        stream.synchronize();
      } else {
        context.forward(t[0], t[3]);
      }
      return t[3].toFloatArray();
    }

    private Tensor[] tensors(int size) {
      Tensor hostIn = Tensor.wrapAddress(images.address(), Device.CPU, DType.U8, Shape.nhwc(size, crop, crop, 3));
      Tensor hostOut = Tensor.wrapAddress(logits.address(), Device.CPU, DType.F32, Shape.of(size, classes));
      if (!device.isCuda()) {
        return new Tensor[] {hostIn, null, null, hostOut};
      }
      return new Tensor[] {hostIn, Tensor.allocate(device, DType.U8, hostIn.shape()),
          Tensor.allocate(device, DType.F32, hostOut.shape()), hostOut};
    }

    @Override
    public void close() {
      for (Tensor[] t : bySize.values()) {
        for (Tensor tensor : t) {
          if (tensor != null) {
            tensor.close();
          }
        }
      }
      images.close();
      logits.close();
    }
  }

  /** Counters and recent timings, shared by every worker. */
  private static final class Stats {
    private static final int WINDOW = 4096;
    private final long created = System.nanoTime();
    private final long[] latencies = new long[WINDOW];
    private final long[] queueTimes = new long[WINDOW];
    private final Map<Integer, Long> batchSizes = new TreeMap<>();
    private long completed;
    private long failed;
    private long latencyCount;
    private long queueCount;

    synchronized void answered(boolean ok, long latency) {
      if (ok) {
        completed++;
      } else {
        failed++;
      }
      latencies[(int) (latencyCount++ % WINDOW)] = latency;
    }

    synchronized void batch(List<Request> batch, long start) {
      batchSizes.merge(batch.size(), 1L, Long::sum);
      for (Request r : batch) {
        queueTimes[(int) (queueCount++ % WINDOW)] = start - r.readyAt;
      }
    }

    synchronized PredictorMetrics snapshot() {
      long batches = batchSizes.values().stream().mapToLong(Long::longValue).sum();
      long images = batchSizes.entrySet().stream().mapToLong(e -> e.getKey() * e.getValue()).sum();
      double seconds = (System.nanoTime() - created) / 1e9;
      return new PredictorMetrics(completed, failed, completed / seconds, Map.copyOf(batchSizes),
          batches == 0 ? 0 : (double) images / batches, percentile(queueTimes, queueCount, 50),
          percentile(queueTimes, queueCount, 99), percentile(latencies, latencyCount, 50),
          percentile(latencies, latencyCount, 99));
    }

    private static double percentile(long[] window, long count, double p) {
      int n = (int) Math.min(count, WINDOW);
      if (n == 0) {
        return 0;
      }
      long[] sorted = Arrays.copyOf(window, n);
      Arrays.sort(sorted);
      int rank = (int) Math.ceil(p / 100 * n);
      return sorted[Math.max(0, rank - 1)] / 1e6;
    }
  }

  /** Throughput, batch sizes, queueing time and latency so far. */
  public PredictorMetrics metrics() {
    return stats.snapshot();
  }

  @Override
  public String toString() {
    return models.get(0) + (models.size() > 1 ? " x " + models.size() + " devices" : "");
  }

  /** The devices this predictor runs on. */
  public List<Device> devices() {
    return List.copyOf(config.devices);
  }

  /**
   * Refuses new work, finishes every request already submitted, then frees the models.
   * Idempotent; returns when everything submitted has been answered.
   */
  @Override
  public void close() {
    synchronized (lifecycle) {
      if (closed) {
        return;
      }
      closed = true;
      decoders.shutdown();
      try {
        while (!decoders.awaitTermination(100, TimeUnit.MILLISECONDS)) {
          // requests still being decoded go to the queue, then to the workers
        }
        draining = true;
        for (Thread worker : workers) {
          worker.join();
        }
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new GhostNetException("interrupted while closing the predictor", e);
      } finally {
        models.forEach(GhostNet::close);
      }
    }
  }

  /** Configuration of a {@link Predictor}; every setting has a default. */
  public static final class Builder {
    private final Path weights;
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

    private Builder(Path weights) {
      this.weights = weights;
    }

    /** The devices to run on, one model each; default every usable GPU, else the host. */
    public Builder devices(Device... devices) {
      if (devices == null || devices.length == 0) {
        throw new InvalidArgumentException("at least one device is needed");
      }
      this.devices = List.of(devices);
      return this;
    }

    public Builder options(GhostNet.Options options) {
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
        throw new InvalidArgumentException("maxQueueDelay must be zero or positive");
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

    /** Class names (default ImageNet's for 1000-class models, else the indices). */
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

    public Predictor build() {
      if (devices == null) {
        RuntimeInfo info = RuntimeInfo.query();
        devices = info.gpuUsable() ? info.gpus().stream().map(g -> Device.cuda(g.index())).toList()
            : List.of(Device.CPU);
      }
      return new Predictor(this);
    }

    private static int positive(int n, String what) {
      if (n < 1) {
        throw new InvalidArgumentException(what + " must be at least 1, found " + n);
      }
      return n;
    }
  }
}
