package dev.ghostnet;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Test;

/**
 * Stress: one model shared by 16 threads gives, in every thread, exactly the
 * logits a single thread gets; and a failed request leaves its context and the model as they were.
 */
class StressTest {
  static final int THREADS = 16;
  static final int ROUNDS = 25;

  /** A few inputs of different shapes, so that threads plan and replan concurrently. */
  static final Shape[] SHAPES = {Shape.nchw(1, 3, 32, 32), Shape.nchw(2, 3, 24, 40), Shape.nhwc(1, 17, 23, 3)};

  static float[] pixels(Shape shape, long seed) {
    float[] values = new float[(int) shape.numel()];
    Random random = new Random(seed);
    for (int i = 0; i < values.length; i++) {
      values[i] = (float) random.nextGaussian();
    }
    return values;
  }

  static float[] logits(ExecutionContext context, Shape shape, float[] values) {
    try (Tensor x = Tensor.fromFloats(values, shape); Tensor y = context.forward(x)) {
      return y.toFloatArray();
    }
  }

  @Test
  void sixteenThreadsSharingOneModelGetTheSingleThreadLogits() throws Exception {
    try (GhostNet model = GhostNet.load(Fixtures.smallCase().weights(), Device.CPU)) {
      float[][] inputs = new float[SHAPES.length][];
      float[][] expected = new float[SHAPES.length][];
      try (ExecutionContext context = model.newContext()) {
        for (int s = 0; s < SHAPES.length; s++) {
          inputs[s] = pixels(SHAPES[s], s);
          expected[s] = logits(context, SHAPES[s], inputs[s]);
        }
      }
      ExecutorService pool = Executors.newFixedThreadPool(THREADS);
      CountDownLatch start = new CountDownLatch(1);
      try {
        List<Future<Integer>> results = new ArrayList<>();
        for (int t = 0; t < THREADS; t++) {
          int thread = t;
          results.add(pool.submit(() -> {
            start.await();
            int checked = 0;
            try (ExecutionContext context = model.newContext()) {
              for (int round = 0; round < ROUNDS; round++) {
                int s = (thread + round) % SHAPES.length;
                assertArrayEquals(expected[s], logits(context, SHAPES[s], inputs[s]),
                    "thread " + thread + ", round " + round + ", " + SHAPES[s]);
                checked++;
              }
            }
            return checked;
          }));
        }
        start.countDown();
        int total = 0;
        for (Future<Integer> result : results) {
          total += result.get();
        }
        assertEquals(THREADS * ROUNDS, total);
      } finally {
        pool.shutdownNow();
      }
    }
  }

  @Test
  void aFailedRequestPoisonsNeitherTheContextNorTheModel() {
    Fixtures.Case c = Fixtures.smallCase();
    try (GhostNet model = GhostNet.load(c.weights(), Device.CPU);
        ExecutionContext context = model.newContext();
        Tensor good = Npy.read(c.input(), Layout.NCHW)) {
      float[] expected = Fixtures.expected(c);
      float[] first;
      try (Tensor y = context.forward(good)) {
        first = y.toFloatArray();
      }
      Comparison.assertWithin(first, expected, Fixtures.hostBound(c), c.name());
      long batch = good.shape().dim(0);

      List<Runnable> failures = new ArrayList<>();
      // Wrong shapes, dtypes and layouts.
      failures.add(() -> {
        try (Tensor wrong = Tensor.allocate(Device.CPU, DType.F32, Shape.nchw(batch, 4, 64, 48))) {
          InvalidArgumentException e = assertThrows(InvalidArgumentException.class, () -> context.forward(wrong));
          assertTrue(e.getMessage().contains("3 channels"), e.getMessage());
        }
      });
      failures.add(() -> {
        try (Tensor half = Tensor.allocate(Device.CPU, DType.F16, good.shape())) {
          assertThrows(InvalidArgumentException.class, () -> context.forward(half));
        }
      });
      failures.add(() -> {
        try (Tensor wrongOutput = Tensor.allocate(Device.CPU, DType.F32, Shape.of(batch, model.numClasses() + 1))) {
          assertThrows(InvalidArgumentException.class, () -> context.forward(good, wrongOutput));
        }
      });
      // A size the kernels cannot index, borrowed over a few bytes: refused before it is planned.
      failures.add(() -> {
        try (Tensor tiny = Tensor.allocate(Device.CPU, DType.F32, Shape.of(16));
            Tensor huge = Tensor.wrapAddress(tiny.address(), Device.CPU, DType.F32, Shape.nchw(1, 3, 1 << 20, 1 << 20))) {
          InvalidArgumentException e = assertThrows(InvalidArgumentException.class, () -> context.forward(huge));
          assertTrue(e.getMessage().contains("beyond what the kernels index"), e.getMessage());
        }
      });
      // Closed and released tensors.
      failures.add(() -> {
        Tensor closed = Tensor.allocate(Device.CPU, DType.F32, good.shape());
        closed.close();
        assertThrows(IllegalStateException.class, () -> context.forward(closed));
      });
      failures.add(() -> {
        Tensor released = Tensor.allocate(Device.CPU, DType.F32, good.shape());
        long address = released.release();
        try {
          assertThrows(IllegalStateException.class, () -> context.forward(released));
        } finally {
          Tensor.free(Device.CPU, address);
        }
      });
      failures.add(() -> {
        try (Tensor y = Tensor.allocate(Device.CPU, DType.F32, Shape.of(batch, model.numClasses()))) {
          y.close();
          assertThrows(IllegalStateException.class, () -> context.forward(good, y));
        }
      });

      for (Runnable failure : failures) {
        failure.run();
        try (Tensor y = context.forward(good)) {
          assertArrayEquals(first, y.toFloatArray(), "after a failed request, the same context");
        }
        try (ExecutionContext fresh = model.newContext(); Tensor y = fresh.forward(good)) {
          assertArrayEquals(first, y.toFloatArray(), "after a failed request, a new context of the same model");
        }
      }
    }
  }
}
