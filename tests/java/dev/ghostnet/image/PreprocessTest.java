package dev.ghostnet.image;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ghostnet.InvalidArgumentException;
import dev.ghostnet.image.ImageFixtures.Diff;
import dev.ghostnet.image.ImageFixtures.OptionCase;
import dev.ghostnet.image.ImageFixtures.Sample;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Resize + centre crop against torchvision on PIL images (tests/reference/make_images.py). The
 * requirement is 1 uint8 level per pixel; the report printed at the end gives the measured
 * maximum difference and the count of values off by 1 for every sample.
 */
class PreprocessTest {
  /** The requirement above: at most one uint8 level per value. */
  private static final int TOLERANCE = 1;

  private static final Map<String, String> REPORT = new TreeMap<>();

  static Stream<Arguments> samplesAndInterpolations() {
    List<Arguments> out = new ArrayList<>();
    for (Sample sample : ImageFixtures.samples()) {
      for (Interpolation interpolation : Interpolation.values()) {
        out.add(Arguments.of(sample, interpolation));
      }
    }
    return out.stream();
  }

  private static ImagePreprocessor preprocessor(Interpolation interpolation) {
    return new ImagePreprocessor(PreprocessOptions.DEFAULT.withInterpolation(interpolation));
  }

  /** File in, torchvision's tensor out: decoding and resizing together. */
  @ParameterizedTest(name = "{0} {1}")
  @MethodSource("samplesAndInterpolations")
  void fileToCropMatchesTorchvision(Sample sample, Interpolation interpolation) {
    byte[] actual = preprocessor(interpolation).preprocess(sample.file());
    byte[] expected = ImageFixtures.readReferencePng(sample.expected(interpolation)).pixels();
    assertEquals(sample.expectedSha256(interpolation), ImageFixtures.sha256(expected), "fixture damaged");
    Diff diff = Diff.of(expected, actual);
    REPORT.put(sample.name() + " " + interpolation.name().toLowerCase() + " (file)",
        "max " + diff.max() + ", off by 1: " + diff.offByOne() + " of " + expected.length);
    assertTrue(diff.max() <= TOLERANCE, () -> sample + " " + interpolation + " (" + sample.notes() + "): "
        + diff.describe(224));
  }

  /**
   * PIL's decoded pixels in, torchvision's tensor out: the resize alone. Where the reference keeps
   * only the hash of PIL's pixels (large sources), our decode stands in for them when its hash
   * matches.
   */
  @ParameterizedTest(name = "{0} {1}")
  @MethodSource("samplesAndInterpolations")
  void resizeOfPilPixelsMatchesTorchvision(Sample sample, Interpolation interpolation) throws Exception {
    RgbImage source;
    if (sample.decoded() != null) {
      source = ImageFixtures.readReferencePng(sample.decoded());
    } else {
      source = ImageDecoder.decode(sample.file());
      Assumptions.assumeTrue(ImageFixtures.sha256(source.pixels()).equals(sample.decodedSha256()),
          "this JDK's decode of " + sample + " differs from PIL's and the reference keeps only its hash");
    }
    assertEquals(sample.decodedSha256(), ImageFixtures.sha256(source.pixels()), "fixture damaged");
    byte[] actual = preprocessor(interpolation).preprocess(source);
    byte[] expected = ImageFixtures.readReferencePng(sample.expected(interpolation)).pixels();
    Diff diff = Diff.of(expected, actual);
    REPORT.put(sample.name() + " " + interpolation.name().toLowerCase() + " (PIL pixels)",
        "max " + diff.max() + ", off by 1: " + diff.offByOne() + " of " + expected.length);
    assertTrue(diff.max() <= TOLERANCE, () -> sample + " " + interpolation + ": " + diff.describe(224));
  }

  static Stream<OptionCase> optionCases() {
    return ImageFixtures.optionCases().stream();
  }

  /** Other sizes: a crop larger than the resized image (black padding), odd sizes, no resample. */
  @ParameterizedTest(name = "{0}")
  @MethodSource("optionCases")
  void otherSizesMatchTorchvision(OptionCase c) {
    Sample sample = ImageFixtures.sample(c.image());
    ImagePreprocessor pre = new ImagePreprocessor(new PreprocessOptions(c.resize(), c.crop(), c.interpolation()));
    byte[] actual = pre.preprocess(sample.file());
    byte[] expected = ImageFixtures.readReferencePng(c.expected()).pixels();
    Diff diff = Diff.of(expected, actual);
    REPORT.put(c.toString(), "max " + diff.max() + ", off by 1: " + diff.offByOne() + " of " + expected.length);
    assertTrue(diff.max() <= TOLERANCE, () -> c + ": " + diff.describe(c.crop()));
  }

