package dev.ghostnet.image;

import java.awt.image.BufferedImage;
import java.awt.image.ComponentSampleModel;
import java.awt.image.DataBuffer;
import java.awt.image.DataBufferByte;
import java.awt.image.DataBufferUShort;
import java.awt.image.Raster;
import java.util.zip.CRC32;

/**
 * PNG through the JDK's reader, converted as PIL's {@code Image.open(f).convert("RGB")} converts:
 *
 * <ul>
 *   <li>grayscale 1, 2, 4, 8 bits: levels scaled to 0..255 (x255, x85, x17, x1), R = G = B;
 *   <li>RGB 8 bits as is; RGB 16 bits: the high byte of each sample (PIL truncates, it does not
 *       round);
 *   <li>palette 1, 2, 4, 8 bits: looked up in the PLTE chunk, read here from the file; indices
 *       beyond it give (i, i, i), PIL's default palette (the JDK's reader would repeat the last
 *       entry);
 *   <li>grayscale + alpha and RGBA, 8 or 16 bits: the alpha channel is dropped, and the colour
 *       under it kept as stored, also where alpha is 0, as {@code convert("RGB")} does (no
 *       compositing onto a background); tRNS transparency is ignored likewise;
 *   <li>grayscale 16 bits: refused. PIL opens it as a 32-bit integer image ("I") and
 *       {@code convert("RGB")} clips every value above 255 to 255, so torchvision's result is
 *       mostly white; converting the file to 8 bits first gives a meaningful input.
 * </ul>
 *
 * <p>Colour profiles (iCCP, sRGB, gAMA) are ignored, as PIL ignores them. A chunk before the image
 * data whose checksum is wrong is refused, as PIL refuses it.
 */
final class PngDecoder {
  private PngDecoder() {}

  private static final int GRAY = 0;
  private static final int RGB = 2;
  private static final int PALETTE = 3;
  private static final int GRAY_ALPHA = 4;
  private static final int RGBA = 6;

  static Pixels decode(byte[] data, String name, long maxPixels) {
    if (data.length < 33) {
      throw new ImageDecodeException(name, "the PNG is truncated: " + data.length + " bytes, not even a header");
    }
    if (!(data[12] == 'I' && data[13] == 'H' && data[14] == 'D' && data[15] == 'R') || u32(data, 8) != 13) {
      throw new ImageDecodeException(name, "the PNG is corrupt: its first chunk is not a 13-byte IHDR");
    }
    long width = u32(data, 16);
    long height = u32(data, 20);
    int depth = data[24] & 0xff;
    int colorType = data[25] & 0xff;
    boolean validDepth = switch (colorType) {
      case GRAY -> depth == 1 || depth == 2 || depth == 4 || depth == 8 || depth == 16;
      case PALETTE -> depth == 1 || depth == 2 || depth == 4 || depth == 8;
      case RGB, GRAY_ALPHA, RGBA -> depth == 8 || depth == 16;
      default -> false;
    };
    if (!validDepth) {
      throw new ImageDecodeException(name, "the PNG is corrupt: colour type " + colorType + " with " + depth
          + "-bit samples does not exist");
    }
    if (colorType == GRAY && depth == 16) {
      throw new ImageDecodeException(name, "a 16-bit grayscale PNG: not supported, because PIL's convert(\"RGB\") "
          + "clips its values above 255 to 255, so torchvision's preprocessing of it is meaningless; "
          + "convert it to 8 bits");
    }
    if (width > Integer.MAX_VALUE || height > Integer.MAX_VALUE) {
      throw new ImageDecodeException(name, "the PNG is corrupt: its header says " + width + "x" + height);
    }
    ImageDecoder.checkSize(name, "PNG", (int) width, (int) height, maxPixels);
    byte[] palette = headerChunks(data, name, colorType == PALETTE);

    BufferedImage image = ImageIoReaders.readPng(data, name);
    Raster raster = image.getRaster();
    int w = raster.getWidth();
    int h = raster.getHeight();
    if (w != width || h != height) {
      throw new ImageDecodeException(name, "the PNG decoder gave " + w + "x" + h + " for a header of " + width + "x"
          + height);
    }
    int bands = raster.getNumBands();
    int needed = (colorType == RGB || colorType == RGBA) ? 3 : 1;
    if (bands < needed) {
      throw new ImageDecodeException(name, "the PNG decoder gave " + bands + " bands for colour type " + colorType);
    }
    int n = w * h;
    switch (colorType) {
      case RGB:
      case RGBA:
        return new Pixels(w, h, 3, channels(raster, 3, depth));
      case GRAY_ALPHA:
        return new Pixels(w, h, 1, channels(raster, 1, depth));
      case GRAY: {
        byte[] gray = channels(raster, 1, depth);
        int scale = 255 / ((1 << depth) - 1);
        if (scale != 1) {
          for (int i = 0; i < n; i++) {
            gray[i] = (byte) (gray[i] * scale);
          }
        }
        return new Pixels(w, h, 1, gray);
      }
      case PALETTE: {
        byte[] index = channels(raster, 1, depth);
        byte[] rgb = new byte[n * 3];
        for (int i = 0, o = 0; i < n; i++, o += 3) {
          int p = (index[i] & 0xff) * 3;
          rgb[o] = palette[p];
          rgb[o + 1] = palette[p + 1];
          rgb[o + 2] = palette[p + 2];
        }
        return new Pixels(w, h, 3, rgb);
      }
      default:
        throw new AssertionError(colorType);
    }
  }

