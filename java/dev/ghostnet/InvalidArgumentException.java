package dev.ghostnet;

/** A wrong argument: rank, shape, dtype, device, option or file name. */
public class InvalidArgumentException extends GhostNetException {
  private static final long serialVersionUID = 1L;

  public InvalidArgumentException(String message) {
    super(message);
  }
}
