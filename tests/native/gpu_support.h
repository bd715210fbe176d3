// GPU tests run where a GPU can run ghostnet and are skipped, with the reason, elsewhere.
#pragma once

#include <gtest/gtest.h>

#include <string>

#include "core/gpu_runtime.h"

namespace ghostnet::testing {

inline std::string gpu_unusable_reason() {
  const std::string& device = gpu::unavailable_reason();
  return device.empty() ? gpu::cudnn_unavailable_reason() : device;
}

}  // namespace ghostnet::testing

#define GHOSTNET_REQUIRE_GPU()                                                            \
  do {                                                                                    \
    const std::string reason = ::ghostnet::testing::gpu_unusable_reason();                \
    if (!reason.empty()) GTEST_SKIP() << "no usable GPU: " << reason;                     \
  } while (0)
