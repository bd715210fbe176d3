package dev.ghostnet;

import static org.junit.jupiter.api.Assertions.fail;

/**
 * Computed values against a reference, for every test that checks numbers: NaN or infinity where
 * the reference is finite always fails, whatever the bound ({@code difference > bound} is false
 * for NaN, so a plain comparison lets a NaN result pass).
 */
public final class Comparison {
  private Comparison() {}

  /**
   * How far {@code actual} is from {@code expected}: |actual - expected| where both are finite;
   * infinity where one is finite and the other is not; 0 where both are the same non-finite value.
   */
  public static double difference(float actual, float expected) {
    if (Float.isFinite(actual) && Float.isFinite(expected)) {
      return Math.abs((double) actual - expected);
    }
    return Float.compare(actual, expected) == 0 ? 0 : Double.POSITIVE_INFINITY;
  }

  /** Fails unless there are as many values as in the reference and each is within {@code bound} of it. */
  public static void assertWithin(float[] actual, float[] expected, double bound, String what) {
    if (actual.length != expected.length) {
      fail(what + ": " + actual.length + " values where the reference has " + expected.length);
    }
    int worst = 0;
    for (int i = 1; i < actual.length; i++) {
      if (difference(actual[i], expected[i]) > difference(actual[worst], expected[worst])) {
        worst = i;
      }
    }
    if (actual.length > 0 && difference(actual[worst], expected[worst]) > bound) {
      fail(what + ": element " + worst + " is " + actual[worst] + " where the reference is " + expected[worst]
          + " (|difference| " + difference(actual[worst], expected[worst]) + ", beyond " + bound + ")");
    }
  }
}
