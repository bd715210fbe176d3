// Squeeze-excite's last step, in place: every pixel's channels times the image's gates.
#pragma once

#include "ops/op.h"

namespace ghostnet::ops {

template <typename T>
struct ChannelScale {
  View<T> out;          // [N, H, W, channels], scaled in place
  View<const T> gates;  // [N, 1, 1, channels]

  GN_HD void operator()(index_t pixel, int c) const {
    const index_t image = pixel / out.shape.image_pixels();
    T& x = out.data[pixel * out.shape.stored_channels + c];
    from_float(x, to_float(x) * to_float(gates.data[image * gates.shape.stored_channels + c]));
  }
};

struct ChannelScaleOp : OpDefaults {
  static constexpr const char* kName = "channel_scale";
  template <typename T, typename Launch>
  static void run(const Operands<T>& o, Launch&& launch) {
    launch(ChannelScale<T>{o.output, o.gates});
  }
};

}  // namespace ghostnet::ops
