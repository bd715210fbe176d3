// Building binary test inputs by hand.
#pragma once

#include <cstdint>
#include <string>

namespace ghostnet::testing {

// `value` as `bytes` little-endian bytes.
inline std::string le(uint64_t value, int bytes) {
  std::string out;
  for (int i = 0; i < bytes; ++i) out += char((value >> (8 * i)) & 0xff);
  return out;
}

}  // namespace ghostnet::testing
