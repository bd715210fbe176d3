// NumPy .npy files: the CLI's input and output format.
#pragma once

#include "ghostnet/export.h"

#include <cstdint>
#include <string>
#include <vector>

#include "ghostnet/dtype.h"

namespace ghostnet {

struct NpyArray {
  DType dtype = DType::F32;  // from '<f4', '<f2' or '|u1'
  std::vector<int64_t> shape;
  std::vector<uint8_t> bytes;  // C order, little-endian
};

// Reads version 1.0, 2.0 and 3.0 files in C order. Other element types, Fortran order
// and big-endian data are refused with an error that names the file and what was found.
GHOSTNET_API NpyArray read_npy(const std::string& path);
GHOSTNET_API NpyArray parse_npy(const uint8_t* data, std::size_t size, const std::string& name);

GHOSTNET_API void write_npy(const std::string& path, DType dtype, const std::vector<int64_t>& shape,
               const void* data);

}  // namespace ghostnet
