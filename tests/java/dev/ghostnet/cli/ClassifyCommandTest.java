package dev.ghostnet.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import dev.ghostnet.Comparison;
import dev.ghostnet.DType;
import dev.ghostnet.Device;
import dev.ghostnet.ExecutionContext;
import dev.ghostnet.GhostNet;
import dev.ghostnet.Layout;
import dev.ghostnet.Npy;
import dev.ghostnet.Shape;
import dev.ghostnet.Tensor;
import dev.ghostnet.image.Classification;
import dev.ghostnet.image.ImagePreprocessor;
import dev.ghostnet.image.Labels;
import java.awt.image.Raster;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Stream;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ClassifyCommandTest {
  static final Path FIXTURES = Path.of(System.getProperty("ghostnet.fixtures", "tests/fixtures"));
  static final Path IMAGES = FIXTURES.resolve("images");
  // The forward cases' models, as the build writes them (dev.ghostnet.Fixtures).
  static final Path MODELS = Path.of(System.getProperty("ghostnet.fixtureWeights", "target/fixture-weights"));
  static final Path WEIGHTS = MODELS.resolve("v1_w100_c1000.safetensors");
  static final float[] MEAN = {0.485f, 0.456f, 0.406f};
  static final float[] STD = {0.229f, 0.224f, 0.225f};

  @TempDir Path temp;

  static JsonObject manifest() throws IOException {
    return JsonParser.parseString(Files.readString(IMAGES.resolve("manifest.json"))).getAsJsonObject();
  }

  /** classify --json --logits over the given paths, parsed: file -> line. */
  static Map<String, JsonObject> classify(String... args) {
    List<String> all = new ArrayList<>(List.of("classify", "--weights", WEIGHTS.toString(), "--device", "cpu",
        "--json", "--logits"));
    all.addAll(List.of(args));
    CliRunner r = CliRunner.run(all.toArray(String[]::new));
    assertEquals(0, r.exitCode(), r.err());
    Map<String, JsonObject> lines = new HashMap<>();
    r.out().lines().forEach(l -> {
      JsonObject o = JsonParser.parseString(l).getAsJsonObject();
      lines.put(o.get("file").getAsString(), o);
    });
    return lines;
  }

  static float[] floats(JsonArray a) {
    float[] v = new float[a.size()];
    for (int i = 0; i < v.length; i++) {
      v[i] = a.get(i).getAsFloat();
    }
    return v;
  }

  @Test
  void classifyGivesTheLogitsRunGivesOnTorchvisionsPreprocessing() throws IOException {
    JsonObject manifest = manifest();
    List<String> files = new ArrayList<>();
    List<Path> crops = new ArrayList<>();
    for (JsonElement e : manifest.getAsJsonArray("images")) {
      JsonObject image = e.getAsJsonObject();
      files.add(IMAGES.resolve(image.get("file").getAsString()).toString());
      crops.add(IMAGES.resolve(image.getAsJsonObject("expected").getAsJsonObject("bilinear").get("file").getAsString()));
    }
    // torchvision's crops, normalised as torchvision's Normalize does, through `run`.
    int n = crops.size();
    float[] x = new float[n * 3 * 224 * 224];
    for (int i = 0; i < n; i++) {
      // The raster's samples as stored: getRGB would colour-convert grayscale PNGs.
      Raster crop = ImageIO.read(crops.get(i).toFile()).getRaster();
      for (int y = 0; y < 224; y++) {
        for (int col = 0; col < 224; col++) {
          for (int c = 0; c < 3; c++) {
            int value = crop.getSample(col, y, crop.getNumBands() < 3 ? 0 : c);
            x[((i * 3 + c) * 224 + y) * 224 + col] = (value / 255f - MEAN[c]) / STD[c];
          }
        }
      }
    }
    Path input = temp.resolve("x.npy");
    Path output = temp.resolve("y.npy");
    try (Tensor t = Tensor.fromFloats(x, Shape.nchw(n, 3, 224, 224))) {
      Npy.write(input, t);
    }
    CliRunner run = CliRunner.run("run", "--weights", WEIGHTS.toString(), "--input", input.toString(), "--output",
        output.toString(), "--device", "cpu");
    assertEquals(0, run.exitCode(), run.err());
    float[] reference;
    try (Tensor y = Npy.read(output, Layout.ROW_MAJOR)) {
      reference = y.toFloatArray();
    }

    Map<String, JsonObject> classified = classify(files.toArray(String[]::new));
    assertEquals(n, classified.size());
    double scale = 0;
    for (float v : reference) {
      scale = Math.max(scale, Math.abs(v));
    }
    // Preprocessing agrees with torchvision within one level per pixel; the logits then agree to
    // well within a thousandth of their range.
    for (int i = 0; i < n; i++) {
      float[] logits = floats(classified.get(files.get(i)).getAsJsonArray("logits"));
      Comparison.assertWithin(logits, Arrays.copyOfRange(reference, i * 1000, (i + 1) * 1000), 1e-3 * scale,
          "classify against run, " + files.get(i));
    }
  }

  @Test
  void aFolderOfTwoHundredImagesGetsItsTopFive() throws IOException {
    Path folder = temp.resolve("photos");
    Files.createDirectories(folder.resolve("nested"));
    List<Path> samples = new ArrayList<>();
    for (JsonElement e : manifest().getAsJsonArray("images")) {
      samples.add(IMAGES.resolve(e.getAsJsonObject().get("file").getAsString()));
    }
    List<Path> copies = new ArrayList<>();
    for (int i = 0; i < 200; i++) {
      Path sample = samples.get(i % samples.size());
      String name = String.format("%03d-%s", i, sample.getFileName());
      Path copy = (i % 3 == 0 ? folder.resolve("nested") : folder).resolve(name);
      Files.copy(sample, copy);
      copies.add(copy);
    }
    Files.writeString(folder.resolve("notes.txt"), "not an image");

    Map<String, JsonObject> classified = classify(folder.toString());
    assertEquals(200, classified.size());
    ImagePreprocessor pre = new ImagePreprocessor();
    Labels labels = Labels.imagenet();
    try (GhostNet model = GhostNet.load(WEIGHTS, Device.CPU); ExecutionContext context = model.newContext()) {
      for (Path sample : samples) {
        float[] logits;
        try (Tensor image = Tensor.allocate(Device.CPU, DType.U8, Shape.nhwc(1, 224, 224, 3))) {
          image.copyFrom(pre.preprocess(sample));
          try (Tensor y = context.forward(image)) {
            logits = y.toFloatArray();
          }
        }
        List<Classification> expected = Classification.topK(logits, 5, labels);
        for (Path copy : copies) {
          if (!copy.getFileName().toString().endsWith("-" + sample.getFileName())) {
            continue;
          }
          JsonArray top = classified.get(copy.toString()).getAsJsonArray("top");
          assertEquals(5, top.size());
          for (int k = 0; k < 5; k++) {
            JsonObject c = top.get(k).getAsJsonObject();
            assertEquals(expected.get(k).index(), c.get("index").getAsInt(), copy + " rank " + k);
            assertEquals(expected.get(k).label(), c.get("label").getAsString());
            assertEquals(expected.get(k).probability(), c.get("probability").getAsFloat(), 1e-5f);
          }
        }
      }
    }
  }

  @Test
  void theHeaderNamesTheModelByMemberWidthAndClassesAndItsWeights() {
    Path image = IMAGES.resolve("samples/rgb_500x375.jpg");
    CliRunner r = CliRunner.run("classify", "--weights", WEIGHTS.toString(), "--device", "cpu", image.toString());
    assertEquals(0, r.exitCode(), r.err());
    assertEquals("GhostNet 1.0x, 1000 classes, fp32 on cpu (weights " + WEIGHTS + ")", r.out().lines().findFirst().get());
    Path v2 = MODELS.resolve("v2_w130_c100.safetensors");
    r = CliRunner.run("classify", "--weights", v2.toString(), "--device", "cpu", image.toString());
    assertEquals(0, r.exitCode(), r.err());
    assertEquals("GhostNetV2 1.3x, 100 classes, fp32 on cpu (weights " + v2 + ")", r.out().lines().findFirst().get());
  }

  /** The table ends with the count of images, of failures and the rate, decoding included. */
  @Test
  void theTableEndsWithImagesPerSecond() throws IOException {
    Path samples = IMAGES.resolve("samples");
    long count;
    try (Stream<Path> files = Files.list(samples)) {
      count = files.count();
    }
    CliRunner r = CliRunner.run("classify", "--weights", WEIGHTS.toString(), "--device", "cpu", samples.toString());
    assertEquals(0, r.exitCode(), r.err());
    List<String> lines = r.out().lines().toList();
    String last = lines.get(lines.size() - 1);
    assertTrue(last.matches(count + " images \\(0 failed\\) in [0-9]+\\.[0-9]{2} s: [0-9]+\\.[0-9] images/s"), last);
  }

  @Test
  void randomWeightsAreUsedOnlyWhenAskedFor() {
    String image = IMAGES.resolve("samples/rgb_500x375.jpg").toString();
    CliRunner none = CliRunner.run("classify", "--device", "cpu", image);
    assertEquals(1, none.exitCode());
    assertTrue(none.err().startsWith("error: --weights FILE is required (or --random-weights"), none.err());
    assertEquals("", none.out());

    CliRunner both = CliRunner.run("classify", "--weights", WEIGHTS.toString(), "--random-weights", "--device", "cpu",
        image);
    assertEquals(1, both.exitCode());
    assertTrue(both.err().contains("--weights and --random-weights exclude each other"), both.err());

    CliRunner random = CliRunner.run("classify", "--random-weights", "--device", "cpu", "--top", "1", image);
    assertEquals(0, random.exitCode(), random.err());
    assertEquals("GhostNet 1.0x, 1000 classes, fp32 on cpu (random weights)", random.out().lines().findFirst().get());
    assertTrue(random.out().contains(image), random.out());

    CliRunner v3 = CliRunner.run("classify", "--random-weights", "--model", "ghostnetv3_050", "--device", "cpu",
        "--top", "1", image);
    assertEquals(0, v3.exitCode(), v3.err());
    assertEquals("GhostNetV3 0.5x, 1000 classes, fp32 on cpu (random weights)", v3.out().lines().findFirst().get());

    CliRunner unknown = CliRunner.run("classify", "--random-weights", "--model", "resnet50", "--device", "cpu", image);
    assertEquals(1, unknown.exitCode());
    assertTrue(unknown.err().contains("unknown model 'resnet50'") && unknown.err().contains("ghostnetv2_130"),
        unknown.err());

    CliRunner model = CliRunner.run("classify", "--weights", WEIGHTS.toString(), "--model", "ghostnetv2_100",
        "--device", "cpu", image);
    assertEquals(1, model.exitCode());
    assertTrue(model.err().contains("--model names the member that random weights are made for"), model.err());
  }

  @Test
  void withJsonAFileThatFailsHasItsRecordInTheStream() throws IOException {
    Path broken = temp.resolve("broken.jpg");
    Files.write(broken, new byte[] {(byte) 0xff, (byte) 0xd8, (byte) 0xff, 0});
    Path good = IMAGES.resolve("samples/rgb_500x375.jpg");
    CliRunner r = CliRunner.run("classify", "--weights", WEIGHTS.toString(), "--device", "cpu", "--json",
        good.toString(), broken.toString());
    assertEquals(1, r.exitCode());
    List<JsonObject> lines = r.out().lines().map(l -> JsonParser.parseString(l).getAsJsonObject()).toList();
    assertEquals(2, lines.size(), r.out());
    assertEquals(good.toString(), lines.get(0).get("file").getAsString());
    assertEquals(5, lines.get(0).getAsJsonArray("top").size());
    JsonObject failure = lines.get(1);
    assertEquals(broken.toString(), failure.get("file").getAsString());
    assertTrue(failure.get("error").getAsString().contains("broken.jpg"), failure.toString());
    assertEquals(Set.of("file", "error"), failure.keySet());
  }

  @Test
  void aBrokenFileIsReportedAndTheOthersStillClassified() throws IOException {
    Path broken = temp.resolve("broken.jpg");
    Files.write(broken, new byte[] {(byte) 0xff, (byte) 0xd8, (byte) 0xff, 0});
    Path good = IMAGES.resolve("samples/rgb_500x375.jpg");
    CliRunner r = CliRunner.run("classify", "--weights", WEIGHTS.toString(), "--device", "cpu", "--top", "2",
        good.toString(), broken.toString());
    assertEquals(1, r.exitCode());
    assertTrue(r.err().startsWith("error: ") && r.err().contains("broken.jpg"), r.err());
    assertTrue(r.out().contains(good.toString()), r.out());
  }
}
