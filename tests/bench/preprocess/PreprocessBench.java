import dev.ghostnet.RuntimeInfo;
import dev.ghostnet.image.ImagePreprocessor;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

/**
 * ghostnet's ImagePreprocessor (decode, Resize(256), CenterCrop(224), bilinear), timed as
 * pil_preprocess.py times PIL and torchvision: every JPEG of a folder read into memory first,
 * then preprocessed one after another on one thread for a while after a warm-up; prints images
 * per second as JSON, with what decoded the JPEGs. Run as a source file with the jar on the class
 * path:
 *
 * <pre>java -cp ghostnet.jar PreprocessBench.java FOLDER SECONDS</pre>
 */
public class PreprocessBench {
  public static void main(String[] args) throws Exception {
    Path folder = Path.of(args[0]);
    double seconds = Double.parseDouble(args[1]);
    List<byte[]> encoded = new ArrayList<>();
    List<String> names = new ArrayList<>();
    try (Stream<Path> files = Files.list(folder)) {
      for (Path file : files.filter(f -> f.toString().endsWith(".jpg")).sorted().toList()) {
        encoded.add(Files.readAllBytes(file));
        names.add(file.toString());
      }
    }
    ImagePreprocessor preprocessor = new ImagePreprocessor();
    // The JIT's warm-up: a few passes, and at least two seconds.
    long warmUpEnd = System.nanoTime() + 2_000_000_000L;
    for (int pass = 0; pass < 3 || System.nanoTime() < warmUpEnd; pass++) {
      preprocessAll(preprocessor, encoded, names);
    }
    long images = 0, start = System.nanoTime(), end = start + (long) (seconds * 1e9);
    while (System.nanoTime() < end) {
      preprocessAll(preprocessor, encoded, names);
      images += encoded.size();
    }
    double elapsed = (System.nanoTime() - start) / 1e9;
    System.out.printf("{\"java\": \"%s\", \"jpeg_decoder\": \"%s\", \"images\": %d, \"images_per_second\": %.2f}%n",
        System.getProperty("java.vm.name") + " " + Runtime.version(), RuntimeInfo.query().jpegDecoder(), images,
        images / elapsed);
  }

  private static void preprocessAll(ImagePreprocessor preprocessor, List<byte[]> encoded, List<String> names) {
    for (int i = 0; i < encoded.size(); i++) {
      preprocessor.preprocess(encoded.get(i), names.get(i));
    }
  }
}
