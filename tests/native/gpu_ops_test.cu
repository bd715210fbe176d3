// Each kernel on the GPU against its host twin (the same functor run on the host), in
// FP32, FP16 and BF16: one source compiled for both executors computes the same values.
#include <cuda_bf16.h>
#include <cuda_fp16.h>
#include <gtest/gtest.h>

#include <cmath>
#include <random>
#include <vector>

#include "cuda/launch.cuh"
#include "ghostnet/tensor.h"
#include "gpu_support.h"
#include "ops/channel_scale.h"
#include "ops/dense.h"
#include "ops/dense_conv.h"
#include "ops/depthwise_conv.h"
#include "ops/ghost_cheap.h"
#include "ops/global_pool.h"
#include "ops/input_layout.h"

namespace ghostnet::ops {
namespace {

std::vector<float> random_values(std::size_t n, unsigned seed) {
  std::mt19937 rng(seed);
  std::uniform_real_distribution<float> dist(-1.0f, 1.0f);
  std::vector<float> v(n);
  for (auto& x : v) x = dist(rng);
  return v;
}

// Host values rounded to T, as T on the host and as float (what the twin computes with).
template <typename T>
struct Rounded {
  std::vector<T> typed;
  std::vector<float> values;
  explicit Rounded(const std::vector<float>& v) {
    for (float x : v) {
      typed.push_back(T(x));
      values.push_back(float(typed.back()));
    }
  }
};

template <typename V>
Tensor to_device(const std::vector<V>& host) {
  const int64_t bytes = int64_t(host.size() * sizeof(V));
  Tensor t = Tensor::allocate(Device::cuda(0), DType::U8, {bytes}, Layout::RowMajor);
  EXPECT_EQ(cudaMemcpy(t.data(), host.data(), std::size_t(bytes), cudaMemcpyHostToDevice), cudaSuccess);
  return t;
}

template <typename T>
std::vector<float> from_device(const Tensor& t, std::size_t n) {
  std::vector<T> typed(n);
  cudaMemcpy(typed.data(), t.data(), n * sizeof(T), cudaMemcpyDeviceToHost);
  std::vector<float> values;
  for (const T& x : typed) values.push_back(float(x));
  return values;
}

template <typename T>
float tolerance() {
  if constexpr (std::is_same_v<T, float>) return 1e-5f;
  if constexpr (std::is_same_v<T, __half>) return 2e-3f;
  return 1.6e-2f;  // bfloat16: 8 bits of mantissa
}

template <typename F>
void run_on_host(const F& f) {
  for (index_t p = 0; p < f.pixels; ++p)
    for (int c = 0; c < f.channels; ++c) f(p, c);
}

template <typename T>
void expect_close(const std::vector<float>& gpu, const std::vector<float>& host, const char* what) {
  ASSERT_EQ(gpu.size(), host.size());
  for (std::size_t i = 0; i < gpu.size(); ++i) {
    ASSERT_NEAR(gpu[i], host[i], tolerance<T>() * (1.0f + std::abs(host[i]))) << what << " element " << i;
  }
}

template <typename T>
class GpuOps : public ::testing::Test {};
using Types = ::testing::Types<float, __half, __nv_bfloat16>;
TYPED_TEST_SUITE(GpuOps, Types);

TYPED_TEST(GpuOps, DepthwiseAndGhostCheapMatchTheirHostTwins) {
  GHOSTNET_REQUIRE_GPU();
  using T = TypeParam;
  const int n = 2, h = 9, w = 7, c = 37, k = 5;
  const Window window{k, 2, k / 2};
  const int oh = window.output_size(h), ow = window.output_size(w);
  Rounded<T> x(random_values(std::size_t(n) * h * w * c, 1));
  const auto weight = random_values(std::size_t(k) * k * c, 2), bias = random_values(std::size_t(c), 3);
  Tensor dx = to_device(x.typed), dw = to_device(weight), db = to_device(bias);
  Tensor dy = Tensor::allocate(Device::cuda(0), DType::U8, {int64_t(n) * oh * ow * c * int64_t(sizeof(T))}, Layout::RowMajor);

  std::vector<float> host(std::size_t(n) * oh * ow * c);
  run_on_host(DepthwiseConv<float>{x.values.data(), weight.data(), bias.data(), host.data(), index_t(n) * oh * ow, c, h,
                                   w, oh, ow, window, Act::Relu});
  gpu::launch(DepthwiseConv<T>{static_cast<const T*>(dx.data()), static_cast<const float*>(dw.data()),
                               static_cast<const float*>(db.data()), static_cast<T*>(dy.data()), index_t(n) * oh * ow,
                               c, h, w, oh, ow, window, Act::Relu},
              nullptr, 64);
  ASSERT_EQ(cudaDeviceSynchronize(), cudaSuccess);
  expect_close<T>(from_device<T>(dy, host.size()), host, "depthwise");

  // Ghost cheap half with a residual: primary c channels, output 2c - 1.
  const int out = 2 * c - 1;
  Rounded<T> residual(random_values(std::size_t(n) * h * w * out, 4));
  Tensor dr = to_device(residual.typed);
  Tensor dg = Tensor::allocate(Device::cuda(0), DType::U8, {int64_t(n) * h * w * out * int64_t(sizeof(T))}, Layout::RowMajor);
  const auto cheap_w = random_values(std::size_t(3) * 3 * c, 5);
  Tensor dcw = to_device(cheap_w);
  std::vector<float> ghost(std::size_t(n) * h * w * out);
  run_on_host(GhostCheap<float>{x.values.data(), cheap_w.data(), bias.data(), residual.values.data(), ghost.data(),
                                index_t(n) * h * w, out, out, c, c, h, w, {3, 1, 1}, Act::Relu});
  gpu::launch(GhostCheap<T>{static_cast<const T*>(dx.data()), static_cast<const float*>(dcw.data()),
                            static_cast<const float*>(db.data()), static_cast<const T*>(dr.data()),
                            static_cast<T*>(dg.data()), index_t(n) * h * w, out, out, c, c, h, w, {3, 1, 1},
                            Act::Relu},
              nullptr, 64);
  ASSERT_EQ(cudaDeviceSynchronize(), cudaSuccess);
  expect_close<T>(from_device<T>(dg, ghost.size()), ghost, "ghost cheap");
}

TYPED_TEST(GpuOps, StemPoolDenseAndScaleMatchTheirHostTwins) {
  GHOSTNET_REQUIRE_GPU();
  using T = TypeParam;
  const int n = 3, h = 15, w = 11, c = 24, out = 40;
  const Window window{3, 2, 1};
  const int oh = window.output_size(h), ow = window.output_size(w);
  Rounded<T> x(random_values(std::size_t(n) * h * w * 3, 6));
  const auto stem_w = random_values(std::size_t(9) * 3 * c, 7), bias = random_values(std::size_t(out), 8);
  Tensor dx = to_device(x.typed), dsw = to_device(stem_w), db = to_device(bias);
  Tensor dy = Tensor::allocate(Device::cuda(0), DType::U8, {int64_t(n) * oh * ow * c * int64_t(sizeof(T))}, Layout::RowMajor);
  std::vector<float> stem(std::size_t(n) * oh * ow * c);
  run_on_host(DenseConv<float>{x.values.data(), stem_w.data(), bias.data(), stem.data(), index_t(n) * oh * ow, c, 3, h, w,
                               oh, ow, window, Act::Relu});
  gpu::launch(DenseConv<T>{static_cast<const T*>(dx.data()), static_cast<const float*>(dsw.data()),
                           static_cast<const float*>(db.data()), static_cast<T*>(dy.data()), index_t(n) * oh * ow, c, 3,
                           h, w, oh, ow, window, Act::Relu},
              nullptr, 64);
  ASSERT_EQ(cudaDeviceSynchronize(), cudaSuccess);
  const std::vector<float> gpu_stem = from_device<T>(dy, stem.size());
  expect_close<T>(gpu_stem, stem, "stem");

  // Pool, dense (hard sigmoid) and channel scale, fed from the GPU's own stem output so
  // both sides start from identical values.
  Rounded<T> s(gpu_stem);
  Tensor ds = to_device(s.typed);
  Tensor dp = Tensor::allocate(Device::cuda(0), DType::U8, {int64_t(n) * c * int64_t(sizeof(T))}, Layout::RowMajor);
  std::vector<float> pooled(std::size_t(n) * c);
  run_on_host(GlobalAveragePool<float>{s.values.data(), pooled.data(), n, c, index_t(oh) * ow});
  gpu::launch(GlobalAveragePool<T>{static_cast<const T*>(ds.data()), static_cast<T*>(dp.data()), n, c, index_t(oh) * ow},
              nullptr, 64);
  ASSERT_EQ(cudaDeviceSynchronize(), cudaSuccess);
  const std::vector<float> gpu_pooled = from_device<T>(dp, pooled.size());
  expect_close<T>(gpu_pooled, pooled, "pool");

  Rounded<T> p(gpu_pooled);
  Tensor dpp = to_device(p.typed);
  const auto fc_w = random_values(std::size_t(c) * out, 9);
  Tensor dfw = to_device(fc_w);
  Tensor dg = Tensor::allocate(Device::cuda(0), DType::U8, {int64_t(n) * out * int64_t(sizeof(T))}, Layout::RowMajor);
  std::vector<float> gates(std::size_t(n) * out);
  run_on_host(Dense<float>{p.values.data(), fc_w.data(), bias.data(), gates.data(), n, out, c, Act::HardSigmoid});
  gpu::launch(Dense<T>{static_cast<const T*>(dpp.data()), static_cast<const float*>(dfw.data()),
                       static_cast<const float*>(db.data()), static_cast<T*>(dg.data()), n, out, c, Act::HardSigmoid},
              nullptr, 64);
  ASSERT_EQ(cudaDeviceSynchronize(), cudaSuccess);
  expect_close<T>(from_device<T>(dg, gates.size()), gates, "dense");

  Rounded<T> g(random_values(std::size_t(n) * c, 10));
  Tensor dgates = to_device(g.typed);
  std::vector<float> scaled = s.values;
  run_on_host(ChannelScale<float>{scaled.data(), g.values.data(), index_t(n) * oh * ow, c, index_t(oh) * ow});
  gpu::launch(ChannelScale<T>{static_cast<T*>(ds.data()), static_cast<const T*>(dgates.data()), index_t(n) * oh * ow, c,
                              index_t(oh) * ow},
              nullptr, 64);
  ASSERT_EQ(cudaDeviceSynchronize(), cudaSuccess);
  expect_close<T>(from_device<T>(ds, scaled.size()), scaled, "channel scale");
}

TYPED_TEST(GpuOps, InputNormalisationMatchesItsHostTwin) {
  GHOSTNET_REQUIRE_GPU();
  using T = TypeParam;
  const int n = 2, h = 5, w = 6;
  std::vector<uint8_t> image(std::size_t(n) * h * w * 3);
  for (std::size_t i = 0; i < image.size(); ++i) image[i] = uint8_t(i * 53 % 256);
  Tensor di = to_device(image);
  Tensor dy = Tensor::allocate(Device::cuda(0), DType::U8, {int64_t(image.size() * sizeof(T))}, Layout::RowMajor);
  std::vector<float> host(image.size());
  InputLayout<uint8_t, float> f{image.data(), host.data(), index_t(n) * h * w, 3, h * w, false,
                                {1 / (255 * 0.229f), 1 / (255 * 0.224f), 1 / (255 * 0.225f), 1},
                                {-0.485f / 0.229f, -0.456f / 0.224f, -0.406f / 0.225f, 0}};
  run_on_host(f);
  InputLayout<uint8_t, T> g{static_cast<const uint8_t*>(di.data()), static_cast<T*>(dy.data()), f.pixels, 3, h * w,
                            false, {f.scale[0], f.scale[1], f.scale[2], 1}, {f.shift[0], f.shift[1], f.shift[2], 0}};
  gpu::launch(g, nullptr, 64);
  ASSERT_EQ(cudaDeviceSynchronize(), cudaSuccess);
  expect_close<T>(from_device<T>(dy, host.size()), host, "input");
}

}  // namespace
}  // namespace ghostnet::ops
