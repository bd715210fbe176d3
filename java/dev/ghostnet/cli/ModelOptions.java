package dev.ghostnet.cli;

import dev.ghostnet.Device;
import dev.ghostnet.GhostNet;
import dev.ghostnet.InvalidArgumentException;
import dev.ghostnet.Precision;
import java.nio.file.Path;
import java.util.List;
import picocli.CommandLine.Option;

/** The options every command that runs a model shares: weights, device, precision and threads. */
final class ModelOptions {
  @Option(names = "--weights", paramLabel = "FILE", description = "Checkpoint: safetensors, or a PyTorch .pth/.pt/.bin.")
  Path weights;

  @Option(names = "--random-weights",
      description = "Random weights instead of a checkpoint, to try the command: its classes mean nothing.")
  boolean randomWeights;

  @Option(names = "--model", paramLabel = "NAME",
      description = "With random weights, the member and width, as timm names them: ghostnet_100, ghostnetv2_130, "
          + "ghostnetv3_050, ... (default: " + DEFAULT_MODEL + ").")
  String model;

  static final String DEFAULT_MODEL = "ghostnet_100";

  @Option(names = "--device", description = "cpu, cuda or cuda:N (default: the best available).")
  String device;

  @Option(names = "--precision", defaultValue = "fp32", split = ",",
      description = "fp32, fp16 or bf16 (default: ${DEFAULT-VALUE}); bench takes several, comma-separated.")
  List<String> precisions;

  @Option(names = "--threads", paramLabel = "N",
      description = "Threads a forward pass on the host uses (default: the cores the JVM may use).")
  Integer threads;

  Device device() {
    return device == null ? Device.best() : Device.parse(device);
  }

  /** The precisions asked for, in order. */
  List<Precision> precisions() {
    return precisions.stream().map(Precision::parse).toList();
  }

  /** The one precision a command other than bench takes. */
  Precision precision() {
    if (precisions.size() != 1) {
      throw new InvalidArgumentException("--precision takes one precision here, found " + String.join(",", precisions)
          + ": several, comma-separated, are for bench");
    }
    return Precision.parse(precisions.get(0));
  }

  /** The model options for `precision`, with --threads when given. */
  GhostNet.Options options(Precision precision) {
    return GhostNet.Options.DEFAULT.withPrecision(precision).withThreads(threads());
  }

  /** The host threads of one forward pass: --threads, or the default. */
  int threads() {
    return threads == null ? GhostNet.Options.DEFAULT.threads() : threads;
  }

  /**
   * The model from --weights, or --model (GhostNet 1.0x by default) with random weights when
   * --random-weights asks for them or, for a command whose results do not depend on the weights,
   * when none are given.
   */
  GhostNet load(boolean randomWithoutWeights) {
    return load(randomWithoutWeights, precision());
  }

  /** As {@link #load(boolean)}, in the given precision. */
  GhostNet load(boolean randomWithoutWeights, Precision precision) {
    if (weights != null && randomWeights) {
      throw new InvalidArgumentException("--weights and --random-weights exclude each other: give one");
    }
    if (weights != null && model != null) {
      throw new InvalidArgumentException("--model names the member that random weights are made for; a checkpoint "
          + "(--weights " + weights + ") holds its own");
    }
    GhostNet.Options options = options(precision);
    if (weights != null) {
      return GhostNet.load(weights, device(), options);
    }
    if (!randomWeights && !randomWithoutWeights) {
      throw new InvalidArgumentException("--weights FILE is required (or --random-weights, to try the command "
          + "with random weights, whose classes mean nothing)");
    }
    return GhostNet.random(model == null ? DEFAULT_MODEL : model, 1000, 0, device(), options);
  }

  String weightsDescription() {
    return weights == null ? "random weights" : "weights " + weights;
  }
}
