package dev.ghostnet.spark;

import dev.ghostnet.InvalidArgumentException;
import dev.ghostnet.Precision;
import dev.ghostnet.image.Interpolation;
import dev.ghostnet.image.PreprocessOptions;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.apache.spark.ml.Transformer;
import org.apache.spark.ml.param.BooleanParam;
import org.apache.spark.ml.param.IntParam;
import org.apache.spark.ml.param.Param;
import org.apache.spark.ml.param.ParamMap;
import org.apache.spark.ml.util.DefaultParamsReader;
import org.apache.spark.ml.util.DefaultParamsWritable;
import org.apache.spark.ml.util.Identifiable;
import org.apache.spark.ml.util.MLReader;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Encoders;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.types.DataType;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructField;
import org.apache.spark.sql.types.StructType;

/**
 * GhostNet as a Spark ML stage: image file bytes in (the {@code content} column of Spark's
 * {@code binaryFile} source), each image's top classes out, decoded, resized and cropped as
 * torchvision does, with the {@link dev.ghostnet.Predictor}'s code on every executor.
 *
 * <pre>{@code
 * Dataset<Row> images = spark.read().format("binaryFile").load("hdfs:///photos");
 * Dataset<Row> classified = new GhostNetClassifier()
 *     .setWeights("hdfs:///models/ghostnet_100.safetensors")
 *     .setErrorCol("error")
 *     .transform(images);          // path, ..., content, top, error
 * }</pre>
 *
 * <p>In Scala: {@code new GhostNetClassifier().setWeights(...).setTopK(3).transform(images)}.
 *
 * <p>Appends {@code outputCol}, {@code array<struct<index:int, label:string, probability:float>>}
 * (ImageNet's class names for 1000-class models, else the index as text), and optionally
 * {@code logitsCol} ({@code array<float>}) and {@code errorCol} (string). A row whose image cannot
 * be decoded gets nulls and, in {@code errorCol}, the reason, naming the row by its {@code path}
 * column where the input has one; with {@code failOnError} it fails the job instead.
 *
 * <p>Each executor JVM loads one model per (weights, device, precision), shared by its tasks and
 * closed when it exits; weights on a Hadoop file system are copied to local disk once per JVM.
 * Tasks decode their rows themselves, {@code batchSize} at a time, while the previous mini-batch
 * computes. With Spark's GPU scheduling ({@code spark.task.resource.gpu.amount}) a task runs on
 * the GPU it was assigned; without it, {@code auto} takes the first usable GPU, else the host.
 *
 * <p>Saves and loads alone or in a pipeline ({@link #write()}, {@link #load(String)}). A wrong
 * input column type or param value fails {@link #transform} (and {@link #transformSchema}) with an
 * {@link InvalidArgumentException}, before any task runs.
 */
public final class GhostNetClassifier extends Transformer implements DefaultParamsWritable {
  private static final long serialVersionUID = 1L;

  /** The type of {@code outputCol}: the top classes, most likely first. */
  public static final DataType TOP_TYPE = DataTypes.createArrayType(DataTypes.createStructType(List.of(
      DataTypes.createStructField("index", DataTypes.IntegerType, false),
      DataTypes.createStructField("label", DataTypes.StringType, false),
      DataTypes.createStructField("probability", DataTypes.FloatType, false))), false);

  /** The type of {@code logitsCol}: one logit per class. */
  public static final DataType LOGITS_TYPE = DataTypes.createArrayType(DataTypes.FloatType, false);

  /** The column of a file's path that {@code binaryFile} gives, used to name a row in errors. */
  private static final String PATH_COLUMN = "path";

  private final String uid;
  private final Param<String> weights;
  private final Param<String> inputCol;
  private final Param<String> outputCol;
  private final Param<String> logitsCol;
  private final Param<String> errorCol;
  private final IntParam topK;
  private final Param<String> device;
  private final Param<String> precision;
  private final IntParam batchSize;
  private final Param<String> interpolation;
  private final IntParam resize;
  private final IntParam crop;
  private final BooleanParam failOnError;

