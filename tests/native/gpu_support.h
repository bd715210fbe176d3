// GPU tests run where a GPU can run ghostnet. Elsewhere they are skipped with the reason,
// unless GHOSTNET_REQUIRE_GPU is set (to anything but 0; tests/gpu/check.sh sets it to 1):
// then a GPU test that cannot run fails with the reason, so that a missing driver or library
// never reads as a pass.
#pragma once

#include <gtest/gtest.h>

#include <cstdlib>
#include <string>

#include "core/gpu_runtime.h"

namespace ghostnet::testing {

inline std::string gpu_unusable_reason() {
  const std::string& device = gpu::unavailable_reason();
  return device.empty() ? gpu::cudnn_unavailable_reason() : device;
}

// Whether GHOSTNET_REQUIRE_GPU, given its value (null when unset), asks for a GPU.
inline bool gpu_required(const char* setting) {
  return setting != nullptr && *setting != '\0' && std::string(setting) != "0";
}

// What a GPU test does: run (""), or skip or fail with this message.
struct GpuVerdict {
  bool fail = false;
  std::string message;
};

inline GpuVerdict gpu_verdict(const std::string& unusable_reason, bool required) {
  if (unusable_reason.empty()) return {};
  if (required) return {true, "GHOSTNET_REQUIRE_GPU is set, but no GPU is usable: " + unusable_reason};
  return {false, "no usable GPU: " + unusable_reason};
}

}  // namespace ghostnet::testing

// The first statement of every GPU test.
#define GHOSTNET_REQUIRE_GPU()                                                                              \
  do {                                                                                                      \
    const ::ghostnet::testing::GpuVerdict verdict = ::ghostnet::testing::gpu_verdict(                       \
        ::ghostnet::testing::gpu_unusable_reason(),                                                         \
        ::ghostnet::testing::gpu_required(std::getenv("GHOSTNET_REQUIRE_GPU")));                            \
    if (verdict.fail) FAIL() << verdict.message;                                                            \
    if (!verdict.message.empty()) GTEST_SKIP() << verdict.message;                                          \
  } while (0)
