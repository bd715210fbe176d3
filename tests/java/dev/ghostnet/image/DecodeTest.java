package dev.ghostnet.image;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import dev.ghostnet.image.ImageFixtures.Diff;
import dev.ghostnet.image.ImageFixtures.Refusal;
import dev.ghostnet.image.ImageFixtures.Sample;
import dev.ghostnet.internal.NativeJpeg;
import java.io.ByteArrayInputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Decoding against PIL's {@code Image.open(f).convert("RGB")}, and refusals.
 *
 * <p>Measured: every sample decodes bit for bit as PIL decodes it, JPEGs included, by the system's
 * libjpeg-turbo (PIL's decoder) and by ImageIO on Debian's JDK, which links that libjpeg-turbo. A
 * JDK bundling IJG libjpeg 6b (Temurin's, for one) matches through ImageIO on every sample except
 * the 4:4:0 JPEG, whose chroma it upsamples by repeating rows (up to 77 levels apart).
 */
class DecodeTest {
  /** The measured agreement: none of the samples differs by a level. */
  private static final int PNG_TOLERANCE = 0;
  private static final int JPEG_TOLERANCE = 0;

  private static final Map<String, String> REPORT = new TreeMap<>();

  static Stream<Sample> samples() {
    return ImageFixtures.samples().stream();
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("samples")
  void decodesAsPil(Sample sample) {
    RgbImage image = ImageDecoder.decode(sample.file());
    assertDecodedAsPil(sample, image.width(), image.height(), image.pixels());
  }

  static Stream<Sample> jpegSamples() {
    return samples().filter(sample -> sample.format().equals("jpeg"));
  }

  /** The system's libjpeg-turbo, where libghostnet finds it (CI installs it). */
  @ParameterizedTest(name = "{0}")
  @MethodSource("jpegSamples")
  void libjpegTurboDecodesJpegsAsPil(Sample sample) throws Exception {
    Assumptions.assumeTrue(NativeJpeg.available(), () -> "JPEGs are decoded by " + NativeJpeg.describe());
    Pixels pixels = JpegDecoder.decode(Files.readAllBytes(sample.file()), sample.name(), ImageDecoder.MAX_PIXELS, true);
    assertDecodedAsPil(sample, pixels.width(), pixels.height(), pixels.rgb());
  }

  /** The JDK's ImageIO, which decodes JPEGs where libjpeg-turbo is missing. */
  @ParameterizedTest(name = "{0}")
  @MethodSource("jpegSamples")
  void imageIoDecodesJpegsAsPil(Sample sample) throws Exception {
    Pixels pixels = JpegDecoder.decode(Files.readAllBytes(sample.file()), sample.name(), ImageDecoder.MAX_PIXELS, false);
    assertDecodedAsPil(sample, pixels.width(), pixels.height(), pixels.rgb());
  }

  private static void assertDecodedAsPil(Sample sample, int width, int height, byte[] rgb) {
    assertEquals(sample.width(), width, "width");
    assertEquals(sample.height(), height, "height");
    int tolerance = sample.format().equals("jpeg") ? JPEG_TOLERANCE : PNG_TOLERANCE;
    String hash = ImageFixtures.sha256(rgb);
    if (sample.decoded() != null) {
      byte[] expected = ImageFixtures.readReferencePng(sample.decoded()).pixels();
      Diff diff = Diff.of(expected, rgb);
      REPORT.put(sample.name(), "max " + diff.max() + ", off by 1: " + diff.offByOne());
      assertTrue(diff.max() <= tolerance, () -> sample + " (" + sample.notes() + "): " + diff.describe(sample.width()));
    } else {
      REPORT.put(sample.name(), hash.equals(sample.decodedSha256()) ? "identical (hash)" : "DIFFERS (hash)");
    }
    if (tolerance == 0) {
      assertEquals(sample.decodedSha256(), hash, sample + ": the decoded pixels differ from PIL's");
    }
  }

  @Test
  void decodesFromMemoryAndStreams() throws Exception {
    Sample sample = ImageFixtures.sample("ycck_131x97");
    byte[] encoded = Files.readAllBytes(sample.file());
    RgbImage fromFile = ImageDecoder.decode(sample.file());
    assertTrue(Arrays.equals(fromFile.pixels(), ImageDecoder.decode(encoded, "ycck").pixels()));
    assertTrue(Arrays.equals(fromFile.pixels(),
        ImageDecoder.decode(new ByteArrayInputStream(encoded), "ycck").pixels()));
  }

  static Stream<Refusal> refusals() {
    return ImageFixtures.refusals().stream();
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("refusals")
  void refuses(Refusal refusal) {
    ImageDecodeException e = assertThrows(ImageDecodeException.class, () -> ImageDecoder.decode(refusal.file()),
        refusal.notes());
    assertTrue(e.getMessage().contains(refusal.file().toString()), "names the file: " + e.getMessage());
    for (String part : refusal.contains()) {
      assertTrue(e.getMessage().contains(part), "says '" + part + "': " + e.getMessage());
    }
    assertEquals(refusal.file().toString(), e.source());
    // the preprocessor refuses the same way
    assertThrows(ImageDecodeException.class, () -> new ImagePreprocessor().preprocess(refusal.file()));
  }

  @Test
  void refusesMissingFilesAndDirectories(@TempDir Path dir) {
    var missing = assertThrows(ImageDecodeException.class, () -> ImageDecoder.decode(dir.resolve("nope.jpg")));
    assertTrue(missing.getMessage().contains("nope.jpg") && missing.getMessage().contains("no such file"),
        missing.getMessage());
    var directory = assertThrows(ImageDecodeException.class, () -> ImageDecoder.decode(dir));
    assertTrue(directory.getMessage().contains(dir.toString()), directory.getMessage());
  }

  @Test
  void refusesHugeDimensionsBeforeDecoding() throws Exception {
    // a PNG header claiming 100000 x 100000 pixels, with no data
    byte[] png = Files.readAllBytes(ImageFixtures.sample("gray_300x200").file());
    byte[] header = Arrays.copyOf(png, 33);
    putInt(header, 16, 100_000);
    putInt(header, 20, 100_000);
    var e = assertThrows(ImageDecodeException.class, () -> ImageDecoder.decode(header, "huge.png"));
    assertTrue(e.getMessage().contains("100000x100000") && e.getMessage().contains("limit"), e.getMessage());
    // a JPEG frame of 65000 x 65000
    byte[] jpeg = Files.readAllBytes(ImageFixtures.sample("rgb_500x375").file());
    int sof = indexOf(jpeg, (byte) 0xFF, (byte) 0xC0);
    jpeg[sof + 5] = (byte) 0xFD;
    jpeg[sof + 6] = (byte) 0xE8;
    jpeg[sof + 7] = (byte) 0xFD;
    jpeg[sof + 8] = (byte) 0xE8;
    var j = assertThrows(ImageDecodeException.class, () -> ImageDecoder.decode(jpeg, "huge.jpg"));
    assertTrue(j.getMessage().contains("65000x65000"), j.getMessage());
  }

  @Test
  void refusesTwelveBitAndTwoComponentJpegs() throws Exception {
    byte[] jpeg = Files.readAllBytes(ImageFixtures.sample("gray_256x256").file());
    int sof = indexOf(jpeg, (byte) 0xFF, (byte) 0xC0);
    byte[] twelve = jpeg.clone();
    twelve[sof + 4] = 12;
    var e = assertThrows(ImageDecodeException.class, () -> ImageDecoder.decode(twelve, "twelve.jpg"));
    assertTrue(e.getMessage().contains("12-bit"), e.getMessage());
    byte[] progressive = Files.readAllBytes(ImageFixtures.sample("rgb_375x500_progressive").file());
    int sof2 = indexOf(progressive, (byte) 0xFF, (byte) 0xC2);
    byte[] lossless = progressive.clone();
    lossless[sof2 + 1] = (byte) 0xC3;
    var l = assertThrows(ImageDecodeException.class, () -> ImageDecoder.decode(lossless, "lossless.jpg"));
    assertTrue(l.getMessage().contains("lossless"), l.getMessage());
  }

  /**
   * Every prefix of a few samples (cut at many points) and many randomly damaged copies: each
   * decodes or is refused with an ImageDecodeException, never anything else.
   */
  @Test
  void damagedFilesGiveTypedErrorsOnly() throws Exception {
    Random random = new Random(5);
    int refused = 0;
    int decoded = 0;
    for (String name : new String[] {"rgb_500x375", "rgb_375x500_progressive", "cmyk_224x224", "ycck_131x97",
        "palette_40x30", "rgba16_100x113", "palette4_200x150", "gray_300x200", "bilevel_120x90"}) {
      byte[] data = Files.readAllBytes(ImageFixtures.sample(name).file());
      for (int cut = 0; cut < data.length; cut += Math.max(1, data.length / 97)) {
        if (tryDecode(Arrays.copyOf(data, cut), name + " cut at " + cut)) {
          decoded++;
        } else {
          refused++;
        }
      }
      for (int trial = 0; trial < 60; trial++) {
        byte[] damaged = data.clone();
        int flips = 1 + random.nextInt(8);
        // damage the headers more often than the data: that is where parsers break
        int span = trial % 2 == 0 ? Math.min(data.length, 700) : data.length;
        for (int f = 0; f < flips; f++) {
          damaged[random.nextInt(span)] = (byte) random.nextInt(256);
        }
        if (tryDecode(damaged, name + " damaged #" + trial)) {
          decoded++;
        } else {
          refused++;
        }
      }
    }
    System.out.println("damaged files: " + decoded + " decoded, " + refused + " refused with ImageDecodeException");
    assertTrue(refused > 100);
  }

  private static boolean tryDecode(byte[] data, String name) {
    try {
      byte[] out = new ImagePreprocessor().preprocess(data, name);
      assertEquals(224 * 224 * 3, out.length);
      return true;
    } catch (ImageDecodeException e) {
      assertTrue(e.getMessage().startsWith(name + ": "), e.getMessage());
      return false;
    } catch (RuntimeException | Error e) {
      fail(name + ": " + e, e);
      return false;
    }
  }

  private static void putInt(byte[] b, int at, int v) {
    b[at] = (byte) (v >>> 24);
    b[at + 1] = (byte) (v >>> 16);
    b[at + 2] = (byte) (v >>> 8);
    b[at + 3] = (byte) v;
  }

  private static int indexOf(byte[] data, byte a, byte b) {
    for (int i = 0; i + 1 < data.length; i++) {
      if (data[i] == a && data[i + 1] == b) {
        return i;
      }
    }
    throw new IllegalStateException("marker not found");
  }

  @AfterAll
  static void report() {
    StringBuilder text = new StringBuilder("decoding vs PIL convert(\"RGB\") (uint8 levels):\n");
    REPORT.forEach((k, v) -> text.append(String.format("  %-28s %s%n", k, v)));
    System.out.print(text);
  }
}
