package dev.ghostnet.image;

import dev.ghostnet.InvalidArgumentException;
import java.util.Arrays;
import java.util.concurrent.ConcurrentHashMap;

/**
 * torchvision's {@code Resize(size)} + {@code CenterCrop(crop)} on a PIL image, bit for bit.
 *
 * <p>The resize is PIL's {@code Image.resize} (libImaging/Resample.c): for each axis, every output
 * pixel {@code xx} has a centre {@code (xx + 0.5) * scale} in the input, a filter scaled by
 * {@code max(scale, 1)} (so downscaling averages over the whole footprint: antialiasing), taps
 * from {@code (int) (centre - support + 0.5)} to {@code (int) (centre + support + 0.5)} clipped
 * to the image, weights normalised to sum 1 in double and then rounded to 22-bit fixed point. The
 * horizontal pass runs first (when the width changes), rounding and clipping to uint8, then the
 * vertical pass (when the height changes), each sum starting at 0.5 in fixed point.
 *
 * <p>Only the output pixels inside the crop are computed: the horizontal pass for the crop's
 * columns and the input rows the crop's rows need, the vertical pass for the crop's rows. Every
 * output pixel depends only on its own taps, so this gives exactly the crop of the full resize.
 */
final class Resampler {
  private Resampler() {}

  static final int PRECISION_BITS = 32 - 8 - 2;
  private static final int HALF = 1 << (PRECISION_BITS - 1);
  private static final int CACHE_LIMIT = 512;
  /** The largest scratch buffer a thread keeps between calls. */
  private static final int SCRATCH_KEEP = 4 << 20;

  /**
   * The taps of the output pixels [first, first + count) of one axis: for output xx, input
   * start {@code bounds[2 (xx - first)]}, tap count {@code bounds[2 (xx - first) + 1]}, and
   * fixed-point weights from {@code weights[(xx - first) ksize]}.
   */
  record Coefficients(int first, int count, int ksize, int[] bounds, int[] weights) {}

  private record Key(int in, int out, int first, int count, Interpolation interpolation) {}

  private static final ConcurrentHashMap<Key, Coefficients> CACHE = new ConcurrentHashMap<>();

  /** Scratch buffers of one thread: the horizontal pass's rows, the vertical sums. */
  private static final class Scratch {
    byte[] rows = new byte[0];
    int[] sums = new int[0];
  }

  private static final ThreadLocal<Scratch> SCRATCH = ThreadLocal.withInitial(Scratch::new);

  /**
   * torchvision's {@code _compute_resized_output_size} for one requested size: {width, height}.
   * The longer side is {@code int(size * longer / shorter)}, Python's true division of the
   * integers, which a double division of exactly representable values reproduces.
   *
   * @throws dev.ghostnet.InvalidArgumentException if the longer side would not fit in an int
   */
  static int[] resizedSize(int width, int height, int size) {
    boolean portrait = width <= height;
    int shorter = portrait ? width : height;
    int longer = portrait ? height : width;
    double newLonger = (double) ((long) size * longer) / shorter;
    if (newLonger >= Integer.MAX_VALUE) {
      throw new InvalidArgumentException("resizing a " + width + "x" + height
          + " image so that its shorter side is " + size + " makes the longer side " + (long) newLonger
          + " pixels: too large");
    }
    return portrait ? new int[] {size, (int) newLonger} : new int[] {(int) newLonger, size};
  }

  /**
   * torchvision's CenterCrop offset of the crop in the resized image along one axis: Python's
   * {@code round((n - crop) / 2)} (halves to even), or minus the left padding when the crop is
   * larger than the image.
   */
  static int cropOffset(int n, int crop) {
    if (crop > n) {
      return -((crop - n) / 2);
    }
    return (int) Math.rint((n - crop) / 2.0);
  }

  static Coefficients coefficients(int in, int out, int first, int count, Interpolation interpolation) {
    Key key = new Key(in, out, first, count, interpolation);
    Coefficients c = CACHE.get(key);
    if (c == null) {
      c = compute(in, out, first, count, interpolation);
      if (CACHE.size() >= CACHE_LIMIT) {
        CACHE.clear();
      }
      CACHE.put(key, c);
    }
    return c;
  }

  private static double filter(Interpolation interpolation, double x) {
    if (x < 0.0) {
      x = -x;
    }
    if (interpolation == Interpolation.BILINEAR) {
      return x < 1.0 ? 1.0 - x : 0.0;
    }
    final double a = -0.5;
    if (x < 1.0) {
      return ((a + 2.0) * x - (a + 3.0)) * x * x + 1;
    }
    if (x < 2.0) {
      return (((x - 5) * x + 8) * x - 4) * a;
    }
    return 0.0;
  }

