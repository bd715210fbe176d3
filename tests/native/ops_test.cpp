// Every op kind against a plain reference written here, on the host. Each op runs as the
// executors run it (its definition's shape rule, weight layout and binding), in the
// element form of its functor (what GPUs run) and the span form (what the host runs).
#include <gtest/gtest.h>

#include <cmath>
#include <type_traits>
#include <vector>

#include "comparison.h"
#include "op_testing.h"
#include "ops/bias_act.h"
#include "ops/registry.h"

namespace ghostnet::ops {
namespace {

using testing::nhwc;
using testing::random_params;
using testing::random_values;
using testing::run_elements;

template <typename F>
void run_spans(const F& f) {
  constexpr int kSpan = 32;
  const int channels = f.out.shape.stored_channels;
  for (index_t p = 0; p < f.out.shape.pixels(); ++p) {
    for (int c = 0; c < channels; c += kSpan) f.template span<kSpan>(p, c, std::min(kSpan, channels - c));
  }
}

void expect_close(const std::vector<float>& actual, const std::vector<float>& expected, const char* what) {
  EXPECT_TRUE(testing::within_relative(actual, expected, 1e-5)) << what;
}

// Runs an op on operands writing `out`, in both forms of its functor, and checks each
// against `expected`; `out` starts as NaN, so an element left unwritten fails.
template <typename Kind>
void check_both_forms(Kind, const Operands<float>& o, std::vector<float>& out, const std::vector<float>& expected) {
  Kind::run(o, [&](const auto& f) {
    std::fill(out.begin(), out.end(), NAN);
    run_elements(f);
    expect_close(out, expected, "element form");
    if constexpr (has_spans<std::decay_t<decltype(f)>>::value) {
      std::fill(out.begin(), out.end(), NAN);
      run_spans(f);
      expect_close(out, expected, "span form");
    }
  });
}

struct ConvCase {
  int n = 2, h = 9, w = 7, in_channels = 37, channels = 37;
  int kernel_h = 3, kernel_w = 3, stride = 1, pad_h = 1, pad_w = 1;

