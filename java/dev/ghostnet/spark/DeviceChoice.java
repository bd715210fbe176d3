package dev.ghostnet.spark;

import dev.ghostnet.Device;
import dev.ghostnet.InvalidArgumentException;
import java.util.Locale;
import java.util.function.Supplier;

/** The {@code device} param: which device a task runs on, given the GPUs Spark assigned to it. */
enum DeviceChoice {
  /** The task's GPU if Spark assigned one, else the first usable GPU, else the host. */
  AUTO,
  CPU,
  /** The task's GPU if Spark assigned one, else cuda:0. */
  CUDA;

  static DeviceChoice parse(String text) {
    try {
      return valueOf(text.trim().toUpperCase(Locale.ROOT));
    } catch (IllegalArgumentException | NullPointerException e) {
      throw new InvalidArgumentException("unknown device '" + text + "': expected auto, cpu or cuda");
    }
  }

  /**
   * The device for a task that Spark assigned {@code gpus} (the addresses of its "gpu" resource,
   * CUDA device indices; empty without GPU scheduling). A task given several GPUs uses the first.
   *
   * @param best the device {@code auto} takes when Spark assigned no GPU (normally {@link Device#best()})
   */
  Device device(String[] gpus, Supplier<Device> best) {
    if (this == CPU) {
      return Device.CPU;
    }
    if (gpus.length > 0) {
      try {
        return Device.cuda(Integer.parseInt(gpus[0].trim()));
      } catch (NumberFormatException e) {
        throw new InvalidArgumentException("Spark assigned the GPU address '" + gpus[0]
            + "', expected a CUDA device index (0, 1, ...)");
      }
    }
    return this == CUDA ? Device.cuda(0) : best.get();
  }

  @Override
  public String toString() {
    return name().toLowerCase(Locale.ROOT);
  }
}
