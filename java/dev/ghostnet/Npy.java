package dev.ghostnet;

import dev.ghostnet.internal.NativeApi;
import dev.ghostnet.internal.NativeLibrary;
import dev.ghostnet.internal.Status;
import java.nio.file.Path;

/** NumPy .npy files (float32, float16 or uint8, C order) to and from host tensors. */
public final class Npy {
  private Npy() {}

  /** Reads a file into a new owned host tensor whose dimensions mean {@code layout}. */
  public static Tensor read(Path path, Layout layout) {
    Tensor.requireNonNull(path, "path");
    Tensor.requireNonNull(layout, "layout");
    NativeLibrary.ensureLoaded();
    long[] out = new long[1];
    Status.check(NativeApi.gn_npy_read(path.toString(), layout.code(), out));
    return Tensor.adoptNative(out[0], Device.CPU);
  }

  /** Writes a host tensor. */
  public static void write(Path path, Tensor tensor) {
    Tensor.requireNonNull(path, "path");
    Tensor.requireNonNull(tensor, "tensor");
    long h = tensor.enter();
    try {
      Status.check(NativeApi.gn_npy_write(path.toString(), h));
    } finally {
      tensor.exit();
    }
  }
}
