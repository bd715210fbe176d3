package dev.ghostnet.image;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import java.awt.image.BufferedImage;
import java.awt.image.Raster;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import javax.imageio.ImageIO;

/** The image fixtures (tests/fixtures/images, made by tests/reference/make_images.py). */
final class ImageFixtures {
  static final Path DIR = Path.of(System.getProperty("ghostnet.fixtures", "tests/fixtures")).resolve("images");
  static final JsonObject MANIFEST = load();

  private ImageFixtures() {}

  /** One sample image with PIL's decode of it and torchvision's preprocessing of it. */
  record Sample(String name, Path file, String format, String pilMode, int width, int height, Path decoded,
      String decodedSha256, int[] resized, int[] cropOffset, Path expectedBilinear, String bilinearSha256,
      Path expectedBicubic, String bicubicSha256, String notes) {
    Path expected(Interpolation interpolation) {
      return interpolation == Interpolation.BILINEAR ? expectedBilinear : expectedBicubic;
    }

    String expectedSha256(Interpolation interpolation) {
      return interpolation == Interpolation.BILINEAR ? bilinearSha256 : bicubicSha256;
    }

    @Override
    public String toString() {
      return name;
    }
  }

  /** torchvision's result for other Resize/CenterCrop sizes. */
  record OptionCase(String image, int resize, int crop, Interpolation interpolation, Path expected) {
    @Override
    public String toString() {
      return image + " resize " + resize + " crop " + crop + " " + interpolation;
    }
  }

  /** A file that must be refused. */
  record Refusal(Path file, List<String> contains, String notes) {
    @Override
    public String toString() {
      return DIR.relativize(file).toString();
    }
  }

  private static JsonObject load() {
    try {
      return JsonParser.parseString(Files.readString(DIR.resolve("manifest.json"))).getAsJsonObject();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  static List<Sample> samples() {
    List<Sample> out = new ArrayList<>();
    for (JsonElement element : MANIFEST.getAsJsonArray("images")) {
      JsonObject o = element.getAsJsonObject();
      JsonObject expected = o.getAsJsonObject("expected");
      JsonObject bilinear = expected.getAsJsonObject("bilinear");
      JsonObject bicubic = expected.getAsJsonObject("bicubic");
      out.add(new Sample(o.get("name").getAsString(), DIR.resolve(o.get("file").getAsString()),
          o.get("format").getAsString(), o.get("pil_mode").getAsString(), o.get("width").getAsInt(),
          o.get("height").getAsInt(), o.get("decoded").isJsonNull() ? null : DIR.resolve(o.get("decoded").getAsString()),
          o.get("decoded_sha256").getAsString(), ints(o, "resized"), ints(o, "crop_offset"),
          DIR.resolve(bilinear.get("file").getAsString()), bilinear.get("sha256").getAsString(),
          DIR.resolve(bicubic.get("file").getAsString()), bicubic.get("sha256").getAsString(),
          o.get("notes").getAsString()));
    }
    return out;
  }

  static Sample sample(String name) {
    return samples().stream().filter(s -> s.name().equals(name)).findFirst().orElseThrow();
  }

  static List<OptionCase> optionCases() {
    List<OptionCase> out = new ArrayList<>();
    for (JsonElement element : MANIFEST.getAsJsonArray("options")) {
      JsonObject o = element.getAsJsonObject();
      out.add(new OptionCase(o.get("image").getAsString(), o.get("resize").getAsInt(), o.get("crop").getAsInt(),
          Interpolation.valueOf(o.get("interpolation").getAsString().toUpperCase()),
          DIR.resolve(o.get("expected").getAsString())));
    }
    return out;
  }

  static List<Refusal> refusals() {
    List<Refusal> out = new ArrayList<>();
    for (JsonElement element : MANIFEST.getAsJsonArray("refuse")) {
      JsonObject o = element.getAsJsonObject();
      List<String> contains = new ArrayList<>();
      o.getAsJsonArray("expect_error_contains").forEach(e -> contains.add(e.getAsString()));
      out.add(new Refusal(DIR.resolve(o.get("file").getAsString()), contains, o.get("notes").getAsString()));
    }
    return out;
  }

  private static int[] ints(JsonObject o, String key) {
    var array = o.getAsJsonArray(key);
    int[] out = new int[array.size()];
    for (int i = 0; i < out.length; i++) {
      out[i] = array.get(i).getAsInt();
    }
    return out;
  }

  /**
   * An 8-bit RGB or grayscale PNG written by the reference script, as HWC RGB bytes (gray widened),
   * read with plain ImageIO and not with the code under test.
   */
  static RgbImage readReferencePng(Path file) {
    try {
      BufferedImage image = ImageIO.read(file.toFile());
      Raster raster = image.getRaster();
      int w = raster.getWidth();
      int h = raster.getHeight();
      int bands = raster.getNumBands();
      if (bands != 1 && bands != 3) {
        throw new IllegalStateException(file + " has " + bands + " bands");
      }
      int[] samples = raster.getPixels(0, 0, w, h, (int[]) null);
      byte[] rgb = new byte[w * h * 3];
      for (int i = 0; i < w * h; i++) {
        for (int c = 0; c < 3; c++) {
          rgb[i * 3 + c] = (byte) samples[i * bands + (bands == 1 ? 0 : c)];
        }
      }
      return RgbImage.wrap(w, h, rgb);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  static String sha256(byte[] data) {
    try {
      return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(data));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  /** How two uint8 arrays of the same length differ. */
  record Diff(int max, long offByOne, long offByMore, long firstIndex) {
    static Diff of(byte[] expected, byte[] actual) {
      if (expected.length != actual.length) {
        throw new IllegalArgumentException(expected.length + " vs " + actual.length + " bytes");
      }
      int max = 0;
      long one = 0;
      long more = 0;
      long first = -1;
      for (int i = 0; i < expected.length; i++) {
        int d = Math.abs((expected[i] & 0xff) - (actual[i] & 0xff));
        if (d > 0 && first < 0) {
          first = i;
        }
        if (d == 1) {
          one++;
        } else if (d > 1) {
          more++;
        }
        max = Math.max(max, d);
      }
      return new Diff(max, one, more, first);
    }

    /** For messages: where the first difference is, as (y, x, channel) of an image of this width. */
    String describe(int width) {
      if (firstIndex < 0) {
        return "identical";
      }
      long pixel = firstIndex / 3;
      return "max " + max + ", " + offByOne + " values off by 1, " + offByMore + " by more; first at (y " + pixel / width
          + ", x " + pixel % width + ", c " + firstIndex % 3 + ")";
    }
  }
}
