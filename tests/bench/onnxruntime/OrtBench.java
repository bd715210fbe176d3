import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtSession;
import ai.onnxruntime.OrtSession.SessionOptions;
import java.nio.FloatBuffer;
import java.util.Map;
import java.util.Random;

/**
 * GhostNet through ONNX Runtime's Java API on the CPU, timed as ghostnet's bench times itself:
 * forward passes back to back on one input after a warm-up; prints images per second as JSON.
 * Run as a source file with the onnxruntime jar on the class path:
 *
 * <pre>java -cp onnxruntime.jar OrtBench.java MODEL.onnx BATCH THREADS SECONDS</pre>
 */
public class OrtBench {
  public static void main(String[] args) throws Exception {
    String model = args[0];
    int batch = Integer.parseInt(args[1]);
    int threads = Integer.parseInt(args[2]);
    double seconds = Double.parseDouble(args[3]);
    float[] pixels = new float[batch * 3 * 224 * 224];
    Random random = new Random(1);
    for (int i = 0; i < pixels.length; i++) {
      pixels[i] = (float) random.nextGaussian();
    }
    OrtEnvironment env = OrtEnvironment.getEnvironment();
    try (SessionOptions options = new SessionOptions()) {
      options.setOptimizationLevel(SessionOptions.OptLevel.ALL_OPT);
      options.setIntraOpNumThreads(threads);
      options.setInterOpNumThreads(1);
      options.setExecutionMode(SessionOptions.ExecutionMode.SEQUENTIAL);
      try (OrtSession session = env.createSession(model, options);
          OnnxTensor input = OnnxTensor.createTensor(env, FloatBuffer.wrap(pixels), new long[] {batch, 3, 224, 224})) {
        Map<String, OnnxTensor> feed = Map.of(session.getInputNames().iterator().next(), input);
        long warmUpEnd = System.nanoTime() + 2_000_000_000L;
        while (System.nanoTime() < warmUpEnd) {
          session.run(feed).close();
        }
        long start = System.nanoTime(), end = start + (long) (seconds * 1e9);
        long runs = 0;
        long now = start;
        while (now < end) {
          session.run(feed).close();
          runs++;
          now = System.nanoTime();
        }
        System.out.printf("{\"images_per_second\": %.2f}%n", batch * runs / ((now - start) / 1e9));
      }
    }
  }
}
