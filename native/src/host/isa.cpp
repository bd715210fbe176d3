#include "host/isa.h"

#include <algorithm>
#include <atomic>
#include <cstdlib>
#include <cstring>

namespace ghostnet::host {
namespace {

Isa detect_cpu_isa() {
  // libgcc's checks include the operating system's support for the wider registers.
  __builtin_cpu_init();
  if (__builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512bw") &&
      __builtin_cpu_supports("avx512dq") && __builtin_cpu_supports("avx512vl")) {
    return Isa::Avx512;
  }
  if (__builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma")) return Isa::Avx2;
  return Isa::Baseline;
}

Isa requested_isa() {
  const char* text = std::getenv("GHOSTNET_HOST_ISA");
  Isa isa = cpu_isa();
  if (text == nullptr) return isa;
  if (std::strcmp(text, "baseline") == 0) return Isa::Baseline;
  if (std::strcmp(text, "avx2") == 0) return std::min(isa, Isa::Avx2);
  return isa;  // "avx512", or a word this version does not know: the best there is
}

std::atomic<int>& selected() {
  static std::atomic<int> isa{int(requested_isa())};
  return isa;
}

}  // namespace

const char* isa_name(Isa isa) {
  switch (isa) {
    case Isa::Avx512: return "AVX-512";
    case Isa::Avx2: return "AVX2+FMA";
    case Isa::Baseline: return "x86-64 baseline (SSE2)";
  }
  return "unknown";
}

Isa cpu_isa() {
  static const Isa isa = detect_cpu_isa();
  return isa;
}

bool cpu_has_avx512_bf16() {
  static const bool has = cpu_isa() == Isa::Avx512 && __builtin_cpu_supports("avx512bf16");
  return has && host_isa() == Isa::Avx512;
}

Isa host_isa() { return Isa(selected().load(std::memory_order_relaxed)); }

ScopedIsa::ScopedIsa(Isa isa) : previous_(host_isa()) { selected().store(int(std::min(isa, cpu_isa()))); }

ScopedIsa::~ScopedIsa() { selected().store(int(previous_)); }

}  // namespace ghostnet::host
