package dev.ghostnet;

import dev.ghostnet.internal.NativeApi;
import dev.ghostnet.internal.NativeLibrary;
import dev.ghostnet.internal.Status;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** Checkpoint files themselves, apart from loading a model from them. */
public final class Checkpoints {
  private Checkpoints() {}

  /**
   * Reads any supported checkpoint (safetensors, PyTorch zip or legacy; unwrapped and with
   * "module." stripped as for loading) and writes its tensors as safetensors, each in its own type.
   * The output must not be the input (under any name): a failed write would lose the checkpoint.
   */
  public static void convertToSafetensors(Path input, Path output) {
    Tensor.requireNonNull(input, "input path");
    Tensor.requireNonNull(output, "output path");
    requireFile(input);
    if (isSameFile(input, output)) {
      throw new InvalidArgumentException("the output '" + output + "' is the input '" + input
          + "': write the safetensors to another file");
    }
    NativeLibrary.ensureLoaded();
    Status.check(NativeApi.gn_checkpoint_convert(input.toString(), output.toString()));
  }

  private static boolean isSameFile(Path input, Path output) {
    try {
      return Files.exists(output) && Files.isSameFile(input, output);
    } catch (IOException e) {
      throw new InvalidArgumentException("cannot tell whether '" + output + "' is the input '" + input + "': " + e);
    }
  }

  /**
   * Refuses a checkpoint path that names no readable regular file with a {@link
   * CheckpointException}, as for any file that cannot be loaded.
   */
  static void requireFile(Path checkpoint) {
    String problem = !Files.exists(checkpoint) ? "no such file"
        : !Files.isRegularFile(checkpoint) ? "not a regular file"
        : !Files.isReadable(checkpoint) ? "permission denied" : null;
    if (problem != null) {
      throw new CheckpointException("cannot read the checkpoint '" + checkpoint + "': " + problem);
    }
  }
}
