package dev.ghostnet.spark;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.when;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonArray;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import dev.ghostnet.Device;
import dev.ghostnet.ExecutionContext;
import dev.ghostnet.GhostNet;
import dev.ghostnet.InvalidArgumentException;
import dev.ghostnet.Shape;
import dev.ghostnet.Tensor;
import dev.ghostnet.DType;
import dev.ghostnet.cli.Main;
import dev.ghostnet.image.ImagePreprocessor;
import dev.ghostnet.image.Interpolation;
import dev.ghostnet.image.PreprocessOptions;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Supplier;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import java.util.logging.Logger;
import org.apache.spark.SparkException;
import org.apache.spark.ml.Pipeline;
import org.apache.spark.ml.PipelineModel;
import org.apache.spark.ml.PipelineStage;
import org.apache.spark.ml.param.ParamMap;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** GhostNetClassifier on a local Spark (local[2], bound to the loopback address only). */
class GhostNetClassifierTest {
  static final Path FIXTURES = Path.of(System.getProperty("ghostnet.fixtures", "tests/fixtures"));
  static final Path SAMPLES = FIXTURES.resolve("images/samples");
  /** GhostNet 0.25x, 10 classes: fast enough for every test to classify real images. */
  static final Path WEIGHTS = FIXTURES.resolve("formats/small_f32.safetensors");

  static SparkSession spark;

  @TempDir Path temp;

  @BeforeAll
  static void startSpark() {
    spark = SparkSession.builder().master("local[2]").appName("ghostnet-tests")
        .config("spark.driver.bindAddress", "127.0.0.1").config("spark.driver.host", "127.0.0.1")
        .config("spark.ui.enabled", "false").config("spark.log.level", "WARN")
        .config("spark.hadoop.fs." + CountingFileSystem.SCHEME + ".impl", CountingFileSystem.class.getName())
        .getOrCreate();
  }

  @AfterAll
  static void stopSpark() {
    spark.stop();
  }

  static Dataset<Row> imageFiles(Path folder) {
    return spark.read().format("binaryFile").load(folder.toString());
  }

  /** {@code count} rows in {@code partitions} partitions: id, and content the bytes of {@code image}. */
  static Dataset<Row> copiesOf(Path image, int count, int partitions) throws IOException {
    return spark.range(0, count, 1, partitions).withColumn("content", lit(Files.readAllBytes(image)));
  }

  static Path localPath(Row row) {
    return Path.of(URI.create(row.<String>getAs("path")));
  }

  /** The CLI's classify --device cpu --json --logits over {@code args}, one line per file by absolute path. */
  static Map<Path, JsonObject> classify(List<String> args) {
    List<String> all = new ArrayList<>(List.of("classify", "--weights", WEIGHTS.toString(), "--device", "cpu", "--json",
        "--logits"));
    all.addAll(args);
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    Main.run(new PrintWriter(out, true), new PrintWriter(err, true), all.toArray(String[]::new));
    Map<Path, JsonObject> lines = new HashMap<>();
    out.toString().lines().forEach(l -> {
      JsonObject o = JsonParser.parseString(l).getAsJsonObject();
      lines.put(Path.of(o.get("file").getAsString()).toAbsolutePath().normalize(), o);
    });
    return lines;
  }

  /** Spark's rows (path, top, logits) hold exactly what classify printed for the same files. */
  static void assertSameAsClassify(Map<Path, JsonObject> expected, List<Row> rows) {
    assertEquals(expected.keySet().size(), rows.size());
    for (Row row : rows) {
      JsonObject line = expected.get(localPath(row));
      assertNotNull(line, "classify did not print " + row.getAs("path"));
      JsonArray top = line.getAsJsonArray("top");
      List<Row> classes = row.getList(1);
      assertEquals(top.size(), classes.size());
      for (int k = 0; k < top.size(); k++) {
        JsonObject c = top.get(k).getAsJsonObject();
        Row spark = classes.get(k);
        assertEquals(c.get("index").getAsInt(), spark.getInt(0), row.getAs("path") + " rank " + k);
        assertEquals(c.get("label").getAsString(), spark.getString(1));
        assertEquals(c.get("probability").getAsFloat(), spark.getFloat(2));
      }
      JsonArray logits = line.getAsJsonArray("logits");
      List<Float> sparkLogits = row.getList(2);
      assertEquals(logits.size(), sparkLogits.size());
      for (int i = 0; i < logits.size(); i++) {
        assertEquals(logits.get(i).getAsFloat(), sparkLogits.get(i), row.getAs("path") + " logit " + i);
      }
    }
  }

