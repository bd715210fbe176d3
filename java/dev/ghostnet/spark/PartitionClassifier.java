package dev.ghostnet.spark;

import dev.ghostnet.Device;
import java.util.Iterator;
import org.apache.spark.TaskContext;
import org.apache.spark.api.java.function.MapPartitionsFunction;
import org.apache.spark.resource.ResourceInformation;
import org.apache.spark.sql.Row;

/** A task's work: its partition's rows through this JVM's predictor, on the device Spark gave it. */
final class PartitionClassifier implements MapPartitionsFunction<Row, Row> {
  private static final long serialVersionUID = 1L;

  private final ClassifierSettings settings;

  PartitionClassifier(ClassifierSettings settings) {
    this.settings = settings;
  }

  @Override
  public Iterator<Row> call(Iterator<Row> rows) {
    TaskContext task = TaskContext.get();
    ResourceInformation gpus = task.resourcesJMap().get("gpu"); // present with spark.task.resource.gpu.amount
    Device device = settings.device().device(gpus == null ? new String[0] : gpus.addresses(), Device::best);
    return new ClassifyingIterator(rows, ExecutorModels.predictor(settings, device), settings, task.partitionId());
  }
}
