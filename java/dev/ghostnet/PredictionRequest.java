package dev.ghostnet;

import java.util.concurrent.CompletableFuture;
import java.util.function.Supplier;

/** One image on its way through a {@link Predictor}: decoded on a pool thread, then batched. */
final class PredictionRequest {
  final String source;
  final Supplier<byte[]> preprocess;
  final CompletableFuture<Prediction> result = new CompletableFuture<>();
  final long submittedNanos = System.nanoTime();
  byte[] pixels; // the preprocessed image, once decoded
  long readyNanos;

  PredictionRequest(String source, Supplier<byte[]> preprocess) {
    this.source = source;
    this.preprocess = preprocess;
  }
}
