// Vectors of W floats for the host kernels (W = 4, 8 or 16; see host/isa.h), written with
// GCC's vector extensions so that one source compiles to SSE, AVX2 or AVX-512 registers.
// Loads and stores are unaligned and may alias float data.
#pragma once

#include <utility>

#include "host/isa.h"

namespace ghostnet::host {

template <int W>
struct VectorType {
  typedef float type __attribute__((vector_size(W * sizeof(float))));
};
template <int W>
using Vec = typename VectorType<W>::type;

// Memory is read and written by copying, which compiles to unaligned vector moves and is
// free of aliasing rules. (An unaligned vector type, aligned(4), would do the same, but
// GCC 10 drops that attribute from a typedef in a template and emits aligned moves.)
template <int W>
GN_ALWAYS_INLINE Vec<W> load(const float* p) {
  Vec<W> v;
  __builtin_memcpy(&v, p, sizeof v);
  return v;
}

template <int W>
GN_ALWAYS_INLINE void store(float* p, Vec<W> v) {
  __builtin_memcpy(p, &v, sizeof v);
}

// Calls f(std::integral_constant<int, I>{}) for I = 0, 1, ..., N - 1, in order: for the code that
// sets a kernel's array of accumulators up and writes it out. GCC keeps such an array in
// registers only where every access to it has an index known when it decides; GCC 10 (the
// compiler of the release natives) decides before it unrolls loops like these, and otherwise
// keeps the array in memory as well, storing every accumulator on every step of the loop that
// sums into them: that halved the GEMMs' speed, where GCC 12 gave full speed.
template <typename F, int... I>
GN_ALWAYS_INLINE void unrolled(const F& f, std::integer_sequence<int, I...>) {
  (f(std::integral_constant<int, I>{}), ...);
}
template <int N, typename F>
GN_ALWAYS_INLINE void unrolled(const F& f) {
  unrolled(f, std::make_integer_sequence<int, N>{});
}

// Lanes [First, First + sizeof...(I)) of v, as a vector of their own.
template <int First, int W, int... I>
GN_ALWAYS_INLINE Vec<int(sizeof...(I))> lanes_of(Vec<W> v, std::integer_sequence<int, I...>) {
  return Vec<int(sizeof...(I))>{v[First + I]...};
}

// Stores the first `lanes` of v (fewer than W): the halves, quarters, ... of v that fit,
// each with one vector store, then single floats below four. Every lane is picked at an index
// known at compile time: taking v's address, or indexing it at run time, would put v in memory,
// and with it, in GCC 10, the whole array of accumulators v came from (see `unrolled`).
template <int W>
GN_ALWAYS_INLINE void store_first(float* p, Vec<W> v, int lanes) {
  if constexpr (W <= 4) {
    unrolled<W - 1>([&](auto j) GN_INLINED_LAMBDA {
      if (int(j) < lanes) p[int(j)] = v[int(j)];
    });
  } else {
    constexpr int kHalf = W / 2;
    const Vec<kHalf> low = lanes_of<0, W>(v, std::make_integer_sequence<int, kHalf>{});
    const Vec<kHalf> high = lanes_of<kHalf, W>(v, std::make_integer_sequence<int, kHalf>{});
    if (lanes >= kHalf) {
      store<kHalf>(p, low);
      if (lanes > kHalf) store_first<kHalf>(p + kHalf, high, lanes - kHalf);
    } else {
      store_first<kHalf>(p, low, lanes);
    }
  }
}

template <int W>
GN_ALWAYS_INLINE Vec<W> broadcast(float x) {
  return Vec<W>{} + x;
}

// Calls f(Width<w>{}, c) over channels [begin, end) in blocks: as many of W as fit, then
// at most one each of W/2, W/4, ... down to single channels, so that kernels always work on
// whole vectors, whatever the channel count.
template <int W, typename F>
GN_ALWAYS_INLINE void for_channel_blocks(int begin, int end, const F& f) {
  int c = begin;
  for (; c + W <= end; c += W) f(Width<W>{}, c);
  if constexpr (W > 1) {
    if (c < end) for_channel_blocks<W / 2>(c, end, f);
  }
}

}  // namespace ghostnet::host
