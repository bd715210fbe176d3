// Small helpers shared by the checkpoint readers: little-endian loads, overflow-checked
// arithmetic and the error every reader raises for a bad file.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>

#include "ghostnet/error.h"

namespace ghostnet {

// The readers copy stored bytes straight into tensors and reinterpret them as numbers,
// which is only right on a little-endian host.
static_assert(__BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__, "checkpoint readers assume a little-endian host");

// A read-only range of a file in memory.
struct ByteSpan {
  const uint8_t* data = nullptr;
  std::size_t size = 0;
};

inline uint16_t load_u16(const uint8_t* p) { return uint16_t(p[0] | (p[1] << 8)); }

inline uint32_t load_u32(const uint8_t* p) {
  return uint32_t(p[0]) | (uint32_t(p[1]) << 8) | (uint32_t(p[2]) << 16) | (uint32_t(p[3]) << 24);
}

inline uint64_t load_u64(const uint8_t* p) { return uint64_t(load_u32(p)) | (uint64_t(load_u32(p + 4)) << 32); }

// Checked arithmetic: false when the result does not fit.
inline bool checked_mul(uint64_t a, uint64_t b, uint64_t* out) { return !__builtin_mul_overflow(a, b, out); }
inline bool checked_add(uint64_t a, uint64_t b, uint64_t* out) { return !__builtin_add_overflow(a, b, out); }

// Whether [offset, offset + length) lies inside [0, size).
inline bool range_fits(uint64_t offset, uint64_t length, uint64_t size) {
  return offset <= size && length <= size - offset;
}

// Every malformed, truncated or hostile file ends here: the message names the file.
[[noreturn]] inline void fail_checkpoint(const std::string& file, const std::string& what) {
  fail(ErrorCode::Checkpoint, file + ": " + what);
}

}  // namespace ghostnet