  public GhostNetClassifier() {
    this(Identifiable.randomUID("ghostnet"));
  }

  /** A classifier with the given uid, as Spark's readers and {@link #copy} make them. */
  public GhostNetClassifier(String uid) {
    this.uid = uid;
    weights = new Param<>(this, "weights", "the checkpoint (safetensors or PyTorch): a path every executor can "
        + "read, or a Hadoop file system URI (copied to local disk once per executor)");
    inputCol = new Param<>(this, "inputCol", "the image file bytes (JPEG or PNG), a binary column");
    outputCol = new Param<>(this, "outputCol", "the top classes: array<struct<index:int, label:string, "
        + "probability:float>>, null for a row that failed");
    logitsCol = new Param<>(this, "logitsCol", "each image's logits, array<float> (empty: no such column)");
    errorCol = new Param<>(this, "errorCol", "why a row could not be classified, or null (empty: no such column)");
    topK = new IntParam(this, "topK", "classes per image, at least 1");
    device = new Param<>(this, "device", "auto (the task's GPU, else any usable GPU, else the host), cpu or cuda");
    precision = new Param<>(this, "precision", "fp32, fp16 (GPUs) or bf16 (GPUs, and CPUs with "
        + "AVX512_BF16, on the engine RuntimeInfo.hostBf16Engine() names)");
    batchSize = new IntParam(this, "batchSize", "images per forward pass, at least 1");
    interpolation = new Param<>(this, "interpolation", "the resize filter: bilinear (torchvision's default) or "
        + "bicubic");
    resize = new IntParam(this, "resize", "the shorter side after resizing, in pixels");
    crop = new IntParam(this, "crop", "the side of the centre crop, in pixels");
    failOnError = new BooleanParam(this, "failOnError", "whether an image that cannot be decoded fails the job "
        + "(naming its path) instead of giving nulls and its reason in errorCol");
    setDefault(inputCol, "content");
    setDefault(outputCol, "top");
    setDefault(logitsCol, "");
    setDefault(errorCol, "");
    setDefault(topK, 5);
    setDefault(device, DeviceChoice.AUTO.toString());
    setDefault(precision, Precision.FP32.toString());
    setDefault(batchSize, 64);
    setDefault(interpolation, PreprocessOptions.DEFAULT.interpolation().toString());
    setDefault(resize, PreprocessOptions.DEFAULT.resize());
    setDefault(crop, PreprocessOptions.DEFAULT.crop());
    setDefault(failOnError, false);
  }

  @Override
  public String uid() {
    return uid;
  }

  public Param<String> weights() {
    return weights;
  }

  public Param<String> inputCol() {
    return inputCol;
  }

  public Param<String> outputCol() {
    return outputCol;
  }

  public Param<String> logitsCol() {
    return logitsCol;
  }

  public Param<String> errorCol() {
    return errorCol;
  }

  public IntParam topK() {
    return topK;
  }

  public Param<String> device() {
    return device;
  }

  public Param<String> precision() {
    return precision;
  }

  public IntParam batchSize() {
    return batchSize;
  }

  public Param<String> interpolation() {
    return interpolation;
  }

  public IntParam resize() {
    return resize;
  }

  public IntParam crop() {
    return crop;
  }

  public BooleanParam failOnError() {
    return failOnError;
  }

  /** The checkpoint: a local path every executor can read, or a Hadoop file system URI (no default). */
  public GhostNetClassifier setWeights(String value) {
    set(weights, requireWeights(value));
    return this;
  }

  /** The binary column of image file bytes (default "content", as {@code binaryFile} gives). */
  public GhostNetClassifier setInputCol(String value) {
    set(inputCol, requireName("inputCol", value));
    return this;
  }

