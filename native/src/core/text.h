// Text for error messages, the same everywhere.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace ghostnet {

// "[2, 3, 224, 224]"
inline std::string dims_text(const std::vector<int64_t>& dims) {
  std::string text = "[";
  for (std::size_t i = 0; i < dims.size(); ++i) text += (i ? ", " : "") + std::to_string(dims[i]);
  return text + "]";
}

}  // namespace ghostnet
