package dev.ghostnet.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import picocli.CommandLine;

/** Help is where a user looks first: every command answers --help, -h and help COMMAND, and exits 0. */
class HelpTest {
  static Stream<String> commands() {
    return new CommandLine(new Main()).getSubcommands().keySet().stream();
  }

  @ParameterizedTest
  @MethodSource("commands")
  void everyCommandPrintsItsUsageAndExitsZero(String command) {
    for (List<String> args : List.of(List.of(command, "--help"), List.of(command, "-h"), List.of("help", command))) {
      CliRunner r = CliRunner.run(args.toArray(String[]::new));
      assertEquals(0, r.exitCode(), args + ": " + r.err());
      assertEquals("", r.err(), args.toString());
      assertTrue(r.out().contains("Usage: ghostnet " + command + " "), args + ": " + r.out());
    }
  }

  @ParameterizedTest
  @MethodSource("commands")
  void helpNamesEveryCommand(String command) {
    CliRunner r = CliRunner.run("--help");
    assertEquals(0, r.exitCode(), r.err());
    assertTrue(r.out().contains("\n  " + command + " "), r.out());
  }
}
