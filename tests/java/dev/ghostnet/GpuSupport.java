package dev.ghostnet;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

/** Lets GPU tests run where a GPU is usable and be skipped, with the reason, elsewhere. */
final class GpuSupport {
  private static final RuntimeInfo INFO = RuntimeInfo.query();

  private GpuSupport() {}

  static void assumeGpu() {
    assumeTrue(INFO.gpuUsable(), () -> "no usable GPU: " + INFO.gpuUnavailableReason());
  }

  static boolean gpuUsable() {
    return INFO.gpuUsable();
  }

  static boolean hasCudaDevice() {
    return !INFO.gpus().isEmpty();
  }

  static String reason() {
    return INFO.gpuUnavailableReason();
  }
}
