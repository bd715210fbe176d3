package dev.ghostnet;

import dev.ghostnet.internal.NativeApi;
import dev.ghostnet.internal.NativeLibrary;
import dev.ghostnet.internal.Status;
import java.util.Locale;

/** Where tensors live and models run: the host (all CPU cores) or one CUDA GPU. */
public record Device(Kind kind, int index) {
  /** The two kinds of device. */
  public enum Kind {
    HOST(0),
    CUDA(1);

    private final int code;

    Kind(int code) {
      this.code = code;
    }

    /** The C API's code for this kind (GN_DEVICE_HOST, GN_DEVICE_CUDA in c_api.h). */
    int code() {
      return code;
    }
  }

  /** The host. */
  public static final Device CPU = new Device(Kind.HOST, 0);

  public Device {
    if (kind == null) {
      throw new InvalidArgumentException("device kind is null");
    }
    if (index < 0 || (kind == Kind.HOST && index != 0)) {
      throw new InvalidArgumentException("invalid device index " + index + " for " + kind);
    }
  }

  /** The GPU {@code cuda:index}. */
  public static Device cuda(int index) {
    return new Device(Kind.CUDA, index);
  }

  /** Parses "cpu", "cuda" (cuda:0) or "cuda:N". */
  public static Device parse(String text) {
    String t = text == null ? "" : text.trim().toLowerCase(Locale.ROOT);
    if (t.equals("cpu") || t.equals("host")) {
      return CPU;
    }
    if (t.equals("cuda")) {
      return cuda(0);
    }
    if (t.startsWith("cuda:")) {
      try {
        return cuda(Integer.parseInt(t.substring(5)));
      } catch (NumberFormatException e) {
        // reported below
      }
    }
    throw new InvalidArgumentException("unknown device '" + text + "': expected cpu, cuda or cuda:N");
  }

  /** cuda:0 when a GPU can run ghostnet (device, driver and cuDNN), else the host. */
  public static Device best() {
    return NativeLibrary.gpuUsable() ? cuda(0) : CPU;
  }

  public boolean isCuda() {
    return kind == Kind.CUDA;
  }

  /** Throws {@link DeviceUnavailableException} saying why when this device cannot be used. */
  public void require() {
    NativeLibrary.ensureLoaded();
    Status.check(NativeApi.gn_require_device(kind.code(), index));
  }

  @Override
  public String toString() {
    return isCuda() ? "cuda:" + index : "cpu";
  }
}
