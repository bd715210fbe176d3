package dev.ghostnet;

import com.google.gson.JsonArray;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * The PyTorch reference fixtures (tests/fixtures, made by tests/reference/make_fixtures.py). The
 * forward cases' models are not committed whole: the build writes them (their weights generated
 * from their seeds, tests/native/fixtures.h) to the folder {@code ghostnet.fixtureWeights} names.
 */
final class Fixtures {
  static final Path DIR = Path.of(System.getProperty("ghostnet.fixtures", "tests/fixtures"));
  static final Path MODELS = Path.of(System.getProperty("ghostnet.fixtureWeights", "target/fixture-weights"));
  private static final JsonObject MANIFEST = load();

  private Fixtures() {}

  /** One reference case: weights, an input batch and the logits PyTorch gives for it. */
  record Case(String name, Path weights, String family, double width, Path input, Path expected, int numClasses,
      double maxAbsReference, double top1Margin, double logitsDeviationFp16, double logitsDeviationBf16) {
    @Override
    public String toString() {
      return name;
    }
  }

  /** One file of the checkpoint-format set, all holding the same small model. */
  record Format(Path file, String format, String wrapper, Case reference) {
    @Override
    public String toString() {
      return DIR.relativize(file).toString();
    }
  }

  static List<Case> cases() {
    List<Case> cases = new ArrayList<>();
    for (var element : MANIFEST.getAsJsonArray("cases")) {
      JsonObject c = element.getAsJsonObject();
      JsonObject deviation = c.getAsJsonObject("logits_deviation");
      // A generated model's file, as the build writes it; or a checkpoint of the fixtures.
      Path weights = c.get("model").isJsonNull() ? path(c, "weights")
          : MODELS.resolve(c.get("model").getAsString() + ".safetensors");
      cases.add(new Case(c.get("name").getAsString(), weights, c.get("family").getAsString(),
          c.get("width").getAsDouble(), path(c, "input"), path(c, "expected"),
          c.get("num_classes").getAsInt(), c.get("max_abs_reference").getAsDouble(),
          c.get("top1_margin").getAsDouble(), deviation.get("fp16").getAsDouble(), deviation.get("bf16").getAsDouble()));
    }
    return cases;
  }

  static Case namedCase(String name) {
    return cases().stream().filter(c -> c.name().equals(name)).findFirst().orElseThrow();
  }

  /** The small GhostNet of formats/small_f32.safetensors (width 0.25, 10 classes). */
  static Case smallCase() {
    return namedCase("v1_w025_c10_64x48");
  }

  static List<Format> formats() {
    List<Format> formats = new ArrayList<>();
    for (var element : MANIFEST.getAsJsonArray("formats")) {
      JsonObject f = element.getAsJsonObject();
      String wrapper = f.get("wrapper").isJsonNull() ? null : f.get("wrapper").getAsString();
      formats.add(new Format(path(f, "file"), f.get("format").getAsString(), wrapper,
          namedCase(f.get("case").getAsString())));
    }
    return formats;
  }

  static JsonArray hostile() {
    return MANIFEST.getAsJsonArray("hostile");
  }

  static Path path(JsonObject o, String key) {
    return DIR.resolve(o.get(key).getAsString());
  }

  /** Host logits of {@code model} for an input file. */
  static float[] logits(GhostNet model, Path input) {
    try (ExecutionContext context = model.newContext();
        Tensor x = Npy.read(input, Layout.NCHW);
        Tensor y = context.forward(x)) {
      return y.toFloatArray();
    }
  }

  static float[] expected(Case c) {
    try (Tensor t = Npy.read(c.expected(), Layout.ROW_MAJOR)) {
      return t.toFloatArray();
    }
  }

  /**
   * How far a GPU's logits may be from PyTorch's, as tests/native/fixtures.h derives it: FP32 1e-3
   * of the largest logit; FP16 and BF16 three times how far the logits moved when make_fixtures.py
   * rounded every stored value to that precision.
   */
  static double gpuBound(Case c, Precision precision) {
    return switch (precision) {
      case FP16 -> 3 * c.logitsDeviationFp16();
      case BF16 -> 3 * c.logitsDeviationBf16();
      default -> 1e-3 * c.maxAbsReference();
    };
  }

  /** How far the host's FP32 logits may be from PyTorch's. */
  static double hostBound(Case c) {
    return 1e-4 * c.maxAbsReference() + 1e-6;
  }

  private static JsonObject load() {
    try {
      return JsonParser.parseString(Files.readString(DIR.resolve("manifest.json"))).getAsJsonObject();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
