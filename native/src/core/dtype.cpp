#include "ghostnet/dtype.h"

#include <cstring>

#include "ghostnet/error.h"

namespace ghostnet {

std::size_t dtype_size(DType dtype) {
  switch (dtype) {
    case DType::F32: return 4;
    case DType::F16: return 2;
    case DType::BF16: return 2;
    case DType::U8: return 1;
  }
  fail(ErrorCode::InvalidArgument, "unknown dtype " + std::to_string(int(dtype)));
}

const char* dtype_name(DType dtype) {
  switch (dtype) {
    case DType::F32: return "f32";
    case DType::F16: return "f16";
    case DType::BF16: return "bf16";
    case DType::U8: return "u8";
  }
  return "unknown";
}

static uint32_t bits_of(float value) {
  uint32_t bits;
  std::memcpy(&bits, &value, sizeof bits);
  return bits;
}

static float float_of(uint32_t bits) {
  float value;
  std::memcpy(&value, &bits, sizeof value);
  return value;
}

float half_to_float(uint16_t h) {
  const uint32_t sign = uint32_t(h & 0x8000) << 16;
  const uint32_t exponent = (h >> 10) & 0x1f;
  const uint32_t mantissa = h & 0x3ff;
  if (exponent == 0x1f) return float_of(sign | 0x7f800000 | (mantissa << 13));  // inf, nan
  if (exponent != 0) return float_of(sign | ((exponent + 112) << 23) | (mantissa << 13));
  // Subnormal half: exact as a float, and 2^-24 per unit.
  const float magnitude = float(mantissa) * (1.0f / 16777216.0f);
  return sign ? -magnitude : magnitude;
}

uint16_t float_to_half(float value) {
  const uint32_t bits = bits_of(value);
  const uint16_t sign = uint16_t((bits >> 16) & 0x8000);
  const uint32_t abs = bits & 0x7fffffff;
  if (abs >= 0x7f800000) return uint16_t(sign | 0x7c00 | (abs > 0x7f800000 ? 0x200 : 0));
  if (abs >= 0x477ff000) return uint16_t(sign | 0x7c00);  // rounds to infinity
  if (abs < 0x38800000) {
    // Result is subnormal (or zero): scale so that one half ulp (2^-24) becomes one, and
    // let the float unit round to nearest even.
    const float scaled = float_of(abs) * 16777216.0f;
    return uint16_t(sign | uint16_t(__builtin_nearbyintf(scaled)));
  }
  // Normal: rebias the exponent and round the 13 dropped mantissa bits to nearest even.
  const uint32_t rebiased = abs - (uint32_t(112) << 23);
  const uint32_t round = 0xfff + ((rebiased >> 13) & 1);
  return uint16_t(sign | ((rebiased + round) >> 13));
}

float bfloat16_to_float(uint16_t bits) { return float_of(uint32_t(bits) << 16); }

uint16_t float_to_bfloat16(float value) {
  const uint32_t bits = bits_of(value);
  if ((bits & 0x7fffffff) > 0x7f800000) return uint16_t((bits >> 16) | 0x40);  // quiet nan
  const uint32_t round = 0x7fff + ((bits >> 16) & 1);
  return uint16_t((bits + round) >> 16);
}

}  // namespace ghostnet