  /** The column of each image's top classes (default "top"). */
  public GhostNetClassifier setOutputCol(String value) {
    set(outputCol, requireName("outputCol", value));
    return this;
  }

  /** A column of each image's logits (default "": none). */
  public GhostNetClassifier setLogitsCol(String value) {
    set(logitsCol, requireOptionalName("logitsCol", value));
    return this;
  }

  /** A column saying why a row could not be classified, null for the others (default "": none). */
  public GhostNetClassifier setErrorCol(String value) {
    set(errorCol, requireOptionalName("errorCol", value));
    return this;
  }

  /** Classes per image (default 5). */
  public GhostNetClassifier setTopK(int value) {
    set(topK, requirePositive("topK", value));
    return this;
  }

  /** auto (default), cpu or cuda. */
  public GhostNetClassifier setDevice(String value) {
    set(device, DeviceChoice.parse(value).toString());
    return this;
  }

  /** fp32 (default), fp16 or bf16. */
  public GhostNetClassifier setPrecision(String value) {
    set(precision, Precision.parse(value).toString());
    return this;
  }

  /** Images per forward pass (default 64); a task decodes this many while the previous ones compute. */
  public GhostNetClassifier setBatchSize(int value) {
    set(batchSize, requirePositive("batchSize", value));
    return this;
  }

  /** bilinear (default, torchvision's) or bicubic (timm's ghostnet_100). */
  public GhostNetClassifier setInterpolation(String value) {
    set(interpolation, Interpolation.parse(value).toString());
    return this;
  }

  /** The shorter side after resizing (default 256). */
  public GhostNetClassifier setResize(int value) {
    set(resize, requireSize("resize", value));
    return this;
  }

  /** The side of the centre crop (default 224). */
  public GhostNetClassifier setCrop(int value) {
    set(crop, requireSize("crop", value));
    return this;
  }

  /** Whether an undecodable image fails the job, naming its path (default false: nulls and a reason). */
  public GhostNetClassifier setFailOnError(boolean value) {
    set(failOnError, value);
    return this;
  }

  public String getWeights() {
    return isDefined(weights) ? getOrDefault(weights) : null;
  }

  public String getInputCol() {
    return getOrDefault(inputCol);
  }

  public String getOutputCol() {
    return getOrDefault(outputCol);
  }

  public String getLogitsCol() {
    return getOrDefault(logitsCol);
  }

  public String getErrorCol() {
    return getOrDefault(errorCol);
  }

  public int getTopK() {
    return (Integer) getOrDefault(topK);
  }

  public String getDevice() {
    return getOrDefault(device);
  }

  public String getPrecision() {
    return getOrDefault(precision);
  }

  public int getBatchSize() {
    return (Integer) getOrDefault(batchSize);
  }

  public String getInterpolation() {
    return getOrDefault(interpolation);
  }

  public int getResize() {
    return (Integer) getOrDefault(resize);
  }

  public int getCrop() {
    return (Integer) getOrDefault(crop);
  }

  public boolean getFailOnError() {
    return (Boolean) getOrDefault(failOnError);
  }

  /**
   * The input schema with the output columns appended.
   *
   * @throws InvalidArgumentException if the input column is missing or not binary, an output
   *     column exists already, or a param's value is invalid
   */
  @Override
  public StructType transformSchema(StructType schema) {
    settings(schema);
    return outputSchema(schema);
  }

  /** The rows of {@code dataset} with their classes; validates as {@link #transformSchema} does. */
  @Override
  public Dataset<Row> transform(Dataset<?> dataset) {
    StructType schema = dataset.schema();
    PartitionClassifier classifier = new PartitionClassifier(settings(schema));
    return dataset.toDF().mapPartitions(classifier, Encoders.row(outputSchema(schema)));
  }

  private StructType outputSchema(StructType schema) {
    StructType out = schema.add(getOutputCol(), TOP_TYPE, true);
    if (!getLogitsCol().isEmpty()) {
      out = out.add(getLogitsCol(), LOGITS_TYPE, true);
    }
    if (!getErrorCol().isEmpty()) {
      out = out.add(getErrorCol(), DataTypes.StringType, true);
    }
    return out;
  }

