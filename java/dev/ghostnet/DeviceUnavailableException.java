package dev.ghostnet;

/** The device asked for cannot be used: no driver, no GPU, no usable cuDNN, or a host-only build. The message says which. */
public class DeviceUnavailableException extends GhostNetException {
  private static final long serialVersionUID = 1L;

  public DeviceUnavailableException(String message) {
    super(message);
  }
}
