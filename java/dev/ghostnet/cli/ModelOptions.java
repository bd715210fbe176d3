package dev.ghostnet.cli;

import dev.ghostnet.Device;
import dev.ghostnet.GhostNet;
import dev.ghostnet.InvalidArgumentException;
import dev.ghostnet.Precision;
import java.nio.file.Path;
import picocli.CommandLine.Option;

/** The options every command that runs a model shares: weights, device and precision. */
final class ModelOptions {
  @Option(names = "--weights", description = "Checkpoint: safetensors, or a PyTorch .pth/.pt/.bin.")
  Path weights;

  @Option(names = "--device", description = "cpu, cuda or cuda:N (default: the best available).")
  String device;

  @Option(names = "--precision", defaultValue = "fp32", description = "fp32, fp16 or bf16 (default: ${DEFAULT-VALUE}).")
  String precision;

  Device device() {
    return device == null ? Device.best() : Device.parse(device);
  }

  GhostNet.Options options() {
    return GhostNet.Options.DEFAULT.withPrecision(Precision.parse(precision));
  }

  /** The model from --weights, or, where the command allows it, GhostNet 1.0x with random weights. */
  GhostNet load(boolean randomIfNoWeights) {
    if (weights != null) {
      return GhostNet.load(weights, device(), options());
    }
    if (!randomIfNoWeights) {
      throw new InvalidArgumentException("--weights is required");
    }
    return GhostNet.random(1.0, 1000, 0, device(), options());
  }

  String weightsDescription() {
    return weights == null ? "random GhostNet 1.0x weights" : "weights " + weights;
  }
}
