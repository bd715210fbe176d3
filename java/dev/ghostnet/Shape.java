package dev.ghostnet;

import java.util.Arrays;

/** A tensor's dimensions and what they mean ({@link Layout}). Immutable. */
public final class Shape {
  private final long[] dims;
  private final Layout layout;

  private Shape(Layout layout, long... dims) {
    if (layout == null) {
      throw new InvalidArgumentException("layout is null");
    }
    if (dims == null) {
      throw new InvalidArgumentException("dims is null");
    }
    if (dims.length > 8) {
      throw new InvalidArgumentException("at most 8 dimensions are supported, found " + dims.length);
    }
    if (layout != Layout.ROW_MAJOR && dims.length != 4) {
      throw new InvalidArgumentException(
          "a " + layout + " shape has 4 dimensions, found " + dims.length + " " + Arrays.toString(dims));
    }
    for (long d : dims) {
      if (d < 0) {
        throw new InvalidArgumentException("negative dimension in " + Arrays.toString(dims));
      }
    }
    this.dims = dims.clone();
    this.layout = layout;
    numel(); // refuses shapes whose element count overflows
  }

  /** A plain dense array shape. */
  public static Shape of(long... dims) {
    return new Shape(Layout.ROW_MAJOR, dims);
  }

  /** An image batch in PyTorch's layout. */
  public static Shape nchw(long n, long c, long h, long w) {
    return new Shape(Layout.NCHW, n, c, h, w);
  }

  /** An image batch channels-last. */
  public static Shape nhwc(long n, long h, long w, long c) {
    return new Shape(Layout.NHWC, n, h, w, c);
  }

  public Layout layout() {
    return layout;
  }

  public int rank() {
    return dims.length;
  }

  /** Dimension {@code i}, counted from 0. */
  public long dim(int i) {
    if (i < 0 || i >= dims.length) {
      throw new InvalidArgumentException("shape " + this + " has no dimension " + i + ": its rank is " + dims.length);
    }
    return dims[i];
  }

  public long[] dims() {
    return dims.clone();
  }

  /** The number of elements. */
  public long numel() {
    long n = 1;
    for (long d : dims) {
      try {
        n = Math.multiplyExact(n, d);
      } catch (ArithmeticException e) {
        throw new InvalidArgumentException("shape " + Arrays.toString(dims) + " has too many elements");
      }
    }
    return n;
  }

  /** The batch size of an NCHW or NHWC shape (its first dimension). */
  public long batch() {
    requireImage();
    return dims[0];
  }

  public long channels() {
    requireImage();
    return layout == Layout.NCHW ? dims[1] : dims[3];
  }

  public long height() {
    requireImage();
    return layout == Layout.NCHW ? dims[2] : dims[1];
  }

  public long width() {
    requireImage();
    return layout == Layout.NCHW ? dims[3] : dims[2];
  }

  private void requireImage() {
    if (layout == Layout.ROW_MAJOR) {
      throw new InvalidArgumentException("shape " + this + " is not an image layout (NCHW or NHWC)");
    }
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof Shape s && s.layout == layout && Arrays.equals(s.dims, dims);
  }

  @Override
  public int hashCode() {
    return 31 * Arrays.hashCode(dims) + layout.hashCode();
  }

  @Override
  public String toString() {
    return (layout == Layout.ROW_MAJOR ? "" : layout + " ") + Arrays.toString(dims);
  }
}
