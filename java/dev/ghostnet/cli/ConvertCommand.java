package dev.ghostnet.cli;

import dev.ghostnet.Checkpoints;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code convert}: any supported checkpoint to safetensors. */
@Command(name = "convert", description = "Convert a checkpoint (safetensors, PyTorch zip or legacy) to safetensors.")
final class ConvertCommand implements Callable<Integer> {
  @Spec CommandSpec spec;

  @Parameters(index = "0", paramLabel = "IN", description = "The checkpoint to read.")
  Path input;

  @Parameters(index = "1", paramLabel = "OUT.safetensors", description = "The safetensors file to write.")
  Path output;

  @Override
  public Integer call() {
    Checkpoints.convertToSafetensors(input, output);
    spec.commandLine().getOut().printf("wrote %s from %s%n", output, input);
    return 0;
  }
}
