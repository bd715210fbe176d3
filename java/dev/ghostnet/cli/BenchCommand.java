package dev.ghostnet.cli;

import com.google.gson.Gson;
import dev.ghostnet.DType;
import dev.ghostnet.Device;
import dev.ghostnet.ExecutionContext;
import dev.ghostnet.GhostNet;
import dev.ghostnet.RuntimeInfo;
import dev.ghostnet.InvalidArgumentException;
import dev.ghostnet.Precision;
import dev.ghostnet.Shape;
import dev.ghostnet.Tensor;
import java.io.PrintWriter;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code bench}: forward passes back to back on device-resident input; images/s and latency, for
 * each precision and batch asked for, one after another in this JVM.
 */
@Command(name = "bench", description = {"Measure throughput (images/s) and latency of the forward pass.",
    "Without --weights it measures --model (GhostNet 1.0x by default) with random weights: the time does not depend "
        + "on their values.",
    "Several precisions and batches (comma-separated) are measured one after another, each combination once."})
final class BenchCommand implements Callable<Integer> {
  @Spec CommandSpec spec;
  @Mixin ModelOptions model;

  @Option(names = "--batch", defaultValue = "8", split = ",",
      description = "Images per forward pass; several, comma-separated (default: ${DEFAULT-VALUE}).")
  List<Integer> batches;

  @Option(names = "--size", defaultValue = "224", description = "Image height and width (default: ${DEFAULT-VALUE}).")
  int size;

  @Option(names = "--seconds", defaultValue = "10", description = "How long to measure (default: ${DEFAULT-VALUE}).")
  double seconds;

  @Option(names = "--warmup", defaultValue = "2", description = "Seconds of warm-up first (default: ${DEFAULT-VALUE}).")
  double warmup;

  @Option(names = "--input", defaultValue = "f32",
      description = "f32 (normalised NCHW) or u8 (NHWC images, normalised on the device) (default: ${DEFAULT-VALUE}).")
  String input;

  @Option(names = "--json", description = "Print one JSON object instead of the report.")
  boolean json;

  @Override
  public Integer call() {
    if (batches.stream().anyMatch(b -> b < 1) || size < 1 || seconds <= 0 || warmup < 0) {
      throw new InvalidArgumentException("--batch and --size must be positive, --seconds > 0, --warmup >= 0");
    }
    List<Precision> precisions = model.precisions();
    for (Precision precision : precisions) {
      try (GhostNet net = model.load(true, precision)) {
        for (int batch : batches) {
          measure(net, batch);
        }
      }
    }
    return 0;
  }

  private void measure(GhostNet net, int batch) {
    try (ExecutionContext context = net.newContext();
        Tensor x = randomInput(net.device(), batch);
        Tensor y = Tensor.allocate(net.device(), DType.F32, Shape.of(batch, net.numClasses()))) {
      run(context, x, y, warmup, "warm-up");
      long[] latencies = run(context, x, y, seconds, "measuring");
      report(net, batch, latencies);
    }
  }

  private Tensor randomInput(Device device, int batch) {
    boolean images = input.equals("u8");
    if (!images && !input.equals("f32")) {
      throw new InvalidArgumentException("--input must be f32 or u8, found '" + input + "'");
    }
    Shape shape = images ? Shape.nhwc(batch, size, size, 3) : Shape.nchw(batch, 3, size, size);
    try (Tensor host = Tensor.allocate(Device.CPU, images ? DType.U8 : DType.F32, shape)) {
      Random random = new Random(1);
      if (images) {
        byte[] bytes = new byte[(int) host.byteSize()];
        random.nextBytes(bytes);
        host.copyFrom(bytes);
      } else {
        float[] values = new float[(int) shape.numel()];
        for (int i = 0; i < values.length; i++) {
          values[i] = (float) random.nextGaussian();
        }
        host.copyFrom(values);
      }
      Tensor x = Tensor.allocate(device, host.dtype(), shape);
      x.copyFrom(host);
      return x;
    }
  }

  /** Runs forward passes for {@code duration} seconds; returns each one's latency in ns. */
  private static long[] run(ExecutionContext context, Tensor x, Tensor y, double duration, String task) {
    long[] latencies = new long[1024];
    int n = 0;
    long start = System.nanoTime();
    long end = start + (long) (duration * 1e9);
    try (Progress progress = Progress.start(task, (long) (duration * 10), "ds")) {
      for (long now = start; now < end || n == 0; ) {
        context.forward(x, y);
        long after = System.nanoTime();
        if (n == latencies.length) {
          latencies = Arrays.copyOf(latencies, n * 2);
        }
        latencies[n++] = after - now;
        now = after;
        progress.stepTo(Math.min((now - start) / 100_000_000, (long) (duration * 10)));
      }
    }
    return Arrays.copyOf(latencies, n);
  }

  private void report(GhostNet net, int batch, long[] latencies) {
    long total = Arrays.stream(latencies).sum();
    long[] sorted = latencies.clone();
    Arrays.sort(sorted);
    double imagesPerSecond = (double) batch * latencies.length / (total / 1e9);
    PrintWriter out = spec.commandLine().getOut();
    if (json) {
      Map<String, Object> result = new LinkedHashMap<>();
      result.put("engine", "ghostnet");
      result.put("model", net.toString());
      result.put("weights", model.weightsDescription());
      result.put("device", net.device().toString());
      result.put("precision", net.precision().toString());
      result.put("batch", batch);
      result.put("size", size);
      result.put("input", input);
      if (!net.device().isCuda()) {
        result.put("host_isa", RuntimeInfo.query().hostIsa());
        if (net.precision() == Precision.BF16) {
          result.put("host_bf16_engine", RuntimeInfo.query().hostBf16Engine());
        }
        result.put("natives", RuntimeInfo.query().nativeBuild());
        result.put("threads", model.threads());
      }
      result.put("images_per_second", imagesPerSecond);
      result.put("latency_ms_p50", percentile(sorted, 50) / 1e6);
      result.put("latency_ms_p90", percentile(sorted, 90) / 1e6);
      result.put("latency_ms_p99", percentile(sorted, 99) / 1e6);
      result.put("iterations", latencies.length);
      result.put("seconds", total / 1e9);
      out.println(new Gson().toJson(result));
    } else {
      out.printf("%s (%s), batch %d, %dx%d, %s input%n", net, model.weightsDescription(), batch, size, size, input);
      if (!net.device().isCuda()) {
        String bf16 = net.precision() == Precision.BF16 ? ", bf16 on " + RuntimeInfo.query().hostBf16Engine() : "";
        out.printf("  host        %s kernels, %d threads%s%n", RuntimeInfo.query().hostIsa(), model.threads(), bf16);
      }
      out.printf("  throughput  %.1f images/s%n", imagesPerSecond);
      out.printf("  latency     p50 %.3f ms, p90 %.3f ms, p99 %.3f ms per batch%n", percentile(sorted, 50) / 1e6,
          percentile(sorted, 90) / 1e6, percentile(sorted, 99) / 1e6);
      out.printf("  measured    %d forward passes in %.1f s%n", latencies.length, total / 1e9);
    }
    out.flush();
  }

  /** The nearest-rank percentile of sorted values. */
  static long percentile(long[] sorted, double p) {
    int rank = (int) Math.ceil(p / 100.0 * sorted.length);
    return sorted[Math.max(0, Math.min(sorted.length - 1, rank - 1))];
  }
}
