// Channel padding for tensor cores: the padded graph computes the reference's logits.
// The GPU pads wherever it uses tensor cores; here the host executor runs the padded
// graph, which shares every op and functor with the GPU's.
#include <gtest/gtest.h>

#include <memory>

#include "comparison.h"
#include "fixtures.h"
#include "ghostnet/checkpoint.h"
#include "ghostnet/error.h"
#include "ghostnet/npy.h"
#include "graph/channel_padding.h"
#include "runtime/backend.h"

namespace ghostnet::graph {
namespace {

struct Case {
  std::string name;
  Graph graph;
  NpyArray input;
  std::vector<float> expected;
  double bound;  // the host's FP32 tolerance against the reference
};

Case load_case(const std::string& name) {
  const testing::FixtureCase c = testing::fixture_case(name);
  return {name, testing::case_graph(c), read_npy(testing::fixture(c.input)),
          testing::floats(read_npy(testing::fixture(c.expected))), 1e-4 * c.max_abs_reference + 1e-6};
}

std::vector<float> host_logits(const Graph& graph, NpyArray& input) {
  const auto backend = make_host_backend(std::make_shared<const Graph>(graph), ModelOptions{});
  const auto executor = backend->create_executor(nullptr);
  const Tensor x = Tensor::borrow(input.bytes.data(), Device::host(), DType::F32, input.shape, Layout::NCHW);
  Tensor y = Tensor::allocate(Device::host(), DType::F32, {input.shape[0], graph.classes()}, Layout::RowMajor);
  executor->enqueue(x, y);
  const float* data = static_cast<const float*>(y.data());
  return std::vector<float>(data, data + y.numel());
}

class ChannelPadding : public ::testing::TestWithParam<std::string> {};

TEST_P(ChannelPadding, PaddedGraphsGiveTheReferenceLogits) {
  Case c = load_case(GetParam());
  const std::vector<float> unpadded = host_logits(c.graph, c.input);
  for (int multiple : {8, 5}) {
    const Graph padded = pad_channels(c.graph, multiple);
    int grown = 0;
    for (std::size_t v = 1; v < padded.values.size(); ++v) {
      ASSERT_EQ(padded.values[v].stored_channels % multiple, 0) << "value " << v;
      grown += padded.values[v].stored_channels > padded.values[v].channels;
    }
    EXPECT_GT(grown, 0) << "nothing was padded, so nothing was tested";
    EXPECT_EQ(padded.values[0].stored_channels, 3) << "the caller's input stays as given";
    const std::vector<float> logits = host_logits(padded, c.input);
    EXPECT_TRUE(testing::within(logits, c.expected, c.bound)) << c.name << ", multiple " << multiple;
    // Padding only adds zero terms, so beside the unpadded graph only summation order differs.
    EXPECT_TRUE(testing::within(logits, unpadded, c.bound / 10)) << c.name << ", multiple " << multiple;
  }
}

// Classes 10 (padded logits), widths 0.25 and 0.5 (stem and ghost halves padded), the full
// model at a tiny size, V2's attention (its pool, (1,5) and (5,1) convs and gates padded) and
// V3's folded branches.
INSTANTIATE_TEST_SUITE_P(Fixtures, ChannelPadding,
                         ::testing::Values("v1_w025_c10_64x48", "v1_w050_c10_97x131", "v1_w100_c1000_17x23",
                                           "v2_w010_c10_64x48", "v3_w010_c10_64x48"));

TEST(ChannelPadding, MultipleOfOneChangesNothingAndBelowOneIsRefused) {
  Case c = load_case("v1_w025_c10_64x48");
  const Graph same = pad_channels(c.graph, 1);
  for (std::size_t v = 0; v < same.values.size(); ++v) EXPECT_EQ(same.values[v].stored_channels, same.values[v].channels);
  EXPECT_THROW(pad_channels(c.graph, 0), Error);
}

}  // namespace
}  // namespace ghostnet::graph
