// The last op: logits from the compute type to the caller's float32 [N, classes].
#pragma once

#include "ops/common.h"

namespace ghostnet::ops {

template <typename T>
struct ToFloat {
  const T* in;
  float* out;
  index_t pixels;
  int channels;

  GN_HD void operator()(index_t pixel, int c) const { out[pixel * channels + c] = to_float(in[pixel * channels + c]); }
};

}  // namespace ghostnet::ops
