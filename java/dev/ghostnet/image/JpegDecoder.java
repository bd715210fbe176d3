package dev.ghostnet.image;

import dev.ghostnet.InvalidArgumentException;
import dev.ghostnet.internal.NativeJpeg;
import java.awt.image.ComponentSampleModel;
import java.awt.image.DataBufferByte;
import java.awt.image.Raster;
import java.nio.charset.StandardCharsets;

/**
 * JPEG through the system's libjpeg-turbo where libghostnet finds it ({@link NativeJpeg}), else
 * through the JDK's reader, with the colour handling of libjpeg and PIL.
 *
 * <p>libjpeg-turbo decodes the gray, YCbCr and RGB JPEGs as it does for PIL. The JDK's reader
 * decodes CMYK and YCCK JPEGs, and all of them where libjpeg-turbo is missing: Debian's OpenJDK
 * links the system's libjpeg-turbo, so its pixels are PIL's; others (Temurin) carry IJG's
 * libjpeg 6b, whose pixels differ from PIL's for 4:4:0 chroma.
 *
 * <p>The common case, a YCbCr JPEG with a JFIF marker and no ICC profile, is converted to RGB by
 * libjpeg itself, as for PIL. Otherwise the reader is asked for the raster, which is the decoded
 * components with no colour conversion (the JDK's {@code read} would apply an embedded ICC
 * profile, which PIL ignores, and older JDKs refuse CMYK), and the components are converted here
 * exactly as libjpeg converts them for PIL:
 *
 * <ul>
 *   <li>1 component: gray.
 *   <li>3 components: YCbCr, converted with libjpeg's fixed-point tables, unless libjpeg would
 *       take them as RGB (an Adobe marker with transform 0 and no JFIF marker, or component ids
 *       'R', 'G', 'B' and neither marker).
 *   <li>4 components: CMYK, or YCCK when an Adobe marker has a transform other than 0. PIL
 *       reads every 4-component JPEG as Adobe-inverted CMYK ("CMYK;I"), so its C, M, Y, K are
 *       255 minus the stored values (for YCCK, C, M, Y are libjpeg's YCbCr-to-RGB of the first
 *       three and K is 255 minus the fourth), and {@code convert("RGB")} then gives, per channel,
 *       {@code (255 - K) - X * (255 - K) / 255} in PIL's rounded integer form.
 * </ul>
 *
 * <p>12-bit and lossless JPEGs and components counts other than 1, 3 and 4 are refused, as PIL
 * refuses them. A JPEG without an end-of-image marker after its scans is refused as truncated,
 * as PIL refuses it ("image file is truncated"); libjpeg's other warnings (corrupt entropy data
 * within a complete file) are ignored, as PIL ignores them.
 */
final class JpegDecoder {
  private JpegDecoder() {}

  private enum ColorSpace { GRAY, YCBCR, RGB, CMYK, YCCK }

  /** What the markers before the first scan say. */
  private static final class Header {
    int precision = -1;
    int width;
    int height;
    int components;
    int sofMarker;
    final int[] componentIds = new int[4];
    boolean jfif;
    boolean adobe;
    int adobeTransform;
    boolean icc;
    int scanStart = -1;
  }

  static Pixels decode(byte[] data, String name, long maxPixels) {
    return decode(data, name, maxPixels, NativeJpeg.available());
  }

