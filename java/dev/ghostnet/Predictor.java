package dev.ghostnet;

import dev.ghostnet.image.ImagePreprocessor;
import dev.ghostnet.image.RgbImage;
import java.awt.image.BufferedImage;
import java.nio.file.Path;
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
  Predictor(PredictorConfig config, List<GhostNet> models, boolean ownsModels) {
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
  public static PredictorBuilder builder(Path weights) {
    Tensor.requireNonNull(weights, "weights path");
    return new PredictorBuilder(weights, null);
  }

  /**
   * A builder for a predictor that runs {@code model}, already loaded, on its device and with the
   * options it was loaded with. The predictor does not close the model; once built, it keeps the
   * weights it needs alive, so the model may be closed before the predictor.
   */
  public static PredictorBuilder builder(GhostNet model) {
    Tensor.requireNonNull(model, "model");
    return new PredictorBuilder(null, model);
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

  /**
   * Classifies an image its caller has already decoded, resized and cropped with this predictor's
   * {@link PredictorBuilder#preprocess preprocessing options}: {@code crop * crop * 3} bytes of
   * uint8 HWC RGB (what {@link ImagePreprocessor#preprocess(byte[], String)} gives), not changed
   * until the future completes. For callers that decode on threads of their own.
   *
   * @throws InvalidArgumentException if {@code pixels} is not one preprocessed image's size
   */
  public CompletableFuture<Prediction> submitPreprocessed(byte[] pixels, String name) {
    Tensor.requireNonNull(pixels, "pixels");
    if (pixels.length != preprocessor.outputBytes()) {
      int crop = preprocessor.options().crop();
      throw new InvalidArgumentException("a preprocessed image of this predictor is " + crop + "x" + crop + "x3 = "
          + preprocessor.outputBytes() + " bytes, found " + pixels.length);
    }
    return submit(String.valueOf(name), () -> pixels);
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
    } catch (RuntimeException | Error e) { // answered whatever happens, so that no caller waits forever
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
}
