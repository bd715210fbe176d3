#include "ops/input_host.h"

#include <cstdint>

#include "host/thread_pool.h"
#include "ops/input.h"

namespace ghostnet::ops {
namespace {

// Rows [begin, end) of the batch (row r is row r % height of image r / height).
template <typename In>
void rows(const InputLayout<In, float>& f, int64_t begin, int64_t end) {
  const Geometry& out = f.out.shape;
  const int channels = out.stored_channels, width = out.width;
  const int64_t image_pixels = out.image_pixels();
  for (int64_t row = begin; row < end; ++row) {
    const int64_t image = row / out.height, first = row * width;  // the row's first pixel
    float* y = f.out.data + first * channels;
    for (int c = 0; c < channels; ++c) {
      const float scale = f.scale[c], shift = f.shift[c];
      if (f.nchw) {
        const In* x = f.in.data + (image * channels + c) * image_pixels + (first - image * image_pixels);
        for (int i = 0; i < width; ++i) y[int64_t(i) * channels + c] = float(x[i]) * scale + shift;
      } else {
        const In* x = f.in.data + first * channels + c;
        for (int i = 0; i < width; ++i) y[int64_t(i) * channels + c] = float(x[int64_t(i) * channels]) * scale + shift;
      }
    }
  }
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
