// Element types of tensors the library computes with or exchanges.
#pragma once

#include "ghostnet/c_api.h"
#include "ghostnet/export.h"

#include <cstddef>
#include <cstdint>

namespace ghostnet {

// The numbers are the C API's.
enum class DType : int32_t { F32 = GN_F32, F16 = GN_F16, BF16 = GN_BF16, U8 = GN_U8 };

GHOSTNET_API std::size_t dtype_size(DType dtype);
GHOSTNET_API const char* dtype_name(DType dtype);  // "f32", "f16", "bf16", "u8"

// IEEE half and bfloat16 conversions on the host (round to nearest even).
GHOSTNET_API float half_to_float(uint16_t bits);
GHOSTNET_API uint16_t float_to_half(float value);
GHOSTNET_API float bfloat16_to_float(uint16_t bits);
GHOSTNET_API uint16_t float_to_bfloat16(float value);

}  // namespace ghostnet
