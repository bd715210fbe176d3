package dev.ghostnet.image;

import dev.ghostnet.InvalidArgumentException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;

/**
 * One class of one image's result: its index, its name and its softmax probability.
 *
 * @param index the class index (the logit's position)
 * @param label the class name, or the index as text when no labels are given
 * @param probability the softmax of the logits at {@code index}, in [0, 1]
 */
public record Classification(int index, String label, float probability) {

  /**
   * The {@code k} most likely classes of one image, most likely first.
   *
   * @see #topK(float[], int, int, int, Labels)
   */
  public static List<Classification> topK(float[] logits, int k, Labels labels) {
    if (logits == null) {
      throw new InvalidArgumentException("logits is null");
    }
    return topK(logits, 0, logits.length, k, labels);
  }

  /**
   * The {@code k} most likely of the {@code classes} logits starting at {@code logits[offset]}
   * (one row of a [batch, classes] result), most likely first.
   *
   * <p>Probabilities are the softmax of those logits, computed stably in double precision
   * ({@code exp(x - max) / sum exp(x - max)}) and rounded to float. The order is by logit,
   * descending; equal logits (hence equal probabilities) are ordered by ascending class index,
   * so the result is deterministic. {@code k} larger than {@code classes} gives every class.
   * Logits of -infinity get probability 0; if some logits are +infinity, they share probability
   * 1 equally.
   *
   * @param labels names for the classes, or null to label each class with its index
   * @throws InvalidArgumentException if a logit is NaN, every logit is -infinity, k is negative,
   *     the range is outside the array, or labels do not name exactly {@code classes} classes
   */
  public static List<Classification> topK(float[] logits, int offset, int classes, int k, Labels labels) {
    if (logits == null) {
      throw new InvalidArgumentException("logits is null");
    }
    if (classes < 1 || offset < 0 || (long) offset + classes > logits.length) {
      throw new InvalidArgumentException("logits [" + offset + ", " + ((long) offset + classes)
          + ") do not lie in an array of " + logits.length + " with at least one class");
    }
    if (k < 0) {
      throw new InvalidArgumentException("k must be at least 0, got " + k);
    }
    if (labels != null && labels.size() != classes) {
      throw new InvalidArgumentException("the labels name " + labels.size() + " classes, the logits have " + classes);
    }
    double max = Double.NEGATIVE_INFINITY;
    int positiveInfinities = 0;
    for (int i = 0; i < classes; i++) {
      float x = logits[offset + i];
      if (Float.isNaN(x)) {
        throw new InvalidArgumentException("logit " + i + " is NaN");
      }
      if (x == Float.POSITIVE_INFINITY) {
        positiveInfinities++;
      }
      max = Math.max(max, x);
    }
    if (max == Double.NEGATIVE_INFINITY) {
      throw new InvalidArgumentException("every logit is -infinity: the softmax is undefined");
    }
    double sum = 0;
    if (positiveInfinities == 0) {
      for (int i = 0; i < classes; i++) {
        sum += Math.exp(logits[offset + i] - max);
      }
    }
    int n = Math.min(k, classes);
    int[] top = selectTop(logits, offset, classes, n);
    List<Classification> out = new ArrayList<>(n);
    for (int i = 0; i < n; i++) {
      int c = top[i];
      float x = logits[offset + c];
      double p;
      if (positiveInfinities > 0) {
        p = x == Float.POSITIVE_INFINITY ? 1.0 / positiveInfinities : 0.0;
      } else {
        p = Math.exp(x - max) / sum;
      }
      out.add(new Classification(c, labels != null ? labels.name(c) : Integer.toString(c), (float) p));
    }
    return Collections.unmodifiableList(out);
  }

  /** Whether class a comes before class b: larger logit, then smaller index. */
  private static boolean before(float[] logits, int offset, int a, int b) {
    float xa = logits[offset + a];
    float xb = logits[offset + b];
    return xa > xb || (xa == xb && a < b);
  }

  /** The indices of the n first classes in order; partial insertion for small n, a sort otherwise. */
  private static int[] selectTop(float[] logits, int offset, int classes, int n) {
    if (n == 0) {
      return new int[0];
    }
    if (n > 32) {
      Integer[] all = new Integer[classes];
      for (int i = 0; i < classes; i++) {
        all[i] = i;
      }
      Arrays.sort(all, (a, b) -> before(logits, offset, a, b) ? -1 : before(logits, offset, b, a) ? 1 : 0);
      int[] top = new int[n];
      for (int i = 0; i < n; i++) {
        top[i] = all[i];
      }
      return top;
    }
    int[] top = new int[n];
    int count = 0;
    for (int i = 0; i < classes; i++) {
      if (count == n && !before(logits, offset, i, top[n - 1])) {
        continue;
      }
      int j = count < n ? count++ : n - 1;
      while (j > 0 && before(logits, offset, i, top[j - 1])) {
        top[j] = top[j - 1];
        j--;
      }
      top[j] = i;
    }
    return top;
  }
}
