// Each op kind on the GPU against its host twin (the same op run on the host), in FP32,
// FP16 and BF16: one source compiled for both executors computes the same values.
#include <cuda_bf16.h>
#include <cuda_fp16.h>
#include <gtest/gtest.h>

#include <cmath>
#include <string>
#include <vector>

#include "comparison.h"
#include "cuda/cudnn_loader.h"
#include "cuda/launch.cuh"
#include "ghostnet/tensor.h"
#include "gpu_support.h"
#include "op_testing.h"
#include "ops/bias_act.h"
#include "ops/pointwise_conv_cudnn.h"
#include "ops/registry.h"

namespace ghostnet::ops {
namespace {

using testing::nhwc;
using testing::random_values;

std::size_t elements(const Geometry& g) { return std::size_t(g.pixels() * g.stored_channels); }

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
Tensor device_output(const Geometry& g) {
  return Tensor::allocate(Device::cuda(0), DType::U8, {int64_t(elements(g) * sizeof(T))}, Layout::RowMajor);
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
View<const T> read(const Tensor& t, const Geometry& g) {
  return {static_cast<const T*>(t.data()), g};
}

template <typename T>
View<T> write(Tensor& t, const Geometry& g) {
  return {static_cast<T*>(t.data()), g};
}

template <typename T>
float tolerance() {
  if constexpr (std::is_same_v<T, float>) return 1e-5f;
  if constexpr (std::is_same_v<T, __half>) return 2e-3f;
  return 1.6e-2f;  // bfloat16: 8 bits of mantissa
}

// Runs an op on the host, element by element, and as the GPU does.
template <typename Kind>
void run_on_host(Kind, const Operands<float>& o) {
  Kind::run(o, [](const auto& f) { testing::run_elements(f); });
}

template <typename Kind, typename T>
void run_on_gpu(Kind, const Operands<T>& o) {
  Kind::run(o, [](const auto& f) { gpu::launch(f, nullptr, 64); });
  ASSERT_EQ(cudaDeviceSynchronize(), cudaSuccess);
}

template <typename T>
void expect_close(const std::vector<float>& gpu, const std::vector<float>& host, const char* what) {
  EXPECT_TRUE(testing::within_relative(gpu, host, tolerance<T>())) << what;
}

template <typename T>
class GpuOps : public ::testing::Test {};
using Types = ::testing::Types<float, __half, __nv_bfloat16>;
TYPED_TEST_SUITE(GpuOps, Types);

TYPED_TEST(GpuOps, DepthwiseAndGhostCheapMatchTheirHostTwins) {
  GHOSTNET_REQUIRE_GPU();
  using T = TypeParam;
  const int n = 2, h = 9, w = 7, c = 37;
  Rounded<T> x(random_values(std::size_t(n) * h * w * c, 1));
  const Geometry in = nhwc(n, h, w, c);
  Tensor dx = to_device(x.typed);
  Operands<float> ho;
  Operands<T> go;
  // A strided 5x5 window and GhostNetV2's (1,5) and (5,1), each with every activation.
  for (const Window window : {Window::same(5, 2), Window{1, 5, 1, 1, 0, 2}, Window{5, 1, 1, 1, 2, 0}}) {
    const Geometry out = nhwc(n, window.output_height(h), window.output_width(w), c);
    const auto weight = random_values(std::size_t(window.kernel_h) * window.kernel_w * c, 2);
    const auto bias = random_values(std::size_t(c), 3);
    Tensor dw = to_device(weight), db = to_device(bias), dy = device_output<T>(out);
    for (Act act : kActivations) {
      std::vector<float> host(elements(out));
      ho.input = {x.values.data(), in};
      ho.output = {host.data(), out};
      ho.weight = weight.data();
      ho.bias = bias.data();
      ho.window = window;
      ho.act = act;
      run_on_host(DepthwiseConvOp{}, ho);
      go.input = read<T>(dx, in);
      go.output = write<T>(dy, out);
      go.weight = static_cast<const float*>(dw.data());
      go.bias = static_cast<const float*>(db.data());
      go.window = window;
      go.act = act;
      run_on_gpu(DepthwiseConvOp{}, go);
      expect_close<T>(from_device<T>(dy, host.size()), host,
                      (std::string("depthwise ") + std::to_string(window.kernel_h) + "x" +
                       std::to_string(window.kernel_w) + ", " + activation_name(act)).c_str());
    }
  }
  const auto bias = random_values(std::size_t(c), 3);
  Tensor db = to_device(bias);
  ho.bias = bias.data();
  go.bias = static_cast<const float*>(db.data());
  ho.act = go.act = Act::Relu;

  // Ghost cheap half with a residual: primary c channels, output 2c - 1.
  const Geometry module = nhwc(n, h, w, 2 * c - 1);
  Rounded<T> residual(random_values(elements(module), 4));
  const auto cheap_w = random_values(std::size_t(3) * 3 * c, 5);
  Tensor dr = to_device(residual.typed), dcw = to_device(cheap_w), dg = device_output<T>(module);
  std::vector<float> ghost(elements(module));
  ho.output = {ghost.data(), module};
  ho.residual = {residual.values.data(), module};
  ho.weight = cheap_w.data();
  ho.window = Window::same(3, 1);
  run_on_host(GhostCheapOp{}, ho);
  go.output = write<T>(dg, module);
  go.residual = read<T>(dr, module);
  go.weight = static_cast<const float*>(dcw.data());
  go.window = Window::same(3, 1);
  run_on_gpu(GhostCheapOp{}, go);
  expect_close<T>(from_device<T>(dg, ghost.size()), ghost, "ghost cheap");
}

TYPED_TEST(GpuOps, StemPoolDenseAndScaleMatchTheirHostTwins) {
  GHOSTNET_REQUIRE_GPU();
  using T = TypeParam;
  const int n = 3, h = 15, w = 11, c = 24, out = 40;
  const Window window = Window::same(3, 2);
  const Geometry image = nhwc(n, h, w, 3), stem = nhwc(n, window.output_height(h), window.output_width(w), c);
  Rounded<T> x(random_values(elements(image), 6));
  const auto stem_w = random_values(std::size_t(9) * 3 * c, 7), bias = random_values(std::size_t(out), 8);
  Tensor dx = to_device(x.typed), dsw = to_device(stem_w), db = to_device(bias), dy = device_output<T>(stem);
  std::vector<float> host_stem(elements(stem));
  Operands<float> ho;
  ho.input = {x.values.data(), image};
  ho.output = {host_stem.data(), stem};
  ho.weight = stem_w.data();
  ho.bias = bias.data();
  ho.window = window;
  ho.act = Act::Relu;
  run_on_host(DenseConvOp{}, ho);
  Operands<T> go;
  go.input = read<T>(dx, image);
  go.output = write<T>(dy, stem);
  go.weight = static_cast<const float*>(dsw.data());
  go.bias = static_cast<const float*>(db.data());
  go.window = window;
  go.act = Act::Relu;
  run_on_gpu(DenseConvOp{}, go);
  const std::vector<float> gpu_stem = from_device<T>(dy, host_stem.size());
  expect_close<T>(gpu_stem, host_stem, "stem");

  // Pool, dense (hard sigmoid) and channel scale, fed from the GPU's own stem output so
  // both sides start from identical values.
  Rounded<T> s(gpu_stem);
  const Geometry pooled = nhwc(n, 1, 1, c);
  Tensor ds = to_device(s.typed), dp = device_output<T>(pooled);
  std::vector<float> host_pooled(elements(pooled));
  ho.input = {s.values.data(), stem};
  ho.output = {host_pooled.data(), pooled};
  run_on_host(GlobalPoolOp{}, ho);
  go.input = read<T>(ds, stem);
  go.output = write<T>(dp, pooled);
  run_on_gpu(GlobalPoolOp{}, go);
  const std::vector<float> gpu_pooled = from_device<T>(dp, host_pooled.size());
  expect_close<T>(gpu_pooled, host_pooled, "pool");

  Rounded<T> p(gpu_pooled);
  const Geometry gates = nhwc(n, 1, 1, out);
  const auto fc_w = random_values(std::size_t(c) * out, 9);
  Tensor dpp = to_device(p.typed), dfw = to_device(fc_w), dg = device_output<T>(gates);
  std::vector<float> host_gates(elements(gates));
  ho.input = {p.values.data(), pooled};
  ho.output = {host_gates.data(), gates};
  ho.weight = fc_w.data();
  ho.act = Act::HardSigmoid;
  run_on_host(DenseOp{}, ho);
  go.input = read<T>(dpp, pooled);
  go.output = write<T>(dg, gates);
  go.weight = static_cast<const float*>(dfw.data());
  go.act = Act::HardSigmoid;
  run_on_gpu(DenseOp{}, go);
  expect_close<T>(from_device<T>(dg, host_gates.size()), host_gates, "dense");

  // GhostNetV2's 2x2 pool of the stem's 8x6, then gates of that size (and squeeze-excite's,
  // one per image) nearest-upsampled onto it.
  const Window pool{2, 2, 2, 2, 0, 0};
  const Geometry quarter = nhwc(n, pool.output_height(stem.height), pool.output_width(stem.width), c);
  Tensor dq = device_output<T>(quarter);
  std::vector<float> host_quarter(elements(quarter));
  ho.input = {s.values.data(), stem};
  ho.output = {host_quarter.data(), quarter};
  ho.window = pool;
  run_on_host(AvgPoolOp{}, ho);
  go.input = read<T>(ds, stem);
  go.output = write<T>(dq, quarter);
  go.window = pool;
  run_on_gpu(AvgPoolOp{}, go);
  expect_close<T>(from_device<T>(dq, host_quarter.size()), host_quarter, "avg pool");

  for (const Geometry& gate_shape : {pooled, quarter}) {
    Rounded<T> g(random_values(elements(gate_shape), 10));
    Tensor dgates = to_device(g.typed), dscaled = to_device(s.typed);
    std::vector<float> scaled = s.values;
    ho.output = {scaled.data(), stem};
    ho.gates = {g.values.data(), gate_shape};
    run_on_host(GateOp{}, ho);
    go.output = write<T>(dscaled, stem);
    go.gates = read<T>(dgates, gate_shape);
    run_on_gpu(GateOp{}, go);
    expect_close<T>(from_device<T>(dscaled, scaled.size()), scaled, "gate");
  }
}

// The pointwise convolution's fast path on GPUs, planned and run as the CUDA executor does,
// against the op's reference functor on the host; without an activation cuDNN may refuse
// to fuse, and the bias is then added by BiasAct.
TYPED_TEST(GpuOps, PointwiseConvThroughCudnnMatchesTheReferenceFunctor) {
  GHOSTNET_REQUIRE_GPU();
  using T = TypeParam;
  // Channel counts as padding leaves them for tensor cores (multiples of 8), over pixels
  // that are not.
  const Geometry in = nhwc(2, 7, 5, 40), out = nhwc(2, 7, 5, 24);
  Rounded<T> x(random_values(elements(in), 11)), weight(random_values(std::size_t(24) * 40, 12));
  Rounded<T> bias(random_values(24, 13));
  ConvParams params;
  params.out = 24;
  params.in = 40;
  params.weight = weight.values;  // [out][in], cuDNN's layout too
  params.bias = bias.values;
  const std::vector<float> functor_weights = PointwiseConvOp::functor_weights(params);
  Tensor dx = to_device(x.typed), dw = to_device(weight.typed), db = to_device(bias.typed);
  Tensor dbf = to_device(bias.values), dy = device_output<T>(out);
  Tensor search = Tensor::allocate(Device::cuda(0), DType::U8, {int64_t(64) << 20}, Layout::RowMajor);
  cudnn::StreamHandle handle(cudnn::api(), 0, nullptr);
  for (Act act : kActivations) {
    std::vector<float> host(elements(out));
    Operands<float> ho;
    ho.input = {x.values.data(), in};
    ho.output = {host.data(), out};
    ho.weight = functor_weights.data();
    ho.bias = bias.values.data();
    ho.act = act;
    run_on_host(PointwiseConvOp{}, ho);

    cudnn::PointwiseConv conv(cudnn::api(), handle.get(), 0, cudnn::data_type_of<T>(), false, in, out, act);
    cudnn::SearchCache fresh;  // each case searched, not taken from an earlier one
    conv.plan(dx.data(), dw.data(), dy.data(), db.data(), search.data(), search.bytes(), fresh);
    Tensor workspace = Tensor::allocate(Device::cuda(0), DType::U8, {int64_t(conv.workspace_bytes())}, Layout::RowMajor);
    conv.run(dx.data(), dw.data(), db.data(), dy.data(), workspace.data());
    if (!conv.fused()) gpu::launch(BiasAct<T>{write<T>(dy, out), static_cast<const float*>(dbf.data()), act}, nullptr, 64);
    ASSERT_EQ(cudaDeviceSynchronize(), cudaSuccess);
    expect_close<T>(from_device<T>(dy, host.size()), host, conv.fused() ? "pointwise, fused" : "pointwise + bias act");
  }
}

TYPED_TEST(GpuOps, InputNormalisationMatchesItsHostTwin) {
  GHOSTNET_REQUIRE_GPU();
  using T = TypeParam;
  const Geometry shape = nhwc(2, 5, 6, 3);
  std::vector<uint8_t> image(elements(shape));
  for (std::size_t i = 0; i < image.size(); ++i) image[i] = uint8_t(i * 53 % 256);
  Tensor di = to_device(image), dy = device_output<T>(shape);
  Io io;
  io.input_dtype = DType::U8;
  io.input_nchw = false;
  io.mean = {0.485f, 0.456f, 0.406f};
  io.std = {0.229f, 0.224f, 0.225f};
  std::vector<float> host(image.size());
  io.input = image.data();
  Operands<float> ho;
  ho.output = {host.data(), shape};
  ho.io = &io;
  run_on_host(InputOp{}, ho);
  Io gpu_io = io;
  gpu_io.input = di.data();
  Operands<T> go;
  go.output = write<T>(dy, shape);
  go.io = &gpu_io;
  run_on_gpu(InputOp{}, go);
  expect_close<T>(from_device<T>(dy, host.size()), host, "input");
}

}  // namespace
}  // namespace ghostnet::ops
