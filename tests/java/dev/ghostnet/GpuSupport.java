package dev.ghostnet;

import static org.junit.jupiter.api.Assertions.fail;

import java.util.function.Supplier;
import org.opentest4j.TestAbortedException;

/**
 * GPU tests (tagged "gpu") run where a GPU can run ghostnet. Elsewhere they are skipped with the
 * reason, unless the environment variable GHOSTNET_REQUIRE_GPU is set (to anything but 0;
 * tests/gpu/check.sh sets it to 1): then a GPU test that cannot run fails with the reason, so that
 * a missing driver or library never reads as a pass.
 */
final class GpuSupport {
  static final String GPU_TAG = "gpu";
  private static final RuntimeInfo INFO = RuntimeInfo.query();
  private static final boolean REQUIRED = required(System.getenv("GHOSTNET_REQUIRE_GPU"));

  private GpuSupport() {}

  /** The first statement of every GPU test. */
  static void assumeGpu() {
    assumeGpu(INFO.gpuUsable(), () -> "no usable GPU: " + INFO.gpuUnavailableReason());
  }

  /** For what else a GPU test needs: skips, or fails when a GPU is required, unless {@code possible}. */
  static void assumeGpu(boolean possible, Supplier<String> reason) {
    verdict(possible, reason, REQUIRED);
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

  /** Whether GHOSTNET_REQUIRE_GPU, given its value (null when unset), asks for a GPU. */
  static boolean required(String setting) {
    return setting != null && !setting.isEmpty() && !setting.equals("0");
  }

  /** Returns when a GPU test can run; else skips, or fails when {@code required}, saying why. */
  static void verdict(boolean possible, Supplier<String> reason, boolean required) {
    if (possible) {
      return;
    }
    if (required) {
      fail("GHOSTNET_REQUIRE_GPU is set, but " + reason.get());
    }
    throw new TestAbortedException(reason.get());
  }
}
