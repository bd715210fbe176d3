// The host's fast path for depthwise convolutions (DepthwiseConv, and the ghost module's
// cheap half): a row of output pixels at a time, a vector of channels at a time, with the
// window's weights held in registers across the row and the row's interior run without
// the bounds checks its borders need. The functors in depthwise_conv.h and ghost_cheap.h
// are its reference.
#pragma once

#include <cstdint>

#include "ops/op.h"

namespace ghostnet::ops {

// A depthwise KxK convolution of `channels` channels of NHWC tensors, reading input
// channels from in_offset and writing output channels from out_offset:
//   out[c + out_offset] = act(bias[c] + sum over the window of in[c + in_offset] * w[c])
//                         (+ residual[c + out_offset])
// and, where asked, out[c + copy_offset] = in[c + in_offset] at the window's centre
//                                          (+ residual[c + copy_offset])
struct DepthwiseRows {
  View<const float> in;
  int in_offset = 0;
  View<float> out;
  int out_offset = 0;
  View<const float> residual;  // shaped like out; no data when there is none
  const float* weight = nullptr;  // [KH][KW][weight_stride]: channel fastest
  int weight_stride = 0;
  const float* bias = nullptr;    // [channels]
  int channels = 0;
  Window window;
  Act act = Act::None;
  // Where not negative (windows with "same" padding): each output pixel's centre input,
  // the input pixel it sits on, is also written to out's channels from copy_offset (plus
  // the residual there), from the registers that already hold it. This is the ghost
  // module's pass-through half, written beside the cheap half while its cache lines are
  // at hand rather than in a pass of its own.
  int copy_offset = -1;
};

// Computes output rows [begin, end) of the batch: row r is row r % height of image
// r / height. Each output element's arithmetic is the same whatever rows a call covers.
void depthwise_rows(const DepthwiseRows& conv, int64_t begin, int64_t end);

// DepthwiseConv<float>'s operands, on up to `threads` threads.
void depthwise_conv_host(const Operands<float>& o, int threads);

}  // namespace ghostnet::ops
