package dev.ghostnet;

import dev.ghostnet.internal.NativeApi;
import dev.ghostnet.internal.NativeLibrary;
import dev.ghostnet.internal.Status;
import java.nio.file.Path;

/**
 * A loaded GhostNet, GhostNetV2 or GhostNetV3: immutable weights on one device, safe to share
 * between threads. Run it through {@link ExecutionContext}s, one per thread ({@link #newContext()}).
 *
 * <p>Loads safetensors (F32, F16, BF16) and PyTorch checkpoints (zip and legacy formats; a
 * state_dict directly or under "state_dict_ema", "model_ema", "state_dict" or "model", tried in
 * that order as timm does; with or without DataParallel's "module." prefix), as the official
 * repositories and timm publish them: the member, its width and class count are read from the
 * keys and shapes, and GhostNetV3's training form is re-parameterised at load. A PyTorch file is
 * parsed, never executed.
 */
public final class GhostNet extends NativeResource {
  private final Device device;
  private final Precision precision;
  private final int numClasses;
  private final String family;
  private final double width;
  private final String description;

  private GhostNet(long handle, Device device, Precision precision) {
    super(handle, NativeApi::gn_model_destroy, "GhostNet on " + device, true);
    this.device = device;
    this.precision = precision;
    this.numClasses = NativeApi.gn_model_num_classes(handle);
    this.family = NativeApi.gn_model_family(handle);
    this.width = NativeApi.gn_model_width(handle);
    this.description = NativeApi.gn_model_describe(handle);
  }

  /** Options for {@link #load}; immutable, with {@code with*} methods that return a copy. */
  public record Options(Precision precision, boolean allowTf32, float[] mean, float[] std, long maxTensorBytes,
      long maxCheckpointBytes, int threads) {
    /**
     * FP32, no TF32, ImageNet mean and std, the library's default checkpoint limits (1 GiB, 4 GiB),
     * and on the host as many threads as the JVM may use cores.
     */
    public static final Options DEFAULT = new Options(Precision.FP32, false, new float[] {0.485f, 0.456f, 0.406f},
        new float[] {0.229f, 0.224f, 0.225f}, 0, 0, Runtime.getRuntime().availableProcessors());

    public Options {
      if (precision == null) {
        throw new InvalidArgumentException("precision is null");
      }
      if (mean == null || mean.length != 3 || std == null || std.length != 3) {
        throw new InvalidArgumentException("mean and std need 3 values each (R, G, B)");
      }
      if (maxTensorBytes < 0 || maxCheckpointBytes < 0) {
        throw new InvalidArgumentException("checkpoint limits must not be negative, found " + maxTensorBytes + " and "
            + maxCheckpointBytes);
      }
      if (threads < 1) {
        throw new InvalidArgumentException("threads must be at least 1, found " + threads);
      }
      mean = mean.clone();
      std = std.clone();
    }

    public Options withPrecision(Precision p) {
      return new Options(p, allowTf32, mean, std, maxTensorBytes, maxCheckpointBytes, threads);
    }

    /** TF32 tensor-core math for FP32 convolutions on GPUs: faster, about 1e-3 relative error. */
    public Options withAllowTf32(boolean allow) {
      return new Options(precision, allow, mean, std, maxTensorBytes, maxCheckpointBytes, threads);
    }

    /** How uint8 image input is normalised on the device: (x / 255 - mean) / std. */
    public Options withNormalization(float[] newMean, float[] newStd) {
      return new Options(precision, allowTf32, newMean, newStd, maxTensorBytes, maxCheckpointBytes, threads);
    }

    /** The largest tensor a checkpoint may ask to allocate, in bytes (0: the default, 1 GiB). */
    public Options withMaxTensorBytes(long bytes) {
      return new Options(precision, allowTf32, mean, std, bytes, maxCheckpointBytes, threads);
    }

    /**
     * The threads one forward pass on the host may use, the caller's included (default: the cores
     * the JVM may use; at most the cores the process may run on). Models and contexts share one
     * pool of threads, so contexts running at once never use more threads than there are cores.
     */
    public Options withThreads(int count) {
      return new Options(precision, allowTf32, mean, std, maxTensorBytes, maxCheckpointBytes, count);
    }

    /** The most a checkpoint's tensors may ask to allocate in all, in bytes (0: the default, 4 GiB). */
    public Options withMaxCheckpointBytes(long bytes) {
      return new Options(precision, allowTf32, mean, std, maxTensorBytes, bytes, threads);
    }
  }

  /** Loads a checkpoint onto {@code device} in FP32. */
  public static GhostNet load(Path weights, Device device) {
    return load(weights, device, Options.DEFAULT);
  }

  public static GhostNet load(Path weights, Device device, Options options) {
    Tensor.requireNonNull(weights, "weights path");
    Tensor.requireNonNull(device, "device");
    Tensor.requireNonNull(options, "options");
    Checkpoints.requireFile(weights);
    NativeLibrary.ensureLoaded();
    long[] out = new long[1];
    Status.check(NativeApi.gn_model_load(weights.toString(), device.kind().code(), device.index(),
        options.precision().code(), options.allowTf32() ? 1 : 0, options.mean(), options.std(),
        options.maxTensorBytes(), options.maxCheckpointBytes(), options.threads(), out));
    return new GhostNet(out[0], device, options.precision());
  }

  /**
   * A member of the family with random weights, deterministic in {@code seed}, for benchmarks and
   * demos, where real weights do not matter: {@code model} as timm names them, the width
   * multiplier in hundredths ("ghostnet_100" is GhostNet 1.0x, "ghostnetv2_130" GhostNetV2 1.3x,
   * "ghostnetv3_050" GhostNetV3 0.5x).
   */
  public static GhostNet random(String model, int numClasses, int seed, Device device, Options options) {
    Tensor.requireNonNull(model, "model");
    Tensor.requireNonNull(device, "device");
    Tensor.requireNonNull(options, "options");
    NativeLibrary.ensureLoaded();
    long[] out = new long[1];
    Status.check(NativeApi.gn_model_random(model, numClasses, seed, device.kind().code(), device.index(),
        options.precision().code(), options.allowTf32() ? 1 : 0, options.mean(), options.std(), options.threads(),
        out));
    return new GhostNet(out[0], device, options.precision());
  }

  public Device device() {
    return device;
  }

  public Precision precision() {
    return precision;
  }

  public int numClasses() {
    return numClasses;
  }

  /** Which member of the family this is: "GhostNet", "GhostNetV2" or "GhostNetV3". */
  public String family() {
    return family;
  }

  /** Its width multiplier: 1.3 for GhostNetV2 1.3x. */
  public double width() {
    return width;
  }

  /** A new context with its own stream. */
  public ExecutionContext newContext() {
    return newContext(null);
  }

  /** A new context that runs on {@code stream} (borrowed; null for a stream of its own). */
  public ExecutionContext newContext(Stream stream) {
    if (stream != null && stream.device().isCuda() && !stream.device().equals(device)) {
      throw new InvalidArgumentException("the stream is on " + stream.device() + " but the model is on " + device);
    }
    long h = enter();
    try {
      long s = stream == null ? 0 : stream.enter();
      try {
        long[] out = new long[1];
        Status.check(NativeApi.gn_context_create(h, s, out));
        return new ExecutionContext(out[0], this, stream);
      } finally {
        if (stream != null) {
          stream.exit();
        }
      }
    } finally {
      exit();
    }
  }

  @Override
  String name() {
    return description;
  }

  @Override
  public String toString() {
    return description + (isClosed() ? " (closed)" : "");
  }
}
