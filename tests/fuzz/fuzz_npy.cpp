// libFuzzer target: NumPy .npy files (the CLI's input format): the magic, the version, the
// header length, the Python-dict header parser, the element type and the data size.
#include <cstddef>
#include <cstdint>

#include "ghostnet/error.h"
#include "ghostnet/npy.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  try {
    const ghostnet::NpyArray array = ghostnet::parse_npy(data, size, "fuzz input");
    uint64_t numel = 1;
    for (int64_t dim : array.shape) numel *= uint64_t(dim);
    if (numel * ghostnet::dtype_size(array.dtype) != array.bytes.size()) __builtin_trap();
  } catch (const ghostnet::Error&) {
  }
  return 0;
}
