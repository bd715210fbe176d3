// libFuzzer target: PyTorch zip files (torch.save, torch >= 1.6): the end records, zip64, the central
// directory, local headers, CRC-32, then the unpickler and tensor gathering. Mutations inside
// a stored entry mostly fail its CRC; fuzz_torch_zip_pickle reaches the pickle behind it.
#include "fuzz_common.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  ghostnet::fuzz::parse_checkpoint_bytes(data, size);
  return 0;
}