  /** The whole axis. */
  static Coefficients compute(int in, int out, Interpolation interpolation) {
    return compute(in, out, 0, out, interpolation);
  }

  /**
   * PIL's precompute_coeffs and normalize_coeffs_8bpc for the box (0, in), for the output pixels
   * [first, first + count) of the {@code out}.
   */
  static Coefficients compute(int in, int out, int first, int count, Interpolation interpolation) {
    double support0 = interpolation == Interpolation.BILINEAR ? 1.0 : 2.0;
    double scale = (double) in / out;
    double filterscale = Math.max(scale, 1.0);
    double support = support0 * filterscale;
    long ksizeLong = (long) Math.ceil(support) * 2 + 1;
    if (ksizeLong * count > Integer.MAX_VALUE - 16) {
      throw new InvalidArgumentException("resampling " + in + " pixels to " + out + " needs "
          + ksizeLong + " taps for each of " + count + " outputs: too many");
    }
    int ksize = (int) ksizeLong;
    int[] bounds = new int[count * 2];
    int[] weights = new int[count * ksize];
    double[] k = new double[ksize];
    for (int i = 0; i < count; i++) {
      int xx = first + i;
      double center = 0.0 + (xx + 0.5) * scale;
      double ww = 0.0;
      double ss = 1.0 / filterscale;
      int xmin = (int) (center - support + 0.5);
      if (xmin < 0) {
        xmin = 0;
      }
      int xmax = (int) (center + support + 0.5);
      if (xmax > in) {
        xmax = in;
      }
      xmax -= xmin;
      for (int x = 0; x < xmax; x++) {
        double w = filter(interpolation, (x + xmin - center + 0.5) * ss);
        k[x] = w;
        ww += w;
      }
      for (int x = 0; x < xmax; x++) {
        if (ww != 0.0) {
          k[x] /= ww;
        }
        double v = k[x] * (1 << PRECISION_BITS);
        weights[i * ksize + x] = (int) (k[x] < 0 ? -0.5 + v : 0.5 + v);
      }
      bounds[i * 2] = xmin;
      bounds[i * 2 + 1] = xmax;
    }
    return new Coefficients(first, count, ksize, bounds, weights);
  }

  private static byte clip8(int v) {
    v >>= PRECISION_BITS;
    return (byte) (v < 0 ? 0 : v > 255 ? 255 : v);
  }

  /**
   * Resizes so that the shorter side is {@code options.resize()}, crops the centre square and
   * writes it as {@code crop * crop * 3} uint8 HWC RGB bytes at {@code dst[offset]}.
   */
  static void resizeCrop(Pixels src, PreprocessOptions options, byte[] dst, int offset) {
    int w = src.width();
    int h = src.height();
    int ch = src.channels();
    int crop = options.crop();
    int[] size = resizedSize(w, h, options.resize());
    int nw = size[0];
    int nh = size[1];
    int left = cropOffset(nw, crop);
    int top = cropOffset(nh, crop);
    int j0 = Math.max(0, -left);
    int j1 = Math.min(crop, nw - left);
    int i0 = Math.max(0, -top);
    int i1 = Math.min(crop, nh - top);
    int cols = j1 - j0;
    int rows = i1 - i0;
    if (cols < crop || rows < crop) {
      Arrays.fill(dst, offset, offset + crop * crop * 3, (byte) 0); // CenterCrop's padding
    }
    int firstCol = left + j0; // in the resized image
    int firstRow = top + i0;
    boolean horizontal = nw != w;
    boolean vertical = nh != h;
    Interpolation interpolation = options.interpolation();
    Coefficients cv = vertical ? coefficients(h, nh, firstRow, rows, interpolation) : null;
    // input rows [r0, r1) feed the crop's rows
    int r0;
    int r1;
    if (vertical) {
      r0 = cv.bounds[0];
      r1 = cv.bounds[2 * (rows - 1)] + cv.bounds[2 * (rows - 1) + 1];
    } else {
      r0 = firstRow;
      r1 = firstRow + rows;
    }
    Scratch scratch = SCRATCH.get();
    byte[] buf;
    int stride;
    int base; // index of (row r0, column firstCol) in buf
    if (horizontal) {
      Coefficients chz = coefficients(w, nw, firstCol, cols, interpolation);
      long neededLong = (long) (r1 - r0) * cols * ch;
      if (neededLong > Integer.MAX_VALUE - 16) {
        throw new InvalidArgumentException("resizing a " + w + "x" + h + " image to " + nw + "x" + nh
            + " and cropping " + cols + " columns needs " + neededLong + " bytes in between: too many");
      }
      int needed = (int) neededLong;
      buf = needed <= scratch.rows.length ? scratch.rows : new byte[needed];
      if (buf != scratch.rows && needed <= SCRATCH_KEEP) {
        scratch.rows = buf;
      }
      horizontalPass(src.data(), w, ch, r0, r1, chz, buf);
      stride = cols * ch;
      base = 0;
    } else {
      buf = src.data();
      stride = w * ch;
      base = r0 * stride + firstCol * ch;
    }
    int rowOut = crop * 3;
    int out = offset + (i0 * crop + j0) * 3;
    if (vertical) {
      int n = cols * ch;
      if (scratch.sums.length < n) {
        scratch.sums = new int[n];
      }
      int[] sums = scratch.sums;
      int ksize = cv.ksize;
      for (int i = 0; i < rows; i++, out += rowOut) {
        int start = base + (cv.bounds[2 * i] - r0) * stride;
        int taps = cv.bounds[2 * i + 1];
        int kb = i * ksize;
        Arrays.fill(sums, 0, n, HALF);
        for (int t = 0; t < taps; t++) {
          int k = cv.weights[kb + t];
          int p = start + t * stride;
          for (int x = 0; x < n; x++) {
            sums[x] += (buf[p + x] & 0xff) * k;
          }
        }
        if (ch == 3) {
          for (int x = 0; x < n; x++) {
            dst[out + x] = clip8(sums[x]);
          }
        } else {
          for (int x = 0, o = out; x < n; x++, o += 3) {
            byte v = clip8(sums[x]);
            dst[o] = v;
            dst[o + 1] = v;
            dst[o + 2] = v;
          }
        }
      }
    } else {
      for (int i = 0; i < rows; i++, out += rowOut) {
        int p = base + i * stride;
        if (ch == 3) {
          System.arraycopy(buf, p, dst, out, cols * 3);
        } else {
          for (int x = 0, o = out; x < cols; x++, o += 3) {
            byte v = buf[p + x];
            dst[o] = v;
            dst[o + 1] = v;
            dst[o + 2] = v;
          }
        }
      }
    }
  }

