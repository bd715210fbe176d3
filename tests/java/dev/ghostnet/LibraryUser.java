package dev.ghostnet;

import java.nio.file.Path;

/**
 * A program as a library user writes one, run by {@link LibraryJarIT} with nothing on its class
 * path but the library jar and JavaCPP: it must classify, and find none of the command line's
 * libraries nor the CUDA presets.
 *
 * <p>Arguments: weights, an input .npy, the PyTorch logits .npy, the largest difference allowed,
 * and an image. Prints "ok" and exits 0, or says what went wrong and exits 1.
 */
public final class LibraryUser {
  private LibraryUser() {}

  public static void main(String[] args) {
    for (String absent : new String[] {"picocli.CommandLine", "me.tongfei.progressbar.ProgressBar",
        "org.jline.terminal.Terminal", "com.google.gson.Gson", "org.bytedeco.cuda.cudart.CUstream_st"}) {
      try {
        Class.forName(absent);
        fail(absent + " is on the class path");
      } catch (ClassNotFoundException expected) {
        // as a library user's application has it
      }
    }
    float[] logits;
    float[] expected;
    try (GhostNet model = GhostNet.load(Path.of(args[0]), Device.CPU);
        Stream stream = Stream.create(Device.CPU);
        ExecutionContext context = model.newContext(stream);
        Tensor x = Npy.read(Path.of(args[1]), Layout.NCHW);
        Tensor y = context.forward(x);
        Tensor reference = Npy.read(Path.of(args[2]), Layout.ROW_MAJOR)) {
      logits = y.toFloatArray();
      expected = reference.toFloatArray();
      try (Predictor predictor = Predictor.builder(model).build()) {
        Prediction p = predictor.predict(Path.of(args[4]));
        if (p.top().size() != 5) {
          fail("a prediction with " + p.top().size() + " classes: " + p);
        }
      }
    }
    double worst = 0;
    for (int i = 0; i < logits.length; i++) {
      worst = Math.max(worst, Math.abs(logits[i] - expected[i]));
    }
    if (logits.length != expected.length || !(worst <= Double.parseDouble(args[3]))) {
      fail("logits differ from PyTorch's: " + logits.length + " vs " + expected.length + " values, max difference "
          + worst);
    }
    System.out.println("ok");
  }

  private static void fail(String message) {
    System.out.println(message);
    System.exit(1);
  }
}
