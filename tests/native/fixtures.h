// The PyTorch reference fixtures (tests/fixtures, made by tests/reference/make_fixtures.py).
#pragma once

#include <cstdlib>
#include <cstring>
#include <fstream>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "ghostnet/npy.h"

namespace ghostnet::testing {

// The fixtures folder: GHOSTNET_FIXTURES when set (the test binary run on another machine,
// as tests/gpu/check.sh does), else the source tree it was built from.
inline std::string fixture(const std::string& relative) {
  const char* dir = std::getenv("GHOSTNET_FIXTURES");
  return std::string(dir != nullptr ? dir : GHOSTNET_FIXTURES_DIR) + "/" + relative;
}

inline nlohmann::json manifest() {
  std::ifstream in(fixture("manifest.json"));
  return nlohmann::json::parse(in);
}

// The values of a float32 array.
inline std::vector<float> floats(const NpyArray& a) {
  std::vector<float> v(a.bytes.size() / sizeof(float));
  std::memcpy(v.data(), a.bytes.data(), v.size() * sizeof(float));
  return v;
}

// max |a - b| over the elements.
inline double max_abs_difference(const std::vector<float>& a, const std::vector<float>& b) {
  double worst = 0;
  for (std::size_t i = 0; i < a.size() && i < b.size(); ++i) worst = std::max(worst, std::abs(double(a[i]) - b[i]));
  return worst;
}

}  // namespace ghostnet::testing
