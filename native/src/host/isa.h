// The instruction sets the host kernels are compiled for, and the one they run with.
//
// A host kernel is written once, for a vector of W floats (host/simd.h), and compiled for
// three instruction sets: the x86-64 baseline (SSE2, W = 4), AVX2 with FMA (x86-64-v3,
// W = 8) and AVX-512 (x86-64-v4, W = 16). with_host_isa runs it for the best one this
// CPU has, chosen once at first use. Target attributes and this hand-written dispatch
// (rather than target_clones with ISA-level names) keep the library buildable with GCC 10,
// the compiler of the oldest Linux the release natives target.
#pragma once

#include <cstdint>

#define GN_ALWAYS_INLINE inline __attribute__((always_inline))
#define GN_INLINED_LAMBDA __attribute__((always_inline))
#define GN_TARGET_AVX2 __attribute__((target("avx2,fma,bmi,bmi2,f16c,lzcnt,movbe,popcnt")))
#define GN_TARGET_AVX512 \
  __attribute__((target("avx512f,avx512bw,avx512dq,avx512vl,avx2,fma,bmi,bmi2,f16c,lzcnt,movbe,popcnt")))
#define GN_TARGET_AVX512_BF16 \
  __attribute__((target("avx512bf16,avx512f,avx512bw,avx512dq,avx512vl,avx2,fma,bmi,bmi2,f16c,lzcnt,movbe,popcnt")))

namespace ghostnet::host {

enum class Isa : int32_t { Baseline = 0, Avx2 = 1, Avx512 = 2 };

const char* isa_name(Isa isa);  // "AVX-512", say

// The best instruction set this CPU (and its operating system) supports.
Isa cpu_isa();

// Whether this CPU multiplies bfloat16 pairs into float sums (AVX512_BF16: Intel Cooper
// Lake and Sapphire Rapids onward, AMD Zen 4 onward), which BF16 on the host needs, and the
// kernels run with AVX-512 (host_isa()).
bool cpu_has_avx512_bf16();

// What the kernels run with: cpu_isa(), or less where the environment variable
// GHOSTNET_HOST_ISA (baseline, avx2 or avx512) asks for less.
Isa host_isa();

// Runs the kernels with `isa` (at most cpu_isa()) until the scope ends: for tests that
// hold every instruction set's kernels to the reference. Not for concurrent use.
class ScopedIsa {
 public:
  explicit ScopedIsa(Isa isa);
  ~ScopedIsa();
  ScopedIsa(const ScopedIsa&) = delete;
  ScopedIsa& operator=(const ScopedIsa&) = delete;

 private:
  Isa previous_;
};

template <int W>
struct Width {
  static constexpr int value = W;
};

// The vector width a kernel runs with on `isa`.
constexpr int vector_width(Isa isa) { return isa == Isa::Avx512 ? 16 : isa == Isa::Avx2 ? 8 : 4; }

// Runs body(Width<W>{}) compiled for the instruction set whose width W is. `body` must be
// a GN_INLINED_LAMBDA, so that it is compiled into these functions, for their
// instruction sets, rather than on its own for the baseline.
template <typename Body>
GN_TARGET_AVX512 void run_avx512(const Body& body) {
  body(Width<16>{});
}
template <typename Body>
GN_TARGET_AVX2 void run_avx2(const Body& body) {
  body(Width<8>{});
}
template <typename Body>
void run_baseline(const Body& body) {
  body(Width<4>{});
}

template <typename Body>
void with_isa(Isa isa, const Body& body) {
  switch (isa) {
    case Isa::Avx512: run_avx512(body); break;
    case Isa::Avx2: run_avx2(body); break;
    case Isa::Baseline: run_baseline(body); break;
  }
}

template <typename Body>
void with_host_isa(const Body& body) {
  with_isa(host_isa(), body);
}

}  // namespace ghostnet::host
