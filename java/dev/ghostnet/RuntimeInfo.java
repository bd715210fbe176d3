package dev.ghostnet;

import dev.ghostnet.internal.NativeApi;
import dev.ghostnet.internal.NativeJpeg;
import dev.ghostnet.internal.NativeLibrary;
import dev.ghostnet.internal.Status;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.bytedeco.javacpp.Loader;

/**
 * What this build of ghostnet and this machine offer: versions, how the natives were built
 * ({@code nativeBuild}: the compiler and the oldest glibc they load on, "GCC 10.2.1, glibc 2.31"),
 * host cores and the instruction set the host kernels use on them ({@code hostIsa}: "AVX-512",
 * "AVX2+FMA" or "x86-64 baseline (SSE2)"), what a BF16 model's convolutions run on there
 * ({@code hostBf16Engine}: "AVX512_BF16", or "FP32 kernels" where this CPU's AVX512_BF16 would be
 * slower than FP32, and then a BF16 model's logits are FP32's; empty where the CPU has no
 * AVX512_BF16 and BF16 on the host is refused), what decodes JPEGs ({@code jpegDecoder}: "libjpeg-turbo
 * at PATH", the system's, PIL's decoder; else "ImageIO (...)" saying why), GPUs, the libraries a GPU
 * needs, and when no GPU is usable, exactly why.
 */
public record RuntimeInfo(
    String libraryVersion,
    String nativeBuild,
    String javacppVersion,
    int cudaCompiledVersion,
    int cudaDriverVersion,
    int hostCores,
    String hostIsa,
    String hostBf16Engine,
    String jpegDecoder,
    List<Gpu> gpus,
    List<GpuLibrary> gpuLibraries,
    String gpuUnavailableReason) {

  /** One GPU as the CUDA runtime describes it. */
  public record Gpu(int index, String name, int computeCapabilityMajor, int computeCapabilityMinor,
      long totalMemoryBytes) {}

  /**
   * A library the GPU path loads at run time (cuDNN, and the cuBLASLt and NVRTC that cuDNN opens),
   * as it was found: its version and path (empty when it was not loaded), notes, and the problem
   * (empty when it was loaded; else why not, with every place looked at).
   */
  public record GpuLibrary(String name, String version, String path, String notes, String problem) {}

  public static RuntimeInfo query() {
    NativeLibrary.ensureLoaded();
    String reason = NativeApi.gn_gpu_unavailable_reason();
    List<Gpu> gpus = new ArrayList<>();
    int count = NativeApi.gn_gpu_count();
    for (int i = 0; i < count; i++) {
      byte[] name = new byte[256];
      int[] major = new int[1];
      int[] minor = new int[1];
      long[] memory = new long[1];
      Status.check(NativeApi.gn_gpu_properties(i, name, name.length, major, minor, memory));
      gpus.add(new Gpu(i, cString(name), major[0], minor[0], memory[0]));
    }
    List<GpuLibrary> libraries = new ArrayList<>();
    for (int i = 0; i < NativeApi.gn_gpu_library_count(); i++) {
      libraries.add(new GpuLibrary(NativeApi.gn_gpu_library_name(i), NativeApi.gn_gpu_library_version(i),
          NativeApi.gn_gpu_library_path(i), NativeApi.gn_gpu_library_notes(i), NativeApi.gn_gpu_library_problem(i)));
    }
    return new RuntimeInfo(NativeApi.gn_version(), NativeApi.gn_build_info(), loadedJavacppVersion(), NativeApi.gn_cuda_compiled_version(),
        NativeApi.gn_cuda_driver_version(), NativeApi.gn_host_cores(), NativeApi.gn_host_isa(), NativeApi.gn_host_bf16_engine(),
        NativeJpeg.describe(), List.copyOf(gpus), List.copyOf(libraries), reason);
  }

  /** Whether a GPU can run ghostnet (a device, a driver and cuDNN). */
  public boolean gpuUsable() {
    return gpuUnavailableReason.isEmpty() && !gpus.isEmpty();
  }

  private static String loadedJavacppVersion() {
    try {
      return Loader.getVersion();
    } catch (IOException e) {
      return "unknown (" + e.getMessage() + ")";
    }
  }

  private static String cString(byte[] bytes) {
    int n = 0;
    while (n < bytes.length && bytes[n] != 0) {
      n++;
    }
    return new String(bytes, 0, n, StandardCharsets.UTF_8);
  }
}
