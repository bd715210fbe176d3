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

CpuVendor cpu_vendor() {
  __builtin_cpu_init();
  if (__builtin_cpu_is("intel")) return CpuVendor::Intel;
  if (__builtin_cpu_is("amd")) return CpuVendor::Amd;
  return CpuVendor::Other;
}

Bf16Engine requested_bf16_engine() {
  const char* text = std::getenv("GHOSTNET_HOST_BF16");
  if (text != nullptr && std::strcmp(text, "fp32") == 0) return Bf16Engine::Fp32;
  if (text != nullptr && std::strcmp(text, "avx512_bf16") == 0) return Bf16Engine::Avx512Bf16;
  return known_bf16_engine(cpu_vendor());  // unset, or a word this version does not know
}

std::atomic<int>& selected_bf16_engine() {
  static std::atomic<int> engine{int(requested_bf16_engine())};
  return engine;
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

const char* bf16_engine_name(Bf16Engine engine) {
  switch (engine) {
    case Bf16Engine::Avx512Bf16: return "AVX512_BF16";
    case Bf16Engine::Fp32: return "FP32 kernels";
  }
  return "unknown";
}

Bf16Engine known_bf16_engine(CpuVendor vendor) {
  return vendor == CpuVendor::Amd ? Bf16Engine::Avx512Bf16 : Bf16Engine::Fp32;
}

Bf16Engine host_bf16_engine() { return Bf16Engine(selected_bf16_engine().load(std::memory_order_relaxed)); }

ScopedBf16Engine::ScopedBf16Engine(Bf16Engine engine) : previous_(host_bf16_engine()) {
  selected_bf16_engine().store(int(engine));
}

ScopedBf16Engine::~ScopedBf16Engine() { selected_bf16_engine().store(int(previous_)); }

Isa host_isa() { return Isa(selected().load(std::memory_order_relaxed)); }

ScopedIsa::ScopedIsa(Isa isa) : previous_(host_isa()) { selected().store(int(std::min(isa, cpu_isa()))); }

ScopedIsa::~ScopedIsa() { selected().store(int(previous_)); }

}  // namespace ghostnet::host
