package dev.ghostnet.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/**
 * What info says decodes JPEGs, against the dynamic linker's cache (ldconfig -p): libjpeg-turbo
 * where libturbojpeg.so.0 is installed, else ImageIO, saying why.
 */
class JpegDecoderInfoTest {
  private static final String PROPERTY = "ghostnet.jpeg.decoder";

  private static boolean turboJpegInstalled() throws IOException, InterruptedException {
    Process ldconfig = new ProcessBuilder("/sbin/ldconfig", "-p").redirectErrorStream(true).start();
    String cache = new String(ldconfig.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertEquals(0, ldconfig.waitFor(), cache);
    return cache.lines().anyMatch(line -> line.trim().startsWith("libturbojpeg.so.0 "));
  }

  private static String jpegRow() {
    CliRunner r = CliRunner.run("info");
    assertEquals(0, r.exitCode(), r.err());
    return r.out().lines().filter(l -> l.trim().startsWith("jpeg decoder")).findFirst().orElse("no jpeg decoder row");
  }

  @Test
  void infoNamesTheJpegDecoder() throws Exception {
    String row = jpegRow();
    if (turboJpegInstalled()) {
      assertTrue(row.matches(".*libjpeg-turbo at /\\S*/libturbojpeg\\.so\\.0[.0-9]*"), row);
    } else {
      assertTrue(row.contains("ImageIO (no libjpeg-turbo: libturbojpeg.so.0"), row);
    }
  }

  @Test
  void thePropertyChoosesImageIo() throws Exception {
    String previous = System.setProperty(PROPERTY, "imageio");
    try {
      String row = jpegRow();
      assertTrue(row.contains(turboJpegInstalled() ? "ImageIO (" + PROPERTY + "=imageio; libjpeg-turbo at /"
          : "ImageIO (no libjpeg-turbo"), row);
    } finally {
      if (previous == null) {
        System.clearProperty(PROPERTY);
      } else {
        System.setProperty(PROPERTY, previous);
      }
    }
  }
}
