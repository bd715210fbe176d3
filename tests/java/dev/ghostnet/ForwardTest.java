package dev.ghostnet;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import java.util.List;
import java.util.Random;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/** The host forward pass through the Java API, against the PyTorch reference. */
class ForwardTest {
  static List<Fixtures.Case> cases() {
    return Fixtures.cases();
  }

  @ParameterizedTest
  @MethodSource("cases")
  void hostFp32MatchesPyTorch(Fixtures.Case c) {
    try (GhostNet model = GhostNet.load(c.weights(), Device.CPU)) {
      assertEquals(c.numClasses(), model.numClasses());
      Comparison.assertWithin(Fixtures.logits(model, c.input()), Fixtures.expected(c), Fixtures.hostBound(c), c.name());
    }
  }

  @ParameterizedTest
  @MethodSource("cases")
  void aModelIsNamedByItsMemberWidthMultiplierAndClasses(Fixtures.Case c) {
    try (GhostNet model = GhostNet.load(c.weights(), Device.CPU)) {
      String family = switch (c.family()) {
        case "v1" -> "GhostNet";
        case "v2" -> "GhostNetV2";
        case "v3" -> "GhostNetV3";
        default -> throw new AssertionError("unknown family " + c.family());
      };
      assertEquals(family, model.family());
      assertEquals(c.width(), model.width());
      // Double.toString writes the widths as GhostNet's names do: 1.0, 0.5, 1.3, 0.25.
      assertEquals(family + " " + c.width() + "x, " + c.numClasses() + " classes, fp32 on cpu", model.toString());
    }
  }

  @Test
  void wrappedFloatBuffersInAndOutGivePyTorchsLogits() {
    Fixtures.Case c = Fixtures.smallCase();
    try (GhostNet model = GhostNet.load(c.weights(), Device.CPU);
        ExecutionContext context = model.newContext();
        Tensor input = Npy.read(c.input(), Layout.NCHW)) {
      Shape shape = input.shape();
      FloatBuffer x = ByteBuffer.allocateDirect((int) input.byteSize()).order(ByteOrder.nativeOrder()).asFloatBuffer();
      x.put(input.toFloatArray()).flip();
      float[] expected = Fixtures.expected(c);
      FloatBuffer y = ByteBuffer.allocateDirect(4 * expected.length).order(ByteOrder.nativeOrder()).asFloatBuffer();
      try (Tensor wrappedIn = Tensor.wrap(x, shape);
          Tensor wrappedOut = Tensor.wrap(y, Shape.of(shape.batch(), model.numClasses()))) {
        context.forward(wrappedIn, wrappedOut);
      }
      float[] logits = new float[expected.length];
      y.get(logits);
      Comparison.assertWithin(logits, expected, Fixtures.hostBound(c), c.name());
    }
  }

  @Test
  void nhwcInputGivesTheSameLogitsAsNchw() {
    Fixtures.Case c = Fixtures.smallCase();
    try (GhostNet model = GhostNet.load(c.weights(), Device.CPU);
        ExecutionContext context = model.newContext();
        Tensor nchw = Npy.read(c.input(), Layout.NCHW)) {
      Shape s = nchw.shape();
      float[] a = nchw.toFloatArray();
      float[] b = new float[a.length];
      int n = (int) s.batch(), ch = (int) s.channels(), h = (int) s.height(), w = (int) s.width();
      for (int i = 0; i < n; i++) {
        for (int k = 0; k < ch; k++) {
          for (int y = 0; y < h; y++) {
            for (int x = 0; x < w; x++) {
              b[((i * h + y) * w + x) * ch + k] = a[((i * ch + k) * h + y) * w + x];
            }
          }
        }
      }
      try (Tensor nhwc = Tensor.fromFloats(b, Shape.nhwc(n, h, w, ch));
          Tensor y1 = context.forward(nchw);
          Tensor y2 = context.forward(nhwc)) {
        assertArrayEquals(y1.toFloatArray(), y2.toFloatArray(), 1e-6f);
      }
    }
  }

  @Test
  void uint8ImagesAreNormalisedLikeTorchvision() {
    Fixtures.Case c = Fixtures.smallCase();
    float[] mean = {0.485f, 0.456f, 0.406f};
    float[] std = {0.229f, 0.224f, 0.225f};
    int n = 2, h = 40, w = 36;
    byte[] pixels = new byte[n * h * w * 3];
    new Random(7).nextBytes(pixels);
    float[] normalised = new float[pixels.length]; // NCHW, computed here as torchvision's Normalize does
    for (int i = 0; i < n; i++) {
      for (int y = 0; y < h; y++) {
        for (int x = 0; x < w; x++) {
          for (int k = 0; k < 3; k++) {
            int value = pixels[((i * h + y) * w + x) * 3 + k] & 0xff;
            normalised[((i * 3 + k) * h + y) * w + x] = (value / 255f - mean[k]) / std[k];
          }
        }
      }
    }
    try (GhostNet model = GhostNet.load(c.weights(), Device.CPU);
        ExecutionContext context = model.newContext();
        Tensor images = Tensor.allocate(Device.CPU, DType.U8, Shape.nhwc(n, h, w, 3));
        Tensor floats = Tensor.fromFloats(normalised, Shape.nchw(n, 3, h, w))) {
      images.copyFrom(pixels);
      try (Tensor y1 = context.forward(images); Tensor y2 = context.forward(floats)) {
        assertArrayEquals(y2.toFloatArray(), y1.toFloatArray(), 1e-4f);
      }
    }
  }

