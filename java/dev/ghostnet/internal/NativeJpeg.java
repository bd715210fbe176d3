package dev.ghostnet.internal;

import dev.ghostnet.GhostNetException;
import dev.ghostnet.InvalidArgumentException;

/**
 * JPEG decoding by the system's libjpeg-turbo, PIL's own decoder, through libghostnet, which
 * finds its TurboJPEG library ({@code libturbojpeg.so.0}) on first use. Where either is missing,
 * or the system property {@code ghostnet.jpeg.decoder} is {@code imageio}, JPEGs are decoded by
 * the JDK's ImageIO instead.
 */
public final class NativeJpeg {
  private static final String DECODER_PROPERTY = "ghostnet.jpeg.decoder";

  private NativeJpeg() {}

  /** Found once, on first use. */
  private static final class Library {
    static final String PATH;
    static final String PROBLEM;

    static {
      String path = "";
      String problem;
      try {
        NativeLibrary.ensureLoaded();
        path = NativeApi.gn_jpeg_library_path();
        problem = path.isEmpty() ? NativeApi.gn_jpeg_library_problem() : "";
      } catch (GhostNetException | LinkageError e) {
        problem = "libghostnet did not load: " + e.getMessage();
      }
      PATH = path;
      PROBLEM = problem;
    }
  }

  /** Whether JPEGs are decoded here: the library was found and the system property allows it. */
  public static boolean available() {
    return !Library.PATH.isEmpty() && !"imageio".equals(System.getProperty(DECODER_PROPERTY));
  }

  /** What decodes JPEGs, and where it was found or why it is not used. */
  public static String describe() {
    if (Library.PATH.isEmpty()) {
      return "ImageIO (no libjpeg-turbo: " + Library.PROBLEM + ")";
    }
    if (!available()) {
      return "ImageIO (" + DECODER_PROPERTY + "=imageio; libjpeg-turbo at " + Library.PATH + ")";
    }
    return "libjpeg-turbo at " + Library.PATH;
  }

  /**
   * Decodes a JPEG of {@code width x height} pixels into {@code out} ({@code channels} 3: RGB, 1:
   * gray), as PIL gets it from libjpeg-turbo. Only where {@link #available()}.
   *
   * @throws dev.ghostnet.InvalidArgumentException with libjpeg's message when it cannot decode it
   */
  public static void decode(byte[] data, int width, int height, int channels, byte[] out) {
    if (data == null || out == null || out.length != (long) width * height * channels) {
      throw new InvalidArgumentException("decoding a JPEG of " + width + "x" + height + "x" + channels
          + " needs the JPEG and an output of " + (long) width * height * channels + " bytes, found "
          + (data == null ? "no JPEG" : data.length + " bytes of JPEG") + " and "
          + (out == null ? "no output" : "an output of " + out.length));
    }
    Status.check(NativeApi.gn_jpeg_decode(data, data.length, width, height, channels, out));
  }
}