  @Test
  void resizedSizeAndOffsetsAreTorchvisions() {
    for (Sample sample : ImageFixtures.samples()) {
      int[] size = Resampler.resizedSize(sample.width(), sample.height(), 256);
      assertArrayEquals(sample.resized(), size, sample.name());
      assertEquals(sample.cropOffset()[0], Resampler.cropOffset(size[0], 224), sample.name());
      assertEquals(sample.cropOffset()[1], Resampler.cropOffset(size[1], 224), sample.name());
    }
    // Python's round() takes halves to even: (341 - 224) / 2 = 58.5 -> 58, (229 - 224) / 2 = 2.5 -> 2,
    // (231 - 224) / 2 = 3.5 -> 4
    assertEquals(58, Resampler.cropOffset(341, 224));
    assertEquals(2, Resampler.cropOffset(229, 224));
    assertEquals(4, Resampler.cropOffset(231, 224));
    // a crop larger than the image: CenterCrop pads (crop - n) // 2 on the left
    assertEquals(-12, Resampler.cropOffset(200, 224));
    assertEquals(-11, Resampler.cropOffset(201, 224));
    // int(256 * 500 / 375) = int(341.33) = 341; a 1x10000 strip
    assertArrayEquals(new int[] {341, 256}, Resampler.resizedSize(500, 375, 256));
    assertArrayEquals(new int[] {256, 2560000}, Resampler.resizedSize(1, 10000, 256));
  }

  /** A resize whose longer side would not fit in an int is refused, not attempted. */
  @Test
  void refusesResizesTooLargeToCompute() {
    var e = assertThrows(InvalidArgumentException.class, () -> Resampler.resizedSize(1, 9_000_000, 256));
    assertTrue(e.getMessage().contains("1x9000000") && e.getMessage().contains("2304000000"), e.getMessage());
    RgbImage strip = RgbImage.wrap(1, 9_000_000, new byte[27_000_000]);
    assertThrows(InvalidArgumentException.class, () -> new ImagePreprocessor().preprocess(strip));
    // a narrow strip that fits: only the crop of the 256 x 2,304,000 resize is computed
    byte[] out = new ImagePreprocessor(new PreprocessOptions(256, 224, Interpolation.BICUBIC))
        .preprocess(RgbImage.wrap(1, 2_000_000, new byte[6_000_000]));
    assertEquals(224 * 224 * 3, out.length);
  }

  @Test
  void coefficientsAreNormalised() {
    for (Interpolation interpolation : Interpolation.values()) {
      for (int[] sizes : new int[][] {{500, 341}, {2000, 341}, {40, 341}, {224, 256}, {7, 3}, {3, 7}}) {
        Resampler.Coefficients c = Resampler.compute(sizes[0], sizes[1], interpolation);
        for (int xx = 0; xx < sizes[1]; xx++) {
          long sum = 0;
          for (int t = 0; t < c.bounds()[2 * xx + 1]; t++) {
            sum += c.weights()[xx * c.ksize() + t];
          }
          // each weight is rounded to 1/2^22: the sum is 1 within the count of taps
          assertTrue(Math.abs(sum - (1 << Resampler.PRECISION_BITS)) <= c.ksize(), interpolation + " " + sizes[0]
              + "->" + sizes[1] + " at " + xx + ": " + sum);
          assertTrue(c.bounds()[2 * xx] >= 0 && c.bounds()[2 * xx] + c.bounds()[2 * xx + 1] <= sizes[0]);
        }
        // the coefficients of a range of outputs (what a crop needs) are those of the whole axis
        int first = sizes[1] / 3;
        int count = Math.max(1, sizes[1] / 2);
        Resampler.Coefficients part = Resampler.compute(sizes[0], sizes[1], first, count, interpolation);
        assertArrayEquals(java.util.Arrays.copyOfRange(c.bounds(), 2 * first, 2 * (first + count)), part.bounds());
        assertArrayEquals(java.util.Arrays.copyOfRange(c.weights(), first * c.ksize(), (first + count) * c.ksize()),
            part.weights());
      }
    }
  }

