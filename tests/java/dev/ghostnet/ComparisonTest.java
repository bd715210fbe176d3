package dev.ghostnet;

import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;
import org.opentest4j.AssertionFailedError;

/** The comparison every numeric test uses fails on NaN, infinity and a wrong length, whatever the bound. */
class ComparisonTest {
  private static final double HUGE_BOUND = 1e30;

  @ParameterizedTest
  @ValueSource(floats = {Float.NaN, Float.POSITIVE_INFINITY, Float.NEGATIVE_INFINITY})
  void aNonFiniteValueWhereTheReferenceIsFiniteFails(float bad) {
    float[] expected = {1, 2, 3};
    AssertionFailedError e = assertThrows(AssertionFailedError.class,
        () -> Comparison.assertWithin(new float[] {1, bad, 3}, expected, HUGE_BOUND, "logits"));
    assertTrue(e.getMessage().contains("element 1 is " + bad + " where the reference is 2.0"), e.getMessage());
    assertThrows(AssertionFailedError.class,
        () -> Comparison.assertWithin(new float[] {bad, bad, bad}, expected, HUGE_BOUND, "logits"));
    assertThrows(AssertionFailedError.class,
        () -> Comparison.assertWithin(expected, new float[] {1, bad, 3}, HUGE_BOUND, "a finite value"));
  }

  @ParameterizedTest
  @ValueSource(ints = {0, 2, 4})
  void aWrongNumberOfValuesFails(int length) {
    AssertionFailedError e = assertThrows(AssertionFailedError.class,
        () -> Comparison.assertWithin(new float[length], new float[3], HUGE_BOUND, "logits"));
    assertTrue(e.getMessage().contains(length + " values where the reference has 3"), e.getMessage());
  }

  @ParameterizedTest
  @ValueSource(doubles = {0.49, 0.5})
  void valuesAreWithinTheBoundUpToItAndNoFurther(double bound) {
    float[] actual = {1, 2.5f, Float.NaN};
    float[] expected = {1, 2, Float.NaN};
    if (bound >= 0.5) {
      assertDoesNotThrow(() -> Comparison.assertWithin(actual, expected, bound, "logits"));
    } else {
      assertThrows(AssertionFailedError.class, () -> Comparison.assertWithin(actual, expected, bound, "logits"));
    }
  }

  /** What every fixture test compares: PyTorch's logits with one of them, or all, made NaN. */
  @ParameterizedTest
  @MethodSource("dev.ghostnet.Fixtures#cases")
  void nanLogitsFailEveryFixtureComparison(Fixtures.Case c) {
    float[] expected = Fixtures.expected(c);
    float[] oneNan = expected.clone();
    oneNan[oneNan.length / 2] = Float.NaN;
    float[] allNan = new float[expected.length];
    Arrays.fill(allNan, Float.NaN);
    for (double bound : new double[] {Fixtures.hostBound(c), Fixtures.gpuBound(c, Precision.FP32),
        Fixtures.gpuBound(c, Precision.FP16), Fixtures.gpuBound(c, Precision.BF16), HUGE_BOUND}) {
      assertDoesNotThrow(() -> Comparison.assertWithin(expected, expected, bound, c.name()));
      assertThrows(AssertionFailedError.class, () -> Comparison.assertWithin(oneNan, expected, bound, c.name()));
      assertThrows(AssertionFailedError.class, () -> Comparison.assertWithin(allNan, expected, bound, c.name()));
    }
  }
}
