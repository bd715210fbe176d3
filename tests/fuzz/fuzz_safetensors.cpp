// libFuzzer target: safetensors files: the 8-byte header length, the JSON header (nlohmann with the
// depth and repeated-key guards), entries, layout checks and the limits.
#include "fuzz_common.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  ghostnet::fuzz::parse_checkpoint_bytes(data, size);
  return 0;
}
