// What a GPU test does where no GPU is usable (gpu_support.h): skips, saying why, or fails,
// saying why, when GHOSTNET_REQUIRE_GPU asks for a GPU.
#include <gtest/gtest.h>

#include "gpu_support.h"

namespace ghostnet::testing {
namespace {

TEST(RequireGpuSetting, AnyValueButZeroAsksForAGpu) {
  EXPECT_FALSE(gpu_required(nullptr));
  EXPECT_FALSE(gpu_required(""));
  EXPECT_FALSE(gpu_required("0"));
  EXPECT_TRUE(gpu_required("1"));
  EXPECT_TRUE(gpu_required("yes"));
}

TEST(RequireGpuSetting, AnUnusableGpuSkipsOrFailsWithTheReason) {
  const std::string reason = "no NVIDIA driver: libcuda.so.1 was not found";
  const GpuVerdict skip = gpu_verdict(reason, false);
  EXPECT_FALSE(skip.fail);
  EXPECT_EQ(skip.message, "no usable GPU: " + reason);
  const GpuVerdict fail = gpu_verdict(reason, true);
  EXPECT_TRUE(fail.fail);
  EXPECT_EQ(fail.message, "GHOSTNET_REQUIRE_GPU is set, but no GPU is usable: " + reason);
}

TEST(RequireGpuSetting, AUsableGpuRuns) {
  for (bool required : {false, true}) {
    const GpuVerdict run = gpu_verdict("", required);
    EXPECT_FALSE(run.fail);
    EXPECT_TRUE(run.message.empty());
  }
}

}  // namespace
}  // namespace ghostnet::testing
