package dev.ghostnet;

/** A weight file is corrupt, truncated, hostile (code it would run) or does not match GhostNet. */
public class CheckpointException extends GhostNetException {
  private static final long serialVersionUID = 1L;

  public CheckpointException(String message) {
    super(message);
  }
}
