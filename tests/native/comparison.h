// Computed values against a reference, for every test that checks numbers: NaN or infinity
// where the reference is finite always fails, whatever the bound. (std::max drops NaN, and
// `difference > bound` is false for NaN, so a plain maximum lets a NaN result pass.)
#pragma once

#include <gtest/gtest.h>

#include <cmath>
#include <cstddef>
#include <limits>
#include <sstream>
#include <vector>

namespace ghostnet::testing {

// How far `actual` is from `expected`: |actual - expected| where both are finite; infinity
// where one is finite and the other is not; 0 where both are the same non-finite value.
inline double element_difference(float actual, float expected) {
  if (std::isfinite(actual) && std::isfinite(expected)) return std::abs(double(actual) - double(expected));
  const bool same = actual == expected || (std::isnan(actual) && std::isnan(expected));
  return same ? 0.0 : std::numeric_limits<double>::infinity();
}

// The element farthest from the reference, by element_difference.
struct WorstElement {
  std::size_t index = 0;
  float actual = 0;
  float expected = 0;
  double difference = 0;
};

inline WorstElement worst_element(const std::vector<float>& actual, const std::vector<float>& expected) {
  WorstElement worst;
  for (std::size_t i = 0; i < actual.size() && i < expected.size(); ++i) {
    const double d = element_difference(actual[i], expected[i]);
    if (i == 0 || d > worst.difference) worst = {i, actual[i], expected[i], d};
  }
  return worst;
}

inline std::string describe(const WorstElement& w) {
  std::ostringstream text;
  text << "element " << w.index << " is " << w.actual << " where the reference is " << w.expected
       << " (|difference| " << w.difference << ")";
  return text.str();
}

// As many values as the reference, each within `bound` of it: |actual - expected| <= bound.
inline ::testing::AssertionResult within(const std::vector<float>& actual, const std::vector<float>& expected,
                                         double bound) {
  if (actual.size() != expected.size()) {
    return ::testing::AssertionFailure() << actual.size() << " values where the reference has " << expected.size();
  }
  const WorstElement worst = worst_element(actual, expected);
  if (worst.difference > bound) return ::testing::AssertionFailure() << describe(worst) << ", beyond " << bound;
  return ::testing::AssertionSuccess();
}

// As within, with a bound that grows with each reference value: tolerance * (1 + |expected|).
inline ::testing::AssertionResult within_relative(const std::vector<float>& actual, const std::vector<float>& expected,
                                                  double tolerance) {
  if (actual.size() != expected.size()) {
    return ::testing::AssertionFailure() << actual.size() << " values where the reference has " << expected.size();
  }
  for (std::size_t i = 0; i < actual.size(); ++i) {
    const double bound = tolerance * (1.0 + std::abs(double(expected[i])));
    const WorstElement element{i, actual[i], expected[i], element_difference(actual[i], expected[i])};
    if (element.difference > bound) return ::testing::AssertionFailure() << describe(element) << ", beyond " << bound;
  }
  return ::testing::AssertionSuccess();
}

}  // namespace ghostnet::testing
