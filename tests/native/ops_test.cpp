// Every op functor against a plain reference written here, on the host: the element form
// (what GPUs run) and the span form (what the host runs) must both agree with it.
#include <gtest/gtest.h>

#include <cmath>
#include <random>
#include <vector>

#include "ops/bias_act.h"
#include "ops/channel_scale.h"
#include "ops/dense.h"
#include "ops/dense_conv.h"
#include "ops/depthwise_conv.h"
#include "ops/ghost_cheap.h"
#include "ops/global_pool.h"
#include "ops/input_layout.h"
#include "ops/to_float.h"

namespace ghostnet::ops {
namespace {

std::vector<float> random_values(std::size_t n, unsigned seed, float lo = -1.0f, float hi = 1.0f) {
  std::mt19937 rng(seed);
  std::uniform_real_distribution<float> dist(lo, hi);
  std::vector<float> v(n);
  for (auto& x : v) x = dist(rng);
  return v;
}

template <typename F>
void run_elements(const F& f) {
  for (index_t p = 0; p < f.pixels; ++p) {
    for (int c = 0; c < f.channels; ++c) f(p, c);
  }
}

template <typename F>
void run_spans(const F& f) {
  constexpr int kSpan = 32;
  for (index_t p = 0; p < f.pixels; ++p) {
    for (int c = 0; c < f.channels; c += kSpan) f.template span<kSpan>(p, c, std::min(kSpan, f.channels - c));
  }
}

void expect_close(const std::vector<float>& actual, const std::vector<float>& expected, const char* what) {
  ASSERT_EQ(actual.size(), expected.size());
  for (std::size_t i = 0; i < actual.size(); ++i) {
    ASSERT_NEAR(actual[i], expected[i], 1e-5f * (1.0f + std::abs(expected[i]))) << what << " element " << i;
  }
}

// Runs a functor writing into `out` both ways and checks each against `expected`.
template <typename F>
void check_both_forms(F f, std::vector<float>& out, const std::vector<float>& expected) {
  std::fill(out.begin(), out.end(), NAN);
  run_elements(f);
  expect_close(out, expected, "element form");
  if constexpr (has_spans<F>::value) {
    std::fill(out.begin(), out.end(), NAN);
    run_spans(f);
    expect_close(out, expected, "span form");
  }
}

struct Geometry {
  int n = 2, h = 9, w = 7, in_channels = 37, channels = 37, kernel = 3, stride = 1;
  int oh() const { return (h + 2 * (kernel / 2) - kernel) / stride + 1; }
  int ow() const { return (w + 2 * (kernel / 2) - kernel) / stride + 1; }
};

// The textbook convolution over NHWC with "same" padding; weight [out][in/groups][k][k].
std::vector<float> reference_conv(const std::vector<float>& x, const std::vector<float>& w,
                                  const std::vector<float>& b, const Geometry& g, bool depthwise, Act act) {
  std::vector<float> y(std::size_t(g.n) * g.oh() * g.ow() * g.channels);
  const int pad = g.kernel / 2, per_group = depthwise ? 1 : g.in_channels;
  for (int n = 0; n < g.n; ++n)
    for (int oy = 0; oy < g.oh(); ++oy)
      for (int ox = 0; ox < g.ow(); ++ox)
        for (int o = 0; o < g.channels; ++o) {
          double sum = b[std::size_t(o)];
          for (int i = 0; i < per_group; ++i) {
            const int ci = depthwise ? o : i;
            for (int ky = 0; ky < g.kernel; ++ky)
              for (int kx = 0; kx < g.kernel; ++kx) {
                const int iy = oy * g.stride - pad + ky, ix = ox * g.stride - pad + kx;
                if (iy < 0 || iy >= g.h || ix < 0 || ix >= g.w) continue;
                sum += double(x[((std::size_t(n) * g.h + iy) * g.w + ix) * g.in_channels + ci]) *
                       w[((std::size_t(o) * per_group + i) * g.kernel + ky) * g.kernel + kx];
              }
          }
          y[((std::size_t(n) * g.oh() + oy) * g.ow() + ox) * g.channels + o] = activate(act, float(sum));
        }
  return y;
}

// [out][in][k][k] -> [k][k][in][out]: the functors' weight layout, written out here so the
// tests do not depend on graph::channels_last_weights.
std::vector<float> channels_last(const std::vector<float>& w, int out, int in, int k) {
  std::vector<float> r(w.size());
  for (int o = 0; o < out; ++o)
    for (int i = 0; i < in; ++i)
      for (int t = 0; t < k * k; ++t) r[(std::size_t(t) * in + i) * out + o] = w[(std::size_t(o) * in + i) * k * k + t];
  return r;
}

TEST(Ops, DepthwiseConvMatchesTheTextbookConvolution) {
  for (Geometry g : {Geometry{}, Geometry{2, 9, 7, 37, 37, 5, 2}, Geometry{1, 1, 1, 40, 40, 3, 2}, Geometry{1, 4, 3, 8, 8, 3, 1}}) {
    const auto x = random_values(std::size_t(g.n) * g.h * g.w * g.channels, 1);
    const auto w = random_values(std::size_t(g.channels) * g.kernel * g.kernel, 2);
    const auto b = random_values(std::size_t(g.channels), 3);
    const auto wl = channels_last(w, g.channels, 1, g.kernel);
    for (Act act : {Act::None, Act::Relu}) {
      std::vector<float> y(std::size_t(g.n) * g.oh() * g.ow() * g.channels);
      check_both_forms(DepthwiseConv<float>{x.data(), wl.data(), b.data(), y.data(), index_t(g.n) * g.oh() * g.ow(),
                                            g.channels, g.h, g.w, g.oh(), g.ow(), {g.kernel, g.stride, g.kernel / 2}, act},
                       y, reference_conv(x, w, b, g, true, act));
    }
  }
}

TEST(Ops, DenseConvMatchesTheTextbookConvolution) {
  Geometry g{2, 11, 8, 3, 19, 3, 2};
  const auto x = random_values(std::size_t(g.n) * g.h * g.w * g.in_channels, 4);
  const auto w = random_values(std::size_t(g.channels) * g.in_channels * g.kernel * g.kernel, 5);
  const auto b = random_values(std::size_t(g.channels), 6);
  const auto wl = channels_last(w, g.channels, g.in_channels, g.kernel);
  std::vector<float> y(std::size_t(g.n) * g.oh() * g.ow() * g.channels);
  check_both_forms(DenseConv<float>{x.data(), wl.data(), b.data(), y.data(), index_t(g.n) * g.oh() * g.ow(), g.channels,
                                    g.in_channels, g.h, g.w, g.oh(), g.ow(), {g.kernel, g.stride, 1}, Act::Relu},
                   y, reference_conv(x, w, b, g, false, Act::Relu));
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
  const auto wt = random_values(std::size_t(primary) * k * k, 8);
  const auto b = random_values(std::size_t(primary), 9);
  Geometry g{n, h, w, primary, primary, k, 1};
  struct Strides {
    int channels, stored, primary_stride;
  };
  for (Strides layout : {Strides{39, 39, 20}, Strides{40, 40, 20}, Strides{39, 48, 24}}) {
    const int channels = layout.channels;
    const auto sp = with_stride(p, primary, layout.primary_stride, NAN);
    const auto sw = with_stride(channels_last(wt, primary, 1, k), primary, layout.primary_stride, NAN);
    const auto sb = with_stride(b, primary, layout.primary_stride, NAN);
    const auto residual = with_stride(random_values(std::size_t(n) * h * w * channels, 10), channels, layout.stored, 0.0f);
    for (bool with_residual : {false, true}) {
      for (Act act : {Act::None, Act::Relu}) {
        const auto cheap = reference_conv(p, wt, b, g, true, act);
        std::vector<float> expected(std::size_t(n) * h * w * layout.stored, 0.0f);
        for (std::size_t px = 0; px < std::size_t(n) * h * w; ++px) {
          for (int c = 0; c < channels; ++c) {
            float v = c < primary ? p[px * primary + c] : cheap[px * primary + (c - primary)];
            if (with_residual) v += residual[px * layout.stored + c];
            expected[px * layout.stored + c] = v;
          }
        }
        std::vector<float> y(expected.size());
        check_both_forms(GhostCheap<float>{sp.data(), sw.data(), sb.data(), with_residual ? residual.data() : nullptr,
                                           y.data(), index_t(n) * h * w, layout.stored, channels, primary,
                                           layout.primary_stride, h, w, {k, 1, 1}, act},
                         y, expected);
      }
    }
  }
}

TEST(Ops, GlobalAveragePoolDenseAndChannelScale) {
  const int n = 3, hw = 13, c = 45, out = 11;
  const auto x = random_values(std::size_t(n) * hw * c, 11);
  std::vector<float> mean(std::size_t(n) * c, 0.0f);
  for (int i = 0; i < n; ++i)
    for (int p = 0; p < hw; ++p)
      for (int j = 0; j < c; ++j) mean[std::size_t(i) * c + j] += x[(std::size_t(i) * hw + p) * c + j] / hw;
  std::vector<float> pooled(mean.size());
  check_both_forms(GlobalAveragePool<float>{x.data(), pooled.data(), n, c, hw}, pooled, mean);

  const auto w = random_values(std::size_t(out) * c, 12);  // [out][in]
  const auto b = random_values(std::size_t(out), 13);
  const auto wl = channels_last(w, out, c, 1);
  for (Act act : {Act::Relu, Act::HardSigmoid}) {
    std::vector<float> expected(std::size_t(n) * out);
    for (int i = 0; i < n; ++i)
      for (int o = 0; o < out; ++o) {
        double s = b[std::size_t(o)];
        for (int j = 0; j < c; ++j) s += double(mean[std::size_t(i) * c + j]) * w[std::size_t(o) * c + j];
        // relu6(s + 3) / 6 for the hard sigmoid, as upstream writes it.
        expected[std::size_t(i) * out + o] =
            act == Act::Relu ? std::max(0.0f, float(s)) : std::min(6.0f, std::max(0.0f, float(s) + 3.0f)) / 6.0f;
      }
    std::vector<float> y(expected.size());
    check_both_forms(Dense<float>{mean.data(), wl.data(), b.data(), y.data(), n, out, c, act}, y, expected);
  }

  const auto gates = random_values(std::size_t(n) * c, 14, 0.0f, 1.0f);
  std::vector<float> scaled = x, expected = x;
  for (std::size_t i = 0; i < expected.size(); ++i) expected[i] *= gates[(i / c) / hw * c + i % c];
  run_elements(ChannelScale<float>{scaled.data(), gates.data(), index_t(n) * hw, c, hw});
  expect_close(scaled, expected, "channel scale");
}

TEST(Ops, InputLayoutNormalisesImagesAndTransposesNchw) {
  const int n = 2, h = 3, w = 4;
  std::vector<uint8_t> image(std::size_t(n) * h * w * 3);
  for (std::size_t i = 0; i < image.size(); ++i) image[i] = uint8_t(i * 37 % 256);
  const float mean[3] = {0.485f, 0.456f, 0.406f}, std[3] = {0.229f, 0.224f, 0.225f};
  InputLayout<uint8_t, float> f{image.data(), nullptr, index_t(n) * h * w, 3, h * w, false, {}, {}};
  for (int c = 0; c < 3; ++c) {
    f.scale[c] = 1.0f / (255.0f * std[c]);
    f.shift[c] = -mean[c] / std[c];
  }
  std::vector<float> out(image.size()), expected(image.size());
  for (std::size_t i = 0; i < image.size(); ++i) expected[i] = (image[i] / 255.0f - mean[i % 3]) / std[i % 3];
  f.out = out.data();
  run_elements(f);
  expect_close(out, expected, "uint8 NHWC");

  const auto nchw = random_values(std::size_t(n) * 3 * h * w, 15);
  InputLayout<float, float> g{nchw.data(), out.data(), index_t(n) * h * w, 3, h * w, true, {1, 1, 1, 1}, {0, 0, 0, 0}};
  for (int i = 0; i < n; ++i)
    for (int c = 0; c < 3; ++c)
      for (int p = 0; p < h * w; ++p) expected[(std::size_t(i) * h * w + p) * 3 + c] = nchw[(std::size_t(i) * 3 + c) * h * w + p];
  run_elements(g);
  expect_close(out, expected, "float NCHW");
}

TEST(Ops, BiasActAndToFloat) {
  const int pixels = 5, c = 7;
  auto x = random_values(std::size_t(pixels) * c, 16);
  const auto b = random_values(std::size_t(c), 17);
  std::vector<float> expected(x.size());
  for (std::size_t i = 0; i < x.size(); ++i) expected[i] = std::max(0.0f, x[i] + b[i % c]);
  run_elements(BiasAct<float>{x.data(), b.data(), pixels, c, Act::Relu});
  expect_close(x, expected, "bias + relu");
  std::vector<float> copy(x.size());
  run_elements(ToFloat<float>{x.data(), copy.data(), pixels, c, c});
  expect_close(copy, x, "to float");
  // Padded logits: only the first `classes` of each row are the caller's.
  const int classes = 4;
  std::vector<float> logits(std::size_t(pixels) * classes), expected_logits(logits.size());
  for (std::size_t i = 0; i < logits.size(); ++i) expected_logits[i] = x[i / classes * c + i % classes];
  run_elements(ToFloat<float>{x.data(), logits.data(), pixels, classes, c});
  expect_close(logits, expected_logits, "to float, dropping padding");
}

}  // namespace
}  // namespace ghostnet::ops
