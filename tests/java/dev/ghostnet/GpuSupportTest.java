package dev.ghostnet;

import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;
import org.opentest4j.AssertionFailedError;
import org.opentest4j.TestAbortedException;

/** What a GPU test does where no GPU is usable: skips saying why, or fails saying why when a GPU is required. */
class GpuSupportTest {
  private static final String REASON = "no usable GPU: no NVIDIA driver: libcuda.so.1 was not found";

  @Test
  void anyValueButZeroAsksForAGpu() {
    assertFalse(GpuSupport.required(null));
    assertFalse(GpuSupport.required(""));
    assertFalse(GpuSupport.required("0"));
    assertTrue(GpuSupport.required("1"));
    assertTrue(GpuSupport.required("yes"));
  }

  @Test
  void anUnusableGpuSkipsWithTheReason() {
    TestAbortedException e = assertThrows(TestAbortedException.class,
        () -> GpuSupport.verdict(false, () -> REASON, false));
    assertEquals(REASON, e.getMessage());
  }

  @Test
  void anUnusableGpuFailsWithTheReasonWhenAGpuIsRequired() {
    AssertionFailedError e = assertThrows(AssertionFailedError.class,
        () -> GpuSupport.verdict(false, () -> REASON, true));
    assertEquals("GHOSTNET_REQUIRE_GPU is set, but " + REASON, e.getMessage());
  }

  @Test
  void aUsableGpuRuns() {
    assertDoesNotThrow(() -> GpuSupport.verdict(true, () -> REASON, true));
    assertDoesNotThrow(() -> GpuSupport.verdict(true, () -> REASON, false));
  }
}