  @Test
  void writesIntoADirectBufferAtAnOffset() {
    Sample sample = ImageFixtures.sample("rgb_500x375");
    ImagePreprocessor pre = new ImagePreprocessor();
    int n = pre.outputBytes();
    assertEquals(224 * 224 * 3, n);
    ByteBuffer batch = ByteBuffer.allocateDirect(3 * n + 7);
    batch.position(5);
    pre.preprocess(sample.file(), batch, n + 7);
    assertEquals(5, batch.position(), "the position is not used");
    byte[] got = new byte[n];
    batch.get(n + 7, got);
    assertArrayEquals(pre.preprocess(sample.file()), got);
    for (int i = 0; i < n + 7; i++) {
      assertEquals(0, batch.get(i), "nothing written before the offset");
    }
    for (int i = 2 * n + 7; i < 3 * n + 7; i++) {
      assertEquals(0, batch.get(i), "nothing written after the image");
    }
    // the same through every entry point
    ByteBuffer other = ByteBuffer.allocate(n);
    pre.preprocess(ImageDecoder.decode(sample.file()), other, 0);
    assertArrayEquals(got, other.array());
    byte[] array = new byte[n + 3];
    pre.preprocess(ImageDecoder.decode(sample.file()), array, 3);
    assertArrayEquals(got, java.util.Arrays.copyOfRange(array, 3, n + 3));
  }

  @Test
  void refusesBuffersThatDoNotFit() throws Exception {
    Sample sample = ImageFixtures.sample("gray_256x256");
    ImagePreprocessor pre = new ImagePreprocessor();
    int n = pre.outputBytes();
    ByteBuffer small = ByteBuffer.allocateDirect(n - 1);
    var e = assertThrows(InvalidArgumentException.class, () -> pre.preprocess(sample.file(), small, 0));
    assertTrue(e.getMessage().contains("limit"), e.getMessage());
    ByteBuffer limited = ByteBuffer.allocateDirect(2 * n).limit(n + 10);
    assertThrows(InvalidArgumentException.class, () -> pre.preprocess(sample.file(), limited, 11));
    assertThrows(InvalidArgumentException.class, () -> pre.preprocess(sample.file(), limited, -1));
    assertThrows(InvalidArgumentException.class,
        () -> pre.preprocess(sample.file(), ByteBuffer.allocate(n).asReadOnlyBuffer(), 0));
    byte[] encoded = Files.readAllBytes(sample.file());
    assertThrows(InvalidArgumentException.class, () -> pre.preprocess(encoded, "x", null, 0));
    assertThrows(InvalidArgumentException.class, () -> pre.preprocess(ImageDecoder.decode(sample.file()),
        new byte[n], 1));
  }

  @Test
  void optionsValidateAndDefault() {
    assertEquals(new PreprocessOptions(256, 224, Interpolation.BILINEAR), PreprocessOptions.DEFAULT);
    assertEquals(Interpolation.BICUBIC, PreprocessOptions.DEFAULT.withInterpolation(Interpolation.BICUBIC)
        .interpolation());
    assertEquals(320, PreprocessOptions.DEFAULT.withResize(320).resize());
    assertEquals(288 * 288 * 3, PreprocessOptions.DEFAULT.withCrop(288).outputBytes());
    assertThrows(InvalidArgumentException.class, () -> new PreprocessOptions(0, 224, Interpolation.BILINEAR));
    assertThrows(InvalidArgumentException.class, () -> new PreprocessOptions(256, 0, Interpolation.BILINEAR));
    assertThrows(InvalidArgumentException.class, () -> new PreprocessOptions(256, 224, null));
    assertThrows(InvalidArgumentException.class, () -> new ImagePreprocessor(null));
  }

  /** Many threads, one preprocessor, one direct buffer: every slot gets its own image's bytes. */
  @Test
  void concurrentCallersFillTheirOwnSlots() throws Exception {
    List<Sample> samples = ImageFixtures.samples();
    ImagePreprocessor pre = new ImagePreprocessor(PreprocessOptions.DEFAULT.withInterpolation(Interpolation.BICUBIC));
    int n = pre.outputBytes();
    int slots = 64;
    ByteBuffer batch = ByteBuffer.allocateDirect(slots * n);
    ExecutorService pool = Executors.newFixedThreadPool(8);
    try {
      List<Future<?>> futures = new ArrayList<>();
      for (int i = 0; i < slots; i++) {
        Sample sample = samples.get(i % samples.size());
        int slot = i;
        futures.add(pool.submit(() -> pre.preprocess(sample.file(), batch, slot * n)));
      }
      for (Future<?> f : futures) {
        f.get();
      }
    } finally {
      pool.shutdown();
    }
    for (int i = 0; i < slots; i++) {
      Sample sample = samples.get(i % samples.size());
      byte[] got = new byte[n];
      batch.get(i * n, got);
      assertArrayEquals(pre.preprocess(sample.file()), got, "slot " + i + ": " + sample);
    }
  }

  @AfterAll
  static void report() {
    StringBuilder text = new StringBuilder("preprocessing vs torchvision (uint8 levels):\n");
    REPORT.forEach((k, v) -> text.append(String.format("  %-62s %s%n", k, v)));
    System.out.print(text);
  }
}
