#include "ghostnet/tensor.h"

#include <gtest/gtest.h>

#include <cstring>
#include <numeric>

#include "core/gpu_runtime.h"
#include "ghostnet/c_api.h"
#include "ghostnet/error.h"

namespace ghostnet {
namespace {

template <typename F>
ErrorCode error_code_of(F&& f) {
  try {
    f();
  } catch (const Error& e) {
    return e.code();
  }
  ADD_FAILURE() << "no error was raised";
  return ErrorCode::Internal;
}

TEST(Tensor, OwnedHostTensorHasItsShapeAndAlignedMemory) {
  Tensor t = Tensor::allocate(Device::host(), DType::F16, {2, 3, 4, 5}, Layout::NHWC);
  EXPECT_TRUE(t.owns());
  EXPECT_EQ(t.numel(), 120);
  EXPECT_EQ(t.bytes(), 240u);
  EXPECT_EQ(reinterpret_cast<uintptr_t>(t.data()) % 64, 0u);
  EXPECT_EQ(t.describe(), "f16 NHWC [2, 3, 4, 5] on cpu");
}

TEST(Tensor, BorrowedMemoryIsNeverFreed) {
  std::vector<float> memory(6, 1.5f);
  {
    Tensor t = Tensor::borrow(memory.data(), Device::host(), DType::F32, {2, 3}, Layout::RowMajor);
    EXPECT_FALSE(t.owns());
    static_cast<float*>(t.data())[5] = 7.0f;
  }
  EXPECT_EQ(memory[5], 7.0f);  // still ours, still valid (ASan would flag a free)
}

TEST(Tensor, ReleaseHandsMemoryOut) {
  void* data = nullptr;
  {
    Tensor t = Tensor::allocate(Device::host(), DType::U8, {16}, Layout::RowMajor);
    std::memset(t.data(), 0xab, 16);
    data = t.release();
    EXPECT_FALSE(t.owns());
  }
  EXPECT_EQ(static_cast<unsigned char*>(data)[15], 0xab);
  free_memory(Device::host(), data);
}

TEST(Tensor, MoveTransfersOwnership) {
  Tensor a = Tensor::allocate(Device::host(), DType::F32, {4}, Layout::RowMajor);
  void* data = a.data();
  Tensor b = std::move(a);
  EXPECT_EQ(b.data(), data);
  EXPECT_TRUE(b.owns());
  EXPECT_FALSE(a.owns());
}

TEST(Tensor, HostCopyRoundTrip) {
  Tensor a = Tensor::allocate(Device::host(), DType::F32, {3, 4}, Layout::RowMajor);
  Tensor b = Tensor::allocate(Device::host(), DType::F32, {3, 4}, Layout::RowMajor, /*pinned=*/true);
  auto* pa = static_cast<float*>(a.data());
  std::iota(pa, pa + 12, 0.0f);
  copy(a, b);
  EXPECT_EQ(std::memcmp(a.data(), b.data(), a.bytes()), 0);
}

TEST(Tensor, CopyRefusesMismatchesWithBothDescriptions) {
  Tensor a = Tensor::allocate(Device::host(), DType::F32, {3, 4}, Layout::RowMajor);
  Tensor b = Tensor::allocate(Device::host(), DType::F32, {4, 3}, Layout::RowMajor);
  try {
    copy(a, b);
    FAIL() << "copy accepted different shapes";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::InvalidArgument);
    EXPECT_NE(std::string(e.what()).find("[3, 4]"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("[4, 3]"), std::string::npos) << e.what();
  }
}

TEST(Tensor, BadShapesAreRefused) {
  EXPECT_EQ(error_code_of([] { Tensor::allocate(Device::host(), DType::F32, {1, 2, 3}, Layout::NCHW); }),
            ErrorCode::InvalidArgument);
  EXPECT_EQ(error_code_of([] { Tensor::allocate(Device::host(), DType::F32, {-1}, Layout::RowMajor); }),
            ErrorCode::InvalidArgument);
  EXPECT_EQ(error_code_of([] {
              Tensor::allocate(Device::host(), DType::F32, {int64_t(1) << 40, int64_t(1) << 40}, Layout::RowMajor);
            }),
            ErrorCode::InvalidArgument);
}

TEST(Tensor, CudaWithoutADeviceIsDeviceUnavailable) {
  if (gpu::unavailable_reason().empty()) GTEST_SKIP() << "this machine has a usable CUDA device";
  try {
    Tensor::allocate(Device::cuda(0), DType::F32, {4}, Layout::RowMajor);
    FAIL() << "allocated on a missing GPU";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::DeviceUnavailable);
    EXPECT_NE(std::string(e.what()).find(gpu::unavailable_reason()), std::string::npos) << e.what();
  }
}

TEST(CApi, FailuresReturnAStatusAndAMessage) {
  const int64_t dims[] = {2, 3};
  gn_tensor* t = nullptr;
  EXPECT_EQ(gn_tensor_allocate(GN_DEVICE_HOST, 0, 42, GN_ROW_MAJOR, 2, dims, 0, &t), GN_INVALID_ARGUMENT);
  EXPECT_STREQ(gn_last_error(), "unknown dtype code 42");
  EXPECT_EQ(t, nullptr);
  EXPECT_EQ(gn_tensor_allocate(GN_DEVICE_HOST, 0, GN_F32, GN_ROW_MAJOR, 9, dims, 0, &t), GN_INVALID_ARGUMENT);
  EXPECT_EQ(gn_tensor_allocate(GN_DEVICE_HOST, 0, GN_F32, GN_ROW_MAJOR, 2, dims, 0, nullptr), GN_INVALID_ARGUMENT);
  ASSERT_EQ(gn_tensor_allocate(GN_DEVICE_HOST, 0, GN_F32, GN_ROW_MAJOR, 2, dims, 0, &t), GN_OK);
  EXPECT_EQ(gn_tensor_bytes(t), 24);
  EXPECT_EQ(gn_tensor_copy(t, nullptr, nullptr), GN_INVALID_ARGUMENT);
  EXPECT_STREQ(gn_last_error(), "the destination tensor is null");
  gn_tensor_destroy(t);
  gn_tensor_destroy(nullptr);
}

}  // namespace
}  // namespace ghostnet
