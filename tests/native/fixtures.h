// The PyTorch reference fixtures (tests/fixtures, made by tests/reference/make_fixtures.py):
// forward cases, the models they run (generated weights with a committed rest), checkpoint files.
#pragma once

#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <iostream>
#include <map>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "checkpoint/json.h"
#include "ghostnet/checkpoint.h"
#include "ghostnet/model.h"
#include "ghostnet/npy.h"
#include "graph/graph.h"
#include "graph/topology.h"

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

// A forward case's model as the manifest describes it: its generated weights (the rule of
// random_ghostnet_weights, shared with tests/reference/fixture_weights.py) and its committed rest.
struct FixtureModel {
  std::string name;
  std::string family;  // "v1", "v2", "v3"
  double width = 1.0;
  int num_classes = 0;
  uint32_t seed = 0;
  std::map<std::string, int> shifts;  // generated weights scaled by 2^-shift
  std::string rest;                   // relative to the fixtures folder
};

// One forward-pass case of the manifest: its model (generated) or weights (a file), its input
// and PyTorch's logits.
struct FixtureCase {
  std::string name;
  std::string model;    // a FixtureModel's name, or ""
  std::string weights;  // when there is no model: a checkpoint, relative to the fixtures folder
  std::string family;
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
  std::vector<FixtureCase> cases;
  try {
    const json::Value all = manifest();
    for (const json::Value& c : all.at("cases").items()) {
      const json::Value& logits = c.at("logits_deviation");
      const json::Value& relative = c.at("relative_deviation");
      const json::Value& model = c.at("model");
      const json::Value& weights = c.at("weights");
      cases.push_back({c.at("name").string(), model.is_string() ? model.string() : "",
                       weights.is_string() ? weights.string() : "", c.at("family").string(), c.at("input").string(),
                       c.at("expected").string(), int(c.at("num_classes").unsigned_integer()),
                       c.at("max_abs_reference").number(), c.at("top1_margin").number(), logits.at("fp16").number(),
                       logits.at("bf16").number(), relative.at("fp16").number(), relative.at("bf16").number()});
    }
  } catch (const std::exception& e) {
    if (manifest_problem().empty()) {
      manifest_problem() = std::string(e.what()) + ": set GHOSTNET_FIXTURES to the repository's tests/fixtures folder";
      std::cerr << "ghostnet tests: no fixtures (" << manifest_problem() << "); the fixture tests fail\n";
    }
    return {};
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

inline std::vector<FixtureModel> fixture_models() {
  std::vector<FixtureModel> models;
  const json::Value all = manifest();
  for (const json::Value& m : all.at("models").items()) {
    FixtureModel model{m.at("name").string(), m.at("family").string(), m.at("width").number(),
                       int(m.at("num_classes").unsigned_integer()), uint32_t(m.at("seed").unsigned_integer()), {},
                       m.at("rest").string()};
    for (const auto& [key, shift] : m.at("shifts").members()) model.shifts[key] = int(shift.number());
    models.push_back(model);
  }
  return models;
}

inline FixtureModel fixture_model(const std::string& name) {
  for (const FixtureModel& m : fixture_models()) {
    if (m.name == name) return m;
  }
  throw std::runtime_error("no fixture model " + name + " in the manifest");
}

// Its generated weights, scaled by their shifts (powers of two, so exactly), with every other
// tensor from its committed rest; a tensor neither generated nor committed is an error.
inline StateDict fixture_weights(const FixtureModel& m) {
  char member[64];
  std::snprintf(member, sizeof member, "ghostnet%s_%03d", m.family == "v1" ? "" : m.family.c_str(),
                int(std::lround(m.width * 100)));
  StateDict weights = random_ghostnet_weights(member, m.num_classes, m.seed);
  const graph::Member parsed = graph::parse_member(member);
  const graph::Form form = parsed.family == graph::Family::V3 ? graph::Form::Training : graph::Form::ConvBn;
  std::set<std::string> generated;
  const graph::Topology topology =
      graph::make_topology(parsed.family, form, graph::shape_of_width(parsed.width, m.num_classes));
  for (const graph::Conv* conv : topology.convs()) {
    for (const graph::Branch& b : conv->branches) {
      if (!b.weight.empty()) generated.insert(b.weight);
    }
  }
  for (const auto& [key, shift] : m.shifts) {
    StoredTensor& t = weights.at(key);
    std::vector<float> values = t.to_float();
    for (float& v : values) v = std::ldexp(v, -shift);
    std::memcpy(t.bytes.data(), values.data(), t.bytes.size());
  }
  const Checkpoint rest = read_checkpoint(fixture(m.rest));
  for (const auto& [key, tensor] : weights) {
    if (!generated.count(key) && !rest.tensors.count(key)) {
      throw std::runtime_error(m.rest + " lacks " + key + ", which fixture models do not generate");
    }
  }
  for (const auto& [key, tensor] : rest.tensors) weights[key] = tensor;
  return weights;
}

// A case's weights: its model's, generated, or its checkpoint's. The last model's are kept, as
// the cases of one model come together.
inline StateDict case_weights(const FixtureCase& c) {
  if (c.model.empty()) return read_checkpoint(fixture(c.weights)).tensors;
  static std::string last;
  static StateDict weights;
  if (last != c.model) {
    weights = fixture_weights(fixture_model(c.model));
    last = c.model;
  }
  return weights;
}

// The case's model on `device`.
inline Model load_case_model(const FixtureCase& c, Device device, const ModelOptions& options = {}) {
  return Model::from_state_dict(case_weights(c), c.name, device, options);
}

// The case's model as a graph.
inline graph::Graph case_graph(const FixtureCase& c) {
  const StateDict weights = case_weights(c);
  return graph::build_graph(weights, graph::infer_topology(weights, c.name), c.name);
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
