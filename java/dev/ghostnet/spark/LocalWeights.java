package dev.ghostnet.spark;

import dev.ghostnet.CheckpointException;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.ConcurrentHashMap;
import java.util.logging.Level;
import java.util.logging.Logger;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileSystem;
import org.apache.spark.SparkEnv;
import scala.Tuple2;

/**
 * The local file a checkpoint is loaded from: a local path as it is, any other Hadoop file system
 * URI copied once per JVM into a temporary folder, deleted when the JVM exits.
 */
final class LocalWeights {
  private static final Logger LOG = Logger.getLogger(LocalWeights.class.getPackageName());
  private static final ConcurrentHashMap<String, Path> COPIES = new ConcurrentHashMap<>();

  private LocalWeights() {}

  static Path of(String weights) {
    URI uri = new org.apache.hadoop.fs.Path(weights).toUri();
    if (uri.getScheme() == null || uri.getScheme().equals("file")) {
      return Path.of(uri.getPath());
    }
    return COPIES.computeIfAbsent(weights, w -> copy(new org.apache.hadoop.fs.Path(uri)));
  }

  private static Path copy(org.apache.hadoop.fs.Path source) {
    long start = System.nanoTime();
    try {
      FileSystem fs = source.getFileSystem(hadoopConfiguration());
      Path folder = Files.createTempDirectory("ghostnet-weights-");
      folder.toFile().deleteOnExit();
      Path local = folder.resolve(source.getName());
      local.toFile().deleteOnExit(); // runs before the folder's: the last registered runs first
      try (InputStream in = fs.open(source)) {
        Files.copy(in, local);
      }
      LOG.log(Level.INFO, "copied {0} to {1} in {2} ms",
          new Object[] {source, local, (System.nanoTime() - start) / 1_000_000});
      return local;
    } catch (IOException e) {
      throw new CheckpointException("cannot copy the weights " + source + " to local disk: " + e);
    }
  }

  /** Hadoop's defaults with the application's {@code spark.hadoop.*} settings, as Spark's own readers see. */
  private static Configuration hadoopConfiguration() {
    Configuration conf = new Configuration();
    SparkEnv env = SparkEnv.get();
    if (env != null) {
      for (Tuple2<String, String> setting : env.conf().getAllWithPrefix("spark.hadoop.")) {
        conf.set(setting._1(), setting._2());
      }
    }
    return conf;
  }
}