  /**
   * As {@link #decode(byte[], String, long)}; {@code turboJpeg} decodes gray, YCbCr and RGB JPEGs
   * with the system's libjpeg-turbo (PIL's decoder) rather than ImageIO, which gives the same
   * pixels where the JDK's libjpeg is libjpeg-turbo too.
   */
  static Pixels decode(byte[] data, String name, long maxPixels, boolean turboJpeg) {
    Header header = parse(data, name);
    if (header.sofMarker == 0xC3 || header.sofMarker == 0xC7 || header.sofMarker == 0xCB
        || header.sofMarker == 0xCF) {
      throw new ImageDecodeException(name, "a lossless JPEG (SOF" + (header.sofMarker - 0xC0) + "): not supported");
    }
    if (header.precision != 8) {
      throw new ImageDecodeException(name, "a " + header.precision + "-bit JPEG: only 8-bit JPEGs are supported "
          + "(PIL refuses them too)");
    }
    if (header.components != 1 && header.components != 3 && header.components != 4) {
      throw new ImageDecodeException(name, "a JPEG with " + header.components
          + " components: only 1 (gray), 3 (YCbCr or RGB) and 4 (CMYK or YCCK) are supported");
    }
    ImageDecoder.checkSize(name, "JPEG", header.width, header.height, maxPixels);
    if (!hasEndMarker(data, header.scanStart)) {
      throw new ImageDecodeException(name, "the JPEG is truncated: no end-of-image marker after its scan data ("
          + data.length + " bytes)");
    }
    ColorSpace space = colorSpace(header);
    if (turboJpeg && space != ColorSpace.CMYK && space != ColorSpace.YCCK) {
      int channels = space == ColorSpace.GRAY ? 1 : 3;
      byte[] pixels = new byte[header.width * header.height * channels];
      try {
        NativeJpeg.decode(data, header.width, header.height, channels, pixels);
      } catch (InvalidArgumentException e) {
        throw new ImageDecodeException(name, "the JPEG is corrupt: " + e.getMessage(), e);
      }
      return new Pixels(header.width, header.height, channels, pixels);
    }
    if (space == ColorSpace.YCBCR && header.jfif && !header.adobe && !header.icc) {
      return new Pixels(header.width, header.height, 3,
          ImageIoReaders.readJpegRgb(data, name, header.width, header.height));
    }

    Raster raster = ImageIoReaders.readJpegRaster(data, name);
    int w = raster.getWidth();
    int h = raster.getHeight();
    int bands = raster.getNumBands();
    if (w != header.width || h != header.height || bands != header.components) {
      throw new ImageDecodeException(name, "the JPEG decoder gave " + w + "x" + h + "x" + bands + " for a frame of "
          + header.width + "x" + header.height + "x" + header.components);
    }
    byte[] raw = packed(raster);
    switch (space) {
      case GRAY:
        return new Pixels(w, h, 1, raw);
      case RGB:
        return new Pixels(w, h, 3, raw);
      case YCBCR:
        ColorConversion.yccToRgbInPlace(raw, w * h);
        return new Pixels(w, h, 3, raw);
      case CMYK:
        return new Pixels(w, h, 3, ColorConversion.adobeCmykToRgb(raw, w * h));
      case YCCK:
        return new Pixels(w, h, 3, ColorConversion.ycckToRgb(raw, w * h));
      default:
        throw new AssertionError(space);
    }
  }

  /** libjpeg's choice of the stored colour space (jdapimin.c, default_decompress_parms). */
  private static ColorSpace colorSpace(Header header) {
    switch (header.components) {
      case 1:
        return ColorSpace.GRAY;
      case 3:
        if (header.jfif) {
          return ColorSpace.YCBCR;
        }
        if (header.adobe) {
          return header.adobeTransform == 0 ? ColorSpace.RGB : ColorSpace.YCBCR;
        }
        int[] id = header.componentIds;
        return id[0] == 'R' && id[1] == 'G' && id[2] == 'B' ? ColorSpace.RGB : ColorSpace.YCBCR;
      default:
        return header.adobe && header.adobeTransform != 0 ? ColorSpace.YCCK : ColorSpace.CMYK;
    }
  }

  /** The raster's bytes as packed HWC (the JDK's raster already is; copied otherwise). */
  private static byte[] packed(Raster raster) {
    int w = raster.getWidth();
    int h = raster.getHeight();
    int bands = raster.getNumBands();
    if (raster.getDataBuffer() instanceof DataBufferByte buffer && buffer.getNumBanks() == 1
        && raster.getSampleModel() instanceof ComponentSampleModel model && buffer.getOffset() == 0
        && raster.getSampleModelTranslateX() == 0 && raster.getSampleModelTranslateY() == 0
        && model.getPixelStride() == bands && model.getScanlineStride() == w * bands
        && buffer.getData().length == w * h * bands) {
      int[] offsets = model.getBandOffsets();
      boolean identity = true;
      for (int b = 0; b < bands; b++) {
        identity &= offsets[b] == b && model.getBankIndices()[b] == 0;
      }
      if (identity) {
        return buffer.getData();
      }
    }
    byte[] out = new byte[w * h * bands];
    int[] row = new int[w * bands];
    for (int y = 0; y < h; y++) {
      raster.getPixels(raster.getMinX(), raster.getMinY() + y, w, 1, row);
      for (int i = 0, o = y * w * bands; i < row.length; i++) {
        out[o + i] = (byte) row[i];
      }
    }
    return out;
  }

