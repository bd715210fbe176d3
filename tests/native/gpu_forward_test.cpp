// The CUDA executor end to end: every fixture in FP32, FP16 and BF16 against the PyTorch
// reference, CUDA graph replay with changing inputs, concurrent contexts, external streams.
#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <thread>

#include "comparison.h"
#include "fixtures.h"
#include "ghostnet/error.h"
#include "ghostnet/model.h"
#include "ghostnet/npy.h"
#include "gpu_support.h"

namespace ghostnet {
namespace {

const Device kGpu = Device::cuda(0);

Tensor upload(const NpyArray& a, Layout layout) {
  Tensor host = Tensor::borrow(const_cast<uint8_t*>(a.bytes.data()), Device::host(), a.dtype, a.shape, layout);
  Tensor device = Tensor::allocate(kGpu, a.dtype, a.shape, layout);
  copy(host, device);
  return device;
}

std::vector<float> download(const Tensor& t) {
  Tensor host = Tensor::allocate(Device::host(), t.dtype(), t.shape(), t.layout());
  copy(t, host);
  const float* p = static_cast<const float*>(host.data());
  return std::vector<float>(p, p + host.numel());
}

int argmax(const float* row, int n) { return int(std::max_element(row, row + n) - row); }

class GpuFixture : public ::testing::TestWithParam<std::tuple<testing::FixtureCase, Precision>> {};
GTEST_ALLOW_UNINSTANTIATED_PARAMETERIZED_TEST(GpuFixture);  // when FixtureManifest.IsReadable fails

TEST_P(GpuFixture, MatchesTheReference) {
  GHOSTNET_REQUIRE_GPU();
  const auto& [c, precision] = GetParam();
  ModelOptions options;
  options.precision = precision;
  const StateDict weights = testing::case_weights(c);
  const auto began = std::chrono::steady_clock::now();
  const Model model = Model::from_state_dict(weights, c.name, kGpu, options);
  const auto loaded = std::chrono::steady_clock::now();
  const NpyArray input = read_npy(testing::fixture(c.input));
  const std::vector<float> expected = testing::floats(read_npy(testing::fixture(c.expected)));
  ExecutionContext context = model.create_context();
  const Tensor x = upload(input, Layout::NCHW);
  const auto uploaded = std::chrono::steady_clock::now();
  const std::vector<float> logits = download(context.forward(x));
  const auto planned = std::chrono::steady_clock::now();
  download(context.forward(x));
  const auto replayed = std::chrono::steady_clock::now();
  // Where a GPU run's time goes: the first forward pass plans (cuDNN's algorithm search, the
  // CUDA graph's capture), the second replays.
  auto ms = [](auto from, auto to) { return std::chrono::duration<double, std::milli>(to - from).count(); };
  std::printf("%s %s: load %.0f ms, first forward pass (planning) %.0f ms, second %.1f ms\n", c.name.c_str(),
              precision_name(precision), ms(began, loaded), ms(uploaded, planned), ms(planned, replayed));

  const double bound = testing::logits_bound(c, precision);
  EXPECT_TRUE(testing::within(logits, expected, bound)) << c.name << " " << precision_name(precision);
  const int classes = model.num_classes();
  if (c.top1_margin > bound) {
    for (std::size_t row = 0; row * classes < expected.size(); ++row) {
      EXPECT_EQ(argmax(&logits[row * classes], classes), argmax(&expected[row * classes], classes)) << "image " << row;
    }
  }
}

INSTANTIATE_TEST_SUITE_P(Fixtures, GpuFixture,
                         ::testing::Combine(::testing::ValuesIn(testing::fixture_cases()),
                                            ::testing::Values(Precision::F32, Precision::F16, Precision::BF16)),
                         [](const auto& info) {
                           return testing::case_name(std::get<0>(info.param)) + "_" +
                                  precision_name(std::get<1>(info.param));
                         });

// The small fixture model, its input and its host logits.
struct Small {
  Model host = Model::load(testing::fixture("formats/small_f32.safetensors"), Device::host());
  Model gpu = Model::load(testing::fixture("formats/small_f32.safetensors"), kGpu);
  NpyArray input = read_npy(testing::fixture("inputs/input_64x48_b2_s41.npy"));

