package dev.ghostnet;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.File;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Soak: models, contexts, streams and tensors (owned, pinned, borrowed,
 * released) are created and closed 10,000 times, with failing requests among them, and the
 * process's resident memory stays flat after warm-up.
 *
 * <p>The loop runs in a JVM of its own whose Java heap is fixed and touched up front
 * ({@code -Xms = -Xmx}, {@code -XX:+AlwaysPreTouch}), so that growth of VmRSS is growth of native
 * memory, not the Java heap filling up. Each iteration holds more than 60 KB of native memory
 * (tensors, a context's workspace) and every 20th a whole model, so a leak of any of them over the
 * 9,000 iterations after warm-up would be hundreds of megabytes; the bound allows 32 MB of noise.
 */
class SoakTest {
  static final int ITERATIONS = Integer.getInteger("ghostnet.soak.iterations", 10_000);
  static final int WARMUP = ITERATIONS / 10;
  static final int MODEL_EVERY = 20;
  static final long MAX_GROWTH_KB = 32 * 1024;
  static final Pattern RESULT = Pattern.compile("soak: vmrss_kb warmup=(\\d+) end=(\\d+)");

  @Test
  void createAndCloseTenThousandTimesWithFlatResidentMemory(@TempDir Path temp)
      throws IOException, InterruptedException {
    List<String> command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
        "-Xms128m", "-Xmx128m", "-XX:+AlwaysPreTouch", "-XX:+UseSerialGC",
        "-Dghostnet.fixtures=" + Fixtures.DIR.toAbsolutePath(), "-Dghostnet.soak.iterations=" + ITERATIONS,
        "-cp", classPath(), Soak.class.getName()));
    // The output goes to a file, not a pipe read to its end: a soak that hangs then meets the timeout.
    Path log = temp.resolve("soak.log");
    Process process = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile()).start();
    if (!process.waitFor(5, TimeUnit.MINUTES)) {
      process.destroyForcibly().waitFor();
      fail("the soak did not finish within 5 minutes: " + Files.readString(log));
    }
    String output = Files.readString(log);
    System.out.print(output);
    assertEquals(0, process.exitValue(), output);
    Matcher m = RESULT.matcher(output);
    assertTrue(m.find(), output);
    long warm = Long.parseLong(m.group(1));
    long end = Long.parseLong(m.group(2));
    assertTrue(end - warm < MAX_GROWTH_KB, "resident memory grew by " + (end - warm) + " kB after warm-up: " + output);
  }

  /**
   * This JVM's class path and where the soak's own classes came from: a launcher such as JUnit's
   * console runner loads the tests and the library from a class path of its own.
   */
  private static String classPath() {
    List<String> entries = new ArrayList<>(List.of(System.getProperty("java.class.path").split(File.pathSeparator)));
    for (Class<?> c : new Class<?>[] {Soak.class, GhostNet.class, org.bytedeco.javacpp.Loader.class,
        com.google.gson.Gson.class}) {
      try {
        entries.add(Path.of(c.getProtectionDomain().getCodeSource().getLocation().toURI()).toString());
      } catch (java.net.URISyntaxException e) {
        throw new IllegalStateException(e);
      }
    }
    return String.join(File.pathSeparator, entries);
  }

  /** The soak itself, run by the test above in a JVM of its own. */
  static final class Soak {
    public static void main(String[] args) throws IOException {
      Path weights = Fixtures.DIR.resolve("formats/small_f32.safetensors");
      Shape shape = Shape.nchw(1, 3, 32, 32);
      float[] pixels = new float[(int) shape.numel()];
      Random random = new Random(5);
      for (int i = 0; i < pixels.length; i++) {
        pixels[i] = (float) random.nextGaussian();
      }
      ByteBuffer direct = ByteBuffer.allocateDirect(pixels.length * 4).order(ByteOrder.nativeOrder());
      float[] reference = null;
      long warm = 0;
      long end = 0;
      long start = System.nanoTime();
      StringBuilder series = new StringBuilder();
      GhostNet model = null;
      try {
        for (int i = 0; i < ITERATIONS; i++) {
          if (i % MODEL_EVERY == 0) {
            if (model != null) {
              model.close();
            }
            model = GhostNet.load(weights, Device.CPU);
          }
          try (ExecutionContext context = model.newContext();
              Stream stream = Stream.create(Device.CPU);
              Tensor owned = Tensor.fromFloats(pixels, shape);
              Tensor pinned = Tensor.allocatePinned(DType.F32, shape);
              Tensor borrowed = Tensor.wrap(direct, DType.F32, shape)) {
            pinned.copyFrom(owned, stream);
            borrowed.copyFrom(pinned);
            try (Tensor logits = context.forward(borrowed)) {
              if (reference == null) {
                reference = logits.toFloatArray();
              } else if (i % 500 == 0) {
                assertArrayEquals(reference, logits.toFloatArray(), "iteration " + i);
              }
            }
            if (i % 10 == 0) { // failing requests leak nothing either
              try (Tensor wrong = Tensor.allocate(Device.CPU, DType.F32, Shape.nchw(1, 4, 8, 8))) {
                context.forward(wrong).close();
                fail("a 4-channel input was accepted");
              } catch (InvalidArgumentException expected) {
                // the reason is checked by StressTest
              }
            }
          }
          long released = Tensor.allocate(Device.CPU, DType.U8, Shape.of(64 * 1024)).release();
          Tensor.free(Device.CPU, released);
          if (i + 1 == WARMUP) {
            warm = vmRssKb();
          }
          if ((i + 1) % (ITERATIONS / 10) == 0) {
            series.append(' ').append(vmRssKb());
          }
          if (i + 1 == ITERATIONS) {
            end = vmRssKb(); // like the warm-up figure, with a model loaded
          }
        }
      } finally {
        if (model != null) {
          model.close();
        }
      }
      System.out.printf("soak: %d iterations (a model load every %d) in %.1f s; VmRSS after warm-up (%d iterations) "
          + "%d kB, at the end %d kB, growth %d kB; every %d iterations:%s kB%n", ITERATIONS, MODEL_EVERY,
          (System.nanoTime() - start) / 1e9, WARMUP, warm, end, end - warm, ITERATIONS / 10, series);
      System.out.printf("soak: vmrss_kb warmup=%d end=%d%n", warm, end);
    }

    static long vmRssKb() throws IOException {
      for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
        if (line.startsWith("VmRSS:")) {
          return Long.parseLong(line.replaceAll("[^0-9]", ""));
        }
      }
      throw new IllegalStateException("no VmRSS in /proc/self/status");
    }
  }
}
