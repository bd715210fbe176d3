import dev.ghostnet.Layout;
import dev.ghostnet.Npy;
import dev.ghostnet.Tensor;
import java.nio.file.Path;

/**
 * Whether logits a run wrote match the PyTorch reference's within the host's FP32 bound,
 * 1e-4 of the largest reference logit. Run as a source file with ghostnet.jar on the class
 * path: java -cp ghostnet.jar LogitsMatch.java ACTUAL.npy EXPECTED.npy
 */
public class LogitsMatch {
  public static void main(String[] args) {
    float[] actual = read(Path.of(args[0]));
    float[] expected = read(Path.of(args[1]));
    if (actual.length != expected.length) {
      fail("logits: " + actual.length + " values, the reference has " + expected.length);
    }
    double largest = 0;
    double worst = 0;
    for (int i = 0; i < expected.length; i++) {
      largest = Math.max(largest, Math.abs(expected[i]));
      double difference = Math.abs((double) actual[i] - expected[i]);
      worst = Double.isNaN(difference) ? Double.POSITIVE_INFINITY : Math.max(worst, difference);
    }
    double bound = 1e-4 * largest + 1e-6;
    System.out.printf("logits: max |actual - reference| = %.3g, bound %.3g%n", worst, bound);
    if (!(worst <= bound)) fail("logits differ from the reference beyond the bound");
  }

  static float[] read(Path path) {
    try (Tensor tensor = Npy.read(path, Layout.ROW_MAJOR)) {
      return tensor.toFloatArray();
    }
  }

  static void fail(String message) {
    System.err.println(message);
    System.exit(1);
  }
}