  std::vector<float> host_logits(const NpyArray& x) {
    ExecutionContext context = host.create_context();
    Tensor t = Tensor::borrow(const_cast<uint8_t*>(x.bytes.data()), Device::host(), x.dtype, x.shape, Layout::NCHW);
    const Tensor y = context.forward(t);
    const float* p = static_cast<const float*>(y.data());
    return std::vector<float>(p, p + y.numel());
  }
};

TEST(GpuExecutor, GraphReplayFollowsTheInput) {
  GHOSTNET_REQUIRE_GPU();
  Small s;
  NpyArray other = s.input;
  auto* v = reinterpret_cast<float*>(other.bytes.data());
  for (std::size_t i = 0; i < other.bytes.size() / sizeof(float); ++i) v[i] = -0.5f * v[i] + 0.1f;
  const std::vector<float> expected_a = s.host_logits(s.input), expected_b = s.host_logits(other);
  ExecutionContext context = s.gpu.create_context();
  Tensor a = upload(s.input, Layout::NCHW), b = upload(other, Layout::NCHW);
  Tensor y = Tensor::allocate(kGpu, DType::F32, {2, 10}, Layout::RowMajor);
  for (int round = 0; round < 3; ++round) {  // the first run captures, the others replay
    context.forward(a, y);
    EXPECT_TRUE(testing::within(download(y), expected_a, 1e-3)) << "round " << round;
    context.forward(b, y);
    EXPECT_TRUE(testing::within(download(y), expected_b, 1e-3)) << "round " << round;
  }
  // A new output buffer (another address) works with the captured graph too.
  EXPECT_TRUE(testing::within(download(context.forward(a)), expected_a, 1e-3));
}

TEST(GpuExecutor, FourContextsOnTwoThreads) {
  GHOSTNET_REQUIRE_GPU();
  Small s;
  const std::vector<float> expected = s.host_logits(s.input);
  const Tensor x = upload(s.input, Layout::NCHW);
  std::vector<std::vector<float>> logits(4);
  auto worker = [&](int first) {
    ExecutionContext a = s.gpu.create_context(), b = s.gpu.create_context();
    Tensor ya = Tensor::allocate(kGpu, DType::F32, {2, 10}, Layout::RowMajor);
    Tensor yb = Tensor::allocate(kGpu, DType::F32, {2, 10}, Layout::RowMajor);
    for (int i = 0; i < 20; ++i) {
      a.enqueue(x, ya);
      b.enqueue(x, yb);
    }
    a.synchronize();
    b.synchronize();
    logits[std::size_t(first)] = download(ya);
    logits[std::size_t(first) + 1] = download(yb);
  };
  std::thread t1(worker, 0), t2(worker, 2);
  t1.join();
  t2.join();
  for (std::size_t i = 0; i < logits.size(); ++i) EXPECT_TRUE(testing::within(logits[i], expected, 1e-3)) << "context " << i;
}

TEST(GpuExecutor, RunsOnAnExternalStream) {
  GHOSTNET_REQUIRE_GPU();
  Small s;
  const Stream stream = Stream::create(kGpu);
  ExecutionContext context = s.gpu.create_context(&stream);
  EXPECT_EQ(context.stream().handle(), stream.handle());
  const Tensor x = upload(s.input, Layout::NCHW);
  Tensor y = Tensor::allocate(kGpu, DType::F32, {2, 10}, Layout::RowMajor);
  context.enqueue(x, y);
  stream.synchronize();
  EXPECT_TRUE(testing::within(download(y), s.host_logits(s.input), 1e-3));
}

TEST(GpuExecutor, Uint8ImagesMatchTheHost) {
  GHOSTNET_REQUIRE_GPU();
  Small s;
  NpyArray image;
  image.dtype = DType::U8;
  image.shape = {2, 40, 36, 3};
  image.bytes.resize(2 * 40 * 36 * 3);
  for (std::size_t i = 0; i < image.bytes.size(); ++i) image.bytes[i] = uint8_t(i * 31 % 251);
  ExecutionContext host_context = s.host.create_context(), gpu_context = s.gpu.create_context();
  Tensor host_x = Tensor::borrow(image.bytes.data(), Device::host(), DType::U8, image.shape, Layout::NHWC);
  const Tensor host_y = host_context.forward(host_x);
  const float* h = static_cast<const float*>(host_y.data());
  const std::vector<float> expected(h, h + host_y.numel());
  EXPECT_TRUE(testing::within(download(gpu_context.forward(upload(image, Layout::NHWC))), expected, 1e-3));
}

TEST(GpuExecutor, TensorsOnAnotherDeviceAreRefused) {
  GHOSTNET_REQUIRE_GPU();
  Small s;
  ExecutionContext context = s.gpu.create_context();
  Tensor host_x = Tensor::borrow(s.input.bytes.data(), Device::host(), DType::F32, s.input.shape, Layout::NCHW);
  try {
    context.forward(host_x);
    FAIL() << "a host tensor was accepted by a GPU model";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::InvalidArgument);
    EXPECT_NE(std::string(e.what()).find("the model is on cuda:0"), std::string::npos) << e.what();
  }
}

}  // namespace
}  // namespace ghostnet
