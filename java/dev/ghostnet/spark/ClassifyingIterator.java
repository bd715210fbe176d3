package dev.ghostnet.spark;

import dev.ghostnet.Prediction;
import dev.ghostnet.Predictor;
import dev.ghostnet.image.Classification;
import dev.ghostnet.image.ImageDecodeException;
import dev.ghostnet.image.ImagePreprocessor;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.NoSuchElementException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;

/**
 * One partition's rows with their classes appended, in order. Rows are decoded on the task's
 * thread a mini-batch at a time, and each mini-batch is submitted at once, so that the predictor
 * batches it whole (or split between its execution contexts when both are free) rather than an
 * image at a time as decoding goes; the next mini-batch is decoded while the previous one computes.
 */
final class ClassifyingIterator implements Iterator<Row> {
  /** A row on its way: its prediction to come, or why it has none. */
  private record Pending(Row row, CompletableFuture<Prediction> prediction, String error) {}

  /** A row of the mini-batch being decoded: its pixels, or why it has none. */
  private record Decoded(Row row, String name, byte[] pixels, String error) {}

  private final Iterator<Row> rows;
  private final Predictor predictor;
  private final ImagePreprocessor preprocessor;
  private final ClassifierSettings settings;
  private final int partition;
  private final ArrayDeque<Pending> pending = new ArrayDeque<>();
  private long rowNumber;

  ClassifyingIterator(Iterator<Row> rows, Predictor predictor, ClassifierSettings settings, int partition) {
    this.rows = rows;
    this.predictor = predictor;
    this.preprocessor = new ImagePreprocessor(settings.preprocess());
    this.settings = settings;
    this.partition = partition;
  }

  @Override
  public boolean hasNext() {
    refill();
    return !pending.isEmpty();
  }

  @Override
  public Row next() {
    refill();
    Pending next = pending.poll();
    if (next == null) {
      throw new NoSuchElementException();
    }
    return output(next);
  }

  /** Keeps one mini-batch computing beyond the one being answered. */
  private void refill() {
    while (pending.size() <= settings.batchSize() && rows.hasNext()) {
      submitBatch();
    }
  }

  private void submitBatch() {
    List<Decoded> batch = new ArrayList<>(settings.batchSize());
    while (batch.size() < settings.batchSize() && rows.hasNext()) {
      batch.add(decode(rows.next()));
    }
    for (Decoded d : batch) {
      pending.add(new Pending(d.row(), d.pixels() == null ? null : predictor.submitPreprocessed(d.pixels(), d.name()),
          d.error()));
    }
  }

  private Decoded decode(Row row) {
    String name = name(row);
    try {
      byte[] encoded = row.isNullAt(settings.inputIndex()) ? null : (byte[]) row.get(settings.inputIndex());
      if (encoded == null) {
        throw new ImageDecodeException(name, "no image: the input column is null");
      }
      return new Decoded(row, name, preprocessor.preprocess(encoded, name), null);
    } catch (ImageDecodeException e) {
      if (settings.failOnError()) {
        throw e;
      }
      return new Decoded(row, name, null, e.getMessage());
    }
  }

  /** The row's file path where the input has one, else its place in the partition. */
  private String name(Row row) {
    long number = rowNumber++;
    if (settings.pathIndex() >= 0 && !row.isNullAt(settings.pathIndex())) {
      return row.getString(settings.pathIndex());
    }
    return "row " + number + " of partition " + partition;
  }

  private Row output(Pending p) {
    Prediction prediction = p.prediction() == null ? null : await(p.prediction());
    int width = p.row().length();
    Object[] values = new Object[width + 1 + (settings.withLogits() ? 1 : 0) + (settings.withError() ? 1 : 0)];
    for (int i = 0; i < width; i++) {
      values[i] = p.row().get(i);
    }
    int column = width;
    values[column++] = prediction == null ? null : top(prediction.top());
    if (settings.withLogits()) {
      values[column++] = prediction == null ? null : prediction.logits();
    }
    if (settings.withError()) {
      values[column] = p.error();
    }
    return RowFactory.create(values);
  }

  private static Row[] top(List<Classification> classes) {
    Row[] top = new Row[classes.size()];
    for (int i = 0; i < top.length; i++) {
      Classification c = classes.get(i);
      top[i] = RowFactory.create(c.index(), c.label(), c.probability());
    }
    return top;
  }

  /** A prediction's result; a failure that is not the image's own fails the task. */
  private static Prediction await(CompletableFuture<Prediction> prediction) {
    try {
      return prediction.join();
    } catch (CompletionException e) {
      throw e.getCause() instanceof RuntimeException r ? r : e;
    }
  }
}