  @Override
  public GhostNetClassifier copy(ParamMap extra) {
    return defaultCopy(extra);
  }

  /** The reader of a saved classifier. */
  public static MLReader<GhostNetClassifier> read() {
    return new DefaultParamsReader<>();
  }

  /** A classifier saved with {@code write().save(path)}. */
  public static GhostNetClassifier load(String path) {
    return read().load(path);
  }

  /** Every param checked (as set, loaded or copied with extra params) against the input's schema. */
  private ClassifierSettings settings(StructType schema) {
    List<String> columns = Arrays.asList(schema.fieldNames());
    int input = columns.indexOf(requireName("inputCol", getInputCol()));
    if (input < 0) {
      throw new InvalidArgumentException("GhostNetClassifier: the input column '" + getInputCol()
          + "' is not in the input, whose columns are " + columns);
    }
    DataType inputType = schema.fields()[input].dataType();
    if (!inputType.equals(DataTypes.BinaryType)) {
      throw new InvalidArgumentException("GhostNetClassifier: the input column '" + getInputCol() + "' must be binary "
          + "(image file bytes, as the binaryFile source's 'content'), found " + inputType.simpleString());
    }
    List<String> added = new ArrayList<>();
    for (String name : List.of(requireName("outputCol", getOutputCol()), requireOptionalName("logitsCol",
        getLogitsCol()), requireOptionalName("errorCol", getErrorCol()))) {
      if (name.isEmpty()) {
        continue;
      }
      if (columns.contains(name) || added.contains(name)) {
        throw new InvalidArgumentException("GhostNetClassifier: the output column '" + name + "' is already "
            + (added.contains(name) ? "another output column" : "in the input") + "; choose another name");
      }
      added.add(name);
    }
    int path = columns.indexOf(PATH_COLUMN);
    if (path >= 0 && !schema.fields()[path].dataType().equals(DataTypes.StringType)) {
      path = -1;
    }
    return new ClassifierSettings(requireWeights(getWeights()), DeviceChoice.parse(getDevice()),
        Precision.parse(getPrecision()), requirePositive("batchSize", getBatchSize()),
        requirePositive("topK", getTopK()), requireSize("resize", getResize()), requireSize("crop", getCrop()),
        Interpolation.parse(getInterpolation()), getFailOnError(), input, path, !getLogitsCol().isEmpty(),
        !getErrorCol().isEmpty());
  }

  private static String requireWeights(String value) {
    if (value == null || value.isBlank()) {
      throw new InvalidArgumentException("GhostNetClassifier: weights are not set: setWeights(a checkpoint path "
          + "every executor can read, or a Hadoop file system URI), found " + (value == null ? "none" : "'" + value
          + "'"));
    }
    return value;
  }

  private static String requireName(String param, String value) {
    if (value == null || value.isEmpty()) {
      throw new InvalidArgumentException("GhostNetClassifier: " + param + " must name a column, found "
          + (value == null ? "null" : "''"));
    }
    return value;
  }

  private static String requireOptionalName(String param, String value) {
    if (value == null) {
      throw new InvalidArgumentException("GhostNetClassifier: " + param + " must be a column name, or empty for "
          + "none, found null");
    }
    return value;
  }

  private static int requirePositive(String param, int value) {
    if (value < 1) {
      throw new InvalidArgumentException("GhostNetClassifier: " + param + " must be at least 1, found " + value);
    }
    return value;
  }

  private static int requireSize(String param, int value) {
    if (value < 1 || value > PreprocessOptions.MAX_SIZE) {
      throw new InvalidArgumentException("GhostNetClassifier: " + param + " must be in [1, "
          + PreprocessOptions.MAX_SIZE + "], found " + value);
    }
    return value;
  }
}
