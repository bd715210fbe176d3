package dev.ghostnet.image;

import dev.ghostnet.InvalidArgumentException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.AccessDeniedException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;

/**
 * Decodes JPEG and PNG files to the RGB pixels PIL's {@code Image.open(f).convert("RGB")} gives:
 * gray, YCbCr and RGB JPEGs with the system's libjpeg-turbo where libghostnet finds it (as PIL
 * does), everything else with the JDK's ImageIO readers. Stateless and thread-safe.
 *
 * <p>What is accepted, and how it becomes RGB:
 *
 * <ul>
 *   <li>JPEG: 8-bit grayscale, YCbCr, RGB (Adobe transform 0), CMYK and YCCK (Adobe-inverted, as
 *       PIL reads them, then PIL's CMYK-to-RGB). Baseline and progressive. 12-bit, lossless and
 *       truncated JPEGs are refused.
 *   <li>PNG: grayscale 1 to 8 bits, RGB 8 and 16 bits, palette 1 to 8 bits, grayscale + alpha
 *       and RGBA 8 and 16 bits. Alpha and tRNS transparency are dropped without compositing
 *       (the colour stored under a transparent pixel is kept), as {@code convert("RGB")} does;
 *       16-bit samples keep their high byte. 16-bit grayscale is refused (PIL clips it), and so
 *       is a chunk before the image data whose checksum is wrong (PIL checks those alone).
 * </ul>
 *
 * <p>Like PIL (and so torchvision), EXIF orientation and embedded colour profiles are ignored.
 * The format is told by the file's first bytes, not its name. Every failure is an
 * {@link ImageDecodeException} naming the file and what was found; images over
 * {@link #MAX_PIXELS} pixels are refused before they are decoded.
 */
public final class ImageDecoder {
  private ImageDecoder() {}

  /**
   * The largest image decoded, in pixels: PIL's decompression-bomb limit (twice
   * {@code Image.MAX_IMAGE_PIXELS}), past which PIL refuses to open an image.
   */
  public static final long MAX_PIXELS = 2L * 89_478_485L;

  /** Decodes a JPEG or PNG file. */
  public static RgbImage decode(Path file) {
    String name = String.valueOf(file);
    return RgbImage.of(decodePixels(read(file, name), name));
  }

  /**
   * Decodes a JPEG or PNG held in memory; {@code name} stands for the image in error messages.
   */
  public static RgbImage decode(byte[] encoded, String name) {
    return RgbImage.of(decodePixels(encoded, name));
  }

  /** Decodes a JPEG or PNG read to its end from {@code in} (not closed). */
  public static RgbImage decode(InputStream in, String name) {
    if (in == null) {
      throw new InvalidArgumentException("the input stream is null");
    }
    byte[] encoded;
    try {
      encoded = in.readAllBytes();
    } catch (IOException e) {
      throw new ImageDecodeException(name, "cannot be read: " + e.getMessage(), e);
    } catch (OutOfMemoryError e) {
      throw new ImageDecodeException(name, "the stream is too large to hold in memory", e);
    }
    return decode(encoded, name);
  }

  static Pixels decodePixels(byte[] encoded, String name) {
    try {
      return decodeUnguarded(encoded, name);
    } catch (OutOfMemoryError e) {
      // a header can ask for up to MAX_PIXELS pixels: say so rather than let the error escape
      throw new ImageDecodeException(name, "not enough memory to decode it (" + e.getMessage() + ")", e);
    }
  }

  private static Pixels decodeUnguarded(byte[] encoded, String name) {
    if (encoded == null) {
      throw new InvalidArgumentException("the encoded image is null");
    }
    if (encoded.length == 0) {
      throw new ImageDecodeException(name, "the file is empty");
    }
    if (encoded.length >= 3 && (encoded[0] & 0xff) == 0xFF && (encoded[1] & 0xff) == 0xD8
        && (encoded[2] & 0xff) == 0xFF) {
      return JpegDecoder.decode(encoded, name, MAX_PIXELS);
    }
    if (encoded.length >= 8 && (encoded[0] & 0xff) == 0x89 && encoded[1] == 'P' && encoded[2] == 'N'
        && encoded[3] == 'G' && encoded[4] == 0x0D && encoded[5] == 0x0A && encoded[6] == 0x1A
        && encoded[7] == 0x0A) {
      return PngDecoder.decode(encoded, name, MAX_PIXELS);
    }
    throw new ImageDecodeException(name, "not a JPEG or PNG: " + FormatSniffer.describe(encoded));
  }

  static byte[] read(Path file, String name) {
    if (file == null) {
      throw new InvalidArgumentException("the image path is null");
    }
    try {
      long size = Files.size(file);
      if (size > Integer.MAX_VALUE - 16) {
        throw new ImageDecodeException(name, "the file is too large (" + size + " bytes)");
      }
      return Files.readAllBytes(file);
    } catch (NoSuchFileException e) {
      throw new ImageDecodeException(name, "no such file", e);
    } catch (AccessDeniedException e) {
      throw new ImageDecodeException(name, "permission denied", e);
    } catch (IOException e) {
      throw new ImageDecodeException(name, "cannot be read: " + e, e);
    }
  }

  static void checkSize(String name, String format, int width, int height, long maxPixels) {
    if (width < 1 || height < 1) {
      throw new ImageDecodeException(name, "the " + format + " is corrupt: its header says " + width + "x" + height);
    }
    if ((long) width * height > maxPixels) {
      throw new ImageDecodeException(name, "the " + format + " is " + width + "x" + height + " = "
          + (long) width * height + " pixels, over the limit of " + maxPixels + " (PIL's decompression-bomb limit)");
    }
  }
}