  @Test
  void contextsOnOneModelRunConcurrentlyWithIdenticalResults() throws Exception {
    Fixtures.Case c = Fixtures.smallCase();
    try (GhostNet model = GhostNet.load(c.weights(), Device.CPU)) {
      float[] single = Fixtures.logits(model, c.input());
      ExecutorService pool = Executors.newFixedThreadPool(4);
      try {
        List<Future<float[]>> results = new java.util.ArrayList<>();
        for (int i = 0; i < 8; i++) {
          results.add(pool.submit(() -> Fixtures.logits(model, c.input())));
        }
        for (Future<float[]> r : results) {
          assertArrayEquals(single, r.get());
        }
      } finally {
        pool.shutdownNow();
      }
    }
  }

  @Test
  void aContextUsedByTwoThreadsAtOnceFailsFast() throws Exception {
    Fixtures.Case c = Fixtures.cases().get(0); // width 1.0 at 224: long enough to overlap
    try (GhostNet model = GhostNet.load(c.weights(), Device.CPU);
        ExecutionContext context = model.newContext();
        Tensor x = Npy.read(c.input(), Layout.NCHW);
        Tensor y1 = Tensor.allocate(Device.CPU, DType.F32, Shape.of(x.shape().dim(0), model.numClasses()));
        Tensor y2 = Tensor.allocate(Device.CPU, DType.F32, Shape.of(x.shape().dim(0), model.numClasses()))) {
      context.forward(x, y1); // plan the shape first, so the overlap is in the forward itself
      ExecutorService pool = Executors.newFixedThreadPool(2);
      try {
        int busy = 0;
        for (int attempt = 0; attempt < 20 && busy == 0; attempt++) {
          Future<?> first = pool.submit(() -> context.forward(x, y1));
          Future<?> second = pool.submit(() -> context.forward(x, y2));
          for (Future<?> f : List.of(first, second)) {
            try {
              f.get();
            } catch (java.util.concurrent.ExecutionException e) {
              ContextBusyException cause = assertInstanceOfBusy(e.getCause());
              assertTrue(cause.getMessage().contains("one context per thread"), cause.getMessage());
              busy++;
            }
          }
        }
        assertTrue(busy > 0, "two threads never overlapped on one context");
      } finally {
        pool.shutdownNow();
      }
    }
  }

  private static ContextBusyException assertInstanceOfBusy(Throwable t) {
    if (t instanceof ContextBusyException busy) {
      return busy;
    }
    throw new AssertionError("expected ContextBusyException, got " + t, t);
  }

  @Test
  void wrongInputsAreRefusedWithTheReason() {
    Fixtures.Case c = Fixtures.smallCase();
    try (GhostNet model = GhostNet.load(c.weights(), Device.CPU); ExecutionContext context = model.newContext()) {
      try (Tensor rank3 = Tensor.allocate(Device.CPU, DType.F32, Shape.of(3, 32, 32))) {
        InvalidArgumentException e = assertThrows(InvalidArgumentException.class, () -> context.forward(rank3));
        assertTrue(e.getMessage().contains("NCHW or NHWC"), e.getMessage());
      }
      try (Tensor fourChannels = Tensor.allocate(Device.CPU, DType.F32, Shape.nchw(1, 4, 32, 32))) {
        InvalidArgumentException e = assertThrows(InvalidArgumentException.class, () -> context.forward(fourChannels));
        assertTrue(e.getMessage().contains("3 channels") && e.getMessage().contains("found 4"), e.getMessage());
      }
      try (Tensor half = Tensor.allocate(Device.CPU, DType.F16, Shape.nchw(1, 3, 32, 32))) {
        InvalidArgumentException e = assertThrows(InvalidArgumentException.class, () -> context.forward(half));
        assertTrue(e.getMessage().contains("f32") && e.getMessage().contains("f16"), e.getMessage());
      }
      try (Tensor x = Tensor.allocate(Device.CPU, DType.F32, Shape.nchw(2, 3, 32, 32));
          Tensor wrongOutput = Tensor.allocate(Device.CPU, DType.F32, Shape.of(2, 11))) {
        InvalidArgumentException e = assertThrows(InvalidArgumentException.class,
            () -> context.forward(x, wrongOutput));
        assertTrue(e.getMessage().contains("[2, 10]") && e.getMessage().contains("[2, 11]"), e.getMessage());
      }
    }
  }

  @Test
  void lowPrecisionOnTheHostIsRefused() {
    InvalidArgumentException e = assertThrows(InvalidArgumentException.class,
        () -> GhostNet.load(Fixtures.smallCase().weights(), Device.CPU,
            GhostNet.Options.DEFAULT.withPrecision(Precision.FP16)));
    assertTrue(e.getMessage().contains("fp32"), e.getMessage());
  }

  @Test
  void contextsOutliveTheirModel() {
    Fixtures.Case c = Fixtures.smallCase();
    GhostNet model = GhostNet.load(c.weights(), Device.CPU);
    try (ExecutionContext context = model.newContext(); Tensor x = Npy.read(c.input(), Layout.NCHW)) {
      model.close();
      try (Tensor y = context.forward(x)) {
        Comparison.assertWithin(y.toFloatArray(), Fixtures.expected(c), Fixtures.hostBound(c), c.name());
      }
      assertThrows(IllegalStateException.class, model::newContext);
    }
  }
}
