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

// What a BF16 model's pointwise convolutions run on. BF16 is asked for to be faster, never
// slower: the AVX512_BF16 kernels where its dot product pays, the FP32 kernels (exact, and
// then the model's logits are FP32's) where it would not.
enum class Bf16Engine : int32_t { Fp32 = 0, Avx512Bf16 = 1 };

const char* bf16_engine_name(Bf16Engine engine);  // "AVX512_BF16", say

enum class CpuVendor : int32_t { Other = 0, Intel = 1, Amd = 2 };

// The engine known to pay on a vendor's CPUs with AVX512_BF16. AMD's (Zen 4 and 5) run
// vdpbf16ps, two multiply-adds a lane, at the rate of an FMA: twice FP32's peak. Intel's
// (Cooper Lake to Granite Rapids) run it on one port where FMAs take two: the same peak as
// FP32, measured at half on a Sapphire Rapids core, and BF16 a fifth slower than FP32 end to
// end. Their BF16 engine is AMX, which these kernels do not use.
Bf16Engine known_bf16_engine(CpuVendor vendor);

// The engine this process runs BF16 on (cpu_has_avx512_bf16() must hold): the known one,
// or the one the environment variable GHOSTNET_HOST_BF16 (avx512_bf16 or fp32) names.
Bf16Engine host_bf16_engine();

// Runs BF16 on `engine` until the scope ends: for tests. Not for concurrent use.
class ScopedBf16Engine {
 public:
  explicit ScopedBf16Engine(Bf16Engine engine);
  ~ScopedBf16Engine();
  ScopedBf16Engine(const ScopedBf16Engine&) = delete;
  ScopedBf16Engine& operator=(const ScopedBf16Engine&) = delete;

 private:
  Bf16Engine previous_;
};

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

// Runs body() in a function of its own compiled for the instruction set of width I, where
// body is a GN_INLINED_LAMBDA. Kernels call it for each specialisation they dispatch to at
// run time: inlined into one function, a dozen specialisations make a function so large that
// GCC takes minutes to compile it, and tens of minutes under the sanitizers.
template <typename Body>
GN_TARGET_AVX512 __attribute__((noinline)) void outlined_avx512(const Body& body) {
  body();
}
template <typename Body>
GN_TARGET_AVX2 __attribute__((noinline)) void outlined_avx2(const Body& body) {
  body();
}
template <typename Body>
__attribute__((noinline)) void outlined_baseline(const Body& body) {
  body();
}
template <int I, typename Body>
GN_ALWAYS_INLINE void outlined(const Body& body) {
  if constexpr (I == vector_width(Isa::Avx512)) {
    outlined_avx512(body);
  } else if constexpr (I == vector_width(Isa::Avx2)) {
    outlined_avx2(body);
  } else {
    static_assert(I == vector_width(Isa::Baseline), "I is the vector width of an instruction set");
    outlined_baseline(body);
  }
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
