// The activations of ops/activation.h on the host's vectors, for every fast path: the same
// arithmetic as the functors', lane by lane.
#pragma once

#include <cmath>

#include "host/simd.h"
#include "ops/activation.h"

namespace ghostnet::ops {

// Each comparison is the functor's, so that NaN goes where it goes there.
template <int W>
GN_ALWAYS_INLINE host::Vec<W> relu(host::Vec<W> v) {
  const host::Vec<W> zero{};
  return v > zero ? v : zero;
}

template <int W>
GN_ALWAYS_INLINE host::Vec<W> hard_sigmoid(host::Vec<W> v) {
  const host::Vec<W> zero{}, six = host::broadcast<W>(6.0f), x = v + 3.0f;
  host::Vec<W> y = x <= zero ? zero : x;
  y = x >= six ? six : y;
  return y / 6.0f;
}

template <int W>
GN_ALWAYS_INLINE host::Vec<W> sigmoid(host::Vec<W> v) {
  host::Vec<W> y{};
  // Lane by lane, each at an index known at compile time (host::unrolled says why).
  host::unrolled<W>([&](auto j) GN_INLINED_LAMBDA { y[int(j)] = 1.0f / (1.0f + expf(-v[int(j)])); });
  return y;
}

template <int W>
GN_ALWAYS_INLINE host::Vec<W> activate(Act act, host::Vec<W> v) {
  switch (act) {
    case Act::None: return v;
    case Act::Relu: return relu<W>(v);
    case Act::HardSigmoid: return hard_sigmoid<W>(v);
    case Act::Sigmoid: return sigmoid<W>(v);
  }
  return v;
}

}  // namespace ghostnet::ops
