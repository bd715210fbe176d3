// The host's fast paths (ops/*_host.h) against their ops' reference functors, for every
// instruction set the CPU has, on shapes their blocking does not divide: channel counts
// that fill no whole vector, images narrower than a window, both strides. Each fast path
// gives the same bits on one thread as on all of them.
#include <gtest/gtest.h>

#include <cmath>
#include <functional>
#include <vector>

#include "comparison.h"
#include "host/thread_pool.h"
#include "op_testing.h"
#include "ops/dense_conv_host.h"
#include "ops/depthwise_conv_host.h"
#include "ops/gate_host.h"
#include "ops/ghost_cheap_host.h"
#include "ops/input_host.h"
#include "ops/registry.h"

namespace ghostnet::ops {
namespace {

using testing::nhwc;
using testing::random_params;
using testing::random_values;

struct Shape {
  int n, h, w, in_channels, channels;
  Window window;
};

// A square kernel with "same" padding.
Shape square(int n, int h, int w, int in_channels, int channels, int kernel, int stride) {
  return {n, h, w, in_channels, channels, Window::same(kernel, stride)};
}

using FastPath = std::function<void(const Operands<float>&, int threads)>;

// Runs `fast` on the operands (writing `o.output`) for every instruction set, on one
// thread and on all, against `Kind`'s reference functor. The output starts as NaN, so an
// element left unwritten fails, or, for an op that works in place, as `initial`.
template <typename Kind>
void expect_fast_path_matches_functor(Kind, Operands<float> o, const FastPath& fast,
                                      const std::vector<float>& initial = {}) {
  const std::size_t size = std::size_t(o.output.shape.pixels()) * o.output.shape.stored_channels;
  auto fresh = [&] { return initial.empty() ? std::vector<float>(size, NAN) : initial; };
  std::vector<float> reference = fresh();
  o.output.data = reference.data();
  Kind::run(o, [](const auto& f) { testing::run_elements(f); });
  for (host::Isa isa : testing::available_isas()) {
    SCOPED_TRACE(host::isa_name(isa));
    const host::ScopedIsa scoped(isa);
    std::vector<float> one = fresh(), all = fresh();
    o.output.data = one.data();
    fast(o, 1);
    ASSERT_TRUE(testing::within_relative(one, reference, 1e-5));
    o.output.data = all.data();
    fast(o, host::available_cores());
    ASSERT_EQ(all, one) << "the thread count changed the result";
  }
}

Operands<float> conv_operands(const Shape& s, const std::vector<float>& x, const std::vector<float>& weight,
                              const std::vector<float>& bias, Act act) {
  Operands<float> o;
  o.window = s.window;
  o.input = {x.data(), nhwc(s.n, s.h, s.w, s.in_channels)};
  o.output = {nullptr, nhwc(s.n, o.window.output_height(s.h), o.window.output_width(s.w), s.channels)};
  o.weight = weight.data();
  o.bias = bias.data();
  o.act = act;
  return o;
}

TEST(HostFastPaths, DepthwiseConvMatchesItsFunctor) {
  unsigned seed = 1;
  // Square windows at both strides, images smaller than a window, and GhostNetV2's (1,5) and
  // (5,1) windows with their padding.
  for (const Shape& s : {square(1, 1, 1, 1, 1, 3, 1), square(2, 2, 3, 5, 5, 3, 1), square(1, 7, 9, 17, 17, 3, 2),
                         square(2, 13, 11, 24, 24, 5, 1), square(1, 12, 12, 40, 40, 5, 2), square(1, 9, 8, 7, 7, 7, 1),
                         square(1, 4, 4, 36, 36, 5, 1), Shape{2, 3, 7, 40, 40, {1, 5, 1, 1, 0, 2}},
                         Shape{1, 7, 3, 19, 19, {5, 1, 1, 1, 2, 0}}, Shape{1, 2, 2, 9, 9, {5, 1, 1, 1, 2, 0}}}) {
    const Window& k = s.window;
    SCOPED_TRACE(::testing::Message() << s.n << "x" << s.h << "x" << s.w << "x" << s.channels << " k" << k.kernel_h
                                      << "x" << k.kernel_w << " s" << k.stride_h);
    const ConvParams params = random_params(s.channels, s.channels, k.kernel_h, k.kernel_w, s.channels, seed += 2);
    const std::vector<float> x = random_values(std::size_t(s.n) * s.h * s.w * s.channels, seed++);
    const std::vector<float> weight = DepthwiseConvOp::functor_weights(params);
    for (Act act : kActivations) {
      SCOPED_TRACE(activation_name(act));
      expect_fast_path_matches_functor(DepthwiseConvOp{}, conv_operands(s, x, weight, params.bias, act),
                                       depthwise_conv_host);
    }
  }
}

TEST(HostFastPaths, GhostCheapMatchesItsFunctor) {
  unsigned seed = 100;
  // {primary channels, module channels}: as GhostNet's ghost modules have them, and odd ones.
  for (const auto& [primary, channels] : {std::pair{8, 16}, std::pair{12, 24}, std::pair{36, 72}, std::pair{3, 5},
                                         std::pair{20, 39}, std::pair{1, 1}}) {
    for (const auto& [h, w] : {std::pair{1, 1}, std::pair{5, 3}, std::pair{14, 14}}) {
      SCOPED_TRACE(::testing::Message() << primary << " -> " << channels << " channels, " << h << "x" << w);
      const int n = 2;
      const ConvParams params = random_params(primary, primary, 3, primary, seed += 2);
      const std::vector<float> x = random_values(std::size_t(n) * h * w * primary, seed++);
      const std::vector<float> residual = random_values(std::size_t(n) * h * w * channels, seed++);
      const std::vector<float> weight = GhostCheapOp::functor_weights(params);
      for (bool with_residual : {false, true}) {
        for (Act act : kActivations) {
          SCOPED_TRACE(activation_name(act));
          Operands<float> o;
          o.window = Window::same(3, 1);
          o.input = {x.data(), nhwc(n, h, w, primary)};
          o.output = {nullptr, nhwc(n, h, w, channels)};
          if (with_residual) o.residual = {residual.data(), nhwc(n, h, w, channels)};
          o.weight = weight.data();
          o.bias = params.bias.data();
          o.act = act;
          expect_fast_path_matches_functor(GhostCheapOp{}, o, ghost_cheap_host);
        }
      }
    }
  }
}

TEST(HostFastPaths, DenseConvMatchesItsFunctor) {
  unsigned seed = 200;
  // The stems of GhostNet 1.0x, 0.5x and 1.3x, and windows and channels the stem's own kernel
  // is not specialised for.
  for (const Shape& s : {square(2, 17, 23, 3, 16, 3, 2), square(1, 8, 8, 3, 8, 3, 2), square(1, 9, 6, 3, 20, 3, 2),
                         square(1, 3, 2, 3, 16, 3, 2), square(1, 11, 9, 4, 13, 5, 1), square(1, 6, 7, 2, 33, 3, 1),
                         Shape{1, 6, 9, 3, 16, {3, 5, 2, 2, 1, 2}}}) {
    const Window& k = s.window;
    SCOPED_TRACE(::testing::Message() << s.n << "x" << s.h << "x" << s.w << " " << s.in_channels << " -> "
                                      << s.channels << " k" << k.kernel_h << "x" << k.kernel_w << " s" << k.stride_h);
    const ConvParams params = random_params(s.channels, s.in_channels, k.kernel_h, k.kernel_w, 1, seed += 2);
    const std::vector<float> x = random_values(std::size_t(s.n) * s.h * s.w * s.in_channels, seed++);
    const std::vector<float> weight = DenseConvOp::functor_weights(params);
    for (Act act : kActivations) {
      SCOPED_TRACE(activation_name(act));
      expect_fast_path_matches_functor(DenseConvOp{}, conv_operands(s, x, weight, params.bias, act),
                                       dense_conv_host);
    }
  }
}

TEST(HostFastPaths, GateMatchesItsFunctor) {
  unsigned seed = 300;
  for (int channels : {1, 7, 40, 72}) {
    // Squeeze-excite's gates, and V2's: half the size, a third (7 from 3), the same.
    for (const auto& [gh, gw] : {std::pair{1, 1}, std::pair{2, 2}, std::pair{3, 2}, std::pair{5, 4}}) {
      SCOPED_TRACE(::testing::Message() << channels << " channels, " << gh << "x" << gw << " gates");
      const int n = 3, h = 5, w = 4;
      const std::vector<float> x = random_values(std::size_t(n) * h * w * channels, seed++);
      const std::vector<float> gates = random_values(std::size_t(n) * gh * gw * channels, seed++, 0.0f, 1.0f);
      Operands<float> o;
      o.gates = {gates.data(), nhwc(n, gh, gw, channels)};
      o.output = {nullptr, nhwc(n, h, w, channels)};
      expect_fast_path_matches_functor(GateOp{}, o, gate_host, x);  // in place
    }
  }
}

TEST(HostFastPaths, InputMatchesItsFunctor) {
  const int n = 2, h = 5, w = 7, c = 3;
  const std::vector<float> floats = random_values(std::size_t(n) * h * w * c, 400);
  std::vector<uint8_t> bytes(floats.size());
  for (std::size_t i = 0; i < bytes.size(); ++i) bytes[i] = uint8_t(i * 37 % 256);
  for (bool u8 : {false, true}) {
    for (bool nchw : {true, false}) {
      SCOPED_TRACE(::testing::Message() << (u8 ? "uint8 " : "float ") << (nchw ? "NCHW" : "NHWC"));
      Io io;
      io.input = u8 ? static_cast<const void*>(bytes.data()) : floats.data();
      io.input_dtype = u8 ? DType::U8 : DType::F32;
      io.input_nchw = nchw;
      io.mean = {0.485f, 0.456f, 0.406f};
      io.std = {0.229f, 0.224f, 0.225f};
      Operands<float> o;
      o.output = {nullptr, nhwc(n, h, w, c)};
      o.io = &io;
      expect_fast_path_matches_functor(InputOp{}, o, input_host);
    }
  }
}

}  // namespace
}  // namespace ghostnet::ops
