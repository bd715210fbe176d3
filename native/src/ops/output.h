// The last op: logits from the compute type to the caller's float32 [N, classes].
#pragma once

#include "ops/op.h"

namespace ghostnet::ops {

template <typename T>
struct ToFloat {
  View<const T> in;  // [N, 1, 1, classes]: the logits, then any channel padding
  View<float> out;   // [N, 1, 1, classes], unpadded

  GN_HD void operator()(index_t pixel, int c) const {
    out.data[pixel * out.shape.stored_channels + c] = to_float(in.data[pixel * in.shape.stored_channels + c]);
  }
};

struct OutputOp : OpDefaults {
  static constexpr const char* kName = "output";
  template <typename T, typename Launch>
  static void run(const Operands<T>& o, Launch&& launch) {
    Geometry logits = o.input.shape;
    logits.stored_channels = logits.channels;
    launch(ToFloat<T>{o.input, {o.io->output, logits}});
  }
};

}  // namespace ghostnet::ops
