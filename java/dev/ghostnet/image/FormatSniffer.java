package dev.ghostnet.image;

/** Names the format of a file that is neither JPEG nor PNG, from its first bytes, for messages. */
final class FormatSniffer {
  private FormatSniffer() {}

  static String describe(byte[] b) {
    String kind = kind(b);
    if (kind != null) {
      return "found " + kind;
    }
    StringBuilder hex = new StringBuilder("found unknown content starting with");
    for (int i = 0; i < Math.min(8, b.length); i++) {
      hex.append(String.format(" %02x", b[i] & 0xff));
    }
    return hex.toString();
  }

  private static String kind(byte[] b) {
    if (starts(b, "GIF87a") || starts(b, "GIF89a")) {
      return "a GIF image";
    }
    if (starts(b, "BM")) {
      return "a BMP image";
    }
    if (starts(b, "RIFF") && b.length >= 12 && b[8] == 'W' && b[9] == 'E' && b[10] == 'B' && b[11] == 'P') {
      return "a WebP image";
    }
    if (starts(b, "II*\0") || starts(b, "MM\0*")) {
      return "a TIFF image";
    }
    if (b.length >= 12 && b[4] == 'f' && b[5] == 't' && b[6] == 'y' && b[7] == 'p') {
      String brand = new String(b, 8, 4, java.nio.charset.StandardCharsets.ISO_8859_1);
      return "an ISO media file (brand '" + brand + "': HEIF, AVIF or video)";
    }
    if (b.length >= 12 && (b[0] & 0xff) == 0 && b[1] == 0 && b[2] == 0 && b[3] == 0x0C && b[4] == 'j'
        && b[5] == 'P') {
      return "a JPEG 2000 image";
    }
    if (b.length >= 2 && (b[0] & 0xff) == 0xFF && (b[1] & 0xff) == 0x0A) {
      return "a JPEG XL image";
    }
    if (b.length >= 2 && (b[0] & 0xff) == 0xFF && (b[1] & 0xff) == 0xD8) {
      return "a JPEG start marker without a following marker (corrupt JPEG)";
    }
    if (b.length >= 4 && (b[0] & 0xff) == 0x89 && b[1] == 'P' && b[2] == 'N' && b[3] == 'G') {
      return "a damaged PNG signature";
    }
    boolean text = true;
    for (int i = 0; i < Math.min(64, b.length); i++) {
      int c = b[i] & 0xff;
      text &= c == '\n' || c == '\r' || c == '\t' || (c >= 0x20 && c < 0x7f);
    }
    return text ? "text" : null;
  }

  private static boolean starts(byte[] b, String prefix) {
    if (b.length < prefix.length()) {
      return false;
    }
    for (int i = 0; i < prefix.length(); i++) {
      if (b[i] != (byte) prefix.charAt(i)) {
        return false;
      }
    }
    return true;
  }
}
