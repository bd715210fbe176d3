package dev.ghostnet;

/** An execution context was used by two threads at once; give each thread its own. */
public class ContextBusyException extends GhostNetException {
  private static final long serialVersionUID = 1L;

  public ContextBusyException(String message) {
    super(message);
  }
}
