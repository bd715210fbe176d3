package dev.ghostnet.image;

/** The colour conversions of libjpeg (jdcolor.c) and PIL (Convert.c), bit for bit. */
final class ColorConversion {
  private ColorConversion() {}

  private static final int SCALEBITS = 16;
  private static final int ONE_HALF = 1 << (SCALEBITS - 1);
  private static final int[] CR_R = new int[256];
  private static final int[] CB_B = new int[256];
  private static final int[] CR_G = new int[256];
  private static final int[] CB_G = new int[256];
  /** libjpeg's range_limit: RANGE[v + RANGE_OFFSET] = clamp(v, 0, 255) for v in [-384, 639]. */
  private static final byte[] RANGE = new byte[1024];
  private static final int RANGE_OFFSET = 384;

  static {
    // build_ycc_rgb_table: R = Y + 1.402 Cr, G = Y - 0.34414 Cb - 0.71414 Cr, B = Y + 1.772 Cb
    for (int i = 0; i < 256; i++) {
      long x = i - 128;
      CR_R[i] = (int) ((fix(1.40200) * x + ONE_HALF) >> SCALEBITS);
      CB_B[i] = (int) ((fix(1.77200) * x + ONE_HALF) >> SCALEBITS);
      CR_G[i] = (int) (-fix(0.71414) * x);
      CB_G[i] = (int) (-fix(0.34414) * x + ONE_HALF);
    }
    for (int v = 0; v < RANGE.length; v++) {
      RANGE[v] = (byte) clamp(v - RANGE_OFFSET);
    }
  }

  private static long fix(double x) {
    return (long) (x * (1L << SCALEBITS) + 0.5);
  }

  private static int clamp(int v) {
    return v < 0 ? 0 : v > 255 ? 255 : v;
  }

  /** libjpeg's YCbCr to RGB over {@code pixels} packed pixels, in place. */
  static void yccToRgbInPlace(byte[] data, int pixels) {
    for (int i = 0, p = 0; i < pixels; i++, p += 3) {
      int y = data[p] & 0xff;
      int cb = data[p + 1] & 0xff;
      int cr = data[p + 2] & 0xff;
      data[p] = RANGE[RANGE_OFFSET + y + CR_R[cr]];
      data[p + 1] = RANGE[RANGE_OFFSET + y + ((CB_G[cb] + CR_G[cr]) >> SCALEBITS)];
      data[p + 2] = RANGE[RANGE_OFFSET + y + CB_B[cb]];
    }
  }

  /** PIL's MULDIV255: a * b / 255, rounded, for a and b in 0..255. */
  private static int mulDiv255(int a, int b) {
    int t = a * b + 128;
    return ((t >> 8) + t) >> 8;
  }

  /**
   * Stored CMYK components (Adobe-inverted, as PIL reads every 4-component JPEG) to RGB as PIL's
   * {@code convert("RGB")} gives it: PIL's C = 255 - stored C, and so on; R = (255 - K) - C (255 - K) / 255.
   */
  static byte[] adobeCmykToRgb(byte[] raw, int pixels) {
    byte[] out = new byte[pixels * 3];
    for (int i = 0, p = 0, o = 0; i < pixels; i++, p += 4, o += 3) {
      int nk = raw[p + 3] & 0xff; // 255 - PIL's K
      out[o] = (byte) clamp(nk - mulDiv255(255 - (raw[p] & 0xff), nk));
      out[o + 1] = (byte) clamp(nk - mulDiv255(255 - (raw[p + 1] & 0xff), nk));
      out[o + 2] = (byte) clamp(nk - mulDiv255(255 - (raw[p + 2] & 0xff), nk));
    }
    return out;
  }

  /**
   * Stored YCCK components to RGB: libjpeg converts them to CMYK (C, M, Y = 255 - the YCbCr-to-RGB
   * of the first three; K stored as is), PIL inverts all four, then converts CMYK to RGB.
   */
  static byte[] ycckToRgb(byte[] raw, int pixels) {
    byte[] out = new byte[pixels * 3];
    for (int i = 0, p = 0, o = 0; i < pixels; i++, p += 4, o += 3) {
      int y = raw[p] & 0xff;
      int cb = raw[p + 1] & 0xff;
      int cr = raw[p + 2] & 0xff;
      int nk = raw[p + 3] & 0xff;
      out[o] = (byte) clamp(nk - mulDiv255(clamp(y + CR_R[cr]), nk));
      out[o + 1] = (byte) clamp(nk - mulDiv255(clamp(y + ((CB_G[cb] + CR_G[cr]) >> SCALEBITS)), nk));
      out[o + 2] = (byte) clamp(nk - mulDiv255(clamp(y + CB_B[cb]), nk));
    }
    return out;
  }
}
