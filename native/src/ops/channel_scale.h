// Squeeze-excite's last step, in place: every pixel's channels times the image's gates.
#pragma once

#include "ops/common.h"

namespace ghostnet::ops {

template <typename T>
struct ChannelScale {
  T* data;          // [N, H, W, channels], scaled in place
  const T* gates;   // [N, channels]
  index_t pixels;   // N * H * W
  int channels;
  index_t image_pixels;  // H * W

  GN_HD void operator()(index_t pixel, int c) const {
    T& x = data[pixel * channels + c];
    from_float(x, to_float(x) * to_float(gates[pixel / image_pixels * channels + c]));
  }
};

}  // namespace ghostnet::ops
