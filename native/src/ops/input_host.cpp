#include "ops/input_host.h"

#include <cstdint>

#include "host/isa.h"
#include "host/thread_pool.h"
#include "ops/input.h"

namespace ghostnet::ops {
namespace {

// The model's input: RGB.
constexpr int kChannels = 3;

// Rows [begin, end) of the batch (row r is row r % height of image r / height), pixel by
// pixel, with the input's step from one pixel to the next known at compile time (1 within
// NCHW's planes, 3 across NHWC's pixels), so that the compiler vectorises the interleaving
// of the three channels.
template <int InStep, typename In>
GN_ALWAYS_INLINE void rows(const InputLayout<In, float>& f, int64_t begin, int64_t end) {
  const Geometry& out = f.out.shape;
  const int64_t image_pixels = out.image_pixels();
  for (int64_t row = begin; row < end; ++row) {
    const int64_t image = row / out.height, first = row * out.width;  // the row's first pixel
    const In* x[kChannels];
    for (int c = 0; c < kChannels; ++c) {
      x[c] = InStep == 1 ? f.in.data + (image * kChannels + c) * image_pixels + (first - image * image_pixels)
                         : f.in.data + first * kChannels + c;
    }
    float* y = f.out.data + first * kChannels;
    for (int i = 0; i < out.width; ++i) {
      for (int c = 0; c < kChannels; ++c) {
        y[kChannels * i + c] = float(x[c][int64_t(i) * InStep]) * f.scale[c] + f.shift[c];
      }
    }
  }
}

template <typename In>
void rows(const InputLayout<In, float>& f, int64_t begin, int64_t end) {
  host::with_host_isa([&](auto) GN_INLINED_LAMBDA {
    if (f.nchw) {
      rows<1>(f, begin, end);
    } else {
      rows<kChannels>(f, begin, end);
    }
  });
}

template <typename In>
void run(const InputLayout<In, float>& f, int threads) {
  host::parallel_for(f.out.shape.batch * f.out.shape.height, 8, threads,
                     [&](int64_t begin, int64_t end) { rows(f, begin, end); });
}

}  // namespace

void input_host(const Operands<float>& o, int threads) {
  if (o.io->input_dtype == DType::U8) {
    run(InputOp::functor<uint8_t>(o), threads);
  } else {
    run(InputOp::functor<float>(o), threads);
  }
}

}  // namespace ghostnet::ops
