package dev.ghostnet.cli;

import dev.ghostnet.internal.NativeLibrary;
import java.io.PrintWriter;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.HelpCommand;
import picocli.CommandLine.Option;
import picocli.CommandLine.ScopeType;

/** The ghostnet command line: {@code java -jar ghostnet.jar <command>}. */
@Command(
    name = "ghostnet",
    scope = ScopeType.INHERIT, // --help and --version on every command
    mixinStandardHelpOptions = true,
    versionProvider = VersionProvider.class,
    description = "GhostNet image classification on NVIDIA GPUs and the host.",
    subcommands = {InfoCommand.class, RunCommand.class, ClassifyCommand.class, BenchCommand.class,
        ConvertCommand.class, HelpCommand.class})
public final class Main {
  @Option(names = "--verbose", scope = ScopeType.INHERIT,
      description = "Print stack traces of errors, and how models are planned on a GPU (each convolution's cuDNN "
          + "algorithm, and why it is fused or not).")
  boolean verbose;

  public static void main(String[] args) {
    System.exit(run(new PrintWriter(System.out, true), new PrintWriter(System.err, true), args));
  }

  /** Runs the command line with the given output streams and returns the exit code. */
  public static int run(PrintWriter out, PrintWriter err, String... args) {
    Main main = new Main();
    CommandLine cli = new CommandLine(main).setOut(out).setErr(err);
    cli.setExecutionExceptionHandler((error, commandLine, parseResult) -> {
      commandLine.getErr().println("error: " + messageOf(error));
      if (main.verbose) {
        error.printStackTrace(commandLine.getErr());
      }
      return 1;
    });
    cli.setExecutionStrategy(parseResult -> {
      if (main.verbose) {
        NativeLibrary.setVerbose(true);
      }
      return new CommandLine.RunLast().execute(parseResult);
    });
    return cli.execute(args);
  }

  private static String messageOf(Throwable error) {
    String message = error.getMessage();
    return message == null || message.isBlank() ? error.getClass().getSimpleName() : message;
  }
}
