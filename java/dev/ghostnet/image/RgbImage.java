package dev.ghostnet.image;

import dev.ghostnet.InvalidArgumentException;

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
