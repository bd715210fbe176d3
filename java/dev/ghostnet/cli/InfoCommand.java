package dev.ghostnet.cli;

import dev.ghostnet.RuntimeInfo;
import java.io.PrintWriter;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

/** {@code info}: versions, devices, and why no GPU is usable when none is. */
@Command(name = "info", description = "Print versions and the devices ghostnet can use.")
final class InfoCommand implements Callable<Integer> {
  @Spec CommandSpec spec;

  @Override
  public Integer call() {
    RuntimeInfo info = RuntimeInfo.query();
    PrintWriter out = spec.commandLine().getOut();
    out.printf("ghostnet %s%n", info.libraryVersion());
    row(out, "natives", info.nativeBuild());
    row(out, "JavaCPP", info.javacppVersion());
    row(out, "CUDA (compiled)", info.cudaCompiledVersion() == 0 ? "none: host-only build"
        : cudaVersion(info.cudaCompiledVersion()));
    row(out, "CUDA driver", info.cudaDriverVersion() == 0 ? "none" : cudaVersion(info.cudaDriverVersion()));
    if (info.gpuLibraries().isEmpty()) {
      row(out, "cuDNN", "none: host-only build");
    }
    for (RuntimeInfo.GpuLibrary library : info.gpuLibraries()) {
      library(out, library);
    }
    row(out, "host", info.hostCores() + " cores, " + info.hostIsa() + " kernels");
    row(out, "host bf16", bf16Engine(info.hostBf16Engine()));
    row(out, "jpeg decoder", info.jpegDecoder());
    for (RuntimeInfo.Gpu gpu : info.gpus()) {
      row(out, "cuda:" + gpu.index(), String.format("%s, compute capability %d.%d, %.1f GiB", gpu.name(),
          gpu.computeCapabilityMajor(), gpu.computeCapabilityMinor(), gpu.totalMemoryBytes() / (double) (1L << 30)));
    }
    if (info.gpuUsable()) {
      row(out, "GPU", "usable");
    } else {
      row(out, "GPU", "not usable: " + info.gpuUnavailableReason());
    }
    out.flush();
    return 0;
  }

  /** Where a library was found, and what else is worth knowing; or why it was not loaded. */
  private static void library(PrintWriter out, RuntimeInfo.GpuLibrary library) {
    if (library.problem().isEmpty()) {
      String notes = library.notes().isEmpty() ? "" : "\n" + library.notes();
      row(out, library.name(), library.version() + " at " + library.path() + notes);
    } else {
      row(out, library.name(), "not loaded: " + library.problem());
    }
  }

  /** A labelled value; a value of several lines is indented under its first. */
  private static void row(PrintWriter out, String label, String value) {
    out.printf("  %-17s %s%n", label, value.replace("\n", "\n" + " ".repeat(20)));
  }

  /** What --precision bf16 runs on the host, and why where it is not what the name says. */
  private static String bf16Engine(String engine) {
    String chosen = System.getenv("GHOSTNET_HOST_BF16");
    if (("fp32".equals(chosen) || "avx512_bf16".equals(chosen)) && !engine.isEmpty()) {
      return engine + " (GHOSTNET_HOST_BF16=" + chosen + " chose it)";
    }
    switch (engine) {
      case "":
        return "refused: this CPU lacks AVX512_BF16";
      case "FP32 kernels":
        return "FP32 kernels: this CPU's AVX512_BF16 would be slower than FP32, so bf16 gives fp32's logits "
            + "(GHOSTNET_HOST_BF16=avx512_bf16 runs it anyway)";
      default:
        return engine;
    }
  }

  private static String cudaVersion(int version) {
    return (version / 1000) + "." + (version % 1000 / 10);
  }
}
