package dev.ghostnet;

import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/** A predictor's counters and recent timings, shared by its workers. */
final class PredictorStats {
  private static final int WINDOW = 4096;
  private final long created = System.nanoTime();
  private final long[] latencies = new long[WINDOW];
  private final long[] queueTimes = new long[WINDOW];
  private final Map<Integer, Long> batchSizes = new TreeMap<>();
  private long completed;
  private long failed;
  private long paddedImages;
  private long latencyCount;
  private long queueCount;

  synchronized void answered(boolean ok, long latencyNanos) {
    if (ok) {
      completed++;
    } else {
      failed++;
    }
    latencies[(int) (latencyCount++ % WINDOW)] = latencyNanos;
  }

  /** A batch of real images starting at {@code startNanos}, computed with {@code padded} more. */
  synchronized void batch(List<PredictionRequest> batch, long startNanos, int padded) {
    batchSizes.merge(batch.size(), 1L, Long::sum);
    paddedImages += padded;
    for (PredictionRequest r : batch) {
      queueTimes[(int) (queueCount++ % WINDOW)] = startNanos - r.readyNanos;
    }
  }

  synchronized PredictorMetrics snapshot() {
    long batches = batchSizes.values().stream().mapToLong(Long::longValue).sum();
    long images = batchSizes.entrySet().stream().mapToLong(e -> e.getKey() * e.getValue()).sum();
    double seconds = (System.nanoTime() - created) / 1e9;
    return new PredictorMetrics(completed, failed, completed / seconds, Map.copyOf(batchSizes),
        batches == 0 ? 0 : (double) images / batches, paddedImages, percentile(queueTimes, queueCount, 50),
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
