package dev.ghostnet.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ghostnet.Comparison;
import dev.ghostnet.DType;
import dev.ghostnet.Device;
import dev.ghostnet.ExecutionContext;
import dev.ghostnet.GhostNet;
import dev.ghostnet.Layout;
import dev.ghostnet.Npy;
import dev.ghostnet.Tensor;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ConvertCommandTest {
  static final Path FIXTURES = Path.of(System.getProperty("ghostnet.fixtures", "tests/fixtures"));
  static final Path LEGACY = FIXTURES.resolve("formats/small_legacy.pt");
  static final Path INPUT = FIXTURES.resolve("inputs/input_64x48_b2_s41.npy");

  @TempDir Path temp;

  @Test
  void aConvertedCheckpointGivesTheSameLogits() {
    Path out = temp.resolve("small.safetensors");
    CliRunner r = CliRunner.run("convert", LEGACY.toString(), out.toString());
    assertEquals(0, r.exitCode(), r.err());
    assertArrayEquals(logits(LEGACY), logits(out));
  }

  // GhostNetV3 as trained (the official file, its branches under the official names) is written
  // re-parameterised: one conv with a bias for each set of branches, the logits the reference's.
  @Test
  void aGhostNetV3InTrainingFormIsWrittenDeployed() throws IOException {
    Path training = FIXTURES.resolve("formats/v3_official.pth.tar");
    Path out = temp.resolve("v3.safetensors");
    CliRunner r = CliRunner.run("convert", training.toString(), out.toString());
    assertEquals(0, r.exitCode(), r.err());
    String header = new String(Files.readAllBytes(out), StandardCharsets.ISO_8859_1);
    assertFalse(header.contains("_rpr_"), "no branch is left");
    assertTrue(header.contains("\"blocks.2.0.ghost1.primary_conv.0.bias\""), "the deployed form's keys");
    assertTrue(header.contains("\"blocks.1.0.conv_dw.bias\""), "the deployed form's keys");
    try (Tensor expected = Npy.read(FIXTURES.resolve("expected/v3_w010_c10_64x48.npy"), Layout.ROW_MAJOR)) {
      float[] want = expected.toFloatArray();
      double scale = 0;
      for (float v : want) {
        scale = Math.max(scale, Math.abs(v));
      }
      Comparison.assertWithin(logits(out), want, 1e-4 * scale + 1e-6, "deployed");
    }
  }

  @Test
  void theInputIsNeverWrittenOver() throws IOException {
    Path copy = Files.copy(FIXTURES.resolve("formats/small_f32.safetensors"), temp.resolve("model.safetensors"));
    Path link = Files.createSymbolicLink(temp.resolve("link.safetensors"), copy);
    byte[] before = Files.readAllBytes(copy);
    for (Path output : new Path[] {copy, link, temp.resolve(".").resolve("model.safetensors")}) {
      CliRunner r = CliRunner.run("convert", copy.toString(), output.toString());
      assertEquals(1, r.exitCode(), output.toString());
      assertTrue(r.err().startsWith("error: the output '" + output + "' is the input"), r.err());
    }
    assertArrayEquals(before, Files.readAllBytes(copy));
  }

  @Test
  void anOutputNotNamedSafetensorsIsRefused() {
    Path out = temp.resolve("small.pt");
    CliRunner r = CliRunner.run("convert", LEGACY.toString(), out.toString());
    assertEquals(1, r.exitCode());
    assertEquals("error: the output must be named *.safetensors, found '" + out + "'", r.err().strip());
    assertFalse(Files.exists(out));
  }

  private static float[] logits(Path weights) {
    try (GhostNet model = GhostNet.load(weights, Device.CPU);
        ExecutionContext context = model.newContext();
        Tensor x = Npy.read(INPUT, Layout.NCHW);
        Tensor y = context.forward(x)) {
      assertEquals(DType.F32, y.dtype());
      return y.toFloatArray();
    }
  }
}
