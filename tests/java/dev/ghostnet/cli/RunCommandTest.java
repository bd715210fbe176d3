package dev.ghostnet.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import dev.ghostnet.Comparison;
import dev.ghostnet.Layout;
import dev.ghostnet.Npy;
import dev.ghostnet.Tensor;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

class RunCommandTest {
  static final Path FIXTURES = Path.of(System.getProperty("ghostnet.fixtures", "tests/fixtures"));

  @TempDir Path temp;

  static List<JsonObject> cases() throws IOException {
    List<JsonObject> cases = new ArrayList<>();
    JsonObject manifest = JsonParser.parseString(Files.readString(FIXTURES.resolve("manifest.json"))).getAsJsonObject();
    manifest.getAsJsonArray("cases").forEach(c -> cases.add(c.getAsJsonObject()));
    return cases;
  }

  @ParameterizedTest
  @MethodSource("cases")
  void runWritesPyTorchsLogits(JsonObject c) {
    Path output = temp.resolve("y.npy");
    CliRunner r = CliRunner.run("run", "--weights", weights(c), "--input", fixture(c, "input"),
        "--output", output.toString(), "--device", "cpu");
    assertEquals(0, r.exitCode(), r.err());
    try (Tensor y = Npy.read(output, Layout.ROW_MAJOR);
        Tensor expected = Npy.read(Path.of(fixture(c, "expected")), Layout.ROW_MAJOR)) {
      assertEquals(expected.shape(), y.shape());
      double bound = 1e-4 * c.get("max_abs_reference").getAsDouble() + 1e-6;
      Comparison.assertWithin(y.toFloatArray(), expected.toFloatArray(), bound, c.get("name").getAsString());
    }
  }

  @Test
  void errorsAreOneLineWithoutStackTraceUnlessVerbose() {
    String[] args = {"run", "--weights", temp.resolve("missing.pth").toString(), "--input", "x.npy", "--output",
        temp.resolve("y.npy").toString(), "--device", "cpu"};
    CliRunner quiet = CliRunner.run(args);
    assertEquals(1, quiet.exitCode());
    assertTrue(quiet.err().startsWith("error: ") && quiet.err().contains("missing.pth"), quiet.err());
    assertEquals(1, quiet.err().strip().lines().count(), quiet.err());
    assertFalse(Files.exists(temp.resolve("y.npy")));

    String[] verboseArgs = new String[args.length + 1];
    System.arraycopy(args, 0, verboseArgs, 0, args.length);
    verboseArgs[args.length] = "--verbose";
    CliRunner verbose = CliRunner.run(verboseArgs);
    assertEquals(1, verbose.exitCode());
    assertTrue(verbose.err().contains("\tat dev.ghostnet."), verbose.err());
  }

  @Test
  void aWrongInputTypeIsRefused() throws IOException {
    Path weights = FIXTURES.resolve("formats/small_f32.safetensors");
    CliRunner r = CliRunner.run("run", "--weights", weights.toString(), "--input", weights.toString(), "--output",
        temp.resolve("y.npy").toString(), "--device", "cpu");
    assertEquals(1, r.exitCode());
    assertTrue(r.err().contains("small_f32.safetensors"), r.err());
  }

  @Test
  void cudaWithoutAGpuFailsCleanly() {
    org.junit.jupiter.api.Assumptions.assumeTrue(dev.ghostnet.RuntimeInfo.query().gpus().isEmpty(),
        "this machine has a CUDA device");
    CliRunner r = CliRunner.run("run", "--weights", FIXTURES.resolve("formats/small_f32.safetensors").toString(),
        "--input", FIXTURES.resolve("inputs/input_64x48_b2_s41.npy").toString(), "--output",
        temp.resolve("y.npy").toString(), "--device", "cuda");
    assertEquals(1, r.exitCode());
    assertTrue(r.err().startsWith("error: cuda:0 is unavailable") || r.err().contains("without CUDA"), r.err());
  }

  @Test
  void infoSaysWhyNoGpuIsUsable() {
    CliRunner r = CliRunner.run("info");
    assertEquals(0, r.exitCode(), r.err());
    assertTrue(r.out().startsWith("ghostnet 0.1.0"), r.out());
    assertTrue(r.out().contains("GPU") && (r.out().contains("usable")), r.out());
  }

  private static String fixture(JsonObject c, String key) {
    return FIXTURES.resolve(c.get(key).getAsString()).toString();
  }

  /** The case's checkpoint, or its generated model as the build writes it (dev.ghostnet.Fixtures). */
  private static String weights(JsonObject c) {
    if (c.get("model").isJsonNull()) {
      return fixture(c, "weights");
    }
    Path models = Path.of(System.getProperty("ghostnet.fixtureWeights", "target/fixture-weights"));
    return models.resolve(c.get("model").getAsString() + ".safetensors").toString();
  }
}
