package dev.ghostnet;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;

/**
 * A predictor's requests from admission to answer: at most {@code capacity} in flight (a further
 * one waits or is refused), decoded ones waiting to be gathered into batches, and the answers.
 */
final class RequestQueue {
  private final int capacity;
  private final Predictor.Overflow overflow;
  private final PredictorStats stats;
  private final Semaphore places;
  private final BlockingQueue<PredictionRequest> ready = new LinkedBlockingQueue<>();
  private volatile boolean closed;
  private volatile boolean draining;

  RequestQueue(int capacity, Predictor.Overflow overflow, PredictorStats stats) {
    this.capacity = capacity;
    this.overflow = overflow;
    this.stats = stats;
    this.places = new Semaphore(capacity);
  }

  /** Takes a place for a new request, blocking or refusing as configured. */
  void admit() {
    requireOpen();
    if (overflow == Predictor.Overflow.REJECT) {
      if (!places.tryAcquire()) {
        throw new RejectedExecutionException(
            "the predictor's queue is full: " + capacity + " requests are in flight");
      }
      return;
    }
    try {
      while (!places.tryAcquire(50, TimeUnit.MILLISECONDS)) {
        requireOpen();
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new RejectedExecutionException("interrupted while waiting for space in the predictor's queue", e);
    }
  }

  /** Gives back the place of a request that was admitted but never started. */
  void withdraw() {
    places.release();
  }

  /** Refuses new requests; those admitted are still answered. */
  void close() {
    closed = true;
  }

  /** Tells the workers that nothing more will become ready: they stop once the queue is empty. */
  void drain() {
    draining = true;
  }

  void requireOpen() {
    if (closed) {
      throw new IllegalStateException("the predictor is closed");
    }
  }

  /** A decoded request, ready to be batched. */
  void ready(PredictionRequest request) {
    request.readyNanos = System.nanoTime();
    ready.add(request);
  }

  /**
   * Waits for a first ready request, then gathers more until the batch holds {@code max} or
   * {@code delay} has passed. Returns false, with nothing gathered, once the queue is drained.
   */
  boolean takeBatch(List<PredictionRequest> batch, int max, Duration delay) {
    try {
      PredictionRequest first = null;
      while (first == null) {
        first = ready.poll(20, TimeUnit.MILLISECONDS);
        if (first == null && draining) {
          return false;
        }
      }
      batch.add(first);
      long deadline = System.nanoTime() + delay.toNanos();
      while (batch.size() < max) {
        PredictionRequest next = ready.poll(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
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

  /** Answers a request; its counters are updated first, so metrics already include it. */
  void finish(PredictionRequest request, Prediction prediction, Throwable error) {
    stats.answered(error == null, System.nanoTime() - request.submittedNanos);
    places.release();
    if (error == null) {
      request.result.complete(prediction);
    } else {
      request.result.completeExceptionally(error);
    }
  }
}