  /** Resamples input rows [r0, r1) to the output columns the coefficients are for. */
  private static void horizontalPass(byte[] src, int w, int ch, int r0, int r1, Coefficients c, byte[] out) {
    int[] bounds = c.bounds;
    int[] weights = c.weights;
    int ksize = c.ksize;
    int cols = c.count;
    int o = 0;
    if (ch == 3) {
      int stride = w * 3;
      int r = r0;
      // two rows at a time: the weights and bounds are loaded once for both
      for (; r + 1 < r1; r += 2) {
        int row = r * stride;
        int o2 = o + cols * 3;
        for (int j = 0; j < cols; j++) {
          int taps = bounds[2 * j + 1];
          int kb = j * ksize;
          int a0 = HALF;
          int a1 = HALF;
          int a2 = HALF;
          int b0 = HALF;
          int b1 = HALF;
          int b2 = HALF;
          for (int t = 0, p = row + bounds[2 * j] * 3; t < taps; t++, p += 3) {
            int k = weights[kb + t];
            int q = p + stride;
            a0 += (src[p] & 0xff) * k;
            a1 += (src[p + 1] & 0xff) * k;
            a2 += (src[p + 2] & 0xff) * k;
            b0 += (src[q] & 0xff) * k;
            b1 += (src[q + 1] & 0xff) * k;
            b2 += (src[q + 2] & 0xff) * k;
          }
          out[o] = clip8(a0);
          out[o + 1] = clip8(a1);
          out[o + 2] = clip8(a2);
          out[o2] = clip8(b0);
          out[o2 + 1] = clip8(b1);
          out[o2 + 2] = clip8(b2);
          o += 3;
          o2 += 3;
        }
        o = o2;
      }
      for (; r < r1; r++) {
        int row = r * stride;
        for (int j = 0; j < cols; j++) {
          int taps = bounds[2 * j + 1];
          int kb = j * ksize;
          int s0 = HALF;
          int s1 = HALF;
          int s2 = HALF;
          for (int t = 0, p = row + bounds[2 * j] * 3; t < taps; t++, p += 3) {
            int k = weights[kb + t];
            s0 += (src[p] & 0xff) * k;
            s1 += (src[p + 1] & 0xff) * k;
            s2 += (src[p + 2] & 0xff) * k;
          }
          out[o] = clip8(s0);
          out[o + 1] = clip8(s1);
          out[o + 2] = clip8(s2);
          o += 3;
        }
      }
    } else {
      for (int r = r0; r < r1; r++) {
        int row = r * w;
        for (int j = 0; j < cols; j++) {
          int taps = bounds[2 * j + 1];
          int kb = j * ksize;
          int s = HALF;
          for (int t = 0, p = row + bounds[2 * j]; t < taps; t++, p++) {
            s += (src[p] & 0xff) * weights[kb + t];
          }
          out[o++] = clip8(s);
        }
      }
    }
  }
}