  @Test
  void theOutputIsWhatClassifyJsonGivesForTheSameFilesLogitsIncluded() {
    Map<Path, JsonObject> expected = classify(List.of(SAMPLES.toString()));
    assertEquals(22, expected.size());
    GhostNetClassifier classifier = new GhostNetClassifier().setWeights(WEIGHTS.toString()).setDevice("cpu")
        .setLogitsCol("logits");
    assertSameAsClassify(expected, classifier.transform(imageFiles(SAMPLES)).select("path", "top", "logits")
        .collectAsList());

    Map<Path, JsonObject> options = classify(List.of("--top", "3", "--interpolation", "bicubic", "--resize", "160",
        "--crop", "128", SAMPLES.toString()));
    classifier.setTopK(3).setInterpolation("bicubic").setResize(160).setCrop(128);
    assertSameAsClassify(options, classifier.transform(imageFiles(SAMPLES)).select("path", "top", "logits")
        .collectAsList());
  }

  @Test
  void aCorruptFileAndATextFileGetNullsAndTheReasonClassifyGives() throws IOException {
    Path folder = Files.createDirectories(temp.resolve("mixed"));
    Files.copy(SAMPLES.resolve("rgb_500x375.jpg"), folder.resolve("good.jpg"));
    Files.copy(SAMPLES.resolve("gray_300x200.png"), folder.resolve("gray.png"));
    Files.copy(FIXTURES.resolve("images/refuse/truncated.jpg"), folder.resolve("broken.jpg"));
    Files.writeString(folder.resolve("notes.txt"), "not an image\n");
    List<String> files = new ArrayList<>();
    for (String name : List.of("good.jpg", "gray.png", "broken.jpg", "notes.txt")) {
      files.add(folder.resolve(name).toString());
    }
    Map<Path, JsonObject> expected = classify(files);

    GhostNetClassifier classifier = new GhostNetClassifier().setWeights(WEIGHTS.toString()).setDevice("cpu")
        .setLogitsCol("logits").setErrorCol("error");
    List<Row> rows = classifier.transform(imageFiles(folder)).select("path", "top", "logits", "error")
        .collectAsList();
    assertEquals(4, rows.size());
    List<Row> classified = new ArrayList<>();
    Map<String, String> errors = new HashMap<>();
    for (Row row : rows) {
      JsonObject line = expected.get(localPath(row));
      if (!line.has("error")) {
        assertNull(row.get(3), row.toString());
        classified.add(row);
        continue;
      }
      assertNull(row.get(1));
      assertNull(row.get(2));
      // classify names the file by the path it was given, Spark by its URI; the reason is the same.
      String file = line.get("file").getAsString();
      String reason = line.get("error").getAsString().substring(file.length());
      assertEquals(row.getString(0) + reason, row.getString(3));
      errors.put(localPath(row).getFileName().toString(), row.getString(0));
    }
    assertEquals(List.of("broken.jpg", "notes.txt"), errors.keySet().stream().sorted().toList());
    expected.keySet().removeIf(p -> errors.containsKey(p.getFileName().toString()));
    assertSameAsClassify(expected, classified);

    Dataset<Row> images = imageFiles(folder).filter(col("path").endsWith(".txt").unary_$bang());
    SparkException e = assertThrows(SparkException.class,
        () -> classifier.setFailOnError(true).transform(images).collectAsList());
    assertTrue(e.getMessage().contains("ImageDecodeException: " + errors.get("broken.jpg") + ": the JPEG is truncated"),
        e.getMessage());
  }

