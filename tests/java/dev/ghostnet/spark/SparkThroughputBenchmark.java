package dev.ghostnet.spark;

import dev.ghostnet.Prediction;
import dev.ghostnet.Predictor;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.CompletableFuture;
import java.util.stream.Stream;
import org.apache.spark.sql.SparkSession;

/**
 * Images per second through Spark {@code local[2]} against the {@link Predictor} directly, on the
 * same image files, in one JVM: each path first classifies all of them once to warm up, then
 * both are measured three times, alternately. Not a test: it prints its figures.
 *
 * <p>The warm-up pass matters for Spark: for its first few jobs the JIT compiler is still busy
 * with Spark's own code (seconds of CPU per job), which on a small executor comes straight out of
 * inference; a long-running executor pays that once.
 *
 * <pre>
 * mvn -q test-compile
 * mvn -q dependency:build-classpath -Dmdep.includeScope=test -Dmdep.outputFile=target/test.classpath
 * java --add-opens=java.base/sun.nio.ch=ALL-UNNAMED \
 *     -cp "target/test-classes:target/classes:$(cat target/test.classpath)" \
 *     dev.ghostnet.spark.SparkThroughputBenchmark target/fixture-weights/v1_w100_c1000.safetensors \
 *     tests/fixtures/images/samples 200
 * </pre>
 *
 * <p>Arguments: the weights, a folder of images, and how many copies of its images to classify.
 */
public final class SparkThroughputBenchmark {
  private SparkThroughputBenchmark() {}

  public static void main(String[] args) throws IOException {
    Path weights = Path.of(args[0]);
    List<Path> samples;
    try (Stream<Path> files = Files.list(Path.of(args[1]))) {
      samples = files.filter(Files::isRegularFile).sorted().toList();
    }
    int copies = Integer.parseInt(args[2]);
    Path folder = Files.createTempDirectory("ghostnet-benchmark-");
    List<Path> files = copy(samples, copies, folder);

    SparkSession spark = SparkSession.builder().master("local[2]").appName("ghostnet-benchmark")
        .config("spark.driver.bindAddress", "127.0.0.1").config("spark.driver.host", "127.0.0.1")
        .config("spark.ui.enabled", "false").config("spark.log.level", "WARN").getOrCreate();
    GhostNetClassifier classifier = new GhostNetClassifier().setWeights(weights.toAbsolutePath().toString());
    try (Predictor predictor = Predictor.builder(weights).build()) {
      System.out.printf(Locale.ROOT, "%s; %d images (%d copies of %d), %d cores%n", predictor, files.size(), copies,
          samples.size(), Runtime.getRuntime().availableProcessors());
      predict(predictor, files);
      classify(spark, classifier, folder);
      for (int round = 1; round <= 3; round++) {
        long cpu = cpuNanos();
        double direct = files.size() / predict(predictor, files);
        double directCpu = (cpuNanos() - cpu) / 1e6 / files.size();
        cpu = cpuNanos();
        double throughSpark = files.size() / classify(spark, classifier, folder);
        double sparkCpu = (cpuNanos() - cpu) / 1e6 / files.size();
        System.out.printf(Locale.ROOT, "round %d: Predictor %.1f images/s (%.2f CPU ms each), Spark local[2] %.1f "
            + "images/s (%.2f CPU ms each), Spark's overhead %.1f%%%n", round, direct, directCpu, throughSpark,
            sparkCpu, 100 * (1 - throughSpark / direct));
      }
    } finally {
      spark.stop();
      try (Stream<Path> written = Files.walk(folder)) {
        for (Path p : written.sorted(Comparator.reverseOrder()).toList()) {
          Files.delete(p);
        }
      }
    }
  }

  /** CPU time this JVM has used, all its threads, native code included. */
  private static long cpuNanos() {
    return ((com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean())
        .getProcessCpuTime();
  }

  private static List<Path> copy(List<Path> samples, int copies, Path folder) throws IOException {
    List<Path> files = new ArrayList<>();
    for (int c = 0; c < copies; c++) {
      for (Path sample : samples) {
        files.add(Files.copy(sample, folder.resolve(c + "-" + sample.getFileName())));
      }
    }
    return files;
  }

  /** Seconds to classify {@code files} with the predictor. */
  private static double predict(Predictor predictor, List<Path> files) {
    long start = System.nanoTime();
    List<CompletableFuture<Prediction>> results = new ArrayList<>();
    for (Path file : files) {
      results.add(predictor.submit(file));
    }
    results.forEach(CompletableFuture::join);
    return (System.nanoTime() - start) / 1e9;
  }

  /** Seconds to classify every file in {@code folder} through Spark, reading them with binaryFile. */
  private static double classify(SparkSession spark, GhostNetClassifier classifier, Path folder) {
    long start = System.nanoTime();
    classifier.transform(spark.read().format("binaryFile").load(folder.toString())).write().format("noop")
        .mode("overwrite").save();
    return (System.nanoTime() - start) / 1e9;
  }
}
