package dev.ghostnet;

import dev.ghostnet.image.Classification;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;

/** One execution context's thread: takes batches from the queue, runs them, answers each request. */
final class PredictorWorker implements Runnable {
  private final GhostNet model;
  private final PredictorConfig config;
  private final RequestQueue queue;
  private final PredictorStats stats;
  private final CompletableFuture<Void> started = new CompletableFuture<>();

  PredictorWorker(GhostNet model, PredictorConfig config, RequestQueue queue, PredictorStats stats) {
    this.model = model;
    this.config = config;
    this.queue = queue;
    this.stats = stats;
  }

  /** Waits until this worker has its stream, context and buffers, or throws why it could not. */
  void awaitStarted() {
    try {
      started.join();
    } catch (CompletionException e) {
      throw e.getCause() instanceof RuntimeException r ? r : e;
    }
  }

  @Override
  public void run() {
    try (Stream stream = Stream.create(model.device());
        ExecutionContext context = model.newContext(stream);
        BatchRunner runner = new BatchRunner(model, stream, context, config.preprocess().crop(),
            config.maxBatchSize())) {
      started.complete(null);
      List<PredictionRequest> batch = new ArrayList<>(config.maxBatchSize());
      while (queue.takeBatch(batch, config.maxBatchSize(), config.maxQueueDelay())) {
        answer(batch, runner);
        batch.clear();
      }
    } catch (RuntimeException | Error e) {
      if (!started.completeExceptionally(e)) {
        throw e;
      }
    }
  }

  private void answer(List<PredictionRequest> batch, BatchRunner runner) {
    stats.batch(batch, System.nanoTime(), runner.paddedImages(batch.size()));
    float[] logits;
    try {
      logits = runner.run(batch);
    } catch (RuntimeException | Error e) {
      batch.forEach(r -> queue.finish(r, null, e));
      return;
    }
    int classes = model.numClasses();
    for (int i = 0; i < batch.size(); i++) {
      PredictionRequest request = batch.get(i);
      float[] row = Arrays.copyOfRange(logits, i * classes, (i + 1) * classes);
      Prediction prediction;
      try {
        prediction = new Prediction(request.source, row, Classification.topK(row, config.topK(), config.labels()));
      } catch (RuntimeException e) {
        queue.finish(request, null, e);
        continue;
      }
      queue.finish(request, prediction, null);
    }
  }
}