  // A square kernel with "same" padding.
  static ConvCase square(int n, int h, int w, int in_channels, int channels, int kernel, int stride) {
    return {n, h, w, in_channels, channels, kernel, kernel, stride, kernel / 2, kernel / 2};
  }
  int oh() const { return (h + 2 * pad_h - kernel_h) / stride + 1; }
  int ow() const { return (w + 2 * pad_w - kernel_w) / stride + 1; }
  Window window() const { return {kernel_h, kernel_w, stride, stride, pad_h, pad_w}; }
};

// The textbook convolution over NHWC.
std::vector<float> reference_conv(const std::vector<float>& x, const ConvParams& p, const ConvCase& g, Act act) {
  std::vector<float> y(std::size_t(g.n) * g.oh() * g.ow() * g.channels);
  const bool depthwise = p.groups > 1;
  const int per_group = depthwise ? 1 : g.in_channels;
  for (int n = 0; n < g.n; ++n)
    for (int oy = 0; oy < g.oh(); ++oy)
      for (int ox = 0; ox < g.ow(); ++ox)
        for (int o = 0; o < g.channels; ++o) {
          double sum = p.bias[std::size_t(o)];
          for (int i = 0; i < per_group; ++i) {
            const int ci = depthwise ? o : i;
            for (int ky = 0; ky < g.kernel_h; ++ky)
              for (int kx = 0; kx < g.kernel_w; ++kx) {
                const int iy = oy * g.stride - g.pad_h + ky, ix = ox * g.stride - g.pad_w + kx;
                if (iy < 0 || iy >= g.h || ix < 0 || ix >= g.w) continue;
                sum += double(x[((std::size_t(n) * g.h + iy) * g.w + ix) * g.in_channels + ci]) *
                       p.weight[((std::size_t(o) * per_group + i) * g.kernel_h + ky) * g.kernel_w + kx];
              }
          }
          y[((std::size_t(n) * g.oh() + oy) * g.ow() + ox) * g.channels + o] =
              float(testing::textbook_activation(act, sum));
        }
  return y;
}

// The operands of a convolution from `x` to `y` over the case's shapes.
Operands<float> conv_operands(const ConvCase& g, const std::vector<float>& x, std::vector<float>& y,
                              const std::vector<float>& weight, const ConvParams& p, Act act) {
  Operands<float> o;
  o.input = {x.data(), nhwc(g.n, g.h, g.w, g.in_channels)};
  o.output = {y.data(), nhwc(g.n, g.oh(), g.ow(), g.channels)};
  o.weight = weight.data();
  o.bias = p.bias.data();
  o.window = g.window();
  o.act = act;
  return o;
}

TEST(Ops, DepthwiseConvMatchesTheTextbookConvolution) {
  // Square windows at both strides, GhostNetV2's (1,5) and (5,1) with their padding, images
  // smaller than a window.
  for (ConvCase g : {ConvCase{}, ConvCase::square(2, 9, 7, 37, 37, 5, 2), ConvCase::square(1, 1, 1, 40, 40, 3, 2),
                     ConvCase::square(1, 4, 3, 8, 8, 3, 1), ConvCase{2, 6, 7, 19, 19, 1, 5, 1, 0, 2},
                     ConvCase{1, 7, 3, 12, 12, 5, 1, 1, 2, 0}, ConvCase{1, 1, 2, 5, 5, 5, 1, 1, 2, 0}}) {
    SCOPED_TRACE(::testing::Message() << g.kernel_h << "x" << g.kernel_w << " at stride " << g.stride);
    const Size size = DepthwiseConvOp::output_size(g.window(), {g.h, g.w});
    EXPECT_EQ(size.height, g.oh());
    EXPECT_EQ(size.width, g.ow());
    const auto x = random_values(std::size_t(g.n) * g.h * g.w * g.channels, 1);
    const ConvParams p = random_params(g.channels, g.channels, g.kernel_h, g.kernel_w, g.channels, 2);
    const auto weight = DepthwiseConvOp::functor_weights(p);
    for (Act act : kActivations) {
      SCOPED_TRACE(activation_name(act));
      std::vector<float> y(std::size_t(g.n) * g.oh() * g.ow() * g.channels);
      check_both_forms(DepthwiseConvOp{}, conv_operands(g, x, y, weight, p, act), y, reference_conv(x, p, g, act));
    }
  }
}

TEST(Ops, DenseConvMatchesTheTextbookConvolution) {
  for (ConvCase g : {ConvCase::square(2, 11, 8, 3, 19, 3, 2), ConvCase{1, 6, 9, 4, 7, 3, 5, 2, 1, 2}}) {
    const Size size = DenseConvOp::output_size(g.window(), {g.h, g.w});
    EXPECT_EQ(size.height, g.oh());
    EXPECT_EQ(size.width, g.ow());
    const auto x = random_values(std::size_t(g.n) * g.h * g.w * g.in_channels, 4);
    const ConvParams p = random_params(g.channels, g.in_channels, g.kernel_h, g.kernel_w, 1, 5);
    const auto weight = DenseConvOp::functor_weights(p);
    for (Act act : kActivations) {
      SCOPED_TRACE(activation_name(act));
      std::vector<float> y(std::size_t(g.n) * g.oh() * g.ow() * g.channels);
      check_both_forms(DenseConvOp{}, conv_operands(g, x, y, weight, p, act), y, reference_conv(x, p, g, act));
    }
  }
}

TEST(Ops, PointwiseConvMatchesTheTextbookConvolution) {
  // Channel counts on either side of the host's span of 32, and odd ones.
  for (ConvCase g : {ConvCase::square(2, 5, 3, 37, 19, 1, 1), ConvCase::square(1, 7, 1, 3, 70, 1, 1),
                     ConvCase::square(3, 1, 1, 64, 33, 1, 1)}) {
    const auto x = random_values(std::size_t(g.n) * g.h * g.w * g.in_channels, 6);
    const ConvParams p = random_params(g.channels, g.in_channels, 1, 1, 7);
    const auto weight = PointwiseConvOp::functor_weights(p);
    for (Act act : kActivations) {
      SCOPED_TRACE(activation_name(act));
      std::vector<float> y(std::size_t(g.n) * g.h * g.w * g.channels);
      check_both_forms(PointwiseConvOp{}, conv_operands(g, x, y, weight, p, act), y, reference_conv(x, p, g, act));
    }
  }
}

// Copies [rows][width] into [rows][stride], the extra columns set to `fill`.
std::vector<float> with_stride(const std::vector<float>& v, int width, int stride, float fill) {
  const std::size_t rows = v.size() / std::size_t(width);
  std::vector<float> r(rows * std::size_t(stride), fill);
  for (std::size_t i = 0; i < rows; ++i) std::copy_n(v.begin() + i * width, width, r.begin() + i * stride);
  return r;
}

TEST(Ops, GhostCheapAssemblesConcatSliceAndResidual) {
  // primary 20 channels; output 39 keeps 20 + the first 19 of the cheap half (odd oup), and
  // output 40 keeps all; with and without a residual and ReLU. The padded layout stores the
  // primary as 24 channels (the extra never read: NaN here) and the output as 48 (the
  // extra written as zero).
  const int n = 2, h = 6, w = 5, primary = 20, k = 3;
  const auto p = random_values(std::size_t(n) * h * w * primary, 7);
  const ConvParams cheap_params = random_params(primary, primary, k, primary, 8);
  const ConvCase g = ConvCase::square(n, h, w, primary, primary, k, 1);
  struct Strides {
    int channels, stored, primary_stride;
  };
  for (Strides layout : {Strides{39, 39, 20}, Strides{40, 40, 20}, Strides{39, 48, 24}}) {
    const int channels = layout.channels;
    const auto sp = with_stride(p, primary, layout.primary_stride, NAN);
    const auto sw = with_stride(GhostCheapOp::functor_weights(cheap_params), primary, layout.primary_stride, NAN);
    const auto sb = with_stride(cheap_params.bias, primary, layout.primary_stride, NAN);
    const auto residual = with_stride(random_values(std::size_t(n) * h * w * channels, 10), channels, layout.stored, 0.0f);
    for (bool with_residual : {false, true}) {
      for (Act act : kActivations) {
        SCOPED_TRACE(activation_name(act));
        const auto cheap = reference_conv(p, cheap_params, g, act);
        std::vector<float> expected(std::size_t(n) * h * w * layout.stored, 0.0f);
        for (std::size_t px = 0; px < std::size_t(n) * h * w; ++px) {
          for (int c = 0; c < channels; ++c) {
            float v = c < primary ? p[px * primary + c] : cheap[px * primary + (c - primary)];
            if (with_residual) v += residual[px * layout.stored + c];
            expected[px * layout.stored + c] = v;
          }
        }
        Geometry primary_shape = nhwc(n, h, w, primary), out_shape = nhwc(n, h, w, channels);
        primary_shape.stored_channels = layout.primary_stride;
        out_shape.stored_channels = layout.stored;
        std::vector<float> y(expected.size());
        Operands<float> o;
        o.input = {sp.data(), primary_shape};
        o.output = {y.data(), out_shape};
        if (with_residual) o.residual = {residual.data(), out_shape};
        o.weight = sw.data();
        o.bias = sb.data();
        o.window = Window::same(k, 1);
        o.act = act;
        check_both_forms(GhostCheapOp{}, o, y, expected);
      }
    }
  }
}

TEST(Ops, GlobalAveragePoolAndDense) {
  const int n = 3, h = 13, w = 1, c = 45, out = 11;
  const auto x = random_values(std::size_t(n) * h * w * c, 11);
  std::vector<float> mean(std::size_t(n) * c, 0.0f);
  for (int i = 0; i < n; ++i)
    for (int p = 0; p < h * w; ++p)
      for (int j = 0; j < c; ++j) mean[std::size_t(i) * c + j] += x[(std::size_t(i) * h * w + p) * c + j] / (h * w);
  const Size pooled_size = GlobalPoolOp::output_size({}, {h, w});
  EXPECT_EQ(pooled_size.height, 1);
  EXPECT_EQ(pooled_size.width, 1);
  std::vector<float> pooled(mean.size());
  Operands<float> pool;
  pool.input = {x.data(), nhwc(n, h, w, c)};
  pool.output = {pooled.data(), nhwc(n, 1, 1, c)};
  check_both_forms(GlobalPoolOp{}, pool, pooled, mean);

  const ConvParams fc = random_params(out, c, 1, 1, 12);
  const auto fc_weight = DenseOp::functor_weights(fc);
  for (Act act : kActivations) {
    SCOPED_TRACE(activation_name(act));
    std::vector<float> expected(std::size_t(n) * out);
    for (int i = 0; i < n; ++i)
      for (int o = 0; o < out; ++o) {
        double s = fc.bias[std::size_t(o)];
        for (int j = 0; j < c; ++j) s += double(mean[std::size_t(i) * c + j]) * fc.weight[std::size_t(o) * c + j];
        expected[std::size_t(i) * out + o] = float(testing::textbook_activation(act, s));
      }
    std::vector<float> y(expected.size());
    Operands<float> dense;
    dense.input = {mean.data(), nhwc(n, 1, 1, c)};
    dense.output = {y.data(), nhwc(n, 1, 1, out)};
    dense.weight = fc_weight.data();
    dense.bias = fc.bias.data();
    dense.act = act;
    check_both_forms(DenseOp{}, dense, y, expected);
  }
}

// PyTorch's avg_pool2d(x, 2, 2) as GhostNetV2 calls it: floor mode, no padding; odd sizes drop
// their last row or column, as torch does (hand-computed sums).
TEST(Ops, AvgPoolIsPyTorchsTwoByTwo) {
  const Window window{2, 2, 2, 2, 0, 0};
  for (const Size in : {Size{7, 6}, Size{5, 5}, Size{2, 3}, Size{1, 4}}) {
    const Size size = AvgPoolOp::output_size(window, in);
    EXPECT_EQ(size.height, in.height / 2);
    EXPECT_EQ(size.width, in.width / 2);
    if (size.height == 0 || size.width == 0) continue;
    const int n = 2, c = 21;
    const auto x = random_values(std::size_t(n) * in.height * in.width * c, 13);
    std::vector<float> expected(std::size_t(n) * size.height * size.width * c);
    for (int i = 0; i < n; ++i)
      for (int oy = 0; oy < size.height; ++oy)
        for (int ox = 0; ox < size.width; ++ox)
          for (int j = 0; j < c; ++j) {
            double s = 0;
            for (int dy = 0; dy < 2; ++dy)
              for (int dx = 0; dx < 2; ++dx)
                s += x[((std::size_t(i) * in.height + 2 * oy + dy) * in.width + 2 * ox + dx) * c + j];
            expected[((std::size_t(i) * size.height + oy) * size.width + ox) * c + j] = float(s / 4);
          }
    std::vector<float> y(expected.size());
    Operands<float> o;
    o.input = {x.data(), nhwc(n, in.height, in.width, c)};
    o.output = {y.data(), nhwc(n, size.height, size.width, c)};
    o.window = window;
    check_both_forms(AvgPoolOp{}, o, y, expected);
  }
}

// PyTorch's interpolate(mode='nearest') source index, hand-computed: floor(i * in / out), the
// last input row for the rest, i / 2 at twice the size, and the same row at the same size.
TEST(Ops, NearestSourceIsPyTorchs) {
  const int seven_from_three[] = {0, 0, 0, 1, 1, 2, 2};
  for (int i = 0; i < 7; ++i) EXPECT_EQ(nearest_source(i, 3, 7), seven_from_three[i]) << i;
  const int six_from_three[] = {0, 0, 1, 1, 2, 2};
  for (int i = 0; i < 6; ++i) EXPECT_EQ(nearest_source(i, 3, 6), six_from_three[i]) << i;
  const int five_from_two[] = {0, 0, 0, 1, 1};
  for (int i = 0; i < 5; ++i) EXPECT_EQ(nearest_source(i, 2, 5), five_from_two[i]) << i;
  for (int i = 0; i < 9; ++i) EXPECT_EQ(nearest_source(i, 1, 9), 0) << i;
  for (int i = 0; i < 4; ++i) EXPECT_EQ(nearest_source(i, 4, 4), i) << i;
}

// Squeeze-excite's gates (one pixel per image) and V2's (fewer pixels than the tensor), in
// place.
TEST(Ops, GateScalesByTheNearestGate) {
  const int n = 2, h = 7, w = 6, c = 19;
  for (const Size gate_size : {Size{1, 1}, Size{3, 3}, Size{4, 3}, Size{7, 6}}) {
    SCOPED_TRACE(::testing::Message() << gate_size.height << "x" << gate_size.width << " gates");
    const auto x = random_values(std::size_t(n) * h * w * c, 14);
    const auto gates = random_values(std::size_t(n) * gate_size.height * gate_size.width * c, 15, 0.0f, 1.0f);
    std::vector<float> scaled = x, expected = x;
    for (int i = 0; i < n; ++i)
      for (int y = 0; y < h; ++y)
        for (int xx = 0; xx < w; ++xx) {
          // PyTorch's rule, written out: floor(y * gh / h) (exact here), at most gh - 1.
          const int gy = std::min(y * gate_size.height / h, gate_size.height - 1);
          const int gx = std::min(xx * gate_size.width / w, gate_size.width - 1);
          for (int j = 0; j < c; ++j) {
            expected[((std::size_t(i) * h + y) * w + xx) * c + j] *=
                gates[((std::size_t(i) * gate_size.height + gy) * gate_size.width + gx) * c + j];
          }
        }
    Operands<float> o;  // in place: its output is its input
    o.output = {scaled.data(), nhwc(n, h, w, c)};
    o.gates = {gates.data(), nhwc(n, gate_size.height, gate_size.width, c)};
    GateOp::run(o, [](const auto& f) { run_elements(f); });
    expect_close(scaled, expected, "gate");
  }
}

TEST(Ops, InputNormalisesImagesAndTransposesNchw) {
  const int n = 2, h = 3, w = 4;
  std::vector<uint8_t> image(std::size_t(n) * h * w * 3);
  for (std::size_t i = 0; i < image.size(); ++i) image[i] = uint8_t(i * 37 % 256);
  Io io;
  io.input = image.data();
  io.input_dtype = DType::U8;
  io.input_nchw = false;
  io.mean = {0.485f, 0.456f, 0.406f};
  io.std = {0.229f, 0.224f, 0.225f};
  std::vector<float> out(image.size()), expected(image.size());
  for (std::size_t i = 0; i < image.size(); ++i) expected[i] = (image[i] / 255.0f - io.mean[i % 3]) / io.std[i % 3];
  Operands<float> o;
  o.output = {out.data(), nhwc(n, h, w, 3)};
  o.io = &io;
  InputOp::run(o, [](const auto& f) { run_elements(f); });
  expect_close(out, expected, "uint8 NHWC");

  // Float input is taken as normalised: only transposed.
  const auto nchw = random_values(std::size_t(n) * 3 * h * w, 15);
  io.input = nchw.data();
  io.input_dtype = DType::F32;
  io.input_nchw = true;
  for (int i = 0; i < n; ++i)
    for (int c = 0; c < 3; ++c)
      for (int p = 0; p < h * w; ++p) expected[(std::size_t(i) * h * w + p) * 3 + c] = nchw[(std::size_t(i) * 3 + c) * h * w + p];
  InputOp::run(o, [](const auto& f) { run_elements(f); });
  expect_close(out, expected, "float NCHW");
}

TEST(Ops, BiasActAndOutput) {
  const int pixels = 5, c = 7;
  auto x = random_values(std::size_t(pixels) * c, 16);
  const auto b = random_values(std::size_t(c), 17);
  std::vector<float> expected(x.size());
  for (Act act : kActivations) {
    SCOPED_TRACE(activation_name(act));
    std::vector<float> y = x;
    for (std::size_t i = 0; i < x.size(); ++i) expected[i] = float(testing::textbook_activation(act, x[i] + b[i % c]));
    run_elements(BiasAct<float>{{y.data(), nhwc(pixels, 1, 1, c)}, b.data(), act});
    expect_close(y, expected, "bias + activation");
  }

  // Padded logits: only the first `classes` of each row are the caller's.
  const int classes = 4;
  Geometry logits = nhwc(pixels, 1, 1, classes);
  logits.stored_channels = c;
  std::vector<float> out(std::size_t(pixels) * classes), expected_out(out.size());
  for (std::size_t i = 0; i < out.size(); ++i) expected_out[i] = x[i / classes * c + i % classes];
  Io io;
  io.output = out.data();
  Operands<float> o;
  o.input = {x.data(), logits};
  o.io = &io;
  OutputOp::run(o, [](const auto& f) { run_elements(f); });
  expect_close(out, expected_out, "output, dropping padding");
}

}  // namespace
}  // namespace ghostnet::ops
