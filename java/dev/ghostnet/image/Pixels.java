package dev.ghostnet.image;

/**
 * Decoded pixels as PIL's {@code convert("RGB")} gives them, HWC uint8, kept in one channel when
 * the image is grayscale (R = G = B): resampling and cropping act on each channel alike, so a gray
 * image is processed once and widened to RGB only when written out.
 */
record Pixels(int width, int height, int channels, byte[] data) {
  Pixels {
    if (channels != 1 && channels != 3) {
      throw new IllegalArgumentException("channels " + channels);
    }
    if (width < 1 || height < 1 || (long) width * height * channels != data.length) {
      throw new IllegalArgumentException(width + "x" + height + "x" + channels + " for " + data.length + " bytes");
    }
  }

  /** The same pixels with three channels. */
  byte[] rgb() {
    if (channels == 3) {
      return data;
    }
    byte[] out = new byte[data.length * 3];
    for (int i = 0, o = 0; i < data.length; i++, o += 3) {
      byte v = data[i];
      out[o] = v;
      out[o + 1] = v;
      out[o + 2] = v;
    }
    return out;
  }
}
