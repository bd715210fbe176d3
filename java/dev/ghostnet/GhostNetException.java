package dev.ghostnet;

/** A failure reported by ghostnet; subclasses say what kind. */
public class GhostNetException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  public GhostNetException(String message) {
    super(message);
  }

  public GhostNetException(String message, Throwable cause) {
    super(message, cause);
  }
}
