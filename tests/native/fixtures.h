// The PyTorch reference fixtures (tests/fixtures, made by tests/reference/make_fixtures.py).
#pragma once

#include <cstdlib>
#include <cstring>
#include <fstream>
#include <iostream>
#include <sstream>
#include <string>
#include <vector>

#include "checkpoint/json.h"
#include "ghostnet/model.h"
#include "ghostnet/npy.h"

namespace ghostnet::testing {

// The fixtures folder: GHOSTNET_FIXTURES when set (the test binary run on another machine,
// as tests/gpu/check.sh does), else the source tree it was built from.
inline std::string fixture(const std::string& relative) {
  const char* dir = std::getenv("GHOSTNET_FIXTURES");
  return std::string(dir != nullptr ? dir : GHOSTNET_FIXTURES_DIR) + "/" + relative;
}

// tests/fixtures/manifest.json, which make_fixtures.py writes beside the fixtures.
inline json::Value manifest() {
  std::ifstream in(fixture("manifest.json"));
  if (!in) throw std::runtime_error("cannot read " + fixture("manifest.json"));
  std::stringstream text;
  text << in.rdbuf();
  return json::parse(text.str(), 16);
}

// One forward-pass case of the manifest: weights, input and PyTorch's logits.
struct FixtureCase {
  std::string name;
  std::string weights;   // relative to the fixtures folder
  std::string input;
  std::string expected;
  int num_classes = 0;
  double max_abs_reference = 0;  // max |logit| of the reference: tolerances scale with it
  double top1_margin = 0;        // smallest gap between the top two reference logits
  // With every stored value rounded to FP16, then to BF16 (make_fixtures.py): the largest change
  // of a logit, and of any module's output relative to its largest magnitude.
  double logits_deviation_fp16 = 0, logits_deviation_bf16 = 0;
  double relative_deviation_fp16 = 0, relative_deviation_bf16 = 0;
};

// Why the manifest could not be read by fixture_cases(), or "" when it was.
inline std::string& manifest_problem() {
  static std::string problem;
  return problem;
}

// The manifest's forward cases. The parameterised suites ask for them while GoogleTest
// registers its tests, before main, where an exception would abort the binary; so a manifest
// that cannot be read gives no cases, says once on stderr which variable to set, and leaves
// the reason in manifest_problem(), which FixtureManifest.IsReadable fails with.
inline std::vector<FixtureCase> fixture_cases() {
  json::Value all;
  try {
    all = manifest();
  } catch (const std::exception& e) {
    if (manifest_problem().empty()) {
      manifest_problem() = std::string(e.what()) + ": set GHOSTNET_FIXTURES to the repository's tests/fixtures folder";
      std::cerr << "ghostnet tests: no fixtures (" << manifest_problem() << "); the fixture tests fail\n";
    }
    return {};
  }
  std::vector<FixtureCase> cases;
  for (const json::Value& c : all.at("cases").items()) {
    const json::Value& logits = c.at("logits_deviation");
    const json::Value& relative = c.at("relative_deviation");
    cases.push_back({c.at("name").string(), c.at("weights").string(), c.at("input").string(),
                     c.at("expected").string(), int(c.at("num_classes").unsigned_integer()),
                     c.at("max_abs_reference").number(), c.at("top1_margin").number(), logits.at("fp16").number(),
                     logits.at("bf16").number(), relative.at("fp16").number(), relative.at("bf16").number()});
  }
  return cases;
}

// The case of that name.
inline FixtureCase fixture_case(const std::string& name) {
  for (const FixtureCase& c : fixture_cases()) {
    if (c.name == name) return c;
  }
  throw std::runtime_error("no fixture case " + name +
                           (manifest_problem().empty() ? " in the manifest" : ": " + manifest_problem()));
}

// How far a GPU's logits may be from PyTorch's, and the host's in BF16. FP32 differs only in
// the order of summation: 1e-3 of the largest logit. FP16 and BF16 round stored values (the
// host's BF16 only the GEMM's), as the rounded reference of make_fixtures.py does at other
// places: three times how far that moved the logits.
inline double logits_bound(const FixtureCase& c, Precision precision) {
  switch (precision) {
    case Precision::F16: return 3 * c.logits_deviation_fp16;
    case Precision::BF16: return 3 * c.logits_deviation_bf16;
    default: return 1e-3 * c.max_abs_reference;
  }
}

// Likewise for any one op's values on a GPU against the host's, relative to their largest
// magnitude (op_by_op.h): three times the rounded reference's largest such change.
inline double gpu_relative_bound(const FixtureCase& c, Precision precision) {
  switch (precision) {
    case Precision::F16: return 3 * c.relative_deviation_fp16;
    case Precision::BF16: return 3 * c.relative_deviation_bf16;
    default: return 1e-3;
  }
}

// Names parameterised tests after their case.
inline std::string case_name(const FixtureCase& c) { return c.name; }

// How GoogleTest prints a case in test lists and failures.
inline void PrintTo(const FixtureCase& c, std::ostream* out) { *out << c.name; }

// The values of a float32 array.
inline std::vector<float> floats(const NpyArray& a) {
  std::vector<float> v(a.bytes.size() / sizeof(float));
  std::memcpy(v.data(), a.bytes.data(), v.size() * sizeof(float));
  return v;
}

}  // namespace ghostnet::testing
