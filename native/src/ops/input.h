// The first op: the caller's batch (float NCHW or NHWC, or uint8 NHWC/NCHW images) to
// NHWC in the compute type. uint8 images are normalised here, (x / 255 - mean) / std, so
// a quarter of the bytes cross PCIe; float input is taken as already normalised, as
// PyTorch models take it.
#pragma once

#include <cstdint>
#include <type_traits>

#include "ops/op.h"

namespace ghostnet::ops {

template <typename In, typename Out>
struct InputLayout {
  View<const In> in;  // the caller's [N, C, H, W] when nchw, else [N, H, W, C]
  bool nchw;
  View<Out> out;      // [N, H, W, C]
  float scale[4];     // per channel: 1 / (255 * std) for uint8, 1 for float
  float shift[4];     // per channel: -mean / std for uint8, 0 for float

  GN_HD void operator()(index_t pixel, int c) const {
    const int channels = out.shape.stored_channels;
    const index_t image_pixels = out.shape.image_pixels();
    const index_t source =
        nchw ? (pixel / image_pixels * channels + c) * image_pixels + pixel % image_pixels : pixel * channels + c;
    from_float(out.data[pixel * channels + c], to_float(in.data[source]) * scale[c] + shift[c]);
  }
};

struct InputOp : OpDefaults {
  static constexpr const char* kName = "input";
  // The caller's channels stay as they are: the stem reads them as given.
  static int stored_channels(int channels, int) { return channels; }

  template <typename T, typename Launch>
  static void run(const Operands<T>& o, Launch&& launch) {
    if (o.io->input_dtype == DType::U8) {
      launch(functor<uint8_t>(o));
    } else {
      launch(functor<float>(o));
    }
  }

  template <typename In, typename T>
  static InputLayout<In, T> functor(const Operands<T>& o) {
    const Io& io = *o.io;
    InputLayout<In, T> f{{static_cast<const In*>(io.input), o.output.shape}, io.input_nchw, o.output, {}, {}};
    for (std::size_t c = 0; c < 4; ++c) {
      const bool image = std::is_same_v<In, uint8_t> && c < 3;
      f.scale[c] = image ? 1.0f / (255.0f * io.std[c]) : 1.0f;
      f.shift[c] = image ? -io.mean[c] / io.std[c] : 0.0f;
    }
    return f;
  }
};

}  // namespace ghostnet::ops
