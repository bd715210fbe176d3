package dev.ghostnet.image;

import dev.ghostnet.GhostNetException;

/**
 * An image could not be decoded: the file is missing or unreadable, empty, truncated or corrupt,
 * not a JPEG or PNG, too large, or of a kind that is refused (a 16-bit grayscale PNG, a 12-bit or
 * 2-component JPEG). The message names the image and says what was found.
 */
public class ImageDecodeException extends GhostNetException {
  private static final long serialVersionUID = 1L;

  private final String source;

  public ImageDecodeException(String source, String message) {
    super(source + ": " + message);
    this.source = source;
  }

  public ImageDecodeException(String source, String message, Throwable cause) {
    super(source + ": " + message, cause);
    this.source = source;
  }

  /** The file or name of the image, as the caller gave it. */
  public String source() {
    return source;
  }
}