  @Test
  void aPipelineWithTheStageSavesLoadsAndGivesTheSameOutput() throws IOException {
    GhostNetClassifier stage = new GhostNetClassifier().setWeights(WEIGHTS.toString()).setDevice("cpu")
        .setOutputCol("classes").setLogitsCol("logits").setErrorCol("error").setTopK(3).setBatchSize(4)
        .setInterpolation("bicubic").setResize(64).setCrop(48);
    Dataset<Row> images = imageFiles(SAMPLES);
    PipelineModel fitted = new Pipeline().setStages(new PipelineStage[] {stage}).fit(images);
    String saved = temp.resolve("pipeline").toString();
    fitted.write().save(saved);
    PipelineModel loaded = PipelineModel.load(saved);

    GhostNetClassifier loadedStage = (GhostNetClassifier) loaded.stages()[0];
    assertEquals(stage.uid(), loadedStage.uid());
    assertEquals(stage.extractParamMap().toString(), loadedStage.extractParamMap().toString());
    assertEquals(3, loadedStage.getTopK());
    assertEquals("bicubic", loadedStage.getInterpolation());
    List<Row> before = sortedByPath(fitted.transform(images).drop("content"));
    List<Row> after = sortedByPath(loaded.transform(images).drop("content"));
    assertEquals(22, before.size());
    assertEquals(before, after);
    assertTrue(before.stream().allMatch(r -> r.getList(r.fieldIndex("classes")).size() == 3), before.toString());

    String alone = temp.resolve("stage").toString();
    stage.write().save(alone);
    assertEquals(stage.extractParamMap().toString(), GhostNetClassifier.load(alone).extractParamMap().toString());
  }

  static List<Row> sortedByPath(Dataset<Row> rows) {
    List<Row> list = new ArrayList<>(rows.collectAsList());
    list.sort(Comparator.comparing(r -> r.<String>getAs("path")));
    return list;
  }

  @Test
  void fourPartitionsOfFourHundredRowsLoadTheModelOncePerJvm() throws IOException {
    Path weights = Files.copy(WEIGHTS, temp.resolve("shared.safetensors")); // a model no other test loads
    Path image = SAMPLES.resolve("palette_40x30.png");
    Dataset<Row> rows = copiesOf(image, 1600, 4)
        .withColumn("content", when(col("id").equalTo(7), lit(null).cast("binary")).otherwise(col("content")));
    assertEquals(4, rows.javaRDD().getNumPartitions());
    float[] expected = directLogits(weights, image, new PreprocessOptions(32, 32, Interpolation.BILINEAR));

    List<LogRecord> logged = new CopyOnWriteArrayList<>();
    try (LogCapture capture = new LogCapture(logged)) {
      GhostNetClassifier classifier = new GhostNetClassifier().setWeights(weights.toString()).setDevice("cpu")
          .setResize(32).setCrop(32).setBatchSize(16).setLogitsCol("logits").setErrorCol("error");
      List<Row> out = classifier.transform(rows).select("id", "top", "logits", "error").collectAsList();
      assertEquals(1600, out.size());
      for (Row row : out) {
        if (row.getLong(0) == 7) {
          assertNull(row.get(1));
          assertEquals("row 7 of partition 0: no image: the input column is null", row.getString(3));
          continue;
        }
        assertNull(row.get(3));
        List<Float> logits = row.getList(2);
        float[] actual = new float[logits.size()];
        for (int i = 0; i < actual.length; i++) {
          actual[i] = logits.get(i);
        }
        assertArrayEquals(expected, actual, 1e-4f, "row " + row.getLong(0));
      }
      assertEquals(1, count(logged, "loaded", weights));

      // Other settings over the same weights, device and precision: the same model.
      assertEquals(1599, classifier.copy(new ParamMap()).setTopK(2).setBatchSize(7).transform(rows)
          .filter(col("top").isNotNull()).count());
      assertEquals(1, count(logged, "loaded", weights));

      // What the JVM's exit does: every model closed; the next task loads its model again.
      ExecutorModels.closeAll();
      assertEquals(1, count(logged, "closing", weights));
      assertEquals(1599, classifier.transform(rows).filter(col("top").isNotNull()).count());
      assertEquals(2, count(logged, "loaded", weights));
    }
  }

  @Test
  void weightsOnAHadoopFileSystemAreCopiedToLocalDiskOncePerJvm() throws IOException {
    Path weights = Files.copy(WEIGHTS, temp.resolve("remote.safetensors"));
    String uri = CountingFileSystem.SCHEME + "://" + weights.toAbsolutePath();
    Dataset<Row> rows = copiesOf(SAMPLES.resolve("rgb_333x251.png"), 8, 2);
    Supplier<GhostNetClassifier> classifier = () -> new GhostNetClassifier().setDevice("cpu").setResize(32).setCrop(32)
        .setLogitsCol("logits");
    int opened = CountingFileSystem.OPENS.get();
    List<Row> remote = classifier.get().setWeights(uri).transform(rows).drop("content").collectAsList();
    ExecutorModels.closeAll(); // the model is loaded again, from the copy
    assertEquals(remote, classifier.get().setWeights(uri).transform(rows).drop("content").collectAsList());
    assertEquals(1, CountingFileSystem.OPENS.get() - opened);
    List<Row> local = classifier.get().setWeights(WEIGHTS.toString()).transform(rows).drop("content").collectAsList();
    assertEquals(local, remote);
  }

