// The activations of ops/activation.h on the host's vectors, for every fast path: the functors'
// arithmetic, but for the sigmoid's e^x, which is a polynomial here (within about 1e-7 of the
// functors' expf).
#pragma once

#include <cstdint>
#include <type_traits>

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

// e^x on vectors, as Cephes' expf computes it: x = n ln 2 + r with |r| <= ln 2 / 2, e^r by its
// polynomial, times 2^n built in the exponent's bits; within about 1e-7 of expf. Arithmetic
// alone, no call: a call in a kernel would cost its accumulators their registers.
template <int W>
GN_ALWAYS_INLINE host::Vec<W> exp(host::Vec<W> x) {
  typedef int32_t Int __attribute__((vector_size(W * sizeof(int32_t))));
  const host::Vec<W> low = host::broadcast<W>(-87.3f), high = host::broadcast<W>(88.3f);
  x = x < low ? low : x;
  x = x > high ? high : x;
  const host::Vec<W> t = x * 1.44269504088896341f + 0.5f;
  Int n = __builtin_convertvector(t, Int);  // toward zero, then down to the floor
  n -= __builtin_convertvector(__builtin_convertvector(n, host::Vec<W>) > t, Int) & 1;
  const host::Vec<W> nf = __builtin_convertvector(n, host::Vec<W>);
  const host::Vec<W> r = x - nf * 0.693359375f - nf * -2.12194440e-4f;
  host::Vec<W> p = host::broadcast<W>(1.9875691500e-4f);
  for (float c : {1.3981999507e-3f, 8.3334519073e-3f, 4.1665795894e-2f, 1.6666665459e-1f, 5.0000001201e-1f}) {
    p = p * r + c;
  }
  p = p * r * r + r + 1.0f;
  const Int scale = (n + 127) << 23;
  host::Vec<W> two_to_n;
  __builtin_memcpy(&two_to_n, &scale, sizeof two_to_n);
  return p * two_to_n;
}

template <int W>
GN_ALWAYS_INLINE host::Vec<W> sigmoid(host::Vec<W> v) {
  return 1.0f / (1.0f + exp<W>(-v));
}

// The activation A (known at compile time) of v.
template <Act A, int W>
GN_ALWAYS_INLINE host::Vec<W> activate(host::Vec<W> v) {
  if constexpr (A == Act::Relu) return relu<W>(v);
  if constexpr (A == Act::HardSigmoid) return hard_sigmoid<W>(v);
  if constexpr (A == Act::Sigmoid) return sigmoid<W>(v);
  return v;
}

template <Act A>
using ActConstant = std::integral_constant<Act, A>;

// Calls f(ActConstant<act>{}): a kernel takes its activation at compile time, so each instance
// holds one activation's code; the sigmoid's polynomial beside the others' cost the GEMM a third
// of its speed, its accumulators their registers. `f` must be a GN_INLINED_LAMBDA.
template <typename F>
GN_ALWAYS_INLINE void with_activation(Act act, const F& f) {
  switch (act) {
    case Act::None: return f(ActConstant<Act::None>{});
    case Act::Relu: return f(ActConstant<Act::Relu>{});
    case Act::HardSigmoid: return f(ActConstant<Act::HardSigmoid>{});
    case Act::Sigmoid: return f(ActConstant<Act::Sigmoid>{});
  }
}

}  // namespace ghostnet::ops
