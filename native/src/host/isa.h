// The instruction sets the host kernels are compiled for, and the one this CPU runs.
//
// A kernel is written once as an always-inlined body and instantiated twice: for the
// x86-64 baseline, and with GN_TARGET_AVX2 for CPUs with AVX2 and FMA (x86-64-v3). The
// choice is made once, at first use, from what the CPU reports. Plain target attributes
// and a hand-written dispatch (rather than target_clones with ISA-level names) keep the
// library buildable with GCC 10, the compiler of the oldest Linux the release natives
// target.
#pragma once

#define GN_TARGET_AVX2 __attribute__((target("avx2,fma,bmi,bmi2,f16c,lzcnt,movbe,popcnt")))

namespace ghostnet::host {

enum class Isa { Baseline, Avx2 };

// The best instruction set the kernels have a version for on this CPU.
inline Isa host_isa() {
  static const Isa isa = __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma") ? Isa::Avx2 : Isa::Baseline;
  return isa;
}

}  // namespace ghostnet::host
