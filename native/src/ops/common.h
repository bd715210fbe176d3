// What every op functor shares: host+device marking, geometry, element conversions.
//
// An op functor computes one output element, (pixel, channel) of an NHWC tensor, and is
// compiled for both executors: the host runs it in parallel loops over pixels with the
// channel loop innermost, the CUDA executor as a grid-stride kernel. One source for both
// keeps their arithmetic the same, so the host's results check the GPU's, op by op.
// Every functor names the tensor it writes `out`, a View: its elements are out.shape's
// pixels() times stored_channels, and that is what an executor runs it over.
#pragma once

#include <cstdint>

#if defined(__CUDACC__)
#include <cuda_bf16.h>
#include <cuda_fp16.h>
#define GN_HD __host__ __device__ __forceinline__
#else
// Always inlined, so each CPU-specific clone of the host loops (executors/host_backend.cpp)
// gets its own copy compiled for its instruction set.
#define GN_HD inline __attribute__((always_inline))
#endif

namespace ghostnet::ops {

using index_t = int64_t;

// Functors whose output element sums over a window also offer a span form,
//   template <int Span> void span(index_t pixel, int c0, int count) const,
// computing channels [c0, c0 + count), count <= Span, with the channel loop innermost.
// Their element form is span<1>; the host runs spans of many channels, which vectorise.
// Such functors declare `static constexpr bool kSpans = true`.
template <typename F, typename = void>
struct has_spans {
  static constexpr bool value = false;
};
template <typename F>
struct has_spans<F, decltype(void(F::kSpans))> {
  static constexpr bool value = F::kSpans;
};

// Marks a channel loop for vectorisation on the host (a no-op in device code).
#if defined(__CUDA_ARCH__)
#define GN_CHANNEL_LOOP
#else
#define GN_CHANNEL_LOOP _Pragma("omp simd")
#endif

// Activations stored as T (float on the host; also half and bfloat16 on GPUs), computed
// in float.
GN_HD float to_float(float v) { return v; }
GN_HD void from_float(float& out, float v) { out = v; }
#if defined(__CUDACC__)
GN_HD float to_float(__half v) { return __half2float(v); }
GN_HD float to_float(__nv_bfloat16 v) { return __bfloat162float(v); }
GN_HD void from_float(__half& out, float v) { out = __float2half_rn(v); }
GN_HD void from_float(__nv_bfloat16& out, float v) { out = __float2bfloat16_rn(v); }
#endif
GN_HD float to_float(uint8_t v) { return float(v); }

GN_HD int clamp(int v, int lo, int hi) { return v < lo ? lo : v > hi ? hi : v; }

// Where an NHWC pixel index lies: image n, row y, column x.
struct PixelPosition {
  index_t n;
  int y;
  int x;
};

GN_HD PixelPosition position_of(index_t pixel, int height, int width) {
  const index_t image = index_t(width) * height;
  // 32-bit division, several times faster than 64-bit on CPUs and GPUs, whenever it fits.
  if (pixel <= index_t(0xffffffffu) && image <= index_t(0xffffffffu)) {
    const uint32_t p = uint32_t(pixel), w = uint32_t(width);
    const uint32_t row = p / w;
    return {index_t(p / uint32_t(image)), int(row % uint32_t(height)), int(p - row * w)};
  }
  return {pixel / image, int(pixel / width % height), int(pixel % width)};
}

struct Size {
  int height = 0;
  int width = 0;
};

// A window's geometry per axis, rows (h) and columns (w): its kernel, stride and zero padding.
struct Window {
  int kernel_h = 1, kernel_w = 1;
  int stride_h = 1, stride_w = 1;
  int pad_h = 0, pad_w = 0;

  // A square window at stride S, padded by K / 2: "same" padding, as GhostNet's convolutions.
  static Window same(int kernel, int stride) { return {kernel, kernel, stride, stride, kernel / 2, kernel / 2}; }
  // The window's positions along an axis of `input` pixels, PyTorch's floor((input + 2 pad - kernel)
  // / stride) + 1: 0 where the padded input is shorter than the kernel.
  static GN_HD int positions(int input, int kernel, int stride, int pad) {
    const int span = input + 2 * pad - kernel;
    return span < 0 ? 0 : span / stride + 1;
  }
  GN_HD int output_height(int input) const { return positions(input, kernel_h, stride_h, pad_h); }
  GN_HD int output_width(int input) const { return positions(input, kernel_w, stride_w, pad_w); }
  Size output_size(Size input) const { return {output_height(input.height), output_width(input.width)}; }
};

// One NHWC tensor as an op sees it.
struct Geometry {
  index_t batch = 0;
  int height = 0;
  int width = 0;
  int channels = 0;         // the model's
  int stored_channels = 0;  // per pixel in memory: `channels`, then zero padding

  GN_HD index_t image_pixels() const { return index_t(height) * width; }
  // Of the whole batch; a pooled tensor has one pixel per image.
  GN_HD index_t pixels() const { return batch * image_pixels(); }
};

// A tensor an op reads (View<const T>) or writes (View<T>): its memory and geometry.
template <typename T>
struct View {
  T* data = nullptr;
  Geometry shape;
};

}  // namespace ghostnet::ops
