package dev.ghostnet;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.bytedeco.cuda.cudart.CUstream_st;
import org.bytedeco.javacpp.Pointer;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

class DeviceAndStreamTest {
  @Test
  void parsesDevices() {
    assertEquals(Device.CPU, Device.parse("cpu"));
    assertEquals(Device.cuda(0), Device.parse("cuda"));
    assertEquals(Device.cuda(3), Device.parse("CUDA:3"));
    InvalidArgumentException e = assertThrows(InvalidArgumentException.class, () -> Device.parse("tpu:0"));
    assertTrue(e.getMessage().contains("'tpu:0'") && e.getMessage().contains("cuda:N"), e.getMessage());
    assertThrows(InvalidArgumentException.class, () -> Device.cuda(-1));
  }

  @Test
  void bestDeviceMatchesWhatTheRuntimeReports() {
    assertEquals(GpuSupport.gpuUsable() ? Device.cuda(0) : Device.CPU, Device.best());
  }

  @Test
  void runtimeInfoExplainsAMissingGpu() {
    RuntimeInfo info = RuntimeInfo.query();
    assertEquals("0.1.0", info.libraryVersion());
    // The compiler and the glibc the natives were built with; GCC 10 is the oldest that builds them.
    Matcher build = Pattern.compile("GCC (\\d+)\\.\\d+\\.\\d+, glibc 2\\.(\\d+)")
        .matcher(info.nativeBuild());
    assertTrue(build.matches(), info.nativeBuild());
    assertTrue(Integer.parseInt(build.group(1)) >= 10, info.nativeBuild());
    assertTrue(info.hostCores() >= 1);
    assertEquals(info.gpuUsable(), info.gpuUnavailableReason().isEmpty());
    if (!info.gpuUsable()) {
      assertFalse(info.gpuUnavailableReason().isBlank());
    }
  }

  @Test
  void hostStreamsAreSynchronousStandIns() {
    try (Stream s = Stream.create(Device.CPU)) {
      assertTrue(s.isOwner());
      assertEquals(0, s.handle());
      s.synchronize();
    }
  }

  @Test
  void aCudaHandleOnTheHostIsRefused() {
    InvalidArgumentException e = assertThrows(InvalidArgumentException.class, () -> Stream.wrap(1234, Device.CPU));
    assertTrue(e.getMessage().contains("host"), e.getMessage());
  }

  @Test
  void streamUseAfterCloseThrows() {
    Stream s = Stream.create(Device.CPU);
    s.close();
    s.close();
    IllegalStateException e = assertThrows(IllegalStateException.class, s::synchronize);
    assertTrue(e.getMessage().contains("stream on cpu is closed"), e.getMessage());
  }

  @Tag(GpuSupport.GPU_TAG)
  @Test
  void wrapsAndHandsOutJavaCppCudaStreams() {
    GpuSupport.assumeGpu();
    try (Stream owned = Stream.create(Device.cuda(0))) {
      CUstream_st presets = owned.asCUstream();
      assertNotEquals(0, presets.address());
      try (Stream borrowed = Stream.wrap(presets, Device.cuda(0))) {
        assertFalse(borrowed.isOwner());
        assertEquals(owned.handle(), borrowed.handle());
        borrowed.synchronize();
      }
      owned.synchronize(); // still alive: closing the borrower did not destroy it
    }
  }

  @Tag(GpuSupport.GPU_TAG)
  @Test
  void devicePointersFromJavaCppGoInWithoutCopies() {
    GpuSupport.assumeGpu();
    try (Tensor owner = Tensor.allocate(Device.cuda(0), DType.F32, Shape.of(3))) {
      owner.copyFrom(new float[] {1, 2, 3});
      Pointer view = owner.pointer();
      try (Tensor alias = Tensor.wrap(view, Device.cuda(0), DType.F32, Shape.of(3))) {
        assertEquals(owner.address(), alias.address());
        alias.copyFrom(new float[] {7, 8, 9});
      }
      assertEquals(8f, owner.toFloatArray()[1]);
    }
  }
}
