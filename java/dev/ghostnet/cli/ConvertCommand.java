package dev.ghostnet.cli;

import dev.ghostnet.Checkpoints;
import dev.ghostnet.InvalidArgumentException;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code convert}: any supported checkpoint to safetensors. */
@Command(name = "convert", description = {"Convert a checkpoint (safetensors, PyTorch zip or legacy) to safetensors.",
    "The output must be named *.safetensors and must not be the input."})
final class ConvertCommand implements Callable<Integer> {
  @Spec CommandSpec spec;

  @Parameters(index = "0", paramLabel = "IN", description = "The checkpoint to read.")
  Path input;

  @Parameters(index = "1", paramLabel = "OUT.safetensors", description = "The safetensors file to write.")
  Path output;

  @Override
  public Integer call() {
    if (!output.getFileName().toString().endsWith(".safetensors")) {
      throw new InvalidArgumentException("the output must be named *.safetensors, found '" + output + "'");
    }
    Checkpoints.convertToSafetensors(input, output);
    spec.commandLine().getOut().printf("wrote %s from %s%n", output, input);
    return 0;
  }
}
