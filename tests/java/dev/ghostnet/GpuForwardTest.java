package dev.ghostnet;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.bytedeco.cuda.cudart.CUstream_st;
import org.bytedeco.cuda.global.cudart;
import org.bytedeco.javacpp.Pointer;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/** The GPU path through the Java API; see GpuSupport for where it runs. */
class GpuForwardTest {
  static List<Fixtures.Case> cases() {
    return Fixtures.cases();
  }

  private static float[] gpuLogits(GhostNet model, Fixtures.Case c) {
    try (ExecutionContext context = model.newContext();
        Tensor host = Npy.read(c.input(), Layout.NCHW);
        Tensor x = Tensor.allocate(model.device(), DType.F32, host.shape())) {
      x.copyFrom(host);
      try (Tensor y = context.forward(x)) {
        return y.toFloatArray();
      }
    }
  }

  @Tag(GpuSupport.GPU_TAG)
  @ParameterizedTest
  @MethodSource("cases")
  void fp32AndFp16MatchPyTorch(Fixtures.Case c) {
    GpuSupport.assumeGpu();
    for (Precision p : new Precision[] {Precision.FP32, Precision.FP16}) {
      try (GhostNet model = GhostNet.load(c.weights(), Device.cuda(0), GhostNet.Options.DEFAULT.withPrecision(p))) {
        Comparison.assertWithin(gpuLogits(model, c), Fixtures.expected(c), Fixtures.gpuBound(c, p), c + " " + p);
      }
    }
  }

  @Tag(GpuSupport.GPU_TAG)
  @Test
  void runsOnAJavaCppStreamWithJavaCppDeviceMemory() {
    GpuSupport.assumeGpu();
    String presetsProblem = presetsProblem();
    GpuSupport.assumeGpu(presetsProblem.isEmpty(), () -> "JavaCPP's CUDA presets cannot load: " + presetsProblem);
    Fixtures.Case c = Fixtures.smallCase();
    CUstream_st stream = new CUstream_st();
    assertEquals(0, cudart.cudaStreamCreate(stream));
    Pointer memory = new Pointer();
    try (GhostNet model = GhostNet.load(c.weights(), Device.cuda(0));
        Stream wrapped = Stream.wrap(stream, Device.cuda(0));
        ExecutionContext context = model.newContext(wrapped);
        Tensor host = Npy.read(c.input(), Layout.NCHW)) {
      assertEquals(0, cudart.cudaMalloc(memory, host.byteSize()));
      try (Tensor x = Tensor.wrap(memory.capacity(host.byteSize()).limit(host.byteSize()), Device.cuda(0),
          DType.F32, host.shape());
          Tensor y = Tensor.allocate(Device.cuda(0), DType.F32, Shape.of(2, 10))) {
        x.copyFrom(host, wrapped);
        context.enqueue(x, y);
        assertEquals(0, cudart.cudaStreamSynchronize(stream));
        Comparison.assertWithin(y.toFloatArray(), Fixtures.expected(c), Fixtures.gpuBound(c, Precision.FP32), c.name());
      }
    } finally {
      cudart.cudaFree(memory);
      cudart.cudaStreamDestroy(stream);
    }
  }

  @Tag(GpuSupport.GPU_TAG)
  @Test
  void aHostTensorIsRefusedByAGpuModel() {
    GpuSupport.assumeGpu();
    Fixtures.Case c = Fixtures.smallCase();
    try (GhostNet model = GhostNet.load(c.weights(), Device.cuda(0));
        ExecutionContext context = model.newContext();
        Tensor host = Npy.read(c.input(), Layout.NCHW)) {
      InvalidArgumentException e = assertThrows(InvalidArgumentException.class, () -> context.forward(host));
      assertTrue(e.getMessage().contains("cuda:0") && e.getMessage().contains("cpu"), e.getMessage());
    }
  }

  @Test
  void aGpuModelWithoutAGpuIsDeviceUnavailable() {
    Assumptions.assumeFalse(GpuSupport.gpuUsable(), "this machine has a usable GPU");
    DeviceUnavailableException e = assertThrows(DeviceUnavailableException.class,
        () -> GhostNet.load(Fixtures.smallCase().weights(), Device.cuda(0)));
    assertTrue(e.getMessage().contains(GpuSupport.reason().lines().findFirst().orElse("")), e.getMessage());
  }

  /** Why JavaCPP's CUDA runtime presets cannot load here; "" when they can. */
  private static String presetsProblem() {
    try {
      org.bytedeco.javacpp.Loader.load(cudart.class);
      return "";
    } catch (UnsatisfiedLinkError | NoClassDefFoundError e) {
      return e.toString();
    }
  }
}
