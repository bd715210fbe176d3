// libFuzzer target: legacy PyTorch files (torch.save with _use_new_zipfile_serialization=False):
// five pickles in a row through the restricted unpickler (no CRC stands in the way), the
// storage records after them, views, strides and the limits.
#include "fuzz_common.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  ghostnet::fuzz::parse_checkpoint_bytes(data, size);
  return 0;
}
