package dev.ghostnet;

/** An allocation failed on the host or a device, or a configured memory limit was hit. */
public class OutOfMemoryException extends GhostNetException {
  private static final long serialVersionUID = 1L;

  public OutOfMemoryException(String message) {
    super(message);
  }
}
