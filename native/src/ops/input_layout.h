// The first op: the caller's batch (float NCHW or NHWC, or uint8 NHWC/NCHW images) to
// NHWC in the compute type. uint8 images are normalised here, (x / 255 - mean) / std, so
// a quarter of the bytes cross PCIe; float input is taken as already normalised, as
// PyTorch models take it.
#pragma once

#include "ops/common.h"

namespace ghostnet::ops {

template <typename In, typename Out>
struct InputLayout {
  const In* in;
  Out* out;
  index_t pixels;  // N * H * W
  int channels;
  index_t image_pixels;  // H * W
  bool nchw;
  float scale[4];  // per channel: 1 / (255 * std) for uint8, 1 for float
  float shift[4];  // per channel: -mean / std for uint8, 0 for float

  GN_HD void operator()(index_t pixel, int c) const {
    const index_t source =
        nchw ? (pixel / image_pixels * channels + c) * image_pixels + pixel % image_pixels : pixel * channels + c;
    from_float(out[pixel * channels + c], to_float(in[source]) * scale[c] + shift[c]);
  }
};

}  // namespace ghostnet::ops
