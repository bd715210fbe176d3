package dev.ghostnet.image;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.ghostnet.InvalidArgumentException;
import dev.ghostnet.image.ImageFixtures.Sample;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.util.Set;
import java.util.stream.Stream;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/** {@link RgbImage#from(BufferedImage)}: an image already decoded by the JDK, as PIL sees the same file. */
class RgbImageTest {
  /**
   * Samples whose BufferedImage does not hold the colours PIL decodes: ImageIO applies their
   * embedded ICC profile (which PIL ignores), or, for a palette shorter than its indices, repeats
   * the last entry where PIL uses (i, i, i).
   */
  static final Set<String> OTHER_COLOURS_IN_THE_JDK =
      Set.of("rgb_440_256x256", "cmyk_224x224", "ycck_131x97", "palette_short_plte_16x12");

  static Stream<Sample> samples() {
    return ImageFixtures.samples().stream().filter(s -> !OTHER_COLOURS_IN_THE_JDK.contains(s.name()));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("samples")
  void anImageReadByImageIoGivesPilsPixels(Sample sample) throws IOException {
    BufferedImage image = ImageIO.read(sample.file().toFile());
    RgbImage rgb = RgbImage.from(image);
    assertEquals(sample.width(), rgb.width());
    assertEquals(sample.height(), rgb.height());
    assertEquals(sample.decodedSha256(), ImageFixtures.sha256(rgb.pixels()), sample + " (" + sample.notes() + ")");
  }

  @Test
  void grayIsCopiedToEachChannelNotColourConverted() {
    BufferedImage gray = new BufferedImage(2, 1, BufferedImage.TYPE_BYTE_GRAY);
    gray.getRaster().setSample(0, 0, 0, 128);
    gray.getRaster().setSample(1, 0, 0, 7);
    assertArrayEquals(new byte[] {(byte) 128, (byte) 128, (byte) 128, 7, 7, 7}, RgbImage.from(gray).pixels());
  }

  @Test
  void alphaIsDroppedWithoutCompositing() {
    BufferedImage argb = new BufferedImage(2, 1, BufferedImage.TYPE_INT_ARGB);
    argb.setRGB(0, 0, 0x00_10_20_30); // fully transparent: the colour underneath is kept
    argb.setRGB(1, 0, 0xff_fe_01_80);
    assertArrayEquals(new byte[] {0x10, 0x20, 0x30, (byte) 0xfe, 0x01, (byte) 0x80}, RgbImage.from(argb).pixels());
  }

  @Test
  void aNullImageIsRefused() {
    InvalidArgumentException e = assertThrows(InvalidArgumentException.class, () -> RgbImage.from(null));
    assertEquals("the image is null", e.getMessage());
  }
}