  /**
   * Walks the chunks before the image data as PIL does when it opens the file: each one's
   * checksum must match its bytes (PIL checks no chunk from the first IDAT on, nor does this).
   * Returns, when {@code wantPalette}, 256 RGB entries: the PLTE chunk's, then PIL's default
   * palette ((i, i, i) for entry i) for the entries it does not give; else null.
   */
  private static byte[] headerChunks(byte[] data, String name, boolean wantPalette) {
    byte[] palette = null;
    int i = 8;
    while (i + 8 <= data.length) {
      long length = u32(data, i);
      String type = new String(data, i + 4, 4, java.nio.charset.StandardCharsets.ISO_8859_1);
      if (type.equals("IDAT") || length > data.length - i - 12L) {
        break; // the image data, or a chunk cut short: the decoder says so
      }
      CRC32 crc = new CRC32();
      crc.update(data, i + 4, 4 + (int) length);
      long stored = u32(data, i + 8 + (int) length);
      if (crc.getValue() != stored) {
        throw new ImageDecodeException(name, String.format("the PNG is corrupt: the checksum of its %s chunk is "
            + "%08x, its bytes' is %08x", type, stored, crc.getValue()));
      }
      if (type.equals("PLTE") && wantPalette) {
        palette = new byte[256 * 3];
        for (int e = 0; e < 256; e++) {
          palette[3 * e] = palette[3 * e + 1] = palette[3 * e + 2] = (byte) e;
        }
        System.arraycopy(data, i + 8, palette, 0, (int) Math.min(256, length / 3) * 3);
      }
      i += 12 + (int) length;
    }
    if (wantPalette && palette == null) {
      throw new ImageDecodeException(name, "the PNG is corrupt: a palette image without a PLTE chunk before its data");
    }
    return palette;
  }

  /**
   * The first {@code count} channels of the raster as packed bytes (16-bit samples: their high
   * byte), read from the data buffer directly when it is interleaved, else row by row.
   */
  private static byte[] channels(Raster raster, int count, int depth) {
    int w = raster.getWidth();
    int h = raster.getHeight();
    byte[] out = new byte[w * h * count];
    DataBuffer buffer = raster.getDataBuffer();
    if (raster.getSampleModel() instanceof ComponentSampleModel model && buffer.getNumBanks() == 1
        && raster.getSampleModelTranslateX() == 0 && raster.getSampleModelTranslateY() == 0
        && (buffer instanceof DataBufferByte || buffer instanceof DataBufferUShort)) {
      int stride = model.getPixelStride();
      int scan = model.getScanlineStride();
      int[] offsets = model.getBandOffsets();
      int base = buffer.getOffset();
      if (buffer instanceof DataBufferByte bytes) {
        byte[] src = bytes.getData();
        for (int y = 0, o = 0; y < h; y++) {
          for (int x = 0, p = base + y * scan; x < w; x++, p += stride) {
            for (int c = 0; c < count; c++) {
              out[o++] = src[p + offsets[c]];
            }
          }
        }
      } else {
        short[] src = ((DataBufferUShort) buffer).getData();
        for (int y = 0, o = 0; y < h; y++) {
          for (int x = 0, p = base + y * scan; x < w; x++, p += stride) {
            for (int c = 0; c < count; c++) {
              out[o++] = (byte) ((src[p + offsets[c]] & 0xffff) >>> 8);
            }
          }
        }
      }
      return out;
    }
    int shift = depth == 16 ? 8 : 0;
    int[] row = new int[w];
    for (int y = 0; y < h; y++) {
      for (int c = 0; c < count; c++) {
        raster.getSamples(raster.getMinX(), raster.getMinY() + y, w, 1, c, row);
        for (int x = 0, o = y * w * count + c; x < w; x++, o += count) {
          out[o] = (byte) (row[x] >>> shift);
        }
      }
    }
    return out;
  }

  private static long u32(byte[] data, int i) {
    return ((long) (data[i] & 0xff) << 24) | ((data[i + 1] & 0xff) << 16) | ((data[i + 2] & 0xff) << 8)
        | (data[i + 3] & 0xff);
  }
}