  @Test
  void aSchemaErrorFailsAtTransformNotInATask() {
    Dataset<Row> ints = spark.range(3).withColumn("content", col("id").cast("int"));
    GhostNetClassifier classifier = new GhostNetClassifier().setWeights(WEIGHTS.toString());
    // transform is lazy: only a check made on the driver can throw here.
    expectRefusal("GhostNetClassifier: the input column 'content' must be binary (image file bytes, as the "
        + "binaryFile source's 'content'), found int", () -> classifier.transform(ints));
    expectRefusal("GhostNetClassifier: the input column 'content' must be binary (image file bytes, as the "
        + "binaryFile source's 'content'), found int", () -> classifier.transformSchema(ints.schema()));
    expectRefusal("GhostNetClassifier: the input column 'bytes' is not in the input, whose columns are [id, content]",
        () -> classifier.copy(new ParamMap()).setInputCol("bytes").transform(ints));

    Dataset<Row> images = spark.range(3).withColumn("content", lit(new byte[] {1}));
    expectRefusal("GhostNetClassifier: the output column 'id' is already in the input; choose another name",
        () -> classifier.copy(new ParamMap()).setOutputCol("id").transform(images));
    expectRefusal("GhostNetClassifier: the output column 'top' is already another output column; choose another name",
        () -> classifier.copy(new ParamMap()).setErrorCol("top").transform(images));
    expectRefusal("GhostNetClassifier: weights are not set: setWeights(a checkpoint path every executor can read, or "
        + "a Hadoop file system URI), found none", () -> new GhostNetClassifier().transform(images));
    expectRefusal("GhostNetClassifier: topK must be at least 1, found 0",
        () -> classifier.transform(images, new ParamMap().put(classifier.topK(), 0)));
    expectRefusal("unknown device 'tpu': expected auto, cpu or cuda",
        () -> classifier.transform(images, new ParamMap().put(classifier.device(), "tpu")));

    expectRefusal("GhostNetClassifier: batchSize must be at least 1, found 0", () -> classifier.setBatchSize(0));
    expectRefusal("GhostNetClassifier: crop must be in [1, 16384], found 0", () -> classifier.setCrop(0));
    expectRefusal("unknown precision 'fp64': expected fp32, fp16 or bf16", () -> classifier.setPrecision("fp64"));
    expectRefusal("unknown interpolation 'nearest': expected bilinear or bicubic",
        () -> classifier.setInterpolation("nearest"));
    expectRefusal("GhostNetClassifier: outputCol must name a column, found ''", () -> classifier.setOutputCol(""));
  }

  static void expectRefusal(String message, org.junit.jupiter.api.function.Executable call) {
    assertEquals(message, assertThrows(InvalidArgumentException.class, call).getMessage());
  }

  static float[] directLogits(Path weights, Path image, PreprocessOptions options) {
    ImagePreprocessor pre = new ImagePreprocessor(options);
    try (GhostNet model = GhostNet.load(weights, Device.CPU);
        ExecutionContext context = model.newContext();
        Tensor x = Tensor.allocate(Device.CPU, DType.U8, Shape.nhwc(1, options.crop(), options.crop(), 3))) {
      x.copyFrom(pre.preprocess(image));
      try (Tensor y = context.forward(x)) {
        return y.toFloatArray();
      }
    }
  }

  /** How many records logged {@code verb} for a model of {@code weights}. */
  static long count(List<LogRecord> records, String verb, Path weights) {
    return records.stream().filter(r -> r.getMessage().startsWith(verb + " ")
        && r.getParameters()[1].equals(weights.toString())).count();
  }

  /** The records of dev.ghostnet.spark's logger while open. */
  static final class LogCapture extends Handler implements AutoCloseable {
    private final Logger logger = Logger.getLogger("dev.ghostnet.spark");
    private final Level level = logger.getLevel();
    private final List<LogRecord> records;

    LogCapture(List<LogRecord> records) {
      this.records = records;
      logger.setLevel(Level.INFO);
      logger.addHandler(this);
    }

    @Override
    public void publish(LogRecord record) {
      records.add(record);
    }

    @Override
    public void flush() {}

    @Override
    public void close() {
      logger.removeHandler(this);
      logger.setLevel(level);
    }
  }
}
