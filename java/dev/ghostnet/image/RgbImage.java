package dev.ghostnet.image;

import dev.ghostnet.InvalidArgumentException;
import java.awt.color.ColorSpace;
import java.awt.image.BufferedImage;
import java.awt.image.ColorModel;
import java.awt.image.ComponentColorModel;
import java.awt.image.Raster;

/**
 * A decoded image: uint8 RGB, HWC, row-major ({@code pixels[(y * width + x) * 3 + c]}), the
 * pixels PIL's {@code Image.open(f).convert("RGB")} gives.
 *
 * <p>The pixel array is shared, not copied: {@link #pixels()} returns the array this image
 * holds, and {@link #wrap} keeps the caller's array. Do not change it while the image is in use.
 */
public final class RgbImage {
  private final int width;
  private final int height;
  private final byte[] pixels;

  private RgbImage(int width, int height, byte[] pixels) {
    this.width = width;
    this.height = height;
    this.pixels = pixels;
  }

  /**
   * Wraps HWC RGB bytes (not copied).
   *
   * @throws InvalidArgumentException if a size is below 1 or the array does not hold
   *     {@code width * height * 3} bytes
   */
  public static RgbImage wrap(int width, int height, byte[] pixels) {
    if (pixels == null) {
      throw new InvalidArgumentException("pixels is null");
    }
    if (width < 1 || height < 1 || (long) width * height * 3 != pixels.length) {
      throw new InvalidArgumentException("an RGB image of " + width + "x" + height + " needs "
          + (long) width * height * 3 + " bytes, got " + pixels.length);
    }
    return new RgbImage(width, height, pixels);
  }

  /**
   * The pixels of an image already in the JDK, as PIL's {@code convert("RGB")} gives them for the
   * same image: an image of gray or sRGB samples gives its samples (the high byte of 16-bit ones,
   * a gray sample copied to R, G and B); any other (a palette, another colour space) gives each
   * pixel's sRGB colour, {@link BufferedImage#getRGB}. Alpha is dropped without compositing.
   *
   * @throws InvalidArgumentException if the image is null or too large for one array
   */
  public static RgbImage from(BufferedImage image) {
    if (image == null) {
      throw new InvalidArgumentException("the image is null");
    }
    int width = image.getWidth();
    int height = image.getHeight();
    if ((long) width * height * 3 > Integer.MAX_VALUE - 16) {
      throw new InvalidArgumentException("a " + width + "x" + height + " image is too large for one array of RGB bytes");
    }
    byte[] pixels = new byte[width * height * 3];
    ColorModel model = image.getColorModel();
    ColorSpace space = model.getColorSpace();
    boolean gray = space.getType() == ColorSpace.TYPE_GRAY;
    if (model instanceof ComponentColorModel && (gray || space.isCS_sRGB())) {
      copySamples(image.getRaster(), model.getComponentSize(0), gray, pixels);
    } else {
      copyColours(image, pixels);
    }
    return new RgbImage(width, height, pixels);
  }

  private static void copySamples(Raster raster, int bits, boolean gray, byte[] pixels) {
    int width = raster.getWidth();
    int[] row = new int[width];
    for (int y = 0; y < raster.getHeight(); y++) {
      for (int c = 0; c < (gray ? 1 : 3); c++) {
        raster.getSamples(0, y, width, 1, c, row);
        for (int x = 0, o = y * width * 3 + c; x < width; x++, o += 3) {
          byte v = (byte) (bits >= 8 ? row[x] >>> (bits - 8) : row[x] * 255 / ((1 << bits) - 1));
          pixels[o] = v;
          if (gray) {
            pixels[o + 1] = v;
            pixels[o + 2] = v;
          }
        }
      }
    }
  }

  private static void copyColours(BufferedImage image, byte[] pixels) {
    int width = image.getWidth();
    int[] row = new int[width];
    for (int y = 0, o = 0; y < image.getHeight(); y++) {
      image.getRGB(0, y, width, 1, row, 0, width);
      for (int x = 0; x < width; x++, o += 3) {
        pixels[o] = (byte) (row[x] >>> 16);
        pixels[o + 1] = (byte) (row[x] >>> 8);
        pixels[o + 2] = (byte) row[x];
      }
    }
  }

  static RgbImage of(Pixels pixels) {
    return new RgbImage(pixels.width(), pixels.height(), pixels.rgb());
  }

  Pixels asPixels() {
    return new Pixels(width, height, 3, pixels);
  }

  public int width() {
    return width;
  }

  public int height() {
    return height;
  }

  /** The HWC RGB bytes, {@code width * height * 3} of them; the array itself, not a copy. */
  public byte[] pixels() {
    return pixels;
  }

  @Override
  public String toString() {
    return "RgbImage[" + width + "x" + height + "]";
  }
}
