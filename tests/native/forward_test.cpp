// The host forward pass against the PyTorch reference, for every fixture case; and an
// image's logits, to the bit, whatever batch it comes in and however many threads run it.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <fstream>
#include <string>

#include "comparison.h"
#include "fixtures.h"
#include "ghostnet/model.h"
#include "ghostnet/npy.h"
#include "ghostnet/error.h"
#include "host/isa.h"

namespace ghostnet {
namespace {

// The fixture suites below have no cases when the manifest cannot be read; this says why.
TEST(FixtureManifest, IsReadable) {
  EXPECT_FALSE(testing::fixture_cases().empty()) << testing::manifest_problem();
}

class ForwardFixture : public ::testing::TestWithParam<testing::FixtureCase> {};
GTEST_ALLOW_UNINSTANTIATED_PARAMETERIZED_TEST(ForwardFixture);

// The fixture's input through its model on the host, in `precision`: the logits.
std::vector<float> host_logits(const testing::FixtureCase& c, Precision precision) {
  ModelOptions options;
  options.precision = precision;
  const Model model = testing::load_case_model(c, Device::host(), options);
  EXPECT_EQ(model.num_classes(), c.num_classes);
  NpyArray input = read_npy(testing::fixture(c.input));
  Tensor x = Tensor::borrow(input.bytes.data(), Device::host(), DType::F32, input.shape, Layout::NCHW);
  ExecutionContext context = model.create_context();
  const Tensor y = context.forward(x);
  return {static_cast<const float*>(y.data()), static_cast<const float*>(y.data()) + y.numel()};
}

TEST_P(ForwardFixture, HostFp32MatchesTheReference) {
  const testing::FixtureCase& c = GetParam();
  const std::vector<float> logits = host_logits(c, Precision::F32);
  const std::vector<float> expected = testing::floats(read_npy(testing::fixture(c.expected)));

  RecordProperty("max_abs_error", std::to_string(testing::worst_element(logits, expected).difference));
  EXPECT_TRUE(testing::within(logits, expected, 1e-4 * c.max_abs_reference + 1e-6)) << c.name;
}

// BF16 on the host: the GEMM's inputs and weights rounded to bfloat16, sums in FP32,
// everything else in FP32. Bound against the reference: logits_bound's for BF16 (the
// fixtures' random weights amplify rounding: 0.8% to 7.2% of the largest logit here, where
// PyTorch with every stored value rounded to BF16 is off by 1.2% to 15%); and the reference's
// top class for every image of a 1000-class fixture.
TEST_P(ForwardFixture, HostBf16MatchesTheReferenceWithinItsBound) {
  if (!host::cpu_has_avx512_bf16()) GTEST_SKIP() << "this CPU lacks AVX512_BF16: bf16 on the host is refused";
  const testing::FixtureCase& c = GetParam();
  const std::vector<float> logits = host_logits(c, Precision::BF16);
  const std::vector<float> expected = testing::floats(read_npy(testing::fixture(c.expected)));

  RecordProperty("max_abs_error", std::to_string(testing::worst_element(logits, expected).difference));
  EXPECT_TRUE(testing::within(logits, expected, testing::logits_bound(c, Precision::BF16))) << c.name;
  if (c.num_classes == 1000) {
    for (std::size_t row = 0; row * c.num_classes < expected.size(); ++row) {
      const auto top = [&](const std::vector<float>& v) {
        return std::max_element(v.begin() + row * c.num_classes, v.begin() + (row + 1) * c.num_classes) - v.begin();
      };
      EXPECT_EQ(top(logits), top(expected)) << c.name << " image " << row;
    }
  }
}

TEST(HostForward, Bf16IsRefusedWhereTheKernelsLackAvx512Bf16SayingWhy) {
  const host::ScopedIsa avx2(host::Isa::Avx2);  // as on a CPU without AVX-512
  ModelOptions options;
  options.precision = Precision::BF16;
  try {
    Model::from_state_dict(random_ghostnet_weights("ghostnet_025", 10, 1), "random", Device::host(), options);
    ADD_FAILURE() << "bf16 was accepted";
  } catch (const Error& error) {
    EXPECT_EQ(error.code(), ErrorCode::InvalidArgument);
    EXPECT_NE(std::string(error.what()).find("AVX512_BF16"), std::string::npos) << error.what();
    EXPECT_NE(std::string(error.what()).find(host::isa_name(host::host_isa())), std::string::npos) << error.what();
  }
  options.precision = Precision::F16;
  EXPECT_THROW(Model::from_state_dict(random_ghostnet_weights("ghostnet_025", 10, 1), "random", Device::host(), options),
               Error);
}

// The BF16 engine this process chose, against the CPU's vendor as Linux reads it: AMD's
// AVX512_BF16 runs at twice FP32's rate, Intel's at FP32's (measured at half).
TEST(HostBf16Engine, IsAvx512Bf16OnAmdAndTheFp32KernelsOnIntel) {
  if (!host::cpu_has_avx512_bf16()) GTEST_SKIP() << "this CPU lacks AVX512_BF16: bf16 on the host is refused";
  if (std::getenv("GHOSTNET_HOST_BF16") != nullptr) GTEST_SKIP() << "GHOSTNET_HOST_BF16 chooses the engine";
  std::ifstream cpuinfo("/proc/cpuinfo");
  std::string line;
  while (std::getline(cpuinfo, line) && line.rfind("vendor_id", 0) != 0) {
  }
  ASSERT_NE(line.find(':'), std::string::npos) << "/proc/cpuinfo names no vendor_id";
  const bool amd = line.find("AuthenticAMD") != std::string::npos;
  EXPECT_EQ(host::host_bf16_engine(), amd ? host::Bf16Engine::Avx512Bf16 : host::Bf16Engine::Fp32) << line;
}

// BF16 on the FP32 engine runs FP32's kernels: its logits are FP32's, to the bit; on the
// AVX512_BF16 engine they are not.
TEST(HostBf16Engine, Fp32sGivesFp32sLogitsAndAvx512Bf16sItsOwn) {
  if (!host::cpu_has_avx512_bf16()) GTEST_SKIP() << "this CPU lacks AVX512_BF16: bf16 on the host is refused";
  const std::vector<testing::FixtureCase> cases = testing::fixture_cases();
  const auto c = std::find_if(cases.begin(), cases.end(), [](const auto& k) { return k.name == "v2_w010_c10_64x48"; });
  ASSERT_NE(c, cases.end()) << "no fixture v2_w010_c10_64x48: " << testing::manifest_problem();
  const std::vector<float> fp32 = host_logits(*c, Precision::F32);
  {
    const host::ScopedBf16Engine engine(host::Bf16Engine::Fp32);
    EXPECT_EQ(host_logits(*c, Precision::BF16), fp32);
  }
  const host::ScopedBf16Engine engine(host::Bf16Engine::Avx512Bf16);
  EXPECT_NE(host_logits(*c, Precision::BF16), fp32);
}

INSTANTIATE_TEST_SUITE_P(Fixtures, ForwardFixture, ::testing::ValuesIn(testing::fixture_cases()),
                         [](const auto& info) { return testing::case_name(info.param); });

std::vector<float> logits_of(const Model& model, const float* images, int64_t count, int size) {
  Tensor x = Tensor::borrow(const_cast<float*>(images), Device::host(), DType::F32, {count, 3, size, size},
                            Layout::NCHW);
  ExecutionContext context = model.create_context();
  const Tensor y = context.forward(x);
  return std::vector<float>(static_cast<const float*>(y.data()), static_cast<const float*>(y.data()) + y.numel());
}

class HostForwardOfMember : public ::testing::TestWithParam<const char*> {};

TEST_P(HostForwardOfMember, AnImagesLogitsDoNotDependOnItsBatchOrTheThreadCount) {
  // Batches that the host splits every way: a layer at a time (1), one image per thread
  // with one left over (3), whole passes with a shorter last one (11), with 1 to 3 threads.
  const int size = 40, classes = 10;
  const StateDict weights = random_ghostnet_weights(GetParam(), classes, 7);
  std::vector<float> images(std::size_t(11) * 3 * size * size);
  for (std::size_t i = 0; i < images.size(); ++i) images[i] = float(int(i * 7919 % 2001) - 1000) / 500.0f;
  const std::size_t image_size = std::size_t(3) * size * size;

  ModelOptions one_thread;
  one_thread.threads = 1;
  const Model reference_model = Model::from_state_dict(weights, "random", Device::host(), one_thread);
  std::vector<float> alone;
  for (int n = 0; n < 11; ++n) {
    const std::vector<float> one = logits_of(reference_model, images.data() + n * image_size, 1, size);
    alone.insert(alone.end(), one.begin(), one.end());
  }
  for (int threads = 1; threads <= 3; ++threads) {
    ModelOptions options;
    options.threads = threads;
    const Model model = Model::from_state_dict(weights, "random", Device::host(), options);
    for (int64_t batch : {1, 3, 11}) {
      SCOPED_TRACE(::testing::Message() << threads << " thread(s), batch " << batch);
      const std::vector<float> logits = logits_of(model, images.data(), batch, size);
      ASSERT_EQ(logits, std::vector<float>(alone.begin(), alone.begin() + batch * classes));
    }
  }
}

INSTANTIATE_TEST_SUITE_P(Family, HostForwardOfMember, ::testing::Values("ghostnet_050", "ghostnetv2_050", "ghostnetv3_050"));

}  // namespace
}  // namespace ghostnet
