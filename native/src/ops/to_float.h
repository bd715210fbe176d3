// The last op: logits from the compute type to the caller's float32 [N, classes].
#pragma once

#include "ops/common.h"

namespace ghostnet::ops {

template <typename T>
struct ToFloat {
  const T* in;    // [N, in_stride]: the logits, then any channel padding
  float* out;     // [N, channels]
  index_t pixels;
  int channels;
  int in_stride;

  GN_HD void operator()(index_t pixel, int c) const { out[pixel * channels + c] = to_float(in[pixel * in_stride + c]); }
};

}  // namespace ghostnet::ops