  /** True when an EOI marker follows the first scan (entropy-coded data never holds FF D9). */
  private static boolean hasEndMarker(byte[] data, int from) {
    for (int i = from; i + 1 < data.length; i++) {
      if (data[i] == (byte) 0xFF && data[i + 1] == (byte) 0xD9) {
        return true;
      }
    }
    return false;
  }

  /** Walks the markers from SOI to the first SOS, as libjpeg's marker reader does. */
  private static Header parse(byte[] data, String name) {
    Header header = new Header();
    int n = data.length;
    int i = 2;
    while (true) {
      while (i < n && data[i] != (byte) 0xFF) {
        i++; // libjpeg skips stray bytes before a marker (with a warning)
      }
      while (i < n && data[i] == (byte) 0xFF) {
        i++; // fill bytes
      }
      if (i >= n) {
        throw new ImageDecodeException(name, "the JPEG is truncated or corrupt: it ends (" + n
            + " bytes) before its image data " + (header.precision < 0 ? "and frame header" : ""));
      }
      int marker = data[i++] & 0xff;
      if (marker == 0x00 || marker == 0x01 || marker == 0xD8 || (marker >= 0xD0 && marker <= 0xD7)) {
        continue; // no length
      }
      if (marker == 0xD9) {
        throw new ImageDecodeException(name, "the JPEG is corrupt: its end-of-image marker comes before any image data");
      }
      if (i + 2 > n) {
        throw truncated(name, n);
      }
      int length = u16(data, i);
      if (length < 2) {
        throw new ImageDecodeException(name, "the JPEG is corrupt: marker 0x" + Integer.toHexString(0xFF00 | marker)
            + " has length " + length);
      }
      int start = i + 2;
      int end = i + length;
      if (end > n) {
        throw truncated(name, n);
      }
      int size = end - start;
      if (marker == 0xE0 && size >= 14 && data[start] == 'J' && data[start + 1] == 'F' && data[start + 2] == 'I'
          && data[start + 3] == 'F' && data[start + 4] == 0) {
        header.jfif = true;
      } else if (marker == 0xEE && size >= 12 && data[start] == 'A' && data[start + 1] == 'd'
          && data[start + 2] == 'o' && data[start + 3] == 'b' && data[start + 4] == 'e') {
        header.adobe = true;
        header.adobeTransform = data[start + 11] & 0xff;
      } else if (marker == 0xE2 && size >= 12 && new String(data, start, 12, StandardCharsets.ISO_8859_1)
          .equals("ICC_PROFILE\0")) {
        header.icc = true;
      } else if (marker >= 0xC0 && marker <= 0xCF && marker != 0xC4 && marker != 0xC8 && marker != 0xCC) {
        if (header.precision >= 0) {
          throw new ImageDecodeException(name, "the JPEG is corrupt: it has two frame headers");
        }
        if (size < 6) {
          throw new ImageDecodeException(name, "the JPEG is corrupt: a frame header of " + size + " bytes");
        }
        header.sofMarker = marker;
        header.precision = data[start] & 0xff;
        header.height = u16(data, start + 1);
        header.width = u16(data, start + 3);
        header.components = data[start + 5] & 0xff;
        if (size < 6 + 3 * header.components) {
          throw new ImageDecodeException(name, "the JPEG is corrupt: a frame header of " + size + " bytes for "
              + header.components + " components");
        }
        for (int c = 0; c < Math.min(4, header.components); c++) {
          header.componentIds[c] = data[start + 6 + 3 * c] & 0xff;
        }
      } else if (marker == 0xDA) {
        if (header.precision < 0) {
          throw new ImageDecodeException(name, "the JPEG is corrupt: its scan data comes before a frame header");
        }
        header.scanStart = end;
        return header;
      }
      i = end;
    }
  }

  private static ImageDecodeException truncated(String name, int n) {
    return new ImageDecodeException(name, "the JPEG is truncated: it ends (" + n + " bytes) inside its headers");
  }

  private static int u16(byte[] data, int i) {
    return ((data[i] & 0xff) << 8) | (data[i + 1] & 0xff);
  }
}
