package dev.ghostnet.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** target/ghostnet.jar as users run it: java -jar, natives from inside the jar. */
class PackagedJarIT {
  static final Path JAR = Path.of(System.getProperty("ghostnet.jar", "target/ghostnet.jar"));
  static final Path FIXTURES = Path.of(System.getProperty("ghostnet.fixtures", "tests/fixtures"));

  @TempDir Path temp;

  record Result(int exitCode, String out, String err) {}

  Result java(String... args) throws IOException, InterruptedException {
    return java(Path.of(System.getProperty("java.home")), args);
  }

  /** The jar run by the JDK at {@code javaHome}. */
  Result java(Path javaHome, String... args) throws IOException, InterruptedException {
    List<String> command = new ArrayList<>(List.of(javaHome.resolve("bin").resolve("java").toString(),
        // A fresh JavaCPP cache proves the jar carries its own natives.
        "-Dorg.bytedeco.javacpp.cachedir=" + temp.resolve("javacpp-cache"), "-jar", JAR.toString()));
    command.addAll(List.of(args));
    Process p = new ProcessBuilder(command).redirectOutput(temp.resolve("out.txt").toFile())
        .redirectError(temp.resolve("err.txt").toFile()).start();
    assertTrue(p.waitFor(120, TimeUnit.SECONDS), "the jar did not finish");
    return new Result(p.exitValue(), Files.readString(temp.resolve("out.txt"), StandardCharsets.UTF_8),
        Files.readString(temp.resolve("err.txt"), StandardCharsets.UTF_8));
  }

  @Test
  void infoRunsFromTheJar() throws Exception {
    Result r = java("info");
    assertEquals(0, r.exitCode(), r.err());
    assertTrue(r.out().contains("JavaCPP           1.5.13"), r.out());
  }

  /**
   * JDK 24 and later warn of JavaCPP's System.load unless native access is enabled, which the
   * jar's manifest does. The JDK is the system property ghostnet.newerJdk's, else Temurin 25
   * where Debian's packages put it.
   */
  @Test
  void jdk24AndLaterRunTheJarWithoutAWarning() throws Exception {
    Path newer = Path.of(System.getProperty("ghostnet.newerJdk", "/usr/lib/jvm/temurin-25-jdk-amd64"));
    Assumptions.assumeTrue(Files.isExecutable(newer.resolve("bin/java")),
        "no JDK 24 or later at " + newer + " (set ghostnet.newerJdk)");
    Result r = java(newer, "info");
    assertEquals(0, r.exitCode(), r.err());
    assertEquals("", r.err());
  }

  @Test
  void theReadmesMainCommandClassifiesEverySample() throws Exception {
    String readme = Files.readString(Path.of("README.md"), StandardCharsets.UTF_8);
    Matcher command = Pattern.compile("java -jar target/ghostnet\\.jar (classify \\\\\\s+\\S[^\\n]*)").matcher(readme);
    assertTrue(command.find(), "no classify command after the build in README.md");
    Result r = java(command.group(1).replace("\\", " ").strip().split("\\s+"));
    assertEquals(0, r.exitCode(), r.err());
    assertEquals("", r.err());
    long samples;
    try (Stream<Path> files = Files.list(FIXTURES.resolve("images/samples"))) {
      samples = files.count();
    }
    assertEquals(samples, r.out().lines().filter(line -> line.startsWith("tests/fixtures/images/samples/")).count(), r.out());
  }

  @Test
  void runWritesLogits() throws Exception {
    Path y = temp.resolve("y.npy");
    Result r = java("run", "--weights", FIXTURES.resolve("formats/small_legacy.pt").toString(), "--input",
        FIXTURES.resolve("inputs/input_64x48_b2_s41.npy").toString(), "--output", y.toString());
    assertEquals(0, r.exitCode(), r.err());
    assertTrue(Files.size(y) > 2 * 10 * 4, "no logits written");
  }

  @Test
  void aBadCheckpointExitsNonZeroWithOneLine() throws Exception {
    Result r = java("run", "--weights", FIXTURES.resolve("hostile/builtins_eval.pt").toString(), "--input",
        FIXTURES.resolve("inputs/input_64x48_b2_s41.npy").toString(), "--output", temp.resolve("y.npy").toString());
    assertEquals(1, r.exitCode());
    assertTrue(r.err().startsWith("error: ") && r.err().contains("builtins.eval"), r.err());
    assertEquals(1, r.err().strip().lines().count(), r.err());
  }
}
