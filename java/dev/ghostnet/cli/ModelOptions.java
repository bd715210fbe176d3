package dev.ghostnet.cli;

import dev.ghostnet.Device;
import dev.ghostnet.GhostNet;
import dev.ghostnet.InvalidArgumentException;
import dev.ghostnet.Precision;
import java.nio.file.Path;
import picocli.CommandLine.Option;

/** The options every command that runs a model shares: weights, device, precision and threads. */
final class ModelOptions {
  @Option(names = "--weights", paramLabel = "FILE", description = "Checkpoint: safetensors, or a PyTorch .pth/.pt/.bin.")
  Path weights;

  @Option(names = "--random-weights",
      description = "GhostNet 1.0x with random weights instead of a checkpoint, to try the command: its classes "
          + "mean nothing.")
  boolean randomWeights;

  @Option(names = "--device", description = "cpu, cuda or cuda:N (default: the best available).")
  String device;

  @Option(names = "--precision", defaultValue = "fp32", description = "fp32, fp16 or bf16 (default: ${DEFAULT-VALUE}).")
  String precision;

  @Option(names = "--threads", paramLabel = "N",
      description = "Threads a forward pass on the host uses (default: the cores the JVM may use).")
  Integer threads;

  Device device() {
    return device == null ? Device.best() : Device.parse(device);
  }

  GhostNet.Options options() {
    GhostNet.Options options = GhostNet.Options.DEFAULT.withPrecision(Precision.parse(precision));
    return threads == null ? options : options.withThreads(threads);
  }

  /**
   * The model from --weights, or GhostNet 1.0x with random weights when --random-weights asks for
   * them or, for a command whose results do not depend on the weights, when none are given.
   */
  GhostNet load(boolean randomWithoutWeights) {
    if (weights != null && randomWeights) {
      throw new InvalidArgumentException("--weights and --random-weights exclude each other: give one");
    }
    if (weights != null) {
      return GhostNet.load(weights, device(), options());
    }
    if (!randomWeights && !randomWithoutWeights) {
      throw new InvalidArgumentException("--weights FILE is required (or --random-weights, to try the command "
          + "with random weights, whose classes mean nothing)");
    }
    return GhostNet.random(1.0, 1000, 0, device(), options());
  }

  String weightsDescription() {
    return weights == null ? "random weights" : "weights " + weights;
  }
}
