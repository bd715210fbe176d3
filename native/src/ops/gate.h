// A tensor times its gates, in place: squeeze-excite's scaling by per-image gates (one pixel
// per image), and GhostNetV2's attention, whose gates have fewer pixels than the tensor and are
// upsampled nearest, as PyTorch's interpolate(mode='nearest') does.
#pragma once

#include <math.h>

#include "ops/op.h"

namespace ghostnet::ops {

// PyTorch's source index for output position i of `out` from an axis of `in` (nearest, no
// scale given): the same position for the same size, i / 2 for twice it, else
// min(floor(i * (in / out)), in - 1) in float arithmetic.
GN_HD int nearest_source(int i, int in, int out) {
  if (out == in) return i;
  if (out == 2 * in) return i >> 1;
  const float scale = float(in) / float(out);
  const int source = int(floorf(float(i) * scale));
  return source < in - 1 ? source : in - 1;
}

template <typename T>
struct Gate {
  View<T> out;          // [N, H, W, channels], scaled in place
  View<const T> gates;  // [N, GH, GW, channels], GH <= H and GW <= W

  GN_HD void operator()(index_t pixel, int c) const {
    const PixelPosition at = position_of(pixel, out.shape.height, out.shape.width);
    const int gy = nearest_source(at.y, gates.shape.height, out.shape.height);
    const int gx = nearest_source(at.x, gates.shape.width, out.shape.width);
    const index_t gate = (at.n * gates.shape.height + gy) * gates.shape.width + gx;
    T& x = out.data[pixel * out.shape.stored_channels + c];
    from_float(x, to_float(x) * to_float(gates.data[gate * gates.shape.stored_channels + c]));
  }
};

struct GateOp : OpDefaults {
  static constexpr const char* kName = "gate";
  template <typename T, typename Launch>
  static void run(const Operands<T>& o, Launch&& launch) {
    launch(Gate<T>{o.output, o.gates});
  }
};

}  // namespace ghostnet::ops
